import {
  type FrameDecodeOutcome,
  type FrameMetadata,
  type FrameTransform,
  FrameTransformError,
  type FrameTransformSpec,
  identityTransform,
  loadFrameTransform,
} from "./frame-transform.ts";

/**
 * Frames waiting for an asynchronous transform, at most. Past it a frame is refused at once (a
 * transform this far behind would only add latency), which the watcher answers like any failed
 * frame: wait for a key frame.
 */
const MAX_PENDING_FRAMES = 64;

/**
 * Runs one track's frames through its FrameTransform in order, whether the transform answers at
 * once or later (Web Crypto). While the transform module loads, frames queue behind it. A
 * synchronous transform (identity) with nothing queued delivers before `encode`/`decode` return.
 */
export class OrderedFrameTransform {
  #transform: FrameTransform | undefined;
  #loadError: FrameTransformError | undefined;
  #tail: Promise<void>;
  #pending = 0;
  #closed = false;

  constructor(spec: FrameTransformSpec | undefined, direction: "encode" | "decode") {
    if (!spec) {
      // Identity needs no module: frames pass from the first one on, with no await.
      this.#transform = identityTransform;
      this.#tail = Promise.resolve();
      return;
    }
    this.#tail = loadFrameTransform(spec, direction).then(
      (transform) => {
        if (this.#closed) transform.close?.();
        else this.#transform = transform;
      },
      (error) => {
        this.#loadError = new FrameTransformError("failed", `frame transform did not load: ${error}`, {
          cause: error,
        });
      },
    );
  }

  /** Frames given and not yet delivered. */
  get pending(): number {
    return this.#pending;
  }

  /** The load failure, if the module could not be loaded (every frame then fails). */
  get loadError(): FrameTransformError | undefined {
    return this.#loadError;
  }

  encode(
    payload: Uint8Array,
    metadata: FrameMetadata,
    deliver: (payload: Uint8Array) => void,
    drop: (error: FrameTransformError) => void,
  ): void {
    this.#run(
      (transform) => transform.encode(payload, metadata),
      (result) => deliver(result),
      drop,
    );
  }

  decode(payload: Uint8Array, metadata: FrameMetadata, deliver: (outcome: FrameDecodeOutcome) => void): void {
    this.#run(
      (transform) => transform.decode(payload, metadata),
      deliver,
      (error) => deliver({ ok: false, error }),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#transform?.close?.();
    this.#transform = undefined;
  }

  #run<T>(
    step: (transform: FrameTransform) => T | Promise<T>,
    deliver: (result: T) => void,
    fail: (error: FrameTransformError) => void,
  ): void {
    if (this.#closed) return;
    if (this.#pending >= MAX_PENDING_FRAMES) {
      fail(new FrameTransformError("failed", `${this.#pending} frames waiting for the transform`));
      return;
    }
    const transform = this.#transform;
    if (transform && this.#pending === 0) {
      // Fast path: nothing queued, so a synchronous answer keeps the order.
      let result: T | Promise<T>;
      try {
        result = step(transform);
      } catch (error) {
        fail(asTransformError(error));
        return;
      }
      if (!(result instanceof Promise)) {
        deliver(result);
        return;
      }
      this.#queue(() => result, deliver, fail);
      return;
    }
    this.#queue(
      () => {
        if (this.#loadError) throw this.#loadError;
        if (!this.#transform) throw new FrameTransformError("failed", "the transform is closed");
        return step(this.#transform);
      },
      deliver,
      fail,
    );
  }

  #queue<T>(
    step: () => T | Promise<T>,
    deliver: (result: T) => void,
    fail: (error: FrameTransformError) => void,
  ): void {
    this.#pending++;
    // Each frame waits for the one before it; its own failure never stops the next.
    this.#tail = this.#tail
      .then(step)
      .then(
        (result) => {
          if (!this.#closed) deliver(result);
        },
        (error) => {
          if (!this.#closed) fail(asTransformError(error));
        },
      )
      .finally(() => {
        this.#pending--;
      });
  }
}

function asTransformError(error: unknown): FrameTransformError {
  return error instanceof FrameTransformError
    ? error
    : new FrameTransformError("failed", `frame transform threw: ${String(error)}`, { cause: error });
}
