import { assertEquals } from "../../../test/fixtures/assert.ts";
import {
  AUDIO_DATAGRAM_STALL_MS,
  AudioDatagramWriter,
  MAX_QUEUED_AUDIO_DATAGRAMS,
  MIN_QUEUED_AUDIO_DATAGRAMS,
} from "./audio-datagram-writer.ts";

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
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  /** The transport drains: each write is taken in turn until none waits. */
  const release = async () => {
    await tick();
    while (waiting.length > 0) {
      for (const resolve of waiting.splice(0)) resolve();
      await tick();
    }
  };
  return { duplex, written, release };
}

Deno.test("a burst of audio datagrams in one turn all go out; the browser's own expiry is set where offered", async () => {
  const { duplex, written, release } = stalledDatagrams();
  const writer = new AudioDatagramWriter(duplex as unknown as WebTransportDatagramDuplexStream, () => 0);
  assertEquals(duplex.outgoingMaxAge, 150);
  const taken = Array.from({ length: 40 }, (_, i) => writer.write(new Uint8Array([i]))).filter(
    Boolean,
  ).length;
  assertEquals(taken, 40, "no time passed: a burst, not a stall");
  await release();
  assertEquals(written.length, 40);
  assertEquals(writer.dropped, 0);
});

Deno.test("while the transport takes nothing for longer than the stall, new audio is dropped; it flows again after", async () => {
  const { duplex, written, release } = stalledDatagrams();
  let nowMs = 0;
  const writer = new AudioDatagramWriter(duplex as unknown as WebTransportDatagramDuplexStream, () => nowMs);
  // One datagram every 20 ms for 2 s while nothing drains.
  let taken = 0;
  for (let i = 0; i < 100; i++, nowMs += 20) if (writer.write(new Uint8Array([i]))) taken++;
  assertEquals(taken, Math.max(MIN_QUEUED_AUDIO_DATAGRAMS, AUDIO_DATAGRAM_STALL_MS / 20 + 1));
  assertEquals(writer.dropped, 100 - taken);
  await release();
  assertEquals(written.length, taken, "what was queued went out, in order");
  assertEquals(written[0]?.[0], 0);
  assertEquals(writer.write(new Uint8Array([99])), true, "drained: taken again");
});

Deno.test("however fast they come, no more than the cap wait", () => {
  const { duplex } = stalledDatagrams();
  const writer = new AudioDatagramWriter(duplex as unknown as WebTransportDatagramDuplexStream, () => 0);
  for (let i = 0; i < 1_000; i++) writer.write(new Uint8Array([1]));
  assertEquals(writer.dropped, 1_000 - MAX_QUEUED_AUDIO_DATAGRAMS);
});
