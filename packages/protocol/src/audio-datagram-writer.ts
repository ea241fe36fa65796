/**
 * Audio datagrams wait for the transport at most this long while it makes no progress; after
 * that, new ones are dropped rather than queued. The datagram writable has no bound of its own,
 * and a congestion window held full (video on the stream, a lossy path) would queue audio without
 * limit, delaying every later frame where the receiver would rather conceal one.
 */
export const AUDIO_DATAGRAM_STALL_MS = 100;
/** Datagrams waiting before the stall rule applies: a turn's burst (many speakers) is not a stall. */
export const MIN_QUEUED_AUDIO_DATAGRAMS = 16;
/** Never more than this wait, stalled or not. */
export const MAX_QUEUED_AUDIO_DATAGRAMS = 256;
/** Where the implementation offers it (Chromium), it drops datagrams this old itself. */
export const AUDIO_DATAGRAM_MAX_AGE_MS = 150;

type DatagramDuplex = WebTransportDatagramDuplexStream & {
  createWritable?: () => WritableStream<Uint8Array>;
  outgoingMaxAge?: number | null;
};

/** Writes audio datagrams with a bounded wait: a late audio frame is worth less than none. */
export class AudioDatagramWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #nowMs: () => number;
  #queued = 0;
  #dropped = 0;
  /** When the transport last took a datagram (or the queue was last empty). */
  #progressAtMs = 0;
  readonly #settled = () => {
    this.#queued--;
    this.#progressAtMs = this.#nowMs();
  };

  constructor(datagrams: WebTransportDatagramDuplexStream, nowMs: () => number = () => performance.now()) {
    const duplex = datagrams as DatagramDuplex;
    this.#nowMs = nowMs;
    try {
      if ("outgoingMaxAge" in duplex) duplex.outgoingMaxAge = AUDIO_DATAGRAM_MAX_AGE_MS;
    } catch {
      // read-only or unsupported here: the bound below still holds
    }
    this.#writer = (duplex.createWritable?.() ?? duplex.writable).getWriter();
  }

  /** Hands `packet` to the transport; false when the transport is stalled (the packet is dropped). */
  write(packet: Uint8Array): boolean {
    const nowMs = this.#nowMs();
    if (this.#queued === 0) this.#progressAtMs = nowMs;
    const stalled =
      this.#queued >= MIN_QUEUED_AUDIO_DATAGRAMS && nowMs - this.#progressAtMs > AUDIO_DATAGRAM_STALL_MS;
    if (stalled || this.#queued >= MAX_QUEUED_AUDIO_DATAGRAMS) {
      this.#dropped++;
      return false;
    }
    this.#queued++;
    this.#writer.write(packet).then(this.#settled, this.#settled);
    return true;
  }

  /** Datagrams dropped because the transport was stalled. */
  get dropped(): number {
    return this.#dropped;
  }
}
