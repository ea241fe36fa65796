/**
 * Bots for one large meeting spread over several load processes (bench/large-meeting): some
 * publish a synthetic simulcast camera (TrackInfo.layers, Media.layer and temporal_layer, key
 * frames on KeyframeRequest, only the layers LayerDemand asks for) and a microphone with a
 * per-packet audio level (Media.audio_level); the others only watch, either everything (ALL mode,
 * the broadcast baseline) or a page of tiles at a pixel size with last-N (EXPLICIT mode).
 *
 * Unlike `LoadGenerator`, the measuring window is given from outside in wall-clock µs
 * (`epochClockUs`), so that every process on the machine sends and counts over the same window
 * and capture → receive is one clock across processes. Expected deliveries depend on what the
 * relay selects, so the orchestrator, not this module, turns sent and received counts into loss.
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import { connectToMeeting, type PacketTransport, type TransportPreference } from "@videocall/client";
import {
  BodyField,
  Codec,
  decodePacket,
  encodePacket,
  MediaKind,
  RoutingHeader,
  SubscriptionMode,
  scanRoutingHeader,
  type TrackSubscriptionSchema,
} from "@videocall/protocol";
import { ClientHeartbeat } from "./client-heartbeat.ts";
import {
  AUDIO_PACKETS_PER_SECOND,
  AUDIO_TRACK_ID,
  captureTimeUsOf,
  epochClockUs,
  type SimulcastTemplates,
  simulcastTemplates,
  temporalLayerOfFrame,
  VIDEO_TRACK_ID,
  type VideoLayerSpec,
} from "./synthetic-media.ts";

export type BotRole = "publisher" | "subscriber";

export interface BotSpec {
  /** The bot's place in the whole meeting (0-based): picks its server URL and its page. */
  index: number;
  username: string;
  role: BotRole;
  /** Publishers: the level their audio carries (1..127); 0: silent (no level field). */
  audioLevel: number;
}

/** What every bot asks to receive once the window is set. */
export type SubscriptionPlan =
  | { mode: "all" }
  | {
      mode: "page";
      /** Video tiles on the page: bot i shows publishers i·tiles, i·tiles+1, … (mod count, itself left out). */
      tiles: number;
      tileWidthPx: number;
      tileHeightPx: number;
      /** SetSubscriptions.last_n (0: none). */
      lastN: number;
    };

export interface MeetingBotsOptions {
  /** Bot i joins `serverUrls[i mod n]`, so with several nodes the meeting spans them all. */
  serverUrls: readonly string[];
  meetingId: string;
  transport: TransportPreference;
  bots: readonly BotSpec[];
  /** Every publisher's username in the meeting, in publisher order (their session ids are looked up by it). */
  publisherNames: readonly string[];
  /** Publishers whose audio is speech: their audio is what "audio loss" counts. */
  speakerNames: readonly string[];
  /** One entry: a single-layer camera; several: simulcast. */
  layers: readonly VideoLayerSpec[];
  videoFramesPerSecond: number;
  subscription: SubscriptionPlan;
  joinConcurrency: number;
  connectTimeoutMs: number;
  token?: string;
  onDisconnect?: (bot: BotSpec, code: number, reason: string) => void;
}

/** The measuring window in wall-clock µs (`epochClockUs`); publishers send until its end. */
export interface MeasuringWindow {
  startUs: number;
  endUs: number;
}

/** One bot's counts over the window (by capture time). */
export interface BotStats {
  index: number;
  role: BotRole;
  transport: string;
  /** Wall-clock ms when its join started and how long it took (socket to Welcome). */
  joinStartedEpochMs: number;
  joinMs: number;
  mediaPackets: number;
  mediaBytes: number;
  audioPackets: number;
  /** Audio packets from the speakers: loss is judged on these. */
  speakerAudioPackets: number;
  videoPackets: number;
  /** Distinct video frames (by sequence, whatever the layer), summed over its video sources. */
  videoFrames: number;
  /** Publishers whose video reached it. */
  videoSources: number;
  /** Video packets received per spatial layer. */
  videoPacketsByLayer: number[];
  /** Media packets with a capture time outside the window (warm-up and drain). */
  outsideWindow: number;
  disconnected: boolean;
}

/** What one publisher sent in the window. */
export interface PublisherSent {
  index: number;
  username: string;
  audioPackets: number;
  videoPacketsByLayer: number[];
  videoBytes: number;
  keyframes: number;
  keyframeRequests: number;
  layerDemands: number;
  /** The last LayerDemand's mask for its camera (-1: none came: every layer is sent). */
  layersMask: number;
}

