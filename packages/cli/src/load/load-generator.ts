/**
 * The load generator behind `videocall bots` and the relay benchmark: N participants in one
 * process, in meetings of `roomSize`, the first `publishersPerRoom` of each meeting publishing
 * synthetic audio and video (see synthetic-media.ts), everyone counting and timing what the relay
 * forwards. Participants join through the client library's connect path (WebSocket or
 * WebTransport, the Join offer, the Welcome), then speak the wire format directly: pre-encoded
 * packets out, routing-header scans in, so the generator costs little next to the relay it loads.
 *
 * A packet belongs to the measuring window by its capture time: senders count what they send
 * inside it, receivers count and time what arrives with a capture time inside it, and after the
 * window the generator stops sending and waits (at most `drainSeconds`) for the stragglers. So
 * `expectedDeliveries - receivedDeliveries` is the loss, whatever was in flight at the edges.
 * With several URLs, member i of each meeting joins URL i mod n, so every meeting spans them all.
 */
import { connectToMeeting, type PacketTransport, type TransportPreference } from "@videocall/client";
import {
  BodyField,
  Codec,
  decodePacket,
  encodePacket,
  MediaKind,
  RoutingHeader,
  scanRoutingHeader,
} from "@videocall/protocol";
import { ClientHeartbeat } from "./client-heartbeat.ts";
import { LatencyHistogram } from "./latency-histogram.ts";
import {
  AUDIO_TRACK_ID,
  captureTimeUsOf,
  type PacketTemplate,
  type PublisherTemplates,
  publisherTemplates,
  type SyntheticMedia,
  VIDEO_TRACK_ID,
} from "./synthetic-media.ts";

export interface LoadOptions {
  /** Relay origins (http(s):// or ws(s)://): member i of each meeting joins `serverUrls[i mod n]`. */
  serverUrls: readonly string[];
  participants: number;
  roomSize: number;
  /** How many of each meeting's members publish (its first ones); default all. */
  publishersPerRoom?: number;
  meetingIdOf: (room: number) => string;
  usernameOf: (index: number) => string;
  transport: TransportPreference;
  media: SyntheticMedia;
  /** Sending before the window opens: lets track announcements and subscriptions settle. */
  warmupSeconds: number;
  windowSeconds: number;
  /** After the window, how long in-flight packets may take to arrive. */
  drainSeconds: number;
  /** How many participants join at once (people arriving at a meeting, not one instant). */
  joinConcurrency: number;
  /** How long one join may take. */
  connectTimeoutMs: number;
  /** Ends the window early (Ctrl-C): what was measured so far is reported. */
  signal?: AbortSignal;
  /** Room token every participant joins with (docs/tokens.md); default none: guests. */
  token?: string;
  /** The meeting's password, if it has one. */
  password?: string;
  /** `connected`: everyone joined; `measuring`/`measured`: the window opens/closes. */
  onPhase?: (phase: LoadPhase) => void;
  /** A participant's connection closed before the end. */
  onDisconnect?: (index: number, code: number, reason: string) => void;
}

export type LoadPhase = "connected" | "measuring" | "measured";

/** One participant's counts; `received*` are deliveries with a capture time in the window. */
export interface ParticipantStats {
  index: number;
  room: number;
  publishing: boolean;
  transport: string;
  joinMs: number;
  sentInWindow: number;
  receivedVideo: number;
  receivedAudio: number;
  receivedOutsideWindow: number;
  disconnected: boolean;
}

