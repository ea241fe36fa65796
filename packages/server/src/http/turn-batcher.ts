import { PacketBatchWriter } from "@videocall/protocol";
import { HOLD_WHILE_WRITING_MAX_BYTES } from "../relay/client-connection.ts";

/** Where a batch goes: a v3 WebSocket's binary send (which copies the bytes before it returns). */
export interface BatchTarget {
  sendBatch(batch: Uint8Array<ArrayBuffer>): void;
  /**
   * Bytes of earlier batches the socket has not finished writing (Deno's `bufferedAmount`): while
   * it is above 0, a small batch waits to go out with what comes next.
   */
  readonly writingBytes: number;
  /** The send threw: the socket is broken. */
  onBatchFailed(error: unknown): void;
}

const RECHECK_MAX_MS = 8;

/**
 * Coalesces the packets each v3 WebSocket is handed within one event-loop turn into one message
 * (packet-batch.ts). Nothing waits on a timer: the first packet of a turn queues one microtask,
 * which runs after every message event Deno delivered in that turn, and sends each socket's
 * packets as one batch built in one reused buffer. Packets are held by reference until then (the
 * subscriber queues already hold them longer; no caller reuses a packet's bytes).
 *
 * Under load a batch also spans turns: while its socket is still writing the previous message
 * (Deno writes each send in a task of its own, first-in first-out), a small batch is held and
 * goes out with the packets of the next turns once that write is done. Those packets would have
 * waited behind the write anyway; held, they cost one write and one receive instead of one each.
 * A write finishes only between event-loop iterations, so held batches are looked at again from
 * a timer (once per iteration at most), not at every turn: 0 ms, doubled from 1 ms up to
 * RECHECK_MAX_MS while a recheck sends nothing (a stalled reader must not make the timer spin).
 */
export class TurnBatcher {
  readonly #writer = new PacketBatchWriter();
  /** Batches that got their first packet since the last flush. */
  readonly #fresh: PendingBatch[] = [];
  /** Batches waiting for their socket's earlier write. */
  #held: PendingBatch[] = [];
  #spare: PendingBatch[] = [];
  #flushQueued = false;
  #recheckTimer: ReturnType<typeof setTimeout> | undefined;
  #recheckDelayMs = 0;
  #batchesHeld = 0;
  readonly #flushAll = () => this.flushAll();
  readonly #recheck = () => {
    this.#recheckTimer = undefined;
    const heldBefore = this.#held.length;
    const held = this.#held;
    const stillHeld = this.#spare;
    for (let i = 0; i < held.length; i++) {
      const batch = held[i] as PendingBatch;
      if (!batch.flushUnlessWriting()) stillHeld.push(batch);
    }
    held.length = 0;
    this.#held = stillHeld;
    this.#spare = held;
    if (stillHeld.length === 0) return;
    this.#recheckDelayMs =
      stillHeld.length < heldBefore ? 0 : Math.min(RECHECK_MAX_MS, this.#recheckDelayMs * 2 || 1);
    this.#recheckTimer = setTimeout(this.#recheck, this.#recheckDelayMs);
  };

  /** A per-socket batch that sends through this batcher. */
  open(target: BatchTarget): PendingBatch {
    return new PendingBatch(this, target);
  }

  /** @internal: a batch got its first packet (a held batch already has some, and waits). */
  schedule(batch: PendingBatch): void {
    this.#fresh.push(batch);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushAll);
    }
  }

  /** Sends each batch that got its first packet this turn; a small one whose socket is still writing is held. */
  flushAll(): void {
    this.#flushQueued = false;
    const fresh = this.#fresh;
    const heldBefore = this.#held.length;
    // Index loop: a flush never schedules another batch, but stays correct if one did.
    for (let i = 0; i < fresh.length; i++) {
      const batch = fresh[i] as PendingBatch;
      if (!batch.flushUnlessWriting()) this.#held.push(batch);
    }
    fresh.length = 0;
    const newlyHeld = this.#held.length - heldBefore;
    if (newlyHeld === 0) return;
    this.#batchesHeld += newlyHeld;
    // New batches wait: look again at the next iteration, whatever the last rechecks found.
    this.#recheckDelayMs = 0;
    if (this.#recheckTimer === undefined) this.#recheckTimer = setTimeout(this.#recheck, 0);
  }

  /** Batches held for their socket's earlier write, counted once each time one is held. */
  get batchesHeld(): number {
    return this.#batchesHeld;
  }

  /** Batches waiting for the end of the turn or for their socket's write. */
  get pendingBatches(): number {
    return this.#fresh.length + this.#held.length;
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

  /**
   * Sends what is pending, unless it is small and the socket is still writing: then it stays
   * pending (false) for more packets to join it. Never throws: the batcher's lists hold every
   * socket's batch, and one broken socket must not leave the others' batches unsent.
   */
  flushUnlessWriting(): boolean {
    if (!this.#closed && this.#packets.length > 0 && this.#pendingBytes < HOLD_WHILE_WRITING_MAX_BYTES) {
      let writingBytes: number;
      try {
        writingBytes = this.#target.writingBytes;
      } catch (error) {
        this.#fail(error);
        return true;
      }
      if (writingBytes > 0) return false;
    }
    this.flush();
    return true;
  }

  /** Sends what is pending as one message now (a Goodbye before a close goes out this way). */
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
      this.#fail(error);
    }
  }

  /** The socket broke: nothing more is sent on it, and its owner closes it. */
  #fail(error: unknown): void {
    this.close();
    try {
      this.#target.onBatchFailed(error);
    } catch {
      // Its close failed too; the batch is already out of every list.
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
