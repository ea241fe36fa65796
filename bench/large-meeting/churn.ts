/**
 * What joins and leaves cost the relay's meeting room itself, as the meeting grows: one relay in
 * this process (in-memory bus, no sockets), 10 simulcast cameras with audio, and N watchers on a
 * 4-tile page (EXPLICIT, 640×360 tiles, last-N 4, all audio), as in main.ts. Times every watcher's
 * join (admission to its SetSubscriptions handled), every watcher's leave, and one camera leaving
 * and coming back, per participant; the smallest N is the baseline: a ratio near 1× means the cost
 * per participant does not grow with the meeting.
 *
 *   deno run --config deno.json -A bench/large-meeting/churn.ts [--participants 250,500,1000,2000]
 */
import { parseArgs } from "node:util";
import {
  Codec,
  decodePacket,
  encodePacket,
  MediaKind,
  PARTICIPANT_GRANTS,
  SubscriptionMode,
  type TrackInfo,
} from "@videocall/protocol";
import pino from "pino";
import type { Admission } from "../../packages/server/src/admission/admitter.ts";
import { InMemoryBusHub } from "../../packages/server/src/bus/in-memory-bus.ts";
import { DEFAULT_RELAY_LIMITS } from "../../packages/server/src/limits/relay-limits.ts";
import { RelayStats } from "../../packages/server/src/observability/relay-stats.ts";
import type { ClientConnection } from "../../packages/server/src/relay/client-connection.ts";
import { Relay } from "../../packages/server/src/relay/relay.ts";
import type { ConnectionHandler } from "../../packages/server/src/relay/relay-connection.ts";

const CAMERAS = 10;
const TILES = 4;

export interface ChurnMeasurement {
  participants: number;
  joinAllMs: number;
  joinUsPerParticipant: number;
  leaveAllMs: number;
  leaveUsPerParticipant: number;
  /** One camera leaving (every last-N page re-chooses) and joining again with its tracks. */
  cameraLeaveMs: number;
  cameraRejoinMs: number;
  /** Participants the relay still had after everyone left (must be 0). */
  participantsLeft: number;
}

/** Keeps only the first packet (the Welcome, for the session id); the rest is dropped. */
class DiscardingConnection implements ClientConnection {
  readonly transport = "websocket" as const;
  readonly bufferedBytes = 0;
  welcome: Uint8Array | undefined;
  send(packet: Uint8Array): void {
    this.welcome ??= packet;
  }
  close(): void {}
}

const LAYERS = [
  { layer: 0, widthPx: 320, heightPx: 180, bitrateBps: 150_000 },
  { layer: 1, widthPx: 640, heightPx: 360, bitrateBps: 500_000 },
  { layer: 2, widthPx: 1280, heightPx: 720, bitrateBps: 1_500_000 },
];
const CAMERA_TRACKS: TrackInfo[] = [
  { trackId: 1, kind: MediaKind.AUDIO, codec: Codec.OPUS, audioLevels: true } as TrackInfo,
  { trackId: 2, kind: MediaKind.VIDEO, codec: Codec.VP8, layers: LAYERS } as TrackInfo,
];
const trackState = encodePacket({ body: { case: "trackState", value: { tracks: CAMERA_TRACKS } } });

function admission(username: string): Admission {
  return {
    identity: `guest:${username}`,
    displayName: username,
    meetingId: "churn",
    protocolVersion: 3,
    role: "participant",
    grants: PARTICIPANT_GRANTS,
    guest: true,
  };
}

function join(relay: Relay, username: string): { handler: ConnectionHandler; sessionId: number } {
  const connection = new DiscardingConnection();
  const handler = relay.accept(connection, admission(username));
  if (!handler || !connection.welcome) throw new Error(`${username} was not admitted`);
  const body = decodePacket(connection.welcome).body;
  if (body.case !== "welcome") throw new Error(`${username}: no Welcome`);
  return { handler, sessionId: body.value.sessionId };
}

