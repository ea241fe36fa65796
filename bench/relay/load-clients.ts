/**
 * The load generator: one process, N WebSocket participants in meetings of `--room-size`, each
 * publishing 30 video packets/s (~1.2 KB) and 50 audio packets/s (~160 B) and receiving what the
 * relay forwards. With several relay URLs (`--url a,b`, nodes linked by NATS) member i of each
 * meeting joins URL i mod n, so every meeting spans every node. It prints JSON-line events the
 * orchestrator acts on: `connected`, `measuring` (window start: the orchestrator samples server
 * CPU), `measured` (window end), `result`.
 *
 * Packets are encoded once per participant and patched in place before each send: the capture
 * time and the sequence number are varints written with a fixed width (see `FixedVarint`), so
 * sending costs two small writes instead of a protobuf encode, and the generator stays cheap
 * next to the server it measures. The packets stay valid protobuf that the relay scans as usual.
 *
 * A packet belongs to the window by its capture time: senders count what they send inside it,
 * receivers count and time what arrives with a capture time inside it, and after the window the
 * generator stops sending and waits (at most `--drain-seconds`) for the stragglers. So
 * `expected - received` is the loss, whatever was in flight at the window's edges.
 */
import { parseArgs } from "node:util";
import {
  BodyField,
  Codec,
  encodePacket,
  MediaKind,
  RoutingHeader,
  scanRoutingHeader,
} from "@videocall/protocol";
import { exitWhenStdinCloses } from "./child-process.ts";

const USAGE = `deno run --config deno.json -A bench/relay/load-clients.ts --url http://127.0.0.1:PORT[,http://…] [options]
  --url <list>           relay URL(s), comma-separated: member i of each meeting joins URL i mod n,
                         so with several relay nodes every meeting spans them all
  --participants <n>     participants (default 50)
  --room-size <n>        participants per meeting (default 10)
  --warmup-seconds <s>   sending before the window (default 2)
  --seconds <s>          measuring window (default 10)
  --drain-seconds <s>    wait for in-flight packets after the window (default 3)`;

const VIDEO_PACKETS_PER_SECOND = 30;
const AUDIO_PACKETS_PER_SECOND = 50;
const VIDEO_PACKET_BYTES = 1200;
const AUDIO_PACKET_BYTES = 160;
/** One key frame per this many video frames, as a real encoder would send (2 s at 30 fps). */
const KEYFRAME_INTERVAL_FRAMES = 60;
const TICK_MS = 10;
const AUDIO_TRACK_ID = 1;
const VIDEO_TRACK_ID = 2;
const CONNECT_TIMEOUT_MS = 30_000;

/**
 * A varint field patched in place: values in [2^(7(w-1)), 2^(7w)) all take exactly w bytes, so
 * offsetting every value by 2^(7(w-1)) keeps the packet's length and layout fixed.
 */
class FixedVarint {
  readonly baseValue: number;
  readonly #widthBytes: number;

  constructor(widthBytes: number) {
    this.#widthBytes = widthBytes;
    this.baseValue = 2 ** (7 * (widthBytes - 1));
  }

