/**
 * Fuzzing the v3 WebSocket batch deframing (packet-batch.ts) that clients run on every message
 * from the relay: batches of corpus packets, then mutated whole (bit flips, truncations, spliced
 * varints across frame boundaries). The answer is always the packets or a typed problem, never
 * an exception; a problem delivers nothing; what is accepted covers the message exactly.
 */
import { forEachPacketInBatch, MAX_PACKET_BYTES, PacketBatchWriter } from "@videocall/protocol";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { PACKETS } from "./inputs.ts";
import { MUTATIONS, Mutator } from "./mutate.ts";
import { SeededRandom } from "./prng.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261201);
const INPUTS = 50_000;

Deno.test(`batch deframing survives ${INPUTS} mutated batches (seed ${SEED})`, () => {
  const random = new SeededRandom(SEED);
  const mutator = new Mutator(PACKETS, random);
  const writer = new PacketBatchWriter();
  const problems: Record<string, number> = {};
  let accepted = 0;
  for (let i = 0; i < INPUTS; i++) {
    writer.reset();
    const count = 1 + random.int(6);
    const originals: Uint8Array[] = [];
    for (let j = 0; j < count; j++) {
      const packet = mutator.valid();
      if (packet.length === 0) continue;
      originals.push(packet);
      writer.append(packet);
    }
    let message = writer.bytes.slice();
    const mutated = random.chance(0.8);
    if (mutated) {
      const rounds = 1 + random.int(3);
      for (let r = 0; r < rounds; r++)
        message = mutator.mutate(message, random.pick(MUTATIONS)) as typeof message;
    }
    const packets: Uint8Array[] = [];
    let problem: ReturnType<typeof forEachPacketInBatch>;
    try {
      problem = forEachPacketInBatch(message, MAX_PACKET_BYTES, (p) => packets.push(p));
    } catch (error) {
      throw new Error(`input ${i} threw: ${error}`);
    }
    if (problem) {
      problems[problem.kind] = (problems[problem.kind] ?? 0) + 1;
      assertEquals(packets.length, 0, `input ${i}: a bad batch delivers nothing`);
      continue;
    }
    accepted++;
    let offset = 0;
    for (const p of packets) {
      const start = p.byteOffset - message.byteOffset;
      assert(p.buffer === message.buffer && start > offset && start - offset <= 4, `input ${i}`);
      offset = start + p.length;
    }
    assertEquals(offset, message.length, `input ${i}: the packets cover the message`);
    if (!mutated) assertEquals(packets, originals, `input ${i}: an untouched batch splits back`);
  }
  console.log(`batch fuzz: ${accepted} accepted, problems ${JSON.stringify(problems)}`);
  assert(accepted > INPUTS / 5, "valid batches are accepted");
  for (const kind of ["truncated", "too-large", "empty-packet"]) assert((problems[kind] ?? 0) > 0, kind);
});
