/**
 * What the fuzzers feed the relay, all drawn from a seeded PRNG: input `i` of a run seeded `s`
 * comes from its own generator seeded `inputSeed(s, i)`, so (seed, index) regenerates it alone.
 */
import { encodePacket, FROM_SESSION_TAG, frameOnStream } from "@videocall/protocol";
import { buildBusCorpus, buildPacketCorpus } from "./corpus.ts";
import { Mutator } from "./mutate.ts";
import { inputSeed, SeededRandom } from "./prng.ts";
import type { BusAddress, FuzzInput, FuzzTarget } from "./relay-harness.ts";

const PACKET_CORPUS = buildPacketCorpus(0x5eed, 24);
const BUS_CORPUS = buildBusCorpus(0x5eed, 32);
const PRESENCE_CORPUS = BUS_CORPUS.slice(0, 32).map((bytes) => ({ bytes }));
const HEARTBEAT_CORPUS = BUS_CORPUS.slice(32).map((bytes) => ({ bytes }));
export const PACKETS = PACKET_CORPUS.map((p) => ({ bytes: p.bytes }));

/** Relative weights of the entry points. */
const TARGET_WEIGHTS: ReadonlyArray<[FuzzTarget, number]> = [
  ["websocket", 34],
  ["websocket-text", 1],
  ["webtransport-datagram", 10],
  ["webtransport-stream", 20],
  ["bus-packet", 18],
  ["bus-presence", 12],
  ["bus-heartbeat", 5],
];
const TOTAL_WEIGHT = TARGET_WEIGHTS.reduce((sum, [, w]) => sum + w, 0);

function pickTarget(random: SeededRandom): FuzzTarget {
  let roll = random.int(TOTAL_WEIGHT);
  for (const [target, weight] of TARGET_WEIGHTS) {
    if (roll < weight) return target;
    roll -= weight;
  }
  return "websocket";
}

/** Input `index` of the run seeded `seed`. */
export function generateInput(seed: number, index: number): FuzzInput {
  const random = new SeededRandom(inputSeed(seed, index));
  const target = pickTarget(random);
  const packets = new Mutator(PACKETS, random);
  const packet = () => (random.chance(0.9) ? packets.next() : packets.valid());
  switch (target) {
    case "websocket":
    case "webtransport-datagram":
      return { target, bytes: packet() };
    case "websocket-text":
      return { target, bytes: new Uint8Array(0) };
    case "webtransport-stream":
      return streamInput(random, packet);
    case "bus-packet": {
      const bytes = packet();
      // Packets on the bus are stamped by their node: give the placeholder a random session.
      if (bytes[0] === FROM_SESSION_TAG && bytes.length >= 5 && random.chance(0.9)) {
        bytes.set(random.bytes(4), 1);
      }
      const address: BusAddress = random.pick(["broadcast", "broadcast", "local-watcher", "unknown-session"]);
      return { target, bytes, address, ...(random.chance(0.5) ? { stampAsRemote: true } : {}) };
    }
    case "bus-presence":
      return {
        target,
        bytes: random.chance(0.9)
          ? new Mutator(PRESENCE_CORPUS, random).next()
          : random.pick(PRESENCE_CORPUS).bytes,
      };
    case "bus-heartbeat":
      return { target, bytes: new Mutator(HEARTBEAT_CORPUS, random).next() };
  }
}

/** 1-4 framed packets, sometimes with a lying length prefix, split into chunks at random offsets. */
export function streamInput(random: SeededRandom, packet: () => Uint8Array): FuzzInput {
  const frames: Uint8Array[] = [];
  const count = 1 + random.int(4);
  for (let i = 0; i < count; i++) {
    const frame = frameOnStream(packet());
    if (random.chance(0.15)) frames.push(lyingPrefix(random), frame.subarray(prefixLength(frame)));
    else frames.push(frame);
  }
  let length = 0;
  for (const frame of frames) length += frame.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const frame of frames) {
    bytes.set(frame, at);
    at += frame.length;
  }
  const splits: number[] = [];
  const splitCount = random.int(5);
  for (let i = 0; i < splitCount; i++) splits.push(random.int(bytes.length + 1));
  splits.sort((a, b) => a - b);
  return { target: "webtransport-stream", bytes, splits };
}

function prefixLength(frame: Uint8Array): number {
  return 1 << ((frame[0] as number) >>> 6);
}

/** A QUIC varint length that is not the frame's: too short, a bit long, over the limit, 8 bytes. */
export function lyingPrefix(random: SeededRandom): Uint8Array {
  switch (random.int(5)) {
    case 0:
      return Uint8Array.of(random.int(0x40));
    case 1:
      return Uint8Array.of(0x40 | random.int(0x40), random.int(256));
    case 2: {
      const length = random.int(0x40000000); // mostly over the 1 MiB limit
      return Uint8Array.of(
        0x80 | (length >>> 24),
        (length >>> 16) & 0xff,
        (length >>> 8) & 0xff,
        length & 0xff,
      );
    }
    case 3:
      return Uint8Array.of(0xc0, ...random.bytes(7));
    default:
      return Uint8Array.of(0x80, 0x10, 0x00, 0x01); // exactly one byte over the limit
  }
}

/** A mutated corpus packet: garbage most of the time, though some mutations leave it valid. */
export function garbagePacket(random: SeededRandom): Uint8Array {
  return new Mutator(PACKETS, random).next();
}

/**
 * A packet a client may send, with random values: absurd sequence numbers, timestamps, track ids
 * and kinds, random payloads, key frame requests for real and made-up sessions, TrackStates of up
 * to 16 tracks. The relay should route these without closing; the network fuzzer mixes them with
 * garbage so that a connection lives long enough to carry many inputs.
 */
export function survivablePacket(random: SeededRandom, knownSessions: readonly number[]): Uint8Array {
  // Media fans out to everyone in the meeting; the other types cost the relay less, so more of them.
  const roll = random.int(20);
  if (roll < 9) {
    return encodePacket({
      body: {
        case: "media",
        value: {
          trackId: random.chance(0.5) ? random.between(1, 4) : random.nextUint32(),
          kind: random.int(5),
          keyframe: random.chance(0.2),
          sequence: random.nextUint32(),
          captureTimeUs: BigInt(random.nextUint32()) * BigInt(random.nextUint32()),
          codec: random.int(7),
          durationUs: random.chance(0.5) ? 20_000 : random.nextUint32(),
          payload: random.bytes(random.chance(0.95) ? random.int(48) : random.int(900)),
        },
      },
    });
  }
  if (roll < 13) {
    const target =
      knownSessions.length > 0 && random.chance(0.3) ? random.pick(knownSessions) : random.nextUint32();
    return encodePacket({
      body: { case: "keyframeRequest", value: { targetSessionId: target, trackId: random.int(0x1_0000) } },
    });
  }
  if (roll < 15) {
    const ids = new Set<number>();
    const count = random.int(17);
    while (ids.size < count) ids.add(random.between(1, 0xffff));
    return encodePacket({
      body: {
        case: "trackState",
        value: {
          tracks: [...ids].map((trackId) => ({
            trackId,
            kind: random.int(5),
            codec: random.int(7),
            muted: random.chance(0.5),
          })),
        },
      },
    });
  }
  const value = { nonce: random.nextUint32(), sentTimeUs: BigInt(random.nextUint32()) };
  return encodePacket({ body: roll < 19 ? { case: "ping", value } : { case: "pong", value } });
}
