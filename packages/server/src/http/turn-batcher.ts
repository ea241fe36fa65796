import { PacketBatchWriter } from "@videocall/protocol";

/** Where a batch goes: a v3 WebSocket's binary send (which copies the bytes before it returns). */
export interface BatchTarget {
  sendBatch(batch: Uint8Array<ArrayBuffer>): void;
  /** The send threw: the socket is broken. */
  onBatchFailed(error: unknown): void;
}

/**
 * Coalesces the packets each v3 WebSocket is handed within one event-loop turn into one message
 * (packet-batch.ts). Nothing waits on a timer: the first packet of a turn queues one microtask,
 * which runs after every message event Deno delivered in that turn, and sends each socket's
 * packets as one batch built in one reused buffer. Packets are held by reference until then (the
 * subscriber queues already hold them longer; no caller reuses a packet's bytes).
 */
export class TurnBatcher {
  readonly #writer = new PacketBatchWriter();
  readonly #pendingTargets: PendingBatch[] = [];
  #flushQueued = false;
  readonly #flushAll = () => this.flushAll();

  /** A per-socket batch that sends through this batcher. */
  open(target: BatchTarget): PendingBatch {
    return new PendingBatch(this, target);
  }

  /** @internal: a batch got its first packet of the turn. */
  schedule(batch: PendingBatch): void {
    this.#pendingTargets.push(batch);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushAll);
    }
  }

  /** Sends every pending batch now. */
  flushAll(): void {
    this.#flushQueued = false;
    const targets = this.#pendingTargets;
    // Index loop: a flush never schedules another batch, but stays correct if one did.
    for (let i = 0; i < targets.length; i++) (targets[i] as PendingBatch).flush();
    targets.length = 0;
  }

  /** @internal */
  get writer(): PacketBatchWriter {
    return this.#writer;
  }
}

export class PendingBatch {
  readonly #batcher: TurnBatcher;
  readonly #target: BatchTarget;
  readonly #packets: Uint8Array[] = [];
  #pendingBytes = 0;
  #closed = false;

  constructor(batcher: TurnBatcher, target: BatchTarget) {
    this.#batcher = batcher;
    this.#target = target;
  }

  get pendingPackets(): number {
    return this.#packets.length;
  }

  /** Bytes of the packets waiting for the end of the turn (not yet in the socket's buffer). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  add(packet: Uint8Array): void {
    if (this.#closed) return;
    if (this.#packets.length === 0) this.#batcher.schedule(this);
    this.#packets.push(packet);
    this.#pendingBytes += packet.length;
  }

  /** Sends what is pending as one message (a Goodbye before a close goes out this way). */
  flush(): void {
    const packets = this.#packets;
    if (packets.length === 0) return;
    const writer = this.#batcher.writer;
    writer.reset();
    for (let i = 0; i < packets.length; i++) writer.append(packets[i] as Uint8Array);
    packets.length = 0;
    this.#pendingBytes = 0;
    if (this.#closed) return;
    try {
      this.#target.sendBatch(writer.bytes);
    } catch (error) {
      this.#closed = true;
      this.#target.onBatchFailed(error);
    }
  }

  /** Drops what is pending; later packets are ignored. */
  close(): void {
    this.#closed = true;
    this.#packets.length = 0;
    this.#pendingBytes = 0;
  }
}

/** The one batcher of the process: one microtask per turn for all sockets. */
export const turnBatcher = new TurnBatcher();