  /** Writes `baseValue + value` at `offset`; `value` must be below 2^(7w) - baseValue. */
  write(target: Uint8Array, offset: number, value: number): void {
    let remaining = this.baseValue + value;
    for (let i = 0; i < this.#widthBytes - 1; i++) {
      target[offset + i] = (remaining % 128) | 0x80;
      remaining = Math.floor(remaining / 128);
    }
    target[offset + this.#widthBytes - 1] = remaining;
  }

  /** Where the varint of field `tag` holding `baseValue` starts in `packet`. */
  findOffset(packet: Uint8Array, tag: number): number {
    const pattern = new Uint8Array(this.#widthBytes);
    this.write(pattern, 0, 0);
    outer: for (let at = 1; at + this.#widthBytes <= packet.length; at++) {
      if (packet[at - 1] !== tag) continue;
      for (let i = 0; i < this.#widthBytes; i++) if (packet[at + i] !== pattern[i]) continue outer;
      return at;
    }
    throw new Error(`field tag 0x${tag.toString(16)} with the base value not found in the template`);
  }
}

/** 8 bytes: microseconds since this process started, plus 2^49 (good for ~2 years of uptime). */
const captureTimeVarint = new FixedVarint(8);
/** 5 bytes: uint32 sequence numbers from 2^28. */
const sequenceVarint = new FixedVarint(5);
const CAPTURE_TIME_TAG = (5 << 3) | 0;
const SEQUENCE_TAG = (4 << 3) | 0;

/** One pre-encoded media packet and where to patch it. */
interface PacketTemplate {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly captureTimeOffset: number;
  readonly sequenceOffset: number;
}

function makeTemplate(kind: MediaKind, keyframe: boolean, totalBytes: number): PacketTemplate {
  const isVideo = kind === MediaKind.VIDEO;
  const encode = (payloadBytes: number) =>
    encodePacket({
      body: {
        case: "media",
        value: {
          trackId: isVideo ? VIDEO_TRACK_ID : AUDIO_TRACK_ID,
          kind,
          keyframe,
          sequence: sequenceVarint.baseValue,
          captureTimeUs: BigInt(captureTimeVarint.baseValue),
          codec: isVideo ? Codec.VP8 : Codec.OPUS,
          durationUs: isVideo
            ? Math.round(1e6 / VIDEO_PACKETS_PER_SECOND)
            : Math.round(1e6 / AUDIO_PACKETS_PER_SECOND),
          payload: crypto.getRandomValues(new Uint8Array(payloadBytes)),
        },
      },
    }) as Uint8Array<ArrayBuffer>;
  // The payload is what is left of `totalBytes` after the headers (their size barely depends on it).
  const overheadBytes = encode(totalBytes).length - totalBytes;
  const bytes = encode(totalBytes - overheadBytes);
  return {
    bytes,
    captureTimeOffset: captureTimeVarint.findOffset(bytes, CAPTURE_TIME_TAG),
    sequenceOffset: sequenceVarint.findOffset(bytes, SEQUENCE_TAG),
  };
}

interface Participant {
  readonly socket: WebSocket;
  /** Start of its send schedule: participants are spread over one period so sends do not come in bursts. */
  readonly scheduleStartMs: number;
  readonly receiversPerPacket: number;
  readonly audio: PacketTemplate;
  readonly videoDelta: PacketTemplate;
  readonly videoKey: PacketTemplate;
  audioSent: number;
  videoSent: number;
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`error: ${name} must be a positive number, got "${raw}"\n${USAGE}`);
    Deno.exit(2);
  }
  return value;
}

function emit(event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, ...fields }));
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string" },
    participants: { type: "string" },
    "room-size": { type: "string" },
    "warmup-seconds": { type: "string" },
    seconds: { type: "string" },
    "drain-seconds": { type: "string" },
    "exit-with-parent": { type: "boolean" },
  },
  strict: true,
});
if (!values.url) {
  console.error(`error: --url is required\n${USAGE}`);
  Deno.exit(2);
}
exitWhenStdinCloses();
const participantCount = Math.floor(positiveNumber("--participants", values.participants, 50));
const roomSize = Math.floor(positiveNumber("--room-size", values["room-size"], 10));
const warmupSeconds =
  values["warmup-seconds"] === "0" ? 0 : positiveNumber("--warmup-seconds", values["warmup-seconds"], 2);
