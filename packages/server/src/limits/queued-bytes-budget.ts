/**
 * Share of the node's limit kept for queues holding less than a fair share: past the rest, only
 * those may still queue video. So readers that stopped reading, each holding up to its own limit,
 * fill the node to 75 % and stop there, and a reader that keeps up (whose queue is momentarily
 * above zero) still has room, instead of losing frames to their backlog.
 */
export const RESERVED_SHARE = 0.25;

/**
 * The bytes waiting in all subscriber queues of this node, shared by every queue. A plain object
 * with numbers: queues add and subtract on the per-packet path; /metrics reads it as a gauge.
 */
export class QueuedBytesBudget {
  readonly maxQueuedBytes: number;
  queuedBytes = 0;
  /** Open queues sharing the budget (each queue counts itself in and out). */
  queues = 0;

  constructor(maxQueuedBytes: number) {
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /**
   * Whether `bytes` more for a queue already holding `queueBytes` would take the node over its
   * limit: the whole limit for every queue, and the part past the reserve for a queue holding more
   * than its fair share (the limit over the open queues).
   */
  wouldExceed(bytes: number, queueBytes = 0): boolean {
    const total = this.queuedBytes + bytes;
    if (total > this.maxQueuedBytes) return true;
    if (total <= this.maxQueuedBytes * (1 - RESERVED_SHARE)) return false;
    return queueBytes + bytes > this.maxQueuedBytes / Math.max(1, this.queues);
  }
}