export async function measureChurn(participants: number): Promise<ChurnMeasurement> {
  const stats = new RelayStats();
  const relay = new Relay({
    bus: new InMemoryBusHub().node("churn"),
    stats,
    log: pino({ level: "silent" }),
    serverVersion: "bench",
    heartbeatTimeoutMs: 600_000,
    limits: { ...DEFAULT_RELAY_LIMITS, maxParticipantsPerMeeting: participants + CAMERAS + 1 },
  });
  try {
    const cameras = Array.from({ length: CAMERAS }, (_, i) => join(relay, `camera-${i}`));
    for (const camera of cameras) camera.handler.onPacket(trackState);
    const page = encodePacket({
      body: {
        case: "setSubscriptions",
        value: {
          mode: SubscriptionMode.EXPLICIT,
          lastN: TILES,
          allAudio: true,
          tracks: cameras
            .slice(0, TILES)
            .map((c) => ({ sessionId: c.sessionId, trackId: 2, widthPx: 640, heightPx: 360 })),
        },
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 0));

    let startMs = performance.now();
    const watchers: ConnectionHandler[] = [];
    for (let i = 0; i < participants; i++) {
      const { handler } = join(relay, `watcher-${i}`);
      handler.onPacket(page);
      watchers.push(handler);
    }
    const joinAllMs = performance.now() - startMs;

    startMs = performance.now();
    (cameras[0] as (typeof cameras)[number]).handler.onClosed();
    const cameraLeaveMs = performance.now() - startMs;
    startMs = performance.now();
    join(relay, "camera-0-again").handler.onPacket(trackState);
    const cameraRejoinMs = performance.now() - startMs;

    startMs = performance.now();
    for (const watcher of watchers) watcher.onClosed();
    const leaveAllMs = performance.now() - startMs;
    const participantsLeft = stats.participants - CAMERAS;
    return {
      participants,
      joinAllMs,
      joinUsPerParticipant: (joinAllMs * 1000) / participants,
      leaveAllMs,
      leaveUsPerParticipant: (leaveAllMs * 1000) / participants,
      cameraLeaveMs,
      cameraRejoinMs,
      participantsLeft,
    };
  } finally {
    relay.close();
  }
}

function format(measurements: ChurnMeasurement[]): string {
  const base = measurements[0];
  if (!base) return "";
  const header = [
    "participants",
    "join all ms",
    "join µs each",
    "× smallest",
    "leave all ms",
    "leave µs each",
    "× smallest",
    "camera leave ms",
    "camera rejoin ms",
  ];
  const rows = measurements.map((m) => [
    String(m.participants),
    m.joinAllMs.toFixed(0),
    m.joinUsPerParticipant.toFixed(0),
    `${(m.joinUsPerParticipant / base.joinUsPerParticipant).toFixed(2)} x`,
    m.leaveAllMs.toFixed(0),
    m.leaveUsPerParticipant.toFixed(0),
    `${(m.leaveUsPerParticipant / base.leaveUsPerParticipant).toFixed(2)} x`,
    m.cameraLeaveMs.toFixed(1),
    m.cameraRejoinMs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows]
    .map((row) => row.map((cell, i) => cell.padStart(widths[i] as number)).join("  "))
    .join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      participants: { type: "string", default: "250,500,1000,2000" },
      runs: { type: "string", default: "3" },
      output: { type: "string" },
    },
  });
  const counts = (values.participants as string).split(",").map(Number);
  const runs = Number(values.runs);
  const measurements: ChurnMeasurement[] = [];
  for (const participants of counts) {
    // The median run by leave time: the machine is noisy.
    const byRun: ChurnMeasurement[] = [];
    for (let run = 0; run < runs; run++) byRun.push(await measureChurn(participants));
    byRun.sort((a, b) => a.leaveAllMs - b.leaveAllMs);
    measurements.push(byRun[Math.floor(byRun.length / 2)] as ChurnMeasurement);
  }
  console.log(
    `Meeting room churn: ${CAMERAS} simulcast cameras + N watchers (${TILES} tiles, last-N ${TILES}), in-process relay, median of ${runs} run(s)`,
  );
  console.log(format(measurements));
  const output =
    values.output ??
    `bench/results/large-meeting-churn-${new Date().toISOString().replaceAll(":", "-")}.json`;
  await Deno.mkdir("bench/results", { recursive: true });
  await Deno.writeTextFile(output, JSON.stringify({ measurements }, null, 2));
  console.log(`results: ${output}`);
}