export interface LatencySummaryUs {
  p10: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export interface LoadResult {
  participants: number;
  rooms: number;
  /** The window as measured (shorter than asked when stopped early). */
  windowSeconds: number;
  /** The transport of the first participant (all use the same preference). */
  transport: string;
  sentVideoInWindow: number;
  sentAudioInWindow: number;
  /** Packets sent in the window × the other members of the sender's meeting. */
  expectedDeliveries: number;
  receivedDeliveries: number;
  receivedVideo: number;
  receivedAudio: number;
  lostDeliveries: number;
  receivedOutsideWindow: number;
  /** Capture → receive over every delivery in the window, from an HdrHistogram; null without any. */
  latencyUs: LatencySummaryUs;
  joinMs: { p50: number | null; max: number | null };
  /** The largest delay of the send timer past its period: large values mean the generator is the bottleneck. */
  maxTickLagMs: number;
  disconnects: number;
  perParticipant: ParticipantStats[];
}

/** Live counts, for progress lines. */
export interface LoadProgress {
  phase: "joining" | "sending" | "draining" | "done";
  joined: number;
  sentInWindow: number;
  expectedDeliveries: number;
  receivedDeliveries: number;
}

/** A participant that could not join; `cause` is the client library's error. */
export class LoadJoinError extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(
      `participant ${index + 1} could not join: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = "LoadJoinError";
  }
}

const TICK_MS = 10;
const DRAIN_POLL_MS = 20;
const CLOSE_GRACE_MS = 100;

interface Participant {
  readonly stats: ParticipantStats;
  readonly transport: PacketTransport;
  /** WebTransport may still hold a datagram's bytes after send(): templates are copied for it. */
  readonly copyOnSend: boolean;
  readonly receiversPerPacket: number;
  readonly templates: PublisherTemplates | undefined;
  /** Start of its send schedule: publishers are spread over one frame so sends do not come in bursts. */
  scheduleStartMs: number;
  audioSent: number;
  videoSent: number;
}

const LEAVE_PACKET = encodePacket({ body: { case: "leave", value: {} } });
const TRACK_STATE_PACKET = encodePacket({
  body: {
    case: "trackState",
    value: {
      tracks: [
        { trackId: AUDIO_TRACK_ID, kind: MediaKind.AUDIO, codec: Codec.OPUS, muted: false },
        { trackId: VIDEO_TRACK_ID, kind: MediaKind.VIDEO, codec: Codec.VP8, muted: false },
      ],
    },
  },
});

export class LoadGenerator {
  readonly #options: LoadOptions;
  readonly #participants: Participant[] = [];
  readonly #latency = new LatencyHistogram();
  readonly #joinTimes = new LatencyHistogram();
  readonly #heartbeat = new ClientHeartbeat();
  /** One header for every received packet: handlers run one at a time. */
  readonly #header = new RoutingHeader();
  #phase: LoadProgress["phase"] = "joining";
  #windowStartUs = Number.POSITIVE_INFINITY;
  #windowEndUs = Number.POSITIVE_INFINITY;
  #sentVideoInWindow = 0;
  #sentAudioInWindow = 0;
  #expectedDeliveries = 0;
  #receivedDeliveries = 0;
  #stopping = false;
  #maxTickLagMs = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
  }

  get #roomCount(): number {
    return Math.ceil(this.#options.participants / this.#options.roomSize);
  }

  progress(): LoadProgress {
    return {
      phase: this.#phase,
      joined: this.#participants.length,
      sentInWindow: this.#sentVideoInWindow + this.#sentAudioInWindow,
      expectedDeliveries: this.#expectedDeliveries,
      receivedDeliveries: this.#receivedDeliveries,
    };
  }

  /** Joins everyone, sends through warm-up, window and drain, leaves, and reports. */
  async run(): Promise<LoadResult> {
    const options = this.#options;
    try {
      await this.#joinAll();
      this.#participants.sort((a, b) => a.stats.index - b.stats.index);
      options.onPhase?.("connected");
      for (const p of this.#participants) if (p.templates) p.transport.send(TRACK_STATE_PACKET);
      const windowSeconds = await this.#send();
      this.#phase = "draining";
      const drainDeadlineMs = performance.now() + options.drainSeconds * 1000;
      while (this.#receivedDeliveries < this.#expectedDeliveries && performance.now() < drainDeadlineMs) {
        await delay(DRAIN_POLL_MS);
      }
      return this.#result(windowSeconds);
    } finally {
      this.#phase = "done";
      await this.#leaveAll();
    }
  }

  async #joinAll(): Promise<void> {
    const { participants, joinConcurrency } = this.#options;
    const abort = new AbortController();
    let next = 0;
    const joinNext = async (): Promise<void> => {
      while (next < participants && !abort.signal.aborted && !this.#options.signal?.aborted) {
        const index = next++;
        try {
          this.#participants.push(await this.#join(index, abort.signal));
        } catch (error) {
          abort.abort();
          throw error instanceof LoadJoinError ? error : new LoadJoinError(index, error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(joinConcurrency, participants) }, joinNext));
  }

  async #join(index: number, signal: AbortSignal): Promise<Participant> {
    const { serverUrls, roomSize, media } = this.#options;
    const room = Math.floor(index / roomSize);
    const member = index % roomSize;
    const roomMembers = Math.min(roomSize, this.#options.participants - room * roomSize);
    const publishing = member < (this.#options.publishersPerRoom ?? roomSize);
    const startedMs = performance.now();
    let connected: Awaited<ReturnType<typeof connectToMeeting>>;
    try {
      connected = await connectToMeeting({
        serverUrl: serverUrls[member % serverUrls.length] as string,
        username: this.#options.usernameOf(index),
        meetingId: this.#options.meetingIdOf(room),
        transport: this.#options.transport,
        connectTimeoutMs: this.#options.connectTimeoutMs,
        signal,
        ...(this.#options.token ? { token: this.#options.token } : {}),
        ...(this.#options.password ? { password: this.#options.password } : {}),
      });
    } catch (error) {
      throw new LoadJoinError(index, error);
    }
    const joinMs = performance.now() - startedMs;
    this.#joinTimes.recordMs(joinMs);
    const { transport } = connected;
    this.#heartbeat.add(transport, connected.welcome.heartbeatIntervalMs);
    const stats: ParticipantStats = {
      index,
      room,
      publishing,
      transport: transport.kind,
      joinMs,
      sentInWindow: 0,
      receivedVideo: 0,
      receivedAudio: 0,
      receivedOutsideWindow: 0,
      disconnected: false,
    };
    const participant: Participant = {
      stats,
      transport,
      copyOnSend: transport.kind !== "websocket",
      receiversPerPacket: roomMembers - 1,
      templates: publishing ? publisherTemplates(media) : undefined,
      scheduleStartMs: 0,
      audioSent: 0,
      videoSent: 0,
    };
    transport.onPacket = (bytes) => this.#onPacket(participant, bytes);
    transport.onClose = (info) => this.#onClose(participant, info.code, info.reason);
    if (connected.closedEarly)
      this.#onClose(participant, connected.closedEarly.code, connected.closedEarly.reason);
    return participant;
  }

  #onPacket(participant: Participant, bytes: Uint8Array): void {
    const receivedUs = performance.now() * 1000;
    const header = this.#header;
    if (!scanRoutingHeader(bytes, header)) return;
    if (header.body === BodyField.ping) {
      this.#answerPing(participant, bytes);
      return;
    }
    if (header.body !== BodyField.media) return; // roster, track states, pongs…
    const captureUs = captureTimeUsOf(header.captureTimeUs);
    const stats = participant.stats;
    if (captureUs < this.#windowStartUs || captureUs >= this.#windowEndUs) {
      stats.receivedOutsideWindow++;
      return;
    }
    if (header.kind === MediaKind.VIDEO) stats.receivedVideo++;
    else stats.receivedAudio++;
    this.#receivedDeliveries++;
    this.#latency.recordUs(receivedUs - captureUs);
  }

  /**
   * The relay pings every client (a third of its liveness timeout) and takes the pong as a sign of
   * life: answering keeps receive-only participants admitted, as a real client's answer would.
   */
  #answerPing(participant: Participant, bytes: Uint8Array): void {
    try {
      const packet = decodePacket(bytes);
      if (packet.body.case !== "ping") return;
      const { nonce, sentTimeUs } = packet.body.value;
      participant.transport.send(encodePacket({ body: { case: "pong", value: { nonce, sentTimeUs } } }));
    } catch {
      // A malformed ping is the relay's problem, not the load's.
    }
  }

  #onClose(participant: Participant, code: number, reason: string): void {
    if (this.#stopping || participant.stats.disconnected) return;
    participant.stats.disconnected = true;
    this.#options.onDisconnect?.(participant.stats.index, code, reason);
  }

  /** Runs the send schedule through warm-up and window; returns the window's length in seconds. */
  async #send(): Promise<number> {
    const options = this.#options;
    const { media } = options;
    const publishers = this.#participants.filter((p) => p.templates && !p.stats.disconnected);
    const videoPeriodMs = 1000 / media.videoFramesPerSecond;
    const audioPeriodMs = 1000 / media.audioPacketsPerSecond;
    const startMs = performance.now();
    publishers.forEach((p, i) => {
      p.scheduleStartMs = startMs + (i / publishers.length) * videoPeriodMs;
    });
    this.#phase = "sending";
    this.#windowStartUs = (startMs + options.warmupSeconds * 1000) * 1000;
    this.#windowEndUs = this.#windowStartUs + options.windowSeconds * 1e6;
    let lastTickMs = startMs;
    let measuringAnnounced = false;
    const done = Promise.withResolvers<void>();
    const stop = () => {
      // Stopped early: the window ends now, and what was sent so far is what is expected.
      this.#windowEndUs = Math.max(
        this.#windowStartUs,
        Math.min(this.#windowEndUs, performance.now() * 1000),
      );
    };
    options.signal?.addEventListener("abort", stop, { once: true });
    if (options.signal?.aborted) stop();

    const sendDue = (p: Participant, template: PacketTemplate, sequence: number): void => {
      const captureUs = Math.round(performance.now() * 1000);
      const bytes = template.patch(captureUs, sequence);
      // WebSocket.send copies the bytes before returning, so the template can be patched again.
      p.transport.send(p.copyOnSend ? bytes.slice() : bytes, template.kind);
      if (captureUs >= this.#windowStartUs && captureUs < this.#windowEndUs) {
        if (template.kind === MediaKind.VIDEO) this.#sentVideoInWindow++;
        else this.#sentAudioInWindow++;
        p.stats.sentInWindow++;
        this.#expectedDeliveries += p.receiversPerPacket;
      }
    };

    /** One timer for everyone: each tick sends whatever each publisher's schedule says is due. */
    const tick = (): void => {
      const nowMs = performance.now();
      this.#maxTickLagMs = Math.max(this.#maxTickLagMs, nowMs - lastTickMs - TICK_MS);
      lastTickMs = nowMs;
      if (nowMs * 1000 >= this.#windowEndUs) {
        clearInterval(ticker);
        this.#options.onPhase?.("measured");
        done.resolve();
        return;
      }
      if (!measuringAnnounced && nowMs * 1000 >= this.#windowStartUs) {
        measuringAnnounced = true;
        this.#options.onPhase?.("measuring");
      }
      for (const p of publishers) {
        const templates = p.templates as PublisherTemplates;
        const elapsedMs = nowMs - p.scheduleStartMs;
        if (elapsedMs < 0 || p.stats.disconnected) continue;
        const videoDue = Math.floor(elapsedMs / videoPeriodMs) + 1;
        while (p.videoSent < videoDue) {
          const isKey = p.videoSent % media.keyframeIntervalFrames === 0;
          sendDue(p, isKey ? templates.videoKey : templates.videoDelta, p.videoSent++);
        }
        const audioDue = Math.floor(elapsedMs / audioPeriodMs) + 1;
        while (p.audioSent < audioDue) sendDue(p, templates.audio, p.audioSent++);
      }
    };
    const ticker = setInterval(tick, TICK_MS);
    try {
      await done.promise;
    } finally {
      clearInterval(ticker);
      options.signal?.removeEventListener("abort", stop);
    }
    return (this.#windowEndUs - this.#windowStartUs) / 1e6;
  }

  #result(windowSeconds: number): LoadResult {
    const stats = this.#participants.map((p) => p.stats);
    const receivedVideo = sum(stats, (s) => s.receivedVideo);
    const receivedAudio = sum(stats, (s) => s.receivedAudio);
    const orNull = (value: number | undefined) => value ?? null;
    return {
      participants: this.#participants.length,
      rooms: this.#roomCount,
      windowSeconds,
      transport: this.#participants[0]?.transport.kind ?? String(this.#options.transport),
      sentVideoInWindow: this.#sentVideoInWindow,
      sentAudioInWindow: this.#sentAudioInWindow,
      expectedDeliveries: this.#expectedDeliveries,
      receivedDeliveries: receivedVideo + receivedAudio,
      receivedVideo,
      receivedAudio,
      lostDeliveries: this.#expectedDeliveries - (receivedVideo + receivedAudio),
      receivedOutsideWindow: sum(stats, (s) => s.receivedOutsideWindow),
      latencyUs: {
        p10: orNull(this.#latency.percentileUs(0.1)),
        p50: orNull(this.#latency.percentileUs(0.5)),
        p90: orNull(this.#latency.percentileUs(0.9)),
        p99: orNull(this.#latency.percentileUs(0.99)),
        p999: orNull(this.#latency.percentileUs(0.999)),
        max: orNull(this.#latency.maxUs),
      },
      joinMs: { p50: orNull(this.#joinTimes.percentileMs(0.5)), max: orNull(this.#joinTimes.maxMs) },
      maxTickLagMs: this.#maxTickLagMs,
      disconnects: stats.filter((s) => s.disconnected).length,
      perParticipant: stats,
    };
  }

  async #leaveAll(): Promise<void> {
    this.#stopping = true;
    this.#heartbeat.stop();
    for (const p of this.#participants) {
      // Say so in-band first: some transports' close never reaches the relay (Deno's WebTransport).
      p.transport.send(LEAVE_PACKET);
      p.transport.close(1000, "load done");
    }
    await delay(CLOSE_GRACE_MS);
  }
}

/** Runs one load: see `LoadGenerator`. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new LoadGenerator(options).run();
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += pick(item);
  return total;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
