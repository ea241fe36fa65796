import { assertEquals } from "../../../test/fixtures/assert.ts";
import { AudioDatagramWriter, MAX_QUEUED_AUDIO_DATAGRAMS } from "./audio-datagram-writer.ts";

/** A datagram duplex whose transport takes nothing until `release()` (a full congestion window). */
function stalledDatagrams() {
  const written: Uint8Array[] = [];
  const waiting: (() => void)[] = [];
  const writable = new WritableStream<Uint8Array>(
    {
      write: (chunk) =>
        new Promise<void>((resolve) => {
          written.push(chunk);
          waiting.push(resolve);
        }),
    },
    { highWaterMark: 1 },
  );
  const duplex = { writable, readable: new ReadableStream(), outgoingMaxAge: null as number | null };
  const release = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { duplex, written, release };
}

Deno.test("audio datagrams beyond the queue's bound are dropped while the transport is stalled, and flow again after", async () => {
  const { duplex, written, release } = stalledDatagrams();
  const writer = new AudioDatagramWriter(duplex as unknown as WebTransportDatagramDuplexStream);
  assertEquals(duplex.outgoingMaxAge, 150, "the browser's own expiry is set where offered");
  const results = Array.from({ length: 40 }, (_, i) => writer.write(new Uint8Array([i])));
  assertEquals(results.filter(Boolean).length, MAX_QUEUED_AUDIO_DATAGRAMS);
  assertEquals(writer.dropped, 40 - MAX_QUEUED_AUDIO_DATAGRAMS);
  // The transport drains: the queue empties and new datagrams are taken again.
  for (let i = 0; i < MAX_QUEUED_AUDIO_DATAGRAMS && written.length < MAX_QUEUED_AUDIO_DATAGRAMS; i++) {
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(written.length, MAX_QUEUED_AUDIO_DATAGRAMS, "what was queued went out, in order");
  assertEquals(written[0]?.[0], 0);
  assertEquals(writer.write(new Uint8Array([99])), true);
});
