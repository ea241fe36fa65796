import { create } from "@bufbuild/protobuf";
import {
  CloseCode,
  Codec,
  decodePacketSafely,
  encodePacket,
  type HostCommandInit,
  HostCommandSchema,
  hostCommandProblem,
  isAllowedReaction,
  isFatalCloseCode,
  isNodeUnavailableCloseCode,
  LeaveReason,
  MAX_TRACK_ID,
  MAX_TRACK_SUBSCRIPTIONS,
  MAX_TRACKS_PER_PARTICIPANT,
  MAX_VIDEO_DECODERS,
  type Media,
  MediaKind,
  type MeetingState,
  type Packet,
  type Participant,
  ParticipantRole,
  type RaisedHands,
  type ReactionEmoji,
  ReactionRefusal,
  SubscriptionMode,
  type TrackInfo,
  type Welcome,
} from "@videocall/protocol";
import { type E2eeOptions, MeetingE2ee } from "../e2ee/meeting-e2ee.ts";
import { TypedEmitter } from "../emitter.ts";
import { ConnectionError } from "../errors.ts";
import { nowMicros } from "../time.ts";
import type { PacketTransport, TransportKind } from "../transport/packet-transport.ts";
import { ClockOffsetEstimator } from "./clock-offset.ts";
import { type Connected, type ConnectOptions, connectToMeeting } from "./connect.ts";
import { type EncodedFrame, LocalTrack, type LocalTrackOwner, type LocalVideoLayer } from "./local-track.ts";
import { type ChatEntry, type ChatSendOptions, SessionChat } from "./session-chat.ts";

export type { EncodedFrame, HostCommandInit, Media, ReactionEmoji, TrackInfo };
export { Codec, LeaveReason, MediaKind };

export interface JoinOptions extends ConnectOptions {
  /** Reconnect by itself when the connection drops (default true). */
  reconnect?: boolean;
  /**
   * Encrypt media end to end (docs/e2ee.md): keys exchanged with each peer, or derived from a
   * shared passphrase. The session then has `e2ee`, whose `frameTransform` publishers and watchers
   * made with this session use unless given another; the server is told (Join.e2ee).
   */
  e2ee?: E2eeOptions;
  /** How long to keep retrying a server that answers 4020 "starting" (default 60 s). */
  serverStartingWaitMs?: number;
  /**
   * A fresh room token for each reconnect: tokens are short-lived (docs/tokens.md) and a call
   * outlives them, so a reconnect with the first one may be refused as expired (4023). Undefined
   * (or a failure) keeps the token the session has.
   */
  refreshToken?: () => Promise<string | undefined>;
  /**
   * The video codecs this client decodes, best first, announced in every TrackState (also when it
   * publishes nothing): publishers in the meeting send only codecs every participant decodes
   * (VideoCodecNegotiator). Absent: nothing is announced and others assume DEFAULT_VIDEO_DECODERS.
   */
  videoDecoders?: readonly Codec[];
}

/** Who is in charge of a meeting: its creator is host; hosts make co-hosts (docs/meeting-control.md). */
export type ParticipantRoleName = "host" | "cohost" | "participant";

export interface RemoteParticipant {
  readonly sessionId: number;
  /** The display name: not unique, two people may both be "Alice". */
  readonly username: string;
  /** Stable per person and set by the server: what tells two Alices apart. */
  readonly identity: string;
  readonly guest: boolean;
  /** Changes when a host promotes or demotes the participant. */
  role: ParticipantRoleName;
  tracks: TrackInfo[];
  /** The video codecs it announced it decodes (empty: it did not say; assume DEFAULT_VIDEO_DECODERS). */
  videoDecoders: Codec[];
}

/** This connection as the server admitted it (Welcome.you and Welcome.grants). */
export interface SelfParticipant {
  readonly sessionId: number;
  readonly displayName: string;
  readonly identity: string;
  /** The role at the Welcome; `session.role` follows a host's later promotions. */
  readonly role: ParticipantRoleName;
  readonly guest: boolean;
  /** Grant bits (Grant in @videocall/protocol). */
  readonly grants: number;
  /** Welcome.e2ee_required: the meeting requires end-to-end encrypted media. */
  readonly e2eeRequired: boolean;
}

/** A joiner held in the waiting room, as hosts and co-hosts see it. */
export interface WaitingJoiner {
  readonly sessionId: number;
  readonly identity: string;
  readonly displayName: string;
  readonly guest: boolean;
}

/** The meeting's settings as the relay enforces them, and (for hosts and co-hosts) who waits. */
export interface MeetingControlState {
  readonly locked: boolean;
  readonly waitingRoom: boolean;
  readonly hasPassword: boolean;
  readonly guestsAllowed: boolean;
  /** Empty unless this session is a host or co-host. */
  readonly waiting: readonly WaitingJoiner[];
  /** A server-side recording runs (docs/recording.md). */
  readonly recording: boolean;
}

/** What the relay answered to a host command. */
export interface HostCommandResult {
  readonly ok: boolean;
  /** Why not, when `ok` is false. */
  readonly error: string;
}

/** One track a subscriber receives in EXPLICIT mode. */
export interface TrackSubscription {
  sessionId: number;
  trackId: number;
  /** Highest spatial layer to receive; absent: no cap. */
  maxLayer?: number;
  /** The size the track is shown at, in device pixels: the relay picks the simulcast layer from it. */
  widthPx?: number;
  heightPx?: number;
  /** Forwarded whatever `lastN` says. */
  pinned?: boolean;
}

/**
 * What this session receives: everything (the default), or exactly the listed tracks. Track
 * states, joins and leaves arrive for everyone either way.
 */
export type Subscriptions =
  | { mode: "all"; lastN?: number }
  | {
      mode: "explicit";
      tracks: readonly TrackSubscription[];
      lastN?: number;
      /** Also every audio track of everyone, present and future (top-3 audio still applies). */
      allAudio?: boolean;
    };

/** The relay's view of who is speaking (ActiveSpeakers, body 20). */
export interface ActiveSpeakersInfo {
  /** At most 3, loudest first; levels on Media.audio_level's scale (0 silent .. 127 full scale). */
  speakers: readonly { sessionId: number; level: number }[];
  /** 0: nobody has spoken yet. */
  dominantSessionId: number;
}

