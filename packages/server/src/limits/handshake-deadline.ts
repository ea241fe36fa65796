/**
 * The time a new connection has to finish its handshake and send its first packet (slowloris:
 * a client that opens connections and then dribbles or says nothing holds the server's resources).
 * The owner clears it at the first packet and when the connection ends, so no timer outlives it.
 */
export class HandshakeDeadline {
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #expired = Promise.withResolvers<void>();
  #state: "running" | "met" | "expired" = "running";

  constructor(timeoutMs: number, onExpired: () => void) {
    this.#timer = setTimeout(() => {
      this.#state = "expired";
      onExpired();
      this.#expired.resolve();
    }, timeoutMs);
  }

  get isExpired(): boolean {
    return this.#state === "expired";
  }

  /** Settles when the deadline passes (never, once met): race a handshake step against it. */
  get whenExpired(): Promise<void> {
    return this.#expired.promise;
  }

  /** The handshake is done (or the connection gone): cheap to call again, as on every packet. */
  meet(): void {
    if (this.#state !== "running") return;
    this.#state = "met";
    clearTimeout(this.#timer);
  }
}