const windowSeconds = positiveNumber("--seconds", values.seconds, 10);
const drainSeconds = positiveNumber("--drain-seconds", values["drain-seconds"], 3);
const lobbyUrls = values.url.split(",").map((url) => url.trim().replace(/^http/, "ws"));
if (lobbyUrls.some((url) => !/^wss?:\/\//.test(url))) {
  console.error(`error: --url takes http(s):// or ws(s):// URLs, got "${values.url}"\n${USAGE}`);
  Deno.exit(2);
}

// --- receiving -------------------------------------------------------------------------------

let windowStartUs = Number.POSITIVE_INFINITY;
let windowEndUs = Number.POSITIVE_INFINITY;
let receivedVideo = 0;
let receivedAudio = 0;
let receivedOutsideWindow = 0;
let latencySamplesUs = new Float64Array(
  Math.ceil(
    participantCount *
      (roomSize - 1) *
      (VIDEO_PACKETS_PER_SECOND + AUDIO_PACKETS_PER_SECOND) *
      windowSeconds *
      1.1,
  ) + 1024,
);
let latencySampleCount = 0;
/** One header for every received packet: handlers run one at a time. */
const receivedHeader = new RoutingHeader();

function onMessage(event: MessageEvent): void {
  const receivedUs = performance.now() * 1000;
  const data = event.data;
  if (!(data instanceof ArrayBuffer)) return;
  const header = receivedHeader;
  if (!scanRoutingHeader(new Uint8Array(data), header) || header.body !== BodyField.media) return; // Welcome, roster…
  const captureUs = header.captureTimeUs - captureTimeVarint.baseValue;
  if (captureUs < windowStartUs || captureUs >= windowEndUs) {
    receivedOutsideWindow++;
    return;
  }
  if (header.kind === MediaKind.VIDEO) receivedVideo++;
  else receivedAudio++;
  if (latencySampleCount === latencySamplesUs.length) {
    const grown = new Float64Array(latencySamplesUs.length * 2);
    grown.set(latencySamplesUs);
    latencySamplesUs = grown;
  }
  latencySamplesUs[latencySampleCount++] = receivedUs - captureUs;
}

// --- connecting ------------------------------------------------------------------------------

function roomOf(index: number): number {
  return Math.floor(index / roomSize);
}
const roomCount = roomOf(participantCount - 1) + 1;
const roomMembers = (room: number) => Math.min(roomSize, participantCount - room * roomSize);

/** Member i of a meeting joins relay i mod n: with n ≤ room size, every meeting spans every relay. */
function lobbyUrlOf(index: number): string {
  return lobbyUrls[(index % roomSize) % lobbyUrls.length] as string;
}

async function connect(index: number): Promise<WebSocket> {
  const lobbyUrl = lobbyUrlOf(index);
  const socket = new WebSocket(`${lobbyUrl}/lobby/p${index}/bench-room-${roomOf(index)}`);
  socket.binaryType = "arraybuffer";
  socket.onmessage = onMessage;
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`participant ${index} could not connect to ${lobbyUrl}`));
  });
  socket.onerror = null;
  socket.onclose = (event) => {
    if (!stopping) {
      console.error(`participant ${index} disconnected: ${event.code} ${event.reason}`);
      Deno.exit(1);
    }
  };
  return socket;
}

let stopping = false;
const connectTimer = setTimeout(() => {
  console.error(`not all ${participantCount} participants connected within ${CONNECT_TIMEOUT_MS} ms`);
  Deno.exit(1);
}, CONNECT_TIMEOUT_MS);
const sockets = await Promise.all(Array.from({ length: participantCount }, (_, i) => connect(i)));
clearTimeout(connectTimer);
emit("connected", { participants: participantCount, rooms: roomCount });

// --- sending ---------------------------------------------------------------------------------

const videoPeriodMs = 1000 / VIDEO_PACKETS_PER_SECOND;
const audioPeriodMs = 1000 / AUDIO_PACKETS_PER_SECOND;
const startMs = performance.now();
const participants: Participant[] = sockets.map((socket, i) => ({
  socket,
  scheduleStartMs: startMs + (i / participantCount) * videoPeriodMs,
  receiversPerPacket: roomMembers(roomOf(i)) - 1,
  audio: makeTemplate(MediaKind.AUDIO, false, AUDIO_PACKET_BYTES),
  videoDelta: makeTemplate(MediaKind.VIDEO, false, VIDEO_PACKET_BYTES),
  videoKey: makeTemplate(MediaKind.VIDEO, true, VIDEO_PACKET_BYTES),
  audioSent: 0,
  videoSent: 0,
}));
windowStartUs = (startMs + warmupSeconds * 1000) * 1000;
windowEndUs = windowStartUs + windowSeconds * 1e6;
let sentVideoInWindow = 0;
let sentAudioInWindow = 0;
let expectedDeliveries = 0;
let maxTickLagMs = 0;
let lastTickMs = startMs;
let measuringAnnounced = false;