/** One raised hand (RaisedHands, body 27); the session's list is first raised first. */
export interface RaisedHandInfo {
  readonly sessionId: number;
  /** When it went up, in Unix milliseconds on the raiser's relay node. */
  readonly raisedAtMs: number;
}

/** Why the relay did not forward one of our reactions. */
export type ReactionRefusalReason = "unknown_emoji" | "rate_limited";

export interface SessionClosedInfo {
  code: number;
  reason: string;
  /** True when leave() was called. */
  byUser: boolean;
}

export type SessionEvents = {
  participantJoined: (participant: RemoteParticipant) => void;
  participantLeft: (participant: RemoteParticipant, reason: LeaveReason) => void;
  tracksChanged: (participant: RemoteParticipant) => void;
  media: (fromSessionId: number, media: Media) => void;
  /** A receiver (or the relay) asked for a key frame of one of our tracks. */
  keyframeRequested: (trackId: number, layer: number | undefined) => void;
  /**
   * The connection dropped; the session is trying again after `delayMs`. `closeCode` is the drop's
   * close code (CloseCode in @videocall/protocol), so the app can say why.
   */
  reconnecting: (attempt: number, delayMs: number, reason: string, closeCode: number) => void;
  /** Back in the meeting (with a new session id), over `transport`. */
  reconnected: (transport: TransportKind) => void;
  closed: (info: SessionClosedInfo) => void;
  /** The meeting's settings, roles or (for hosts) waiting list changed. */
  meetingStateChanged: (state: MeetingControlState) => void;
  /**
   * A host or co-host muted our `kind` of track: the session has muted those tracks already (so
   * nothing of them is sent); unmuting them again is the participant's own choice.
   */
  mutedByHost: (kind: MediaKind, bySessionId: number) => void;
  /** The relay's active speakers changed. */
  activeSpeakers: (info: ActiveSpeakersInfo) => void;
  /**
   * Which spatial layers of our video track `trackId` anyone receives (bit i: layer i); 0 when
   * nobody watches it. A publisher stops encoding unwanted layers and restarts one with a key frame.
   */
  layerDemand: (trackId: number, layersMask: number) => void;
  /** Someone reacted, us included (the relay echoes our own reactions once it accepts them). */
  reaction: (fromSessionId: number, emoji: ReactionEmoji) => void;
  /** The relay refused one of our reactions: not an allowed emoji, or too many too fast. */
  reactionRefused: (reason: ReactionRefusalReason, emoji: string) => void;
  /** The raised hands changed (first raised first); ours is among them while it is up. */
  raisedHands: (hands: readonly RaisedHandInfo[]) => void;
  /**
   * A chat message seen for the first time: live (someone's, or our own receipt) or, with `live`
   * false, from the history a joiner gets.
   */
  chat: (message: ChatEntry, live: boolean) => void;
};

export interface SessionStats {
  transport: TransportKind;
  rttMs: number | undefined;
  /** The relay's clock − ours (ms), from stamped Pongs (min round trip of the recent ones). */
  serverClockOffsetMs: number | undefined;
  reconnects: number;
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /**
   * Packets from the server that did not decode, or whose handling threw: each is dropped and the
   * session carries on (a broken or hostile peer must not end our call).
   */
  packetsDropped: number;
}

/** Joins a meeting: connects (WebTransport raced against WebSocket), waits for the Welcome, returns the live session. */
export async function joinMeeting(options: JoinOptions): Promise<MeetingSession> {
  // A server whose database is still opening refuses with 4020: wait and ask again, within a bound.
  const deadline = performance.now() + (options.serverStartingWaitMs ?? SERVER_STARTING_WAIT_MS);
  for (;;) {
    try {
      return new MeetingSession(
        await connectToMeeting({ ...options, ...(options.e2ee ? { offersE2ee: true } : {}) }),
        options,
      );
    } catch (error) {
      const starting =
        error instanceof ConnectionError &&
        error.reason === "rejected" &&
        error.closeCode === CloseCode.serverStarting;
      if (!starting || performance.now() + SERVER_STARTING_RETRY_MS > deadline || options.signal?.aborted)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, SERVER_STARTING_RETRY_MS));
    }
  }
}

/** How long joinMeeting keeps retrying a server that says it is starting (4020), and how often. */
const SERVER_STARTING_WAIT_MS = 60_000;
const SERVER_STARTING_RETRY_MS = 1000;

/** Backoff before each reconnect attempt, then the last value with jitter, up to about a minute in all. */
const RECONNECT_DELAYS_MS = [0, 300, 1000, 2000, 4000, 7000];
const MAX_RECONNECT_ATTEMPTS = 12;
/**
 * The session pings this often (more often than the server requires) and gives the connection up
 * after this much silence from the server: a QUIC client may not notice a crashed server until its
 * idle timeout (30 s), and a TCP one behind a dead link never does.
 */
const PING_INTERVAL_MS = 500;
const SERVER_SILENCE_LIMIT_MS = 2000;
/** After this much silence the session asks the node's HTTP port whether its process still lives. */
const SILENCE_PROBE_AFTER_MS = 800;
/** A live but busy node may take this long to answer the probe: it is not given up for that. */
const SILENCE_PROBE_TIMEOUT_MS = 1000;
/** How often the session refreshes its list of live relay nodes (for failover). */
const SERVER_LIST_REFRESH_MS = 10_000;

/**
 * One participant's membership of a meeting. Owns its transport, heartbeat timer and roster;
 * `leave()` (or the server closing) releases them all and emits `closed` once.
 */
export class MeetingSession implements LocalTrackOwner {
  readonly events = new TypedEmitter<SessionEvents>();
  readonly meetingId: string;
  readonly username: string;
  readonly closed: Promise<SessionClosedInfo>;
  /** End-to-end encryption, when joined with `e2ee` (undefined otherwise). */
  readonly e2ee: MeetingE2ee | undefined;

