/**
 * Audio datagrams in flight to the transport beyond this are dropped rather than queued: 16 is
 * 320 ms of one speaker, about 100 ms of three. The datagram writable has no bound of its own, and
 * when the congestion window is full (video on the stream, a lossy path), an unbounded queue
 * delayed every later audio frame by seconds, where the receiver would rather conceal one.
 */
export const MAX_QUEUED_AUDIO_DATAGRAMS = 16;
/** Where the implementation offers it (Chromium), it drops datagrams this old itself. */
export const AUDIO_DATAGRAM_MAX_AGE_MS = 150;

type DatagramDuplex = WebTransportDatagramDuplexStream & {
  createWritable?: () => WritableStream<Uint8Array>;
  outgoingMaxAge?: number | null;
};

/** Writes audio datagrams with a bounded queue: a late audio frame is worth less than none. */
export class AudioDatagramWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #queued = 0;
  #dropped = 0;
  readonly #settled = () => {
    this.#queued--;
  };

  constructor(datagrams: WebTransportDatagramDuplexStream) {
    const duplex = datagrams as DatagramDuplex;
    try {
      if ("outgoingMaxAge" in duplex) duplex.outgoingMaxAge = AUDIO_DATAGRAM_MAX_AGE_MS;
    } catch {
      // read-only or unsupported here: the queue bound below still holds
    }
    this.#writer = (duplex.createWritable?.() ?? duplex.writable).getWriter();
  }

  /** Hands `packet` to the transport; false when too many wait already (the packet is dropped). */
  write(packet: Uint8Array): boolean {
    if (this.#queued >= MAX_QUEUED_AUDIO_DATAGRAMS) {
      this.#dropped++;
      return false;
    }
    this.#queued++;
    this.#writer.write(packet).then(this.#settled, this.#settled);
    return true;
  }

  /** Datagrams dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }
}
