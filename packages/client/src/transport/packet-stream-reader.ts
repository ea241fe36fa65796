import { FrameTooLargeError, StreamDeframer } from "@videocall/protocol";

/** How a framed packet stream ended. */
export type PacketStreamEnd =
  | { kind: "ended" }
  /** A length prefix over the limit: the peer is broken or hostile, and the framing is lost for good. */
  | { kind: "frame-too-large"; frameBytes: number; maxBytes: number }
  /** The stream errored (the connection was closed or lost). */
  | { kind: "failed"; error: unknown };

/**
 * Reads length-prefixed packets (stream-framing.ts) from `readable` until it ends, and says how it
 * ended instead of throwing. `onPacket` gets views into a reused buffer (copy to keep).
 */
export async function readPacketStream(
  readable: ReadableStream<Uint8Array>,
  maxPacketBytes: number,
  onPacket: (packet: Uint8Array) => void,
): Promise<PacketStreamEnd> {
  const deframer = new StreamDeframer(maxPacketBytes);
  const reader = readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: "ended" };
      deframer.push(value, onPacket);
    }
  } catch (error) {
    if (error instanceof FrameTooLargeError) {
      reader.cancel(error).catch(() => {});
      return { kind: "frame-too-large", frameBytes: error.frameBytes, maxBytes: error.maxBytes };
    }
    return { kind: "failed", error };
  } finally {
    reader.releaseLock();
  }
}