/** Sends a template with the current time and its sequence number; returns the capture time in µs. */
function send(participant: Participant, template: PacketTemplate, sequence: number): number {
  const captureUs = Math.round(performance.now() * 1000);
  captureTimeVarint.write(template.bytes, template.captureTimeOffset, captureUs);
  sequenceVarint.write(template.bytes, template.sequenceOffset, sequence);
  // WebSocket.send copies the bytes before returning, so the template can be patched again.
  participant.socket.send(template.bytes);
  return captureUs;
}

const windowDone = Promise.withResolvers<void>();

/** One timer for everyone: each tick sends whatever each participant's schedule says is due. */
function tick(): void {
  const nowMs = performance.now();
  maxTickLagMs = Math.max(maxTickLagMs, nowMs - lastTickMs - TICK_MS);
  lastTickMs = nowMs;
  if (nowMs * 1000 >= windowEndUs) {
    clearInterval(ticker);
    emit("measured");
    windowDone.resolve();
    return;
  }
  if (!measuringAnnounced && nowMs * 1000 >= windowStartUs) {
    measuringAnnounced = true;
    emit("measuring");
  }
  for (const p of participants) {
    const elapsedMs = nowMs - p.scheduleStartMs;
    if (elapsedMs < 0) continue;
    const videoDue = Math.floor(elapsedMs / videoPeriodMs) + 1;
    while (p.videoSent < videoDue) {
      const template = p.videoSent % KEYFRAME_INTERVAL_FRAMES === 0 ? p.videoKey : p.videoDelta;
      const captureUs = send(p, template, p.videoSent++);
      if (captureUs >= windowStartUs && captureUs < windowEndUs) {
        sentVideoInWindow++;
        expectedDeliveries += p.receiversPerPacket;
      }
    }
    const audioDue = Math.floor(elapsedMs / audioPeriodMs) + 1;
    while (p.audioSent < audioDue) {
      const captureUs = send(p, p.audio, p.audioSent++);
      if (captureUs >= windowStartUs && captureUs < windowEndUs) {
        sentAudioInWindow++;
        expectedDeliveries += p.receiversPerPacket;
      }
    }
  }
}
const ticker = setInterval(tick, TICK_MS);
await windowDone.promise;

// --- draining and reporting ------------------------------------------------------------------

const drainDeadlineMs = performance.now() + drainSeconds * 1000;
while (receivedVideo + receivedAudio < expectedDeliveries && performance.now() < drainDeadlineMs) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

const latencies = latencySamplesUs.subarray(0, latencySampleCount).sort();
const percentileUs = (fraction: number) =>
  latencies.length === 0
    ? null
    : (latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] as number);
const receivedDeliveries = receivedVideo + receivedAudio;
emit("result", {
  participants: participantCount,
  rooms: roomCount,
  windowSeconds,
  sentVideoInWindow,
  sentAudioInWindow,
  expectedDeliveries,
  receivedDeliveries,
  receivedVideo,
  receivedAudio,
  lostDeliveries: expectedDeliveries - receivedDeliveries,
  receivedOutsideWindow,
  latencyUs: {
    p10: percentileUs(0.1),
    p50: percentileUs(0.5),
    p90: percentileUs(0.9),
    p99: percentileUs(0.99),
    p999: percentileUs(0.999),
    max: latencies.length === 0 ? null : latencies[latencies.length - 1],
  },
  maxTickLagMs,
});
stopping = true;
for (const socket of sockets) socket.close(1000, "benchmark done");
await new Promise((resolve) => setTimeout(resolve, 100));
Deno.exit(0);
