/** Packets in the decoder beyond this are forgotten (their outputs will never come). */
const MAX_PENDING_PACKETS = 64;

/**
 * Matches a decoder's outputs to the packets that went in. Outputs come in the order packets went
 * in, so each belongs to the oldest packet still in the decoder; the output's timestamp only
 * confirms it: when it names a later packet still pending, the ones before it gave no output.
 *
 * The timestamp alone cannot be trusted: Chromium's AudioDecoder counts samples on from the first
 * packet, so after each lost packet every output carried the timestamp of the packet before it,
 * and under 3 % loss the playout was handed seconds-old sequence numbers and capture times (lip
 * sync then held video for sound that had long played).
 */
export class DecodeOrder {
  /** Sequence numbers in the decoder, oldest first. */
  #pending: number[] = [];

  submitted(sequence: number): void {
    this.#pending.push(sequence);
    if (this.#pending.length > MAX_PENDING_PACKETS) this.#pending.shift();
  }

  /** The packet of an output whose timestamp says `timestampSequence`; undefined if none is pending. */
  output(timestampSequence: number): number | undefined {
    const named = this.#pending.indexOf(timestampSequence);
    if (named > 0) this.#pending.splice(0, named);
    return this.#pending.shift();
  }

  /** The decoder was replaced: nothing in it will come out. */
  clear(): void {
    this.#pending.length = 0;
  }
}