/** Latency samples in bins of `LATENCY_BIN_US`, as [bin, count] pairs: mergeable across processes. */
export type LatencyBins = [number, number][];

export interface MeetingBotsResult {
  bots: BotStats[];
  publishers: PublisherSent[];
  latencyBins: LatencyBins;
  audioLatencyBins: LatencyBins;
  /** The largest delay of the send timer past its period: large means this process is the bottleneck. */
  maxTickLagMs: number;
  timeline: LatencyTimeline;
}

/**
 * Media received per half second of capture time, from TIMELINE_BEFORE_WINDOW_MS before the window
 * (the warm-up) to its end: how many packets, and how many came more than TIMELINE_LATE_MS after
 * capture. Mergeable across processes (every process has the same window). Shows when the start's
 * backlog (everyone's first key frames at once) has drained.
 */
export interface LatencyTimeline {
  /** Wall-clock µs where bucket 0 starts. */
  startUs: number;
  stepMs: number;
  packets: number[];
  late: number[];
}

export const TIMELINE_STEP_MS = 500;
export const TIMELINE_BEFORE_WINDOW_MS = 20_000;
export const TIMELINE_LATE_MS = 150;
const TIMELINE_BUCKETS = 200; // 100 s: the warm-up and a window of up to 80 s

export const LATENCY_BIN_US = 100;
const LATENCY_BINS = 100_000; // 10 s; slower is recorded as 10 s
const TICK_MS = 10;
const CLOSE_GRACE_MS = 100;

interface VideoSourceState {
  lastSequence: number;
}

interface Bot {
  readonly spec: BotSpec;
  readonly stats: BotStats;
  readonly transport: PacketTransport;
  readonly copyOnSend: boolean;
  readonly sessionId: number;
  /** Publisher usernames → session ids, from the Welcome and the joins seen while joining. */
  readonly publisherSessions: Map<string, number>;
  readonly videoSources: Map<number, VideoSourceState>;
  readonly publisher: PublisherState | undefined;
}

interface PublisherState {
  readonly sent: PublisherSent;
  readonly templates: SimulcastTemplates;
  scheduleStartUs: number;
  framesSent: number;
  audioSent: number;
  /** Per layer: frames since its last key frame (-1: send a key frame next). */
  framesSinceKey: number[];
}

const LEAVE_PACKET = encodePacket({ body: { case: "leave", value: {} } });

export class MeetingBots {
  readonly #options: MeetingBotsOptions;
  readonly #bots: Bot[] = [];
  readonly #header = new RoutingHeader();
  readonly #heartbeat = new ClientHeartbeat();
  readonly #latency = new Uint32Array(LATENCY_BINS);
  readonly #audioLatency = new Uint32Array(LATENCY_BINS);
  readonly #speakerNames: Set<string>;
  #speakerSessions = new Set<number>();
  #joining = true;
  #stopping = false;
  #window: MeasuringWindow = { startUs: Number.POSITIVE_INFINITY, endUs: Number.POSITIVE_INFINITY };
  #maxTickLagMs = 0;
  #timelineStartUs = Number.POSITIVE_INFINITY;
  readonly #timelinePackets = new Uint32Array(TIMELINE_BUCKETS);
  readonly #timelineLate = new Uint32Array(TIMELINE_BUCKETS);

  constructor(options: MeetingBotsOptions) {
    this.#options = options;
    this.#speakerNames = new Set(options.speakerNames);
  }

  /** Joins every bot (`joinConcurrency` at a time); throws on the first that cannot join. */
  async join(): Promise<void> {
    const { bots, joinConcurrency } = this.#options;
    let next = 0;
    const abort = new AbortController();
    const joinNext = async (): Promise<void> => {
      while (next < bots.length && !abort.signal.aborted) {
        const spec = bots[next++] as BotSpec;
        try {
          this.#bots.push(await this.#join(spec, abort.signal));
        } catch (error) {
          abort.abort();
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(joinConcurrency, bots.length) }, joinNext));
    this.#bots.sort((a, b) => a.spec.index - b.spec.index);
  }

  /** Bots that do not yet know every publisher's session id (they learn them from joins). */
  missingPublishers(): number {
    const wanted = this.#options.publisherNames.length;
    return this.#bots.filter((bot) => bot.publisherSessions.size < wanted).length;
  }

