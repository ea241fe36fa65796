import { Codec, joinMeeting, MediaKind, type MeetingSession } from "@videocall/client";
import { startServer, type TestServer } from "../fixtures/server.ts";

/** A relay process linked to the others through NATS. */
export function startRelayNode(natsUrls: string, nodeId: string): Promise<TestServer> {
  return startServer({ extraArgs: ["--nats-url", natsUrls, "--node-id", nodeId] });
}

export interface ServersResponse {
  servers: Array<{ id: string; url: string; participants: number; meetings: number; self: boolean }>;
}

export async function listServers(node: TestServer): Promise<ServersResponse["servers"]> {
  const response = await fetch(`${node.url}/api/servers`);
  if (!response.ok) throw new Error(`GET /api/servers: ${response.status}`);
  return ((await response.json()) as ServersResponse).servers;
}

export const VIDEO_TRACK = 2;

/** Joins and publishes one video track. */
export async function joinAsPublisher(
  node: TestServer,
  username: string,
  meetingId: string,
  options: { reconnect?: boolean; transport?: "webtransport" | "websocket" } = {},
) {
  const session = await joinMeeting({ serverUrl: node.url, username, meetingId, ...options });
  session.publishTrack({ trackId: VIDEO_TRACK, kind: MediaKind.VIDEO, codec: Codec.VP8 });
  return session;
}

/** Payload bytes derived from the frame number, so a corrupted or mixed-up payload is detected. */
export function framePayload(frame: number, bytes = 1000): Uint8Array {
  const payload = new Uint8Array(bytes);
  new DataView(payload.buffer).setUint32(0, frame);
  for (let i = 4; i < bytes; i++) payload[i] = (frame + i) & 0xff;
  return payload;
}

export function payloadFrame(payload: Uint8Array): number | undefined {
  if (payload.length < 4) return undefined;
  const frame = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
  for (let i = 4; i < payload.length; i++) if (payload[i] !== ((frame + i) & 0xff)) return undefined;
  return frame;
}

/** Frames one session received from one sender: frame number and arrival time. */
export class FrameLog {
  readonly arrivals: Array<{ frame: number; atMs: number }> = [];
  corrupted = 0;
  readonly #off: () => void;

  constructor(receiver: MeetingSession, fromSessionId: () => number) {
    const listener = (from: number, media: { payload: Uint8Array }) => {
      if (from !== fromSessionId()) return;
      const frame = payloadFrame(media.payload);
      if (frame === undefined) this.corrupted++;
      else this.arrivals.push({ frame, atMs: performance.now() });
    };
    this.#off = receiver.events.on("media", listener);
  }

  get count(): number {
    return this.arrivals.length;
  }

  has(frame: number): boolean {
    return this.arrivals.some((arrival) => arrival.frame === frame);
  }

  /** Largest time between consecutive arrivals within [fromMs, toMs] (edges included as arrivals). */
  largestGapMs(fromMs: number, toMs: number): number {
    let previous = fromMs;
    let largest = 0;
    for (const { atMs } of this.arrivals) {
      if (atMs < fromMs || atMs > toMs) continue;
      largest = Math.max(largest, atMs - previous);
      previous = atMs;
    }
    return Math.max(largest, toMs - previous);
  }

  stop(): void {
    this.#off();
  }
}

/** Sends a numbered video frame every `intervalMs` until stopped. */
export function sendFramesEvery(session: MeetingSession, intervalMs: number) {
  let frame = 0;
  const sentAtMs: number[] = [];
  const timer = setInterval(() => {
    frame++;
    sentAtMs[frame] = performance.now();
    session.sendFrame(VIDEO_TRACK, {
      keyframe: frame % 50 === 1,
      captureTimeUs: Date.now() * 1000,
      payload: framePayload(frame),
    });
  }, intervalMs);
  return {
    get lastFrame() {
      return frame;
    },
    sentAtMs,
    stop: () => clearInterval(timer),
  };
}

/** Polls an async condition (an HTTP query, say) until it holds or `timeoutMs` passes. */
export async function waitForAsync(what: string, condition: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
