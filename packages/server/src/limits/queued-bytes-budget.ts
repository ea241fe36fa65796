/**
 * The bytes waiting in all subscriber queues of this node, shared by every queue. A plain object
 * with a number: queues add and subtract on the per-packet path; /metrics reads it as a gauge.
 */
export class QueuedBytesBudget {
  readonly maxQueuedBytes: number;
  queuedBytes = 0;

  constructor(maxQueuedBytes: number) {
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /** Whether `bytes` more would take the node over its limit. */
  wouldExceed(bytes: number): boolean {
    return this.queuedBytes + bytes > this.maxQueuedBytes;
  }
}