  readonly #options: JoinOptions;
  #transport!: PacketTransport;
  #sessionId = 0;
  #self!: SelfParticipant;
  #heartbeatIntervalMs = 5000;
  #protocolVersion = 0;
  #e2eeRequired = false;
  #participants = new Map<number, RemoteParticipant>();
  #localTracks = new Map<number, LocalTrack>();
  /** Track ids are allocated per session and never reused in it, so a receiver never mixes two tracks. */
  #nextTrackId = 1;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #role: ParticipantRoleName = "participant";
  #identity = "";
  #grants = 0;
  #meetingState: MeetingControlState = EMPTY_MEETING_STATE;
  #nextCommandId = 1;
  #raisedHands: readonly RaisedHandInfo[] = [];
  readonly #pendingCommands = new Map<
    number,
    { resolve: (result: HostCommandResult) => void; timer: ReturnType<typeof setTimeout> }
  >();
  readonly #chat = new SessionChat({
    sessionId: () => this.#sessionId,
    identity: () => this.#identity,
    connected: () => !this.#isClosed && !this.#reconnecting,
    send: (bytes) => this.#send(bytes),
    emit: (entry, live) => this.events.emit("chat", entry, live),
    crypto: () =>
      this.e2ee && {
        seal: (text) => this.e2ee!.sealChat(text),
        open: (from, sealed) => this.e2ee!.openChat(from, sealed),
      },
  });
  #lastHeardMs = 0;
  #nextPingNonce = 1;
  #rttMs: number | undefined;
  #clockOffset = new ClockOffsetEstimator();
  #isClosed = false;
  #reconnecting = false;
  #subscriptions: Subscriptions = { mode: "all" };
  #videoDecoders: Codec[];
  #leaving = false;
  /** Aborted by leave() or the end of the session: cancels the reconnect sleep, the reconnect itself and /api/servers. */
  #lifetime = new AbortController();
  /** The node we are connected to, and every live node we know of (from /api/servers). */
  #currentServerUrl: string;
  #knownServerUrls: string[];
  #serverListTimer: ReturnType<typeof setInterval> | undefined;
  #resolveClosed!: (info: SessionClosedInfo) => void;
  #stats = {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    reconnects: 0,
    packetsDropped: 0,
  };

  constructor(connected: Connected, options: JoinOptions) {
    this.#options = options.e2ee ? { ...options, offersE2ee: true } : options;
    this.meetingId = options.meetingId;
    this.username = options.username;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#currentServerUrl = options.serverUrl;
    this.#knownServerUrls = [options.serverUrl];
    this.#videoDecoders = boundedDecoders(options.videoDecoders ?? []);
    this.e2ee = options.e2ee ? new MeetingE2ee(this, options.e2ee) : undefined;
    // A new key is a new start for whoever just got it (a joiner): send a key frame under it at once
    // (RFC 9605 §6.2) rather than wait for their decoder to ask.
    this.e2ee?.events.on("keyActivated", () => {
      for (const track of this.#localTracks.values()) {
        if (track.kind !== MediaKind.AUDIO) track.keyframeRequested();
      }
    });
    this.#attach(connected);
    if (this.#videoDecoders.length > 0) this.#sendTrackState();
    if (options.reconnect !== false) {
      this.#refreshServerList();
      this.#serverListTimer = setInterval(() => this.#refreshServerList(), SERVER_LIST_REFRESH_MS);
    }
  }

  /** The relay node this session is connected to (it changes when the session fails over). */
  get serverUrl(): string {
    return this.#currentServerUrl;
  }

  /** This connection as the server admitted it: identity, role, grants (from the last Welcome). */
  get self(): SelfParticipant {
    return this.#self;
  }

  /** Our id in the meeting, from the server's Welcome; a reconnect gets a new one. */
  get sessionId(): number {
    return this.#sessionId;
  }

  get heartbeatIntervalMs(): number {
    return this.#heartbeatIntervalMs;
  }

  /** The meeting requires end-to-end encryption (Welcome.e2ee_required). */
  get e2eeRequired(): boolean {
    return this.#e2eeRequired;
  }

  /** The protocol version the server picked for this connection (Welcome.protocol_version). */
  get protocolVersion(): number {
    return this.#protocolVersion;
  }

  /** True between a dropped connection and the next Welcome. */
  get isReconnecting(): boolean {
    return this.#reconnecting;
  }

  get participants(): ReadonlyMap<number, RemoteParticipant> {
    return this.#participants;
  }

  /** Our role now: from the Welcome, then as hosts change it. */
  get role(): ParticipantRoleName {
    return this.#role;
  }

  /** Our identity as the server set it (Welcome.you); "" from a server that does not say. */
  get identity(): string {
    return this.#identity;
  }

  /** What we may do, as a bit set of Grant values (Welcome.grants). */
  get grants(): number {
    return this.#grants;
  }

  /** The meeting's settings and, for hosts and co-hosts, its waiting list. */
  get meetingState(): MeetingControlState {
    return this.#meetingState;
  }

  /**
   * Sends a host command (admit, deny, kick, mute, role, settings, end) and resolves with the relay's
   * answer; a relay that does not answer within 10 s (an old one drops the command) resolves as not
   * done. Only hosts and co-hosts are obeyed; others get `ok: false`.
   */
  hostCommand(command: HostCommandInit): Promise<HostCommandResult> {
    if (this.#isClosed || this.#reconnecting) {
      return Promise.resolve({ ok: false, error: "not connected" });
    }
    const commandId = this.#nextCommandId++;
    const message = create(HostCommandSchema, { commandId, command });
    const problem = hostCommandProblem(message);
    if (problem) return Promise.resolve({ ok: false, error: problem });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pendingCommands.delete(commandId);
        resolve({ ok: false, error: "the server did not answer" });
      }, HOST_COMMAND_TIMEOUT_MS);
      this.#pendingCommands.set(commandId, { resolve, timer });
      this.#send(encodePacket({ body: { case: "hostCommand", value: message } }));
    });
  }

  /**
   * Sends a reaction to everyone (the relay checks it against ALLOWED_REACTIONS and a per-participant
   * budget, and answers a refusal with `reactionRefused`); our own comes back as a `reaction` event.
   */
  react(emoji: ReactionEmoji): void {
    this.#send(encodePacket({ body: { case: "reaction", value: { emoji } } }));
  }

  /** Raises or lowers our hand; `raisedHands` tells when the relay has it. Kept across a reconnect. */
  raiseHand(raised: boolean): void {
    this.#send(encodePacket({ body: { case: "raiseHand", value: { raised } } }));
  }

  /** The raised hands, first raised first, as the relay last said. */
  get raisedHands(): readonly RaisedHandInfo[] {
    return this.#raisedHands;
  }

  /** Whether our own hand is up (the relay says so). */
  get handRaised(): boolean {
    return this.#raisedHands.some((hand) => hand.sessionId === this.#sessionId);
  }

  /**
   * Sends a chat message to everyone, or privately to one participant, and resolves with it as the
   * server stored it; rejects with a ChatError (too long, too fast, no such recipient, not connected).
   */
  sendChat(text: string, options: ChatSendOptions = {}): Promise<ChatEntry> {
    return this.#chat.send(text, options);
  }

  /** The meeting's chat messages this participant may see, oldest first (history and live). */
  get chatMessages(): readonly ChatEntry[] {
    return this.#chat.messages;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  get transportKind(): TransportKind {
    return this.#transport.kind;
  }

  /** Bytes queued locally and not yet sent: publishers skip frames when this grows. */
  get bufferedBytes(): number {
    return this.#transport.bufferedBytes;
  }

  stats(): SessionStats {
    return {
      transport: this.#transport.kind,
      rttMs: this.#rttMs,
      serverClockOffsetMs: this.#clockOffset.estimate?.offsetMs,
      ...this.#stats,
    };
  }

  /** The tracks this session publishes, by track id. */
  get localTracks(): ReadonlyMap<number, LocalTrack> {
    return this.#localTracks;
  }

  /**
   * Announces a track and returns it; receivers learn its kind, codec and mute state. The track id
   * is allocated by the session unless `trackId` pins one (tests and raw tools that need a known
   * id; a pinned id already in use replaces that track).
   */
  publishTrack(init: {
    kind: MediaKind;
    codec: Codec;
    muted?: boolean;
    trackId?: number;
    /** Audio: every frame will carry `audioLevel` (top-3 audio applies to the track). */
    audioLevels?: boolean;
    /** Simulcast: the layers announced in TrackInfo.layers (LocalTrack.setLayers changes them). */
    layers?: readonly LocalVideoLayer[];
  }): LocalTrack {
    if (this.#isClosed) throw new Error("the session is closed");
    const trackId = init.trackId ?? this.#allocateTrackId();
    this.#localTracks.get(trackId)?.close();
    if (this.#localTracks.size >= MAX_TRACKS_PER_PARTICIPANT) {
      throw new Error(`at most ${MAX_TRACKS_PER_PARTICIPANT} tracks can be published at once`);
    }
    const track = new LocalTrack(this, { ...init, trackId });
    this.#localTracks.set(trackId, track);
    this.#sendTrackState();
    return track;
  }

  /** The video codecs this session announces it decodes (empty: none announced). */
  get videoDecoders(): readonly Codec[] {
    return this.#videoDecoders;
  }

  /** Announces a new list of decodable video codecs (a TrackState to everyone). */
  setVideoDecoders(decoders: readonly Codec[]): void {
    this.#videoDecoders = boundedDecoders(decoders);
    this.#sendTrackState();
  }

  /** Same as `localTracks.get(trackId)?.close()`. */
  unpublishTrack(trackId: number): void {
    this.#localTracks.get(trackId)?.close();
  }

  /** Same as `localTracks.get(trackId)?.setMuted(muted)`. */
  setTrackMuted(trackId: number, muted: boolean): void {
    this.#localTracks.get(trackId)?.setMuted(muted);
  }

  /** Sends one encoded frame of a published track (same as the LocalTrack's `sendFrame`). */
  sendFrame(trackId: number, frame: EncodedFrame): void {
    const track = this.#localTracks.get(trackId);
    if (!track) throw new Error(`track ${trackId} is not published`);
    track.sendFrame(frame);
  }

  /** LocalTrackOwner: one frame of `track` on the wire. */
  sendMedia(track: LocalTrack, sequence: number, frame: EncodedFrame): boolean {
    if (this.#isClosed || this.#reconnecting || this.#goodbyeReason) return false;
    this.#send(
      encodePacket({
        body: {
          case: "media",
          value: {
            trackId: track.trackId,
            kind: track.kind,
            codec: frame.codec ?? track.codec,
            keyframe: frame.keyframe,
            sequence,
            captureTimeUs: BigInt(Math.round(frame.captureTimeUs)),
            // uint32 on the wire: a fractional or out-of-range duration must not make the encoder throw.
            durationUs: Math.min(Math.max(Math.round(frame.durationUs ?? 0), 0), 0xffff_ffff),
            layer: frame.layer ?? 0,
            temporalLayer: frame.temporalLayer ?? 0,
            audioLevel: clampAudioLevel(frame.audioLevel),
            payload: frame.payload,
          },
        },
      }),
      track.kind,
    );
    return true;
  }

  /** LocalTrackOwner: a track's mute state changed. */
  trackStateChanged(): void {
    this.#sendTrackState();
  }

  /** LocalTrackOwner: a track was closed; receivers learn it is gone. */
  trackClosed(track: LocalTrack): void {
    if (this.#localTracks.get(track.trackId) !== track) return;
    this.#localTracks.delete(track.trackId);
    this.#sendTrackState();
  }

  #allocateTrackId(): number {
    while (this.#localTracks.has(this.#nextTrackId)) this.#nextTrackId = (this.#nextTrackId + 1) >>> 0 || 1;
    const trackId = this.#nextTrackId;
    this.#nextTrackId = (this.#nextTrackId + 1) >>> 0 || 1;
    return trackId;
  }

  /**
   * Says which tracks to receive; replaces the previous choice, takes effect at the relay with
   * the next packet, and holds across reconnects. A remote participant that reconnects has a new
   * session id: subscribe to it again. Throws a RangeError for more than MAX_TRACK_SUBSCRIPTIONS
   * tracks or an id out of range (the relay would close the connection for them).
   */
  setSubscriptions(subscriptions: Subscriptions): void {
    if (subscriptions.mode === "explicit") {
      if (subscriptions.tracks.length > MAX_TRACK_SUBSCRIPTIONS) {
        throw new RangeError(
          `at most ${MAX_TRACK_SUBSCRIPTIONS} track subscriptions, got ${subscriptions.tracks.length}`,
        );
      }
      const seen = new Set<string>();
      for (const track of subscriptions.tracks) {
        const key = `${track.sessionId}/${track.trackId}`;
        if (
          track.sessionId <= 0 ||
          track.sessionId > 0xffffffff ||
          track.trackId <= 0 ||
          track.trackId > MAX_TRACK_ID
        )
          throw new RangeError(`track subscription ${key} is out of range`);
        if (seen.has(key)) throw new RangeError(`track subscription ${key} is listed twice`);
        seen.add(key);
      }
      subscriptions = {
        mode: "explicit",
        tracks: subscriptions.tracks.map((track) => ({ ...track })),
        ...(subscriptions.lastN === undefined ? {} : { lastN: subscriptions.lastN }),
        ...(subscriptions.allAudio ? { allAudio: true } : {}),
      };
    }
    this.#subscriptions = subscriptions;
    this.#sendSubscriptions();
  }

  /** What this session asked to receive (`{ mode: "all" }` until setSubscriptions is called). */
  get subscriptions(): Subscriptions {
    return this.#subscriptions;
  }

  /** E2EE (body 32, broadcast): our identity or passphrase-sealed key, for everyone else. */
  sendE2eeAnnounce(announce: { identityPublicKey?: Uint8Array; sealedKey?: Uint8Array }): void {
    this.#send(
      encodePacket({
        body: {
          case: "e2eeAnnounce",
          value: {
            identityPublicKey: announce.identityPublicKey ?? new Uint8Array(0),
            sealedKey: announce.sealedKey ?? new Uint8Array(0),
          },
        },
      }),
    );
  }

  /** E2EE (body 48, targeted): a key message for one participant. */
  sendE2eeKey(
    targetSessionId: number,
    key: { keyMessage: Uint8Array; identityPublicKey?: Uint8Array },
  ): void {
    this.#send(
      encodePacket({
        body: {
          case: "e2eeKey",
          value: {
            targetSessionId,
            keyMessage: key.keyMessage,
            identityPublicKey: key.identityPublicKey ?? new Uint8Array(0),
          },
        },
      }),
    );
  }

  /** Asks the publisher `sessionId` for a key frame of its track `trackId` (of one spatial layer, or all). */
  requestKeyframe(sessionId: number, trackId: number, layer?: number): void {
    this.#send(
      encodePacket({
        body: {
          case: "keyframeRequest",
          value: { targetSessionId: sessionId, trackId, ...(layer === undefined ? {} : { layer }) },
        },
      }),
    );
  }

  /** Sends a heartbeat; the answer updates the round-trip time. */
  ping(): void {
    const nonce = this.#nextPingNonce++;
    this.#send(encodePacket({ body: { case: "ping", value: { nonce, sentTimeUs: BigInt(nowMicros()) } } }));
  }

  /** Leaves the meeting; resolves when the connection is closed. */
  async leave(): Promise<SessionClosedInfo> {
    if (!this.#isClosed) {
      this.#leaving = true;
      this.#lifetime.abort();
      if (this.#reconnecting) {
        this.#finish(1000, "left");
        return this.closed;
      }
      // Say so in-band first: some transports' close never reaches the relay (Deno's WebTransport).
      this.#send(encodePacket({ body: { case: "leave", value: {} } }));
      this.#transport.close(1000, "left");
      // The close handshake normally completes at once; do not hang if the server is gone.
      const timer = setTimeout(() => this.#finish(1000, "left"), 2000);
      const info = await this.closed;
      clearTimeout(timer);
      return info;
    }
    return this.closed;
  }

  #sendSubscriptions(): void {
    // A v1 relay knows no SetSubscriptions (it would close the connection) and sends everything.
    if (this.#protocolVersion < 2) return;
    const subscriptions = this.#subscriptions;
    this.#send(
      encodePacket({
        body: {
          case: "setSubscriptions",
          value:
            subscriptions.mode === "all"
              ? { mode: SubscriptionMode.ALL, lastN: subscriptions.lastN ?? 0 }
              : {
                  mode: SubscriptionMode.EXPLICIT,
                  tracks: [...subscriptions.tracks],
                  lastN: subscriptions.lastN ?? 0,
                  allAudio: subscriptions.allAudio === true,
                },
        },
      }),
    );
  }

  #sendTrackState(): void {
    if (this.#isClosed) return;
    const tracks = [...this.#localTracks.values()].map((track) => track.info);
    this.#send(
      encodePacket({ body: { case: "trackState", value: { tracks, videoDecoders: this.#videoDecoders } } }),
    );
  }

  #send(bytes: Uint8Array, kind?: number): void {
    // After a Goodbye the server is closing this connection: sending on would only make it reset
    // the socket (losing the close code that says why) while our packets still arrive.
    if (this.#isClosed || this.#reconnecting || this.#goodbyeReason) return;
    this.#stats.packetsSent++;
    this.#stats.bytesSent += bytes.length;
    this.#transport.send(bytes, kind);
  }

  /** Takes a fresh connection: its Welcome sets our session id and the roster. */
  #attach({ transport, welcome, early, closedEarly }: Connected): void {
    this.#transport = transport;
    this.#sessionId = welcome.sessionId;
    this.#self = selfFrom(welcome, this.#options.username);
    this.#heartbeatIntervalMs = welcome.heartbeatIntervalMs || 5000;
    this.#protocolVersion = welcome.protocolVersion;
    this.#e2eeRequired = welcome.e2eeRequired;
    this.#role = welcome.you ? roleName(welcome.you.role) : "participant";
    this.#identity = welcome.you?.identity ?? "";
    this.#grants = welcome.grants;
    this.#syncRoster(welcome);
    // Before the early packets: they may hold key messages.
    this.e2ee?.welcomed();
    transport.onPacket = (bytes) => this.#onPacket(bytes);
    transport.onClose = (info) => this.#onTransportClosed(info.code, info.reason, info.local);
    clearInterval(this.#heartbeat);
    this.#lastHeardMs = performance.now();
    const pingIntervalMs = Math.min(PING_INTERVAL_MS, this.#heartbeatIntervalMs);
    this.#heartbeat = setInterval(() => this.#checkLiveness(transport), pingIntervalMs);
    for (const bytes of early) this.#onPacket(bytes);
    if (closedEarly) queueMicrotask(() => this.#onTransportClosed(closedEarly.code, closedEarly.reason));
  }

  /** The app's fresh room token for a reconnect, if it gives one (a failure keeps the old token). */
  async #freshToken(): Promise<string | undefined> {
    const refresh = this.#options.refreshToken;
    if (!refresh) return undefined;
    try {
      return await refresh();
    } catch {
      return undefined;
    }
  }

  /** After a reconnect, tell the app who left and who arrived while we were away. */
  #syncRoster(welcome: Welcome): void {
    const fresh = new Map(welcome.participants.map((p) => [p.sessionId, toRemote(p)]));
    const old = this.#participants;
    this.#participants = fresh;
    for (const [sessionId, participant] of old) {
      if (!fresh.has(sessionId)) {
        this.e2ee?.participantLeft(sessionId);
        this.events.emit("participantLeft", participant, LeaveReason.LEFT);
      }
    }
    for (const [sessionId, participant] of fresh) {
      if (!old.has(sessionId) && old.size + this.#stats.reconnects > 0) {
        this.events.emit("participantJoined", participant);
      }
    }
  }

  #checkLiveness(transport: PacketTransport): void {
    const silentMs = performance.now() - this.#lastHeardMs;
    if (silentMs > SERVER_SILENCE_LIMIT_MS) {
      this.#giveUpSilentServer(transport, "the server stopped answering");
      return;
    }
    if (silentMs > SILENCE_PROBE_AFTER_MS) this.#probeSilentServer(transport);
    this.ping();
  }

  #giveUpSilentServer(transport: PacketTransport, reason: string): void {
    clearInterval(this.#heartbeat);
    transport.onClose = () => {};
    transport.close(CloseCode.serverSilent, "server stopped answering");
    this.#onTransportClosed(CloseCode.serverSilent, reason);
  }

  #probing: PacketTransport | undefined;

  /**
   * A QUIC client does not notice a killed server until its idle timeout (no RST), so silence is all
   * it sees. Asking the node's HTTP port tells a dead process (the connection is refused at once)
   * from a busy one (it answers, or the probe times out): only the dead one is given up early, so a
   * loaded machine makes no false reconnect. Once per connection.
   */
  #probeSilentServer(transport: PacketTransport): void {
    if (this.#probing === transport) return;
    this.#probing = transport;
    const serverUrl = this.#currentServerUrl;
    probeRefuses(serverUrl, this.#lifetime.signal).then((refused) => {
      if (!refused || this.#transport !== transport || this.#isClosed || this.#reconnecting) return;
      if (performance.now() - this.#lastHeardMs <= SILENCE_PROBE_AFTER_MS) return; // it spoke meanwhile
      this.#goneServerUrl = serverUrl;
      this.#giveUpSilentServer(transport, "the server is gone (it refuses connections)");
    });
  }

  /** The node a probe found dead: the reconnect tries the others first. */
  #goneServerUrl: string | undefined;

  /**
   * One packet from the server. Whatever it holds, it never throws: a packet that does not decode,
   * or whose handling fails, is dropped and counted (logged once per session), and the next one is
   * handled as usual.
   */
  #onPacket(bytes: Uint8Array): void {
    this.#lastHeardMs = performance.now();
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += bytes.length;
    const decoded = decodePacketSafely(bytes);
    if (!decoded.ok) {
      this.#dropPacket("a malformed packet", decoded.error);
      return;
    }
    const packet = decoded.packet;
    try {
      this.#handlePacket(packet);
    } catch (error) {
      this.#dropPacket(`a ${packet.body.case ?? "bodyless"} packet that could not be handled`, error);
    }
  }

  #dropPacket(what: string, error: unknown): void {
    if (this.#stats.packetsDropped++ === 0) {
      console.warn(`videocall: dropped ${what} from the server (later ones are only counted)`, error);
    }
  }

  #handlePacket(packet: Packet): void {
    const from = packet.fromSessionId ?? 0;
    const body = packet.body;
    switch (body.case) {
      case "media":
        this.events.emit("media", from, body.value);
        break;
      case "trackState": {
        const participant = this.#participants.get(from);
        if (participant) {
          participant.tracks = boundedTracks(body.value.tracks);
          participant.videoDecoders = boundedDecoders(body.value.videoDecoders);
          this.events.emit("tracksChanged", participant);
        }
        break;
      }
      case "keyframeRequest":
        this.#localTracks.get(body.value.trackId)?.keyframeRequested(body.value.layer);
        this.events.emit("keyframeRequested", body.value.trackId, body.value.layer);
        break;
      case "ping":
        this.#send(
          encodePacket({
            body: { case: "pong", value: { nonce: body.value.nonce, sentTimeUs: body.value.sentTimeUs } },
          }),
        );
        break;
      case "pong": {
        const receivedUs = nowMicros();
        const rttMs = (receivedUs - Number(body.value.sentTimeUs)) / 1000;
        // Only our own pings come back; anything else (a relay bug, a replay) is not a round trip.
        if (rttMs >= 0 && rttMs < 60_000) this.#rttMs = rttMs;
        this.#clockOffset.addSample(
          Number(body.value.sentTimeUs),
          Number(body.value.serverTimeUs),
          receivedUs,
        );
        break;
      }
      case "participantJoined": {
        const participant = body.value.participant;
        if (!participant || participant.sessionId === this.sessionId) break;
        const remote = toRemote(participant);
        this.#participants.set(remote.sessionId, remote);
        this.e2ee?.participantJoined(remote.sessionId);
        this.events.emit("participantJoined", remote);
        break;
      }
      case "participantLeft": {
        const participant = this.#participants.get(body.value.sessionId);
        if (!participant) break;
        this.#participants.delete(body.value.sessionId);
        this.e2ee?.participantLeft(body.value.sessionId);
        this.events.emit("participantLeft", participant, body.value.reason);
        break;
      }
      case "e2eeAnnounce":
        this.e2ee?.announceReceived(from, body.value);
        break;
      case "e2eeKey":
        // The relay delivers targeted bodies to their target only; a copy for someone else is ignored.
        if (body.value.targetSessionId === this.#sessionId) this.e2ee?.keyReceived(from, body.value);
        break;
      case "goodbye":
        this.#goodbyeReason = body.value.reason;
        this.#goodbyeCloseCode = body.value.closeCode;
        break;
      case "meetingState":
        this.#applyMeetingState(body.value);
        break;
      case "mutedByHost": {
        const kind = body.value.kind;
        for (const track of this.#localTracks.values()) if (track.kind === kind) track.setMuted(true);
        this.events.emit("mutedByHost", kind, body.value.bySessionId);
        break;
      }
      case "hostCommandResult": {
        const pending = this.#pendingCommands.get(body.value.commandId);
        if (!pending) break;
        this.#pendingCommands.delete(body.value.commandId);
        clearTimeout(pending.timer);
        pending.resolve({ ok: body.value.ok, error: body.value.error });
        break;
      }
      case "chatMessage":
        this.#chat.onMessage(body.value);
        break;
      case "chatHistory":
        this.#chat.onHistory(body.value.messages);
        break;
      case "activeSpeakers":
        this.events.emit("activeSpeakers", {
          speakers: body.value.speakers
            .slice(0, 3)
            .map((speaker) => ({ sessionId: speaker.sessionId, level: Math.min(127, speaker.level) })),
          dominantSessionId: body.value.dominantSessionId,
        });
        break;
      case "reaction":
        if (isAllowedReaction(body.value.emoji)) this.events.emit("reaction", from, body.value.emoji);
        break;
      case "reactionRefused":
        this.events.emit(
          "reactionRefused",
          body.value.reason === ReactionRefusal.RATE_LIMITED ? "rate_limited" : "unknown_emoji",
          body.value.emoji,
        );
        break;
      case "raisedHands":
        this.#setRaisedHands(raisedHandsFrom(body.value));
        break;
      case "layerDemand":
        for (const track of body.value.tracks.slice(0, MAX_LISTED)) {
          if (this.#localTracks.has(track.trackId))
            this.events.emit("layerDemand", track.trackId, track.layersMask);
        }
        break;
      default:
        break;
    }
  }

  #setRaisedHands(hands: readonly RaisedHandInfo[]): void {
    if (hands.length === 0 && this.#raisedHands.length === 0) return;
    this.#raisedHands = hands;
    this.events.emit("raisedHands", hands);
  }

  /** Roles for everyone (absent: participant), the settings and the waiting list, bounded as all server input. */
  #applyMeetingState(state: MeetingState): void {
    const roles = new Map<number, ParticipantRoleName>();
    for (const assignment of state.roles.slice(0, MAX_LISTED))
      roles.set(assignment.sessionId, roleName(assignment.role));
    for (const participant of this.#participants.values())
      participant.role = roles.get(participant.sessionId) ?? "participant";
    const mine = roles.get(this.#sessionId);
    if (mine) this.#role = mine;
    else if (this.#role === "cohost") this.#role = "participant";
    this.#meetingState = {
      locked: state.locked,
      waitingRoom: state.waitingRoom,
      hasPassword: state.hasPassword,
      guestsAllowed: state.guestsAllowed,
      waiting: state.waiting.slice(0, MAX_LISTED).map((joiner) => ({
        sessionId: joiner.sessionId,
        identity: joiner.identity,
        displayName: joiner.displayName,
        guest: joiner.guest,
      })),
      recording: state.recording,
    };
    this.events.emit("meetingStateChanged", this.#meetingState);
  }

  #goodbyeReason = "";
  /** The close code the relay's Goodbye announced (0: none): a WebTransport close may lose it. */
  #goodbyeCloseCode = 0;

  /**
   * `local` is true when the transport gave the connection up itself (the server broke the framing,
   * say): the close code then describes the server's fault, and reconnecting may well help.
   */
  #onTransportClosed(code: number, reason: string, local = false): void {
    if (this.#isClosed) return;
    clearInterval(this.#heartbeat);
    const why = this.#goodbyeReason || reason || `closed with code ${code}`;
    if (this.#goodbyeCloseCode !== 0 && !local) code = this.#goodbyeCloseCode;
    this.#goodbyeReason = "";
    this.#goodbyeCloseCode = 0;
    if (this.#leaving || this.#options.reconnect === false || (!local && isFatalCloseCode(code))) {
      this.#finish(code, why);
      return;
    }
    this.#reconnect(why, code).catch((error) => {
      // A refused reconnect ends with the refusal's code and reason, not the drop's.
      if (error instanceof ConnectionError && error.closeCode !== undefined) {
        this.#finish(error.closeCode, error.message);
      } else {
        this.#finish(code, why);
      }
    });
  }

  async #reconnect(reason: string, closeCode: number): Promise<void> {
    this.#reconnecting = true;
    // The node we were on first (most drops are brief), unless it said it is going away; then the
    // other live nodes, least loaded first, round and round.
    const others = this.#knownServerUrls.filter((url) => url !== this.#currentServerUrl);
    const gone = this.#goneServerUrl === this.#currentServerUrl;
    this.#goneServerUrl = undefined;
    const candidates =
      gone || isNodeUnavailableCloseCode(closeCode)
        ? [...others, this.#currentServerUrl]
        : [this.#currentServerUrl, ...others];
    for (let attempt = 1; attempt <= MAX_RECONNECT_ATTEMPTS; attempt++) {
      const baseMs = RECONNECT_DELAYS_MS[Math.min(attempt - 1, RECONNECT_DELAYS_MS.length - 1)] as number;
      const delayMs = attempt > RECONNECT_DELAYS_MS.length ? baseMs + Math.random() * 1000 : baseMs;
      this.events.emit("reconnecting", attempt, delayMs, reason, closeCode);
      await abortableSleep(delayMs, this.#lifetime.signal);
      if (this.#leaving || this.#isClosed) return;
      const serverUrl = candidates[(attempt - 1) % candidates.length] as string;
      try {
        const token = await this.#freshToken();
        if (this.#leaving || this.#isClosed) return;
        const connected = await connectToMeeting({
          ...this.#options,
          ...(token ? { token } : {}),
          serverUrl,
          signal: this.#lifetime.signal,
        });
        if (this.#leaving) {
          connected.transport.close(1000, "left");
          return;
        }
        this.#stats.reconnects++;
        this.#reconnecting = false;
        this.#currentServerUrl = serverUrl;
        // Our old session's hand went down with it: raise it again (behind those raised meanwhile).
        const handWasRaised = this.handRaised;
        this.#setRaisedHands([]);
        this.#attach(connected);
        if (handWasRaised) this.raiseHand(true);
        if (this.#localTracks.size > 0 || this.#videoDecoders.length > 0) this.#sendTrackState();
        // A new connection starts in ALL mode: restore what we asked for.
        if (this.#subscriptions.mode === "explicit") this.#sendSubscriptions();
        this.events.emit("reconnected", connected.transport.kind);
        this.#chat.resendPending();
        // Receivers see a new session: give them a key frame to start from.
        for (const track of this.#localTracks.values()) {
          if (track.kind === MediaKind.AUDIO) continue;
          track.keyframeRequested();
          this.events.emit("keyframeRequested", track.trackId, undefined);
        }
        this.#refreshServerList();
        return;
      } catch (error) {
        if (
          error instanceof ConnectionError &&
          error.reason === "rejected" &&
          isFatalCloseCode(error.closeCode ?? 0)
        ) {
          throw error;
        }
      }
    }
    throw new Error("gave up reconnecting");
  }

  /** Learns the live relay nodes from the current one; best effort (an old list is still useful). */
  #refreshServerList(): void {
    if (this.#lifetime.signal.aborted) return;
    fetch(new URL("/api/servers", httpOrigin(this.#currentServerUrl)), { signal: this.#lifetime.signal })
      .then((response) => (response.ok ? response.json() : undefined))
      .then((body: { servers?: Array<{ url?: unknown }> } | undefined) => {
        const urls = (body?.servers ?? [])
          .map((s) => s.url)
          .filter((u): u is string => typeof u === "string");
        if (urls.length > 0) this.#knownServerUrls = [...new Set([this.#currentServerUrl, ...urls])];
      })
      .catch(() => {});
  }

  #finish(code: number, reason: string): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#lifetime.abort();
    clearInterval(this.#serverListTimer);
    this.#reconnecting = false;
    clearInterval(this.#heartbeat);
    // Our tracks end with the session: their publishers see `closed` and stop sending.
    for (const track of [...this.#localTracks.values()]) track.close();
    for (const pending of this.#pendingCommands.values()) {
      clearTimeout(pending.timer);
      pending.resolve({ ok: false, error: "the session closed" });
    }
    this.#pendingCommands.clear();
    this.#chat.close();
    const info = { code, reason, byUser: this.#leaving };
    this.e2ee?.close();
    this.events.emit("closed", info);
    this.#resolveClosed(info);
    this.#participants.clear();
  }
}

/** Resolves after `delayMs`, or at once when `signal` aborts (the timer is cleared either way). */
function abortableSleep(delayMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, delayMs);
    signal.addEventListener("abort", done);
  });
}

/**
 * True when the node's HTTP port refuses the connection (a network error), false when it answers
 * anything or the probe times out. In a page the probe is `no-cors`: a cross-origin server without
 * CORS headers still answers (opaquely) and is not taken for dead.
 */
async function probeRefuses(serverUrl: string, lifetime: AbortSignal): Promise<boolean> {
  const timeout = AbortSignal.timeout(SILENCE_PROBE_TIMEOUT_MS);
  const signal = typeof AbortSignal.any === "function" ? AbortSignal.any([timeout, lifetime]) : timeout;
  try {
    const response = await fetch(new URL("/healthz", httpOrigin(serverUrl)), {
      signal,
      ...("document" in globalThis ? { mode: "no-cors" as const, cache: "no-store" as const } : {}),
    });
    await response.body?.cancel();
    return false;
  } catch {
    return !signal.aborted;
  }
}

function httpOrigin(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (url.protocol === "ws:") url.protocol = "http:";
  if (url.protocol === "wss:") url.protocol = "https:";
  return url.origin;
}

function toRemote(participant: Participant): RemoteParticipant {
  return {
    sessionId: participant.sessionId,
    username: participant.username,
    identity: participant.identity,
    guest: participant.guest,
    role: roleName(participant.role),
    tracks: boundedTracks(participant.tracks),
    videoDecoders: boundedDecoders(participant.videoDecoders),
  };
}

/** A decoder list as we keep and send it: at most MAX_VIDEO_DECODERS, each once, order kept. */
function boundedDecoders(decoders: readonly Codec[]): Codec[] {
  return [...new Set(decoders)].slice(0, MAX_VIDEO_DECODERS);
}

function roleName(role: ParticipantRole): ParticipantRoleName {
  return role === ParticipantRole.HOST ? "host" : role === ParticipantRole.COHOST ? "cohost" : "participant";
}

const HOST_COMMAND_TIMEOUT_MS = 10_000;
/** Most roles and waiting joiners the session keeps from one MeetingState (a hostile server's list is cut). */
const MAX_LISTED = 10_000;

function raisedHandsFrom(message: RaisedHands): RaisedHandInfo[] {
  return message.hands
    .slice(0, MAX_LISTED)
    .map((hand) => ({ sessionId: hand.sessionId, raisedAtMs: Number(hand.raisedAtMs) }));
}
const EMPTY_MEETING_STATE: MeetingControlState = {
  locked: false,
  waitingRoom: false,
  hasPassword: false,
  guestsAllowed: true,
  waiting: [],
  recording: false,
};

/**
 * A peer's announced tracks as we keep them: one entry per track id (the last announcement wins)
 * and at most MAX_TRACKS_PER_PARTICIPANT. Our relay refuses a TrackState that breaks these rules, but
 * another server (or an older one) may not. Unknown kinds and codecs stay: the watcher skips what it
 * cannot play, and a newer client may publish something this one does not know.
 */
export function boundedTracks(tracks: readonly TrackInfo[]): TrackInfo[] {
  const byId = new Map<number, TrackInfo>();
  for (const track of tracks) {
    if (byId.size >= MAX_TRACKS_PER_PARTICIPANT && !byId.has(track.trackId)) continue;
    byId.set(track.trackId, track);
  }
  return [...byId.values()];
}

function selfFrom(welcome: Welcome, username: string): SelfParticipant {
  const you = welcome.you;
  return {
    sessionId: welcome.sessionId,
    displayName: you?.username || username,
    identity: you?.identity ?? "",
    role: roleName(you?.role ?? ParticipantRole.UNSPECIFIED),
    guest: you?.guest ?? true,
    grants: welcome.grants,
    e2eeRequired: welcome.e2eeRequired,
  };
}

/** Media.audio_level is 0..127; anything else a caller gives (NaN, out of range) must not make the encoder throw. */
function clampAudioLevel(level: number | undefined): number {
  return level !== undefined && Number.isFinite(level) ? Math.min(Math.max(Math.round(level), 0), 127) : 0;
}