  async #join(spec: BotSpec, signal: AbortSignal): Promise<Bot> {
    const options = this.#options;
    const joinStartedEpochMs = Date.now();
    const startedMs = performance.now();
    const connected = await connectToMeeting({
      serverUrl: options.serverUrls[spec.index % options.serverUrls.length] as string,
      username: spec.username,
      meetingId: options.meetingId,
      transport: options.transport,
      connectTimeoutMs: options.connectTimeoutMs,
      signal,
      ...(options.token ? { token: options.token } : {}),
    });
    const joinMs = performance.now() - startedMs;
    const { transport, welcome } = connected;
    this.#heartbeat.add(transport, welcome.heartbeatIntervalMs);
    const publisherSessions = new Map<string, number>();
    const publisherNames = new Set(options.publisherNames);
    for (const participant of welcome.participants) {
      if (publisherNames.has(participant.username))
        publisherSessions.set(participant.username, participant.sessionId);
    }
    const bot: Bot = {
      spec,
      stats: {
        index: spec.index,
        role: spec.role,
        transport: transport.kind,
        joinStartedEpochMs,
        joinMs,
        mediaPackets: 0,
        mediaBytes: 0,
        audioPackets: 0,
        speakerAudioPackets: 0,
        videoPackets: 0,
        videoFrames: 0,
        videoSources: 0,
        videoPacketsByLayer: [0, 0, 0, 0],
        outsideWindow: 0,
        disconnected: false,
      },
      transport,
      copyOnSend: transport.kind !== "websocket",
      sessionId: welcome.sessionId,
      publisherSessions,
      videoSources: new Map(),
      publisher:
        spec.role === "publisher"
          ? {
              sent: {
                index: spec.index,
                username: spec.username,
                audioPackets: 0,
                videoPacketsByLayer: options.layers.map(() => 0),
                videoBytes: 0,
                keyframes: 0,
                keyframeRequests: 0,
                layerDemands: 0,
                layersMask: -1,
              },
              templates: simulcastTemplates(options.layers, options.videoFramesPerSecond, spec.audioLevel),
              scheduleStartUs: 0,
              framesSent: 0,
              audioSent: 0,
              framesSinceKey: options.layers.map(() => -1),
            }
          : undefined,
    };
    if (spec.role === "publisher") publisherSessions.set(spec.username, welcome.sessionId);
    transport.onPacket = (bytes) => this.#onPacket(bot, bytes);
    transport.onClose = (info) => this.#onClose(bot, info.code, info.reason);
    for (const early of connected.early) this.#onPacket(bot, early);
    if (connected.closedEarly) this.#onClose(bot, connected.closedEarly.code, connected.closedEarly.reason);
    return bot;
  }

  #onPacket(bot: Bot, bytes: Uint8Array): void {
    const receivedUs = epochClockUs();
    const header = this.#header;
    if (!scanRoutingHeader(bytes, header)) return;
    switch (header.body) {
      case BodyField.media:
        this.#onMedia(bot, bytes, header, receivedUs);
        return;
      case BodyField.ping:
        this.#answerPing(bot, bytes);
        return;
      case BodyField.participantJoined:
        if (this.#joining && bot.publisherSessions.size < this.#options.publisherNames.length)
          this.#learnPublisher(bot, bytes);
        return;
      case BodyField.keyframeRequest:
        if (bot.publisher && header.trackId === VIDEO_TRACK_ID)
          this.#onKeyframeRequest(bot.publisher, header);
        return;
      case BodyField.layerDemand:
        if (bot.publisher) this.#onLayerDemand(bot.publisher, bytes);
        return;
    }
  }

  #onMedia(bot: Bot, bytes: Uint8Array, header: RoutingHeader, receivedUs: number): void {
    const captureUs = captureTimeUsOf(header.captureTimeUs);
    const stats = bot.stats;
    const bucket = Math.floor((captureUs - this.#timelineStartUs) / (TIMELINE_STEP_MS * 1000));
    if (bucket >= 0 && bucket < TIMELINE_BUCKETS && captureUs < this.#window.endUs) {
      (this.#timelinePackets[bucket] as number)++;
      if (receivedUs - captureUs > TIMELINE_LATE_MS * 1000) (this.#timelineLate[bucket] as number)++;
    }
    if (captureUs < this.#window.startUs || captureUs >= this.#window.endUs) {
      stats.outsideWindow++;
      return;
    }
    const fromSession = header.fromSessionOffset < 0 ? 0 : readUint32LE(bytes, header.fromSessionOffset);
    stats.mediaPackets++;
    stats.mediaBytes += bytes.length;
    const bin = Math.min(
      LATENCY_BINS - 1,
      Math.max(0, Math.floor((receivedUs - captureUs) / LATENCY_BIN_US)),
    );
    (this.#latency[bin] as number)++;
    if (header.kind === MediaKind.AUDIO) {
      stats.audioPackets++;
      (this.#audioLatency[bin] as number)++;
      if (this.#speakerSessions.has(fromSession)) stats.speakerAudioPackets++;
      return;
    }
    stats.videoPackets++;
    if (header.layer < stats.videoPacketsByLayer.length)
      (stats.videoPacketsByLayer[header.layer] as number)++;
    let source = bot.videoSources.get(fromSession);
    if (source === undefined) {
      source = { lastSequence: -1 };
      bot.videoSources.set(fromSession, source);
      stats.videoSources++;
    }
    // Every layer of one frame carries the frame's sequence: a new sequence is a new frame.
    if (header.sequence > source.lastSequence) {
      source.lastSequence = header.sequence;
      stats.videoFrames++;
    }
  }

  #learnPublisher(bot: Bot, bytes: Uint8Array): void {
    try {
      const packet = decodePacket(bytes);
      if (packet.body.case !== "participantJoined") return;
      const participant = packet.body.value.participant;
      if (participant && this.#options.publisherNames.includes(participant.username))
        bot.publisherSessions.set(participant.username, participant.sessionId);
    } catch {
      // malformed: the relay's problem, not the load's
    }
  }

  #onKeyframeRequest(publisher: PublisherState, header: RoutingHeader): void {
    publisher.sent.keyframeRequests++;
    const layers = publisher.framesSinceKey;
    for (let layer = 0; layer < layers.length; layer++) {
      if (header.keyframeLayer < 0 || header.keyframeLayer === layer) layers[layer] = -1;
    }
  }

  #onLayerDemand(publisher: PublisherState, bytes: Uint8Array): void {
    try {
      const packet = decodePacket(bytes);
      if (packet.body.case !== "layerDemand") return;
      for (const track of packet.body.value.tracks) {
        if (track.trackId !== VIDEO_TRACK_ID) continue;
        publisher.sent.layerDemands++;
        const previous = publisher.sent.layersMask < 0 ? ~0 : publisher.sent.layersMask;
        publisher.sent.layersMask = track.layersMask;
        // A layer that starts again starts with a key frame, as an encoder restarted would.
        for (let layer = 0; layer < publisher.framesSinceKey.length; layer++) {
          if ((track.layersMask & (1 << layer)) !== 0 && (previous & (1 << layer)) === 0)
            publisher.framesSinceKey[layer] = -1;
        }
      }
    } catch {
      // malformed: ignored
    }
  }

  #answerPing(bot: Bot, bytes: Uint8Array): void {
    try {
      const packet = decodePacket(bytes);
      if (packet.body.case !== "ping") return;
      const { nonce, sentTimeUs } = packet.body.value;
      bot.transport.send(encodePacket({ body: { case: "pong", value: { nonce, sentTimeUs } } }));
    } catch {
      // A malformed ping is the relay's problem, not the load's.
    }
  }

  #onClose(bot: Bot, code: number, reason: string): void {
    if (this.#stopping || bot.stats.disconnected) return;
    bot.stats.disconnected = true;
    this.#options.onDisconnect?.(bot.spec, code, reason);
  }

  /**
   * Subscribes, announces tracks, sends media until the window ends, waits `drainMs` for what is
   * in flight, and reports. Call after `join()`; the window should open a few seconds from now so
   * that subscriptions and track announcements settle first.
   */
  async measure(window: MeasuringWindow, drainMs: number): Promise<MeetingBotsResult> {
    this.#joining = false;
    this.#window = window;
    this.#timelineStartUs = window.startUs - TIMELINE_BEFORE_WINDOW_MS * 1000;
    const publisherNames = this.#options.publisherNames;
    for (const bot of this.#bots) {
      for (const name of this.#speakerNames) {
        const session = bot.publisherSessions.get(name);
        if (session !== undefined) this.#speakerSessions.add(session);
      }
    }
    for (const bot of this.#bots) {
      const subscriptions = this.#subscriptionsOf(bot, publisherNames);
      if (subscriptions) bot.transport.send(subscriptions);
      if (bot.publisher) bot.transport.send(this.#trackStatePacket());
    }
    await this.#sendUntil(window.endUs);
    await delay(drainMs);
    return this.#result();
  }

  #subscriptionsOf(bot: Bot, publisherNames: readonly string[]): Uint8Array | undefined {
    const plan = this.#options.subscription;
    if (plan.mode === "all") return undefined;
    const others = publisherNames
      .map((name) => bot.publisherSessions.get(name))
      .filter((session): session is number => session !== undefined && session !== bot.sessionId);
    const tracks: MessageInitShape<typeof TrackSubscriptionSchema>[] = others.map((sessionId) => ({
      sessionId,
      trackId: AUDIO_TRACK_ID,
    }));
    const tiles = Math.min(plan.tiles, others.length);
    for (let i = 0; i < tiles; i++) {
      tracks.push({
        sessionId: others[(bot.spec.index * plan.tiles + i) % others.length] as number,
        trackId: VIDEO_TRACK_ID,
        widthPx: plan.tileWidthPx,
        heightPx: plan.tileHeightPx,
      });
    }
    return encodePacket({
      body: {
        case: "setSubscriptions",
        value: { mode: SubscriptionMode.EXPLICIT, tracks, lastN: plan.lastN },
      },
    });
  }

  #trackStatePacket(): Uint8Array {
    const layers = this.#options.layers;
    return encodePacket({
      body: {
        case: "trackState",
        value: {
          tracks: [
            // Levels declared as the browser's microphone does, so the relay's top-3 audio ranks them.
            {
              trackId: AUDIO_TRACK_ID,
              kind: MediaKind.AUDIO,
              codec: Codec.OPUS,
              muted: false,
              audioLevels: true,
            },
            {
              trackId: VIDEO_TRACK_ID,
              kind: MediaKind.VIDEO,
              codec: Codec.VP8,
              muted: false,
              // One layer is a plain camera: no list, as a non-simulcast client sends.
              layers: layers.length > 1 ? layers.map((spec) => ({ ...spec })) : [],
            },
          ],
        },
      },
    });
  }

  /** One timer for every publisher: each tick sends what each one's schedule says is due. */
  async #sendUntil(endUs: number): Promise<void> {
    const publishers = this.#bots.filter((bot) => bot.publisher);
    const videoPeriodUs = 1e6 / this.#options.videoFramesPerSecond;
    const audioPeriodUs = 1e6 / AUDIO_PACKETS_PER_SECOND;
    const startUs = epochClockUs();
    publishers.forEach((bot, i) => {
      (bot.publisher as PublisherState).scheduleStartUs = startUs + (i / publishers.length) * videoPeriodUs;
    });
    if (publishers.length === 0) {
      await delay(Math.max(0, (endUs - startUs) / 1000));
      return;
    }
    const done = Promise.withResolvers<void>();
    let lastTickMs = performance.now();
    const tick = () => {
      const tickMs = performance.now();
      this.#maxTickLagMs = Math.max(this.#maxTickLagMs, tickMs - lastTickMs - TICK_MS);
      lastTickMs = tickMs;
      const nowUs = epochClockUs();
      if (nowUs >= endUs) {
        clearInterval(ticker);
        done.resolve();
        return;
      }
      for (const bot of publishers) {
        const publisher = bot.publisher as PublisherState;
        const elapsedUs = nowUs - publisher.scheduleStartUs;
        if (elapsedUs < 0 || bot.stats.disconnected) continue;
        const framesDue = Math.floor(elapsedUs / videoPeriodUs) + 1;
        while (publisher.framesSent < framesDue) this.#sendFrame(bot, publisher);
        const audioDue = Math.floor(elapsedUs / audioPeriodUs) + 1;
        while (publisher.audioSent < audioDue) this.#sendAudio(bot, publisher);
      }
    };
    const ticker = setInterval(tick, TICK_MS);
    try {
      await done.promise;
    } finally {
      clearInterval(ticker);
    }
  }

  #inWindow(captureUs: number): boolean {
    return captureUs >= this.#window.startUs && captureUs < this.#window.endUs;
  }

  #sendFrame(bot: Bot, publisher: PublisherState): void {
    const frame = publisher.framesSent++;
    const { templates, sent } = publisher;
    const captureUs = Math.round(epochClockUs());
    const inWindow = this.#inWindow(captureUs);
    const mask = sent.layersMask < 0 ? ~0 : sent.layersMask;
    for (let layer = 0; layer < templates.layers.length; layer++) {
      if ((mask & (1 << layer)) === 0) continue;
      const layerTemplates = templates.layers[layer] as (typeof templates.layers)[number];
      const sinceKey = publisher.framesSinceKey[layer] as number;
      const isKey = sinceKey < 0 || sinceKey + 1 >= templates.keyframeIntervalFrames;
      const framesSinceKey = isKey ? 0 : sinceKey + 1;
      publisher.framesSinceKey[layer] = framesSinceKey;
      const template = isKey
        ? layerTemplates.key
        : (layerTemplates.deltas[temporalLayerOfFrame(framesSinceKey)] as typeof layerTemplates.key);
      // Every layer of one frame carries the same sequence, so receivers count frames, not layers.
      const bytes = template.patch(captureUs, frame);
      bot.transport.send(bot.copyOnSend ? bytes.slice() : bytes, MediaKind.VIDEO);
      if (inWindow) {
        (sent.videoPacketsByLayer[layer] as number)++;
        sent.videoBytes += bytes.length;
        if (isKey) sent.keyframes++;
      }
    }
  }

  #sendAudio(bot: Bot, publisher: PublisherState): void {
    const sequence = publisher.audioSent++;
    const captureUs = Math.round(epochClockUs());
    const { audio } = publisher.templates;
    // Speech is not one level: a speaker's level wanders a little around its own.
    if (bot.spec.audioLevel > 0) audio.patchAudioLevel(bot.spec.audioLevel + ((sequence * 7) % 11) - 5);
    const bytes = audio.patch(captureUs, sequence);
    bot.transport.send(bot.copyOnSend ? bytes.slice() : bytes, MediaKind.AUDIO);
    if (this.#inWindow(captureUs)) publisher.sent.audioPackets++;
  }

  #result(): MeetingBotsResult {
    return {
      bots: this.#bots.map((bot) => bot.stats),
      publishers: this.#bots.flatMap((bot) => (bot.publisher ? [bot.publisher.sent] : [])),
      latencyBins: binsOf(this.#latency),
      audioLatencyBins: binsOf(this.#audioLatency),
      maxTickLagMs: this.#maxTickLagMs,
      timeline: {
        startUs: this.#timelineStartUs,
        stepMs: TIMELINE_STEP_MS,
        packets: Array.from(this.#timelinePackets),
        late: Array.from(this.#timelineLate),
      },
    };
  }

  /** Every bot says Leave and closes. */
  async leave(): Promise<void> {
    this.#stopping = true;
    this.#heartbeat.stop();
    for (const bot of this.#bots) {
      // In-band first: some transports' close never reaches the relay (Deno's WebTransport).
      bot.transport.send(LEAVE_PACKET);
      bot.transport.close(1000, "load done");
    }
    await delay(CLOSE_GRACE_MS);
  }
}

function binsOf(histogram: Uint32Array): LatencyBins {
  const bins: LatencyBins = [];
  for (let i = 0; i < histogram.length; i++) if (histogram[i] !== 0) bins.push([i, histogram[i] as number]);
  return bins;
}

/** Merges bins from several processes and reads percentiles from them, in ms. */
export class MergedLatency {
  readonly #counts = new Map<number, number>();
  #total = 0;

  add(bins: LatencyBins): void {
    for (const [bin, count] of bins) {
      this.#counts.set(bin, (this.#counts.get(bin) ?? 0) + count);
      this.#total += count;
    }
  }

  get count(): number {
    return this.#total;
  }

  /** The upper edge of the bin holding the `fraction` quantile, in ms; null without samples. */
  percentileMs(fraction: number): number | null {
    if (this.#total === 0) return null;
    const rank = Math.max(1, Math.ceil(fraction * this.#total));
    let seen = 0;
    for (const bin of [...this.#counts.keys()].sort((a, b) => a - b)) {
      seen += this.#counts.get(bin) as number;
      if (seen >= rank) return ((bin + 1) * LATENCY_BIN_US) / 1000;
    }
    return null;
  }
}

function readUint32LE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] as number) |
      ((bytes[offset + 1] as number) << 8) |
      ((bytes[offset + 2] as number) << 16) |
      ((bytes[offset + 3] as number) << 24)) >>>
    0
  );
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
