import { create } from "@bufbuild/protobuf";
import {
  BodyField,
  bodyClassOf,
  type Codec,
  decodePacketSafely,
  encodePacket,
  Grant,
  isAllowedReaction,
  isValidDisplayName,
  LeaveReason,
  MAX_PACKET_BYTES,
  MediaKind,
  type Participant,
  ParticipantRole,
  ParticipantSchema,
  type RaisedHand,
  RoutingHeader,
  scanRoutingHeader,
  type TrackInfo,
  trackStateProblem,
  videoDecodersProblem,
} from "@videocall/protocol";
import type { ParticipantRoleName } from "../admission/admitter.ts";
import {
  type BusInterest,
  EVERY_LAYER_MASK,
  EVERYTHING,
  type MeetingBus,
  type MeetingBusSubscription,
  type PresenceEvent,
} from "../bus/meeting-bus.ts";
import type { QueuedBytesBudget } from "../limits/queued-bytes-budget.ts";
import type { MeetingDirectory } from "../meetings/meeting-directory.ts";
import type { Logger } from "../observability/log.ts";
import type { RelayStats } from "../observability/relay-stats.ts";
import type { RecordingControl } from "../recording/recordings.ts";
import { type ActiveSpeakersSnapshot, ActiveSpeakerTracker } from "./active-speakers.ts";
import { type ClientConnection, CloseCode } from "./client-connection.ts";
import { type LastNCandidate, type LastNRequest, LastNSelection, NO_LAST_N } from "./last-n.ts";
import { MeetingChat, MemoryChatStore } from "./meeting-chat.ts";
import { type ControlledConnection, MeetingControl, roleFromName } from "./meeting-control.ts";
import { RaisedHandsBook } from "./raised-hands.ts";
import { SendBandwidthEstimate } from "./send-bandwidth-estimate.ts";
import { SimulcastRouter } from "./simulcast-router.ts";
import { SubscriberQueue, type SubscriberQueueLimits } from "./subscriber-queue.ts";
import { Forward, maxLayerIn, type Subscriptions, SubscriptionTable } from "./subscription-table.ts";
import { sessionOfTrackKey, trackKey, trackOfTrackKey } from "./track-key.ts";
import { turnNowMs } from "./turn-clock.ts";

/** Who a participant is, as the admission decided (identity and role come from the server). */
export interface ParticipantProfile {
  readonly identity: string;
  readonly displayName: string;
  readonly role: ParticipantRoleName;
  readonly guest: boolean;
  readonly grants: number;
}

/** A participant connected to this node. */
export interface LocalParticipant {
  readonly sessionId: number;
  readonly username: string;
  readonly identity: string;
  readonly guest: boolean;
  readonly grants: number;
  /** Changed by a host's SetRoleCommand. */
  role: ParticipantRoleName;
  readonly connection: ClientConnection;
  /** The same connection, as meeting control acts on it (kick, mute). */
  readonly control: ControlledConnection;
  readonly queue: SubscriberQueue;
  /** What this participant receives (everything until it sends SetSubscriptions). */
  readonly subscriptions: SubscriptionTable;
  /** Which video tracks SetSubscriptions.last_n lets through (all, until it sets one). */
  readonly lastN: LastNSelection;
  /** What its link carries, from the send path (send-bandwidth-estimate.ts): picks simulcast layers. */
  readonly bandwidth: SendBandwidthEstimate;
  /** Video its queue refused for lack of room: a congestion signal for the estimate. */
  congestionDrops: number;
  tracks: TrackInfo[];
  /** TrackState.video_decoders as last announced (empty: the defaults), for the roster. */
  videoDecoders: Codec[];
}

export interface RemoteParticipant {
  readonly sessionId: number;
  readonly username: string;
  readonly identity: string;
  readonly guest: boolean;
  role: ParticipantRole;
  readonly nodeId: string;
  tracks: TrackInfo[];
  videoDecoders: Codec[];
}

/** What a room needs for meeting control: where settings, bans and the log are kept, and a logger. */
export interface MeetingRoomControlOptions {
  readonly meetings?: MeetingDirectory | undefined;
  readonly recordings?: RecordingControl | undefined;
  readonly log: Logger;
}

export interface MeetingRoomStats {
  meetingId: string;
  localParticipants: number;
  remoteParticipants: Array<{ sessionId: number; username: string; nodeId: string }>;
  /** Entries of the key frame request aggregation map (pruned when a participant leaves). */
  keyframeRequestEntries: number;
  /** Key frame requests waiting for their 250 ms to pass (one timer each, cleared when the publisher leaves). */
  keyframeRequestsDeferred: number;
  /** Subscriber queues with a drain timer pending. */
  queueTimers: number;
  /** Simulcast tracks forwarded, summed over local subscribers, and how many wait for a layer switch. */
  layerForwardings: number;
  layerSwitchesPending: number;
}

/** Key frame requests for one publisher track are forwarded at most this often (PLI aggregation). */
const KEYFRAME_REQUEST_INTERVAL_MS = 250;

/** How often the room looks at its speakers: ActiveSpeakers goes out at most this often. */
const ACTIVE_SPEAKERS_INTERVAL_MS = 250;

/**
 * One meeting on this node: its local participants, the participants other nodes announced,
 * and the fan-out. Packets from a local participant go to every other local participant's queue
 * and once onto the bus; packets from the bus go to the local queues.
 */
export class MeetingRoom {
  readonly meetingId: string;
  readonly #local = new Map<number, LocalParticipant>();
  readonly #remote = new Map<number, RemoteParticipant>();
  readonly #bus: MeetingBusSubscription;
  readonly #stats: RelayStats;
  readonly #queueLimits: SubscriberQueueLimits | undefined;
  readonly #nodeQueuedBytes: QueuedBytesBudget | undefined;
  readonly #lastKeyframeRequestMs = new Map<number, number>();
  /**
   * Requests that came within the interval of the last one for their key: sent once it has passed
   * (one timer per key), so a subscriber that waits for a key frame is never left to the publisher's
   * periodic one. Dropping them held a late joiner's first frame up to 2 s (the join's second
   * request, from last-N, came 30-100 ms after the first).
   */
  readonly #deferredKeyframeRequests = new Map<number, ReturnType<typeof setTimeout>>();
  /** Reused for packets arriving from the bus, so their scan allocates nothing. */
  readonly #busHeader = new RoutingHeader();
  /** What this node last asked the bus for. */
  #busInterest: BusInterest = EVERYTHING;
  /** Some local subscriber asked `all_audio`: remote audio tracks coming and going change the interest. */
  #interestFollowsRemoteAudio = false;
  /** Settings, roles, the waiting room and host commands (meeting-control.ts). */
  readonly control: MeetingControl;
  /** Chat: checks, storage, delivery and history (meeting-chat.ts). */
  readonly chat: MeetingChat;
  /** Levels, top-3 audio and the dominant speaker (active-speakers.ts). */
  readonly #speakers = new ActiveSpeakerTracker();
  /** Runs while anyone speaks; cleared when all are quiet and on close. */
  #speakersTimer: ReturnType<typeof setInterval> | undefined;
  /** The last ActiveSpeakers sent, for participants who join after it. */
  #activeSpeakersPacket: Uint8Array | undefined;
  /** Local participants with a last-N limit. */
  readonly #lastNSubscribers = new Set<LocalParticipant>();
  /** Simulcast layer choice, LayerDemand and the layer interest between nodes. */
  readonly #simulcast: SimulcastRouter<LocalParticipant>;
  /** Raised hands here and on other nodes, in one order everywhere (raised-hands.ts). */
  readonly #hands = new RaisedHandsBook();

  constructor(
    meetingId: string,
    bus: MeetingBus,
    stats: RelayStats,
    queueLimits?: SubscriberQueueLimits,
    nodeQueuedBytes?: QueuedBytesBudget,
    controlOptions?: MeetingRoomControlOptions,
  ) {
    this.meetingId = meetingId;
    this.#stats = stats;
    this.#queueLimits = queueLimits;
    this.#nodeQueuedBytes = nodeQueuedBytes;
    this.#bus = bus.subscribe(meetingId, {
      onPacket: (packet, target) => this.#onBusPacket(packet, target),
      onPresence: (event, nodeId) => {
        try {
          this.#onPresence(event, nodeId);
        } catch {
          this.#stats.countInternalError("bus");
        }
      },
    });
    this.control = new MeetingControl({
      meetingId,
      stats,
      meetings: controlOptions?.meetings,
      recordings: controlOptions?.recordings,
      log: controlOptions?.log,
      room: {
        local: (sessionId) => this.#local.get(sessionId),
        locals: () => this.#local.values(),
        remote: (sessionId) => this.#remote.get(sessionId),
        remotes: () => this.#remote.values(),
        publish: (event) => this.#bus.publishPresence(event),
        isHandRaised: (sessionId) => this.#hands.isRaised(sessionId),
        lowerHand: (sessionId) => this.setHand(sessionId, false),
      },
    });
    const meetings = controlOptions?.meetings;
    this.chat = new MeetingChat({
      meetingId,
      stats,
      log: controlOptions?.log,
      store: meetings
        ? {
            store: (message) => meetings.storeChat(message),
            visibleTo: (id, identity, limit) => meetings.chatVisibleTo(id, identity, limit),
          }
        : new MemoryChatStore(),
      room: {
        local: (sessionId) => this.#local.get(sessionId),
        locals: () => this.#local.values(),
        remote: (sessionId) => this.#remote.get(sessionId),
        publish: (event) => this.#bus.publishPresence(event),
      },
    });
    this.#simulcast = new SimulcastRouter<LocalParticipant>({
      locals: () => this.#local.values(),
      publishers: () => this.#publishers(),
      publisher: (sessionId) => this.#local.get(sessionId) ?? this.#remote.get(sessionId),
      maySubscribe: (subscriber) => (subscriber.grants & Grant.subscribe) !== 0,
      requestKeyframe: (publisher, trackId, layer) => this.#requestKeyframe(publisher, trackId, layer),
      layersChanged: () => this.#updateBusInterest(),
      publishPresence: (event) => this.#bus.publishPresence(event),
      layerDemandSent: () => this.#stats.layerDemandsSent++,
      internalError: () => this.#stats.countInternalError("connection"),
    });
    this.#bus.publishPresence({ type: "roster-request" });
  }

  *#publishers(): Iterable<{ sessionId: number; tracks: TrackInfo[] }> {
    yield* this.#local.values();
    yield* this.#remote.values();
  }

  get isEmpty(): boolean {
    return this.#local.size === 0;
  }

  get localCount(): number {
    return this.#local.size;
  }

  /** Local participants and those other nodes announced. */
  get participantCount(): number {
    return this.#local.size + this.#remote.size + this.control.localWaitingCount;
  }

  hasSession(sessionId: number): boolean {
    return this.#local.has(sessionId) || this.#remote.has(sessionId) || this.control.isWaiting(sessionId);
  }

  /** Everyone in the meeting as the Welcome lists them, local and remote. */
  roster(): Participant[] {
    const all: Participant[] = [];
    for (const p of this.#local.values()) all.push(toParticipant(p));
    for (const p of this.#remote.values()) all.push(toParticipant(p));
    return all;
  }

  /** Adds a connection; the caller has already sent it the Welcome. */
  addLocal(
    sessionId: number,
    profile: ParticipantProfile,
    connection: ClientConnection & ControlledConnection,
  ): LocalParticipant {
    const stats = this.#stats;
    const transportStats = stats.byTransport[connection.transport];
    let self: LocalParticipant | undefined;
    const queue = new SubscriberQueue(
      connection,
      {
        // A simulcast track restarts at a key frame of the one layer this subscriber receives.
        onKeyframeNeeded: (from, trackId) =>
          this.#requestKeyframe(
            from,
            trackId,
            self?.subscriptions.currentLayerOf(trackKey(from, trackId)) ?? -1,
          ),
        onDropped: (reason) => {
          if (reason === "awaiting_keyframe") stats.packetsDroppedAwaitingKeyframe++;
          else {
            if (self) self.congestionDrops++;
            stats.packetsDroppedQueueFull++;
            if (reason !== "queue_full") stats.limitHits[reason]++;
          }
        },
        onOverflow: () => {
          stats.countBadInput("slow_subscriber");
          connection.close(CloseCode.slowSubscriber, "too slow to receive the meeting's control messages");
        },
        onSent: (bytes) => {
          transportStats.packetsOut++;
          transportStats.bytesOut += bytes;
        },
        onSendFailed: () => {
          stats.countInternalError("connection");
          connection.close(CloseCode.internalError, "internal server error");
        },
      },
      this.#queueLimits,
      this.#nodeQueuedBytes,
    );
    const participant: LocalParticipant = {
      sessionId,
      username: profile.displayName,
      identity: profile.identity,
      guest: profile.guest,
      grants: profile.grants,
      role: profile.role,
      connection,
      control: connection,
      queue,
      subscriptions: new SubscriptionTable(),
      lastN: new LastNSelection(),
      bandwidth: new SendBandwidthEstimate(),
      congestionDrops: 0,
      tracks: [],
      videoDecoders: [],
    };
    self = participant;
    const joined = encodePacket({
      body: { case: "participantJoined", value: { participant: toParticipant(participant) } },
    });
    for (const other of this.#local.values()) other.queue.push(joined, CONTROL);
    if (this.#activeSpeakersPacket) queue.push(this.#activeSpeakersPacket, CONTROL);
    const hands = this.#hands.ordered();
    if (hands.length > 0) queue.push(encodeRaisedHands(hands), CONTROL);
    this.#local.set(sessionId, participant);
    this.#bus.publishPresence({ type: "joined", participant: toParticipant(participant) });
    this.#updateBusInterest();
    this.#simulcast.reselect(participant);
    this.control.joined(participant);
    void this.chat.joined(participant);
    return participant;
  }

  removeLocal(sessionId: number, reason: LeaveReason): void {
    const participant = this.#local.get(sessionId);
    if (!participant) {
      this.control.removeWaiting(sessionId);
      return;
    }
    participant.queue.close();
    this.#local.delete(sessionId);
    this.#lastNSubscribers.delete(participant);
    this.chat.left(sessionId);
    this.#simulcast.forgetSubscriber(sessionId);
    if (hasSimulcast(participant.tracks)) this.#simulcast.reselectAll();
    this.#announceLeft(sessionId, reason, participant.tracks);
    if (this.#hands.lowerLocal(sessionId)) this.#handsChanged(true);
    if (participant.role !== "participant") this.control.rolesChanged();
    this.#bus.publishPresence({ type: "left", sessionId, reason });
    if (this.#local.size > 0) this.#updateBusInterest();
  }

  /**
   * Replaces what `subscriber` receives; takes effect with the next packet. Every video track it
   * gains (or gains layers of) waits for a key frame, which is asked of its publisher through the
   * aggregated key frame path; the bus is told what this node now needs.
   */
  setSubscriptions(
    subscriber: LocalParticipant,
    next: Subscriptions,
    lastN: LastNRequest = NO_LAST_N,
    allAudio = false,
  ): void {
    const previous = subscriber.subscriptions.replace(next, allAudio);
    // Last-N first: the layer choice (in #selectLastN, or here) skips the tracks it leaves out.
    if (lastN.limit > 0) {
      const videoTracks = this.#cameraTracks();
      // What it received until now is not gained by the new choice: it goes on without waiting for
      // a key frame (a joiner's first SetSubscriptions, after its ALL mode, stalled its picture).
      // Read before configure(), which changes what `admits` answers.
      const receivedBefore = new Set<number>();
      for (const { key } of videoTracks) {
        if (maxLayerIn(previous, key) >= 0 && subscriber.lastN.admits(key)) receivedBefore.add(key);
      }
      subscriber.lastN.configure(lastN);
      this.#lastNSubscribers.add(subscriber);
      this.#selectLastN(subscriber, videoTracks, receivedBefore);
    } else {
      subscriber.lastN.configure(lastN);
      this.#lastNSubscribers.delete(subscriber);
      this.#simulcast.reselect(subscriber);
    }
    this.#updateBusInterest();
    for (const publisher of this.#local.values()) {
      if (publisher !== subscriber) this.#startGainedVideo(subscriber, previous, publisher);
    }
    for (const publisher of this.#remote.values()) this.#startGainedVideo(subscriber, previous, publisher);
  }

  /**
   * A local participant announced its tracks (the relay checked them and set `tracks`):
   * simulcast layers are chosen again when it publishes, or published, layered video.
   */
  tracksChanged(publisher: LocalParticipant, previous: readonly TrackInfo[]): void {
    if (hasSimulcast(previous) || hasSimulcast(publisher.tracks)) this.#simulcast.reselectAll();
  }

  /**
   * Raises or lowers a local participant's hand (its RaiseHand, or a host's LowerHandCommand); a
   * change goes to everyone here and, as this node's snapshot, to the other nodes.
   */
  setHand(sessionId: number, raised: boolean): void {
    if (!this.#local.has(sessionId)) return;
    const changed = raised
      ? this.#hands.raiseLocal(sessionId, Date.now())
      : this.#hands.lowerLocal(sessionId);
    if (changed) this.#handsChanged(true);
  }

  /** Sends a checked, stamped Reaction to every local participant, the sender too, and to the other nodes. */
  routeReaction(sender: LocalParticipant, packet: Uint8Array, header: RoutingHeader): void {
    this.#fanOut(packet, header, -1);
    this.#bus.publishPacket(packet, sender.sessionId, 0, 0);
  }

  #handsChanged(publish: boolean): void {
    if (publish) this.#bus.publishPresence({ type: "raised-hands", hands: this.#hands.localHands() });
    const packet = encodeRaisedHands(this.#hands.ordered());
    for (const local of this.#local.values()) local.queue.push(packet, CONTROL);
  }

  /** Routes a packet from a local participant; `header` is its scanned routing header, `packet` is stamped. */
  routeFromLocal(sender: LocalParticipant, packet: Uint8Array, header: RoutingHeader): void {
    switch (header.body) {
      case BodyField.media:
        // Top-3 audio: a quiet speaker's frame goes nowhere, not even to other nodes.
        if (header.kind === MediaKind.AUDIO && !this.#admitsAudio(sender, header)) break;
        this.#fanOut(packet, header, sender.sessionId);
        this.#bus.publishPacket(packet, sender.sessionId, header.trackId, header.layer);
        break;
      case BodyField.trackState:
        // The relay decoded and checked it already and set `sender.tracks`.
        this.#fanOut(packet, header, sender.sessionId);
        this.#bus.publishPacket(packet, sender.sessionId, 0, 0);
        this.#selectLastNForAll();
        break;
      case BodyField.keyframeRequest: {
        // A subscriber of a simulcast track needs a key frame of the one layer it receives only.
        const layer = sender.subscriptions.currentLayerOf(trackKey(header.targetSessionId, header.trackId));
        if (header.keyframeLayer < 0 && layer !== undefined && layer >= 0)
          this.#requestKeyframe(header.targetSessionId, header.trackId, layer);
        else
          this.#forwardKeyframeRequest(packet, header.targetSessionId, header.trackId, header.keyframeLayer);
        break;
      }
      default:
        // Extension bodies (32..63), opaque: to everyone else, or to the one in their field 1.
        if (bodyClassOf(header.body) === "broadcast-extension") {
          this.#fanOut(packet, header, sender.sessionId);
          this.#bus.publishPacket(packet, sender.sessionId, 0, 0); // on the publisher's control subject: every node
        } else if (bodyClassOf(header.body) === "targeted-extension") {
          this.#forwardTargeted(packet, header.targetSessionId);
        }
        break;
    }
  }

  /** Stops listening to the bus. The relay closes the room once its last local participant left. */
  close(): void {
    this.#simulcast.close();
    this.#bus.unsubscribe();
    clearInterval(this.#speakersTimer);
    this.#speakersTimer = undefined;
    for (const timer of this.#deferredKeyframeRequests.values()) clearTimeout(timer);
    this.#deferredKeyframeRequests.clear();
  }

  /** The room's figures for operators; the relay adds each local connection's own. */
  stats(): MeetingRoomStats {
    return {
      meetingId: this.meetingId,
      localParticipants: this.#local.size,
      remoteParticipants: [...this.#remote.values()].map((p) => ({
        sessionId: p.sessionId,
        username: p.username,
        nodeId: p.nodeId,
      })),
      keyframeRequestEntries: this.#lastKeyframeRequestMs.size,
      keyframeRequestsDeferred: this.#deferredKeyframeRequests.size,
      queueTimers: [...this.#local.values()].filter((p) => p.queue.hasTimer).length,
      layerForwardings: [...this.#local.values()].reduce(
        (n, p) => n + p.subscriptions.layerForwardings.size,
        0,
      ),
      layerSwitchesPending: [...this.#local.values()].reduce(
        (n, p) => n + [...p.subscriptions.layerForwardings.values()].filter((f) => f.pending).length,
        0,
      ),
    };
  }

  #forwardTargeted(packet: Uint8Array, targetSessionId: number): void {
    const target = this.#local.get(targetSessionId);
    if (target) target.queue.push(packet, CONTROL);
    else if (this.#remote.has(targetSessionId)) this.#bus.publishTargeted(packet, targetSessionId);
  }

  #fanOut(packet: Uint8Array, header: RoutingHeader, exceptSessionId: number): void {
    const info = fanOutInfo;
    info.kind = header.body === BodyField.media ? header.kind : 0;
    info.keyframe = header.keyframe;
    info.fromSessionId = readStamp(packet, header.fromSessionOffset);
    info.trackId = header.trackId;
    if (header.body !== BodyField.media) {
      for (const receiver of this.#local.values()) {
        if (receiver.sessionId !== exceptSessionId) receiver.queue.push(packet, info);
      }
      return;
    }
    const key = trackKey(info.fromSessionId, header.trackId);
    const layer = header.layer;
    const keyframe = header.keyframe;
    let switched = false;
    for (const receiver of this.#local.values()) {
      if (receiver.sessionId === exceptSessionId) continue;
      // No subscribe grant: no media at all, whatever it asked for (docs/permissions.md).
      // Last-N video before the layer choice, so a switch happens only on a frame that is sent.
      const verdict =
        (receiver.grants & Grant.subscribe) === 0
          ? Forward.no
          : info.kind === MediaKind.AUDIO
            ? receiver.subscriptions.forwardAudio(key)
            : info.kind !== MediaKind.VIDEO || receiver.lastN.admits(key)
              ? receiver.subscriptions.forward(key, layer, keyframe)
              : Forward.no;
      if (verdict !== Forward.no) {
        receiver.queue.push(packet, info);
        if (verdict === Forward.switched) {
          switched = true;
          this.#stats.layerSwitches++;
        }
      } else this.#stats.packetsNotSubscribed++;
    }
    if (switched) this.#simulcast.layerSwitched();
  }

  /** Asks for a key frame of each video track of `publisher` that `subscriber` now receives more of. */
  #startGainedVideo(
    subscriber: LocalParticipant,
    previous: Subscriptions,
    publisher: { sessionId: number; tracks: TrackInfo[] },
  ): void {
    for (const track of publisher.tracks) {
      if (track.kind !== MediaKind.VIDEO && track.kind !== MediaKind.SCREEN) continue;
      if (track.layers.length > 0) continue; // simulcast: the router starts it at a key frame of its layer
      const key = trackKey(publisher.sessionId, track.trackId);
      if (subscriber.subscriptions.maxLayerOf(key) <= maxLayerIn(previous, key)) continue;
      subscriber.queue.awaitKeyframe(publisher.sessionId, track.trackId);
      this.#requestKeyframe(publisher.sessionId, track.trackId);
    }
  }

  /**
   * Top-3 audio for one frame of a track published with levels (TrackInfo.audio_levels); frames of
   * other tracks (older clients) carry no level and always pass.
   */
  #admitsAudio(publisher: { sessionId: number; tracks: TrackInfo[] }, header: RoutingHeader): boolean {
    if (!carriesAudioLevels(publisher.tracks, header.trackId)) return true;
    if (this.#speakers.admitAudio(publisher.sessionId, header.audioLevel, turnNowMs())) {
      if (this.#speakersTimer === undefined) {
        this.#speakersTimer = setInterval(() => this.#onSpeakersTick(), ACTIVE_SPEAKERS_INTERVAL_MS);
      }
      return true;
    }
    this.#stats.audioFramesNotForwarded++;
    return false;
  }

  #onSpeakersTick(): void {
    try {
      const snapshot = this.#speakers.tick(performance.now());
      if (snapshot) this.#sendActiveSpeakers(snapshot);
      if (this.#speakers.takeRecencyChanged()) this.#selectLastNForAll();
      if (!this.#speakers.needsTicks) {
        clearInterval(this.#speakersTimer);
        this.#speakersTimer = undefined;
      }
    } catch {
      this.#stats.countInternalError("connection");
    }
  }

  #sendActiveSpeakers(snapshot: ActiveSpeakersSnapshot): void {
    const packet = encodePacket({ body: { case: "activeSpeakers", value: snapshot } });
    this.#activeSpeakersPacket = packet;
    for (const local of this.#local.values()) local.queue.push(packet, CONTROL);
  }

  #selectLastNForAll(): void {
    if (this.#lastNSubscribers.size === 0) return;
    const videoTracks = this.#cameraTracks();
    for (const subscriber of this.#lastNSubscribers) this.#selectLastN(subscriber, videoTracks);
  }

  /**
   * Re-picks `subscriber`'s last-N video among the camera tracks it subscribes to; a track it gains
   * starts at a key frame, unless it is in `receivedBefore` (it was forwarded under the subscriptions
   * just replaced). `videoTracks` is made once for all subscribers: in a meeting of 1000 the room
   * has a few cameras but many subscribers.
   */
  #selectLastN(
    subscriber: LocalParticipant,
    videoTracks = this.#cameraTracks(),
    receivedBefore: ReadonlySet<number> = NOTHING_RECEIVED,
  ): void {
    const candidates = videoTracks.filter(
      (track) =>
        sessionOfTrackKey(track.key) !== subscriber.sessionId &&
        subscriber.subscriptions.maxLayerOf(track.key) >= 0,
    );
    const gained = subscriber.lastN.select(candidates);
    // The layer choice follows the selection (a track left out gets no layer, so no demand).
    this.#simulcast.reselect(subscriber);
    for (const key of gained) {
      // A simulcast track restarts at a key frame of its layer: the router asked for it.
      if (subscriber.subscriptions.layerForwarding(key) !== undefined) continue;
      if (receivedBefore.has(key)) continue;
      subscriber.queue.awaitKeyframe(sessionOfTrackKey(key), trackOfTrackKey(key));
      this.#requestKeyframe(sessionOfTrackKey(key), trackOfTrackKey(key));
    }
  }

  /** Every camera track in the meeting, in the order the room knows the publishers, with their speaker recency. */
  #cameraTracks(): LastNCandidate[] {
    const tracks: LastNCandidate[] = [];
    const add = (publisher: { sessionId: number; tracks: TrackInfo[] }) => {
      for (const track of publisher.tracks) {
        if (track.kind !== MediaKind.VIDEO) continue;
        tracks.push({
          key: trackKey(publisher.sessionId, track.trackId),
          lastActiveMs: this.#speakers.lastActiveMsOf(publisher.sessionId),
        });
      }
    };
    for (const publisher of this.#local.values()) add(publisher);
    for (const publisher of this.#remote.values()) add(publisher);
    return tracks;
  }

  /**
   * Everything while any local subscriber is in ALL mode, else the union of their tracks: of a
   * simulcast track only the layers forwarded or switched to, of other tracks every layer.
   */
  #updateBusInterest(): void {
    let interest: BusInterest = EVERYTHING;
    let layersByTrack: Map<number, number> | undefined;
    let allAudio = false;
    for (const participant of this.#local.values()) {
      const table = participant.subscriptions;
      if (table.isAll) {
        layersByTrack = undefined;
        break;
      }
      layersByTrack ??= new Map();
      allAudio ||= table.receivesAllAudio;
      for (const key of table.explicitTracks) {
        const mask = table.layerForwarding(key)?.layersMask ?? EVERY_LAYER_MASK;
        layersByTrack.set(key, ((layersByTrack.get(key) ?? 0) | mask) >>> 0);
      }
    }
    // `all_audio` names no tracks: the bus is told each remote audio track by key.
    this.#interestFollowsRemoteAudio = layersByTrack !== undefined && allAudio;
    if (layersByTrack && allAudio) {
      for (const remote of this.#remote.values()) {
        for (const track of remote.tracks) {
          if (track.kind === MediaKind.AUDIO)
            layersByTrack.set(trackKey(remote.sessionId, track.trackId), EVERY_LAYER_MASK);
        }
      }
    }
    if (layersByTrack) interest = { all: false, layersByTrack };
    if (sameInterest(interest, this.#busInterest)) return;
    this.#busInterest = interest;
    this.#bus.setInterest(interest);
  }

  /**
   * Forwards a key frame request, at most one per (publisher track, layer) per 250 ms; one that
   * comes sooner is sent when the 250 ms are up, unless one is already waiting.
   */
  #forwardKeyframeRequest(packet: Uint8Array, targetSessionId: number, trackId: number, layer: number): void {
    const key = keyframeRequestKey(targetSessionId, trackId, layer);
    const local = this.#local.get(targetSessionId);
    // No such publisher: remember nothing, so made-up targets cannot grow the maps.
    if (!local && !this.#remote.has(targetSessionId)) return;
    const nowMs = performance.now();
    const last = this.#lastKeyframeRequestMs.get(key);
    if (last !== undefined && nowMs - last < KEYFRAME_REQUEST_INTERVAL_MS) {
      if (this.#deferredKeyframeRequests.has(key)) return;
      this.#stats.keyframeRequestsDeferred++;
      const timer = setTimeout(
        () => {
          this.#deferredKeyframeRequests.delete(key);
          try {
            // A packet of its own: the one given may be a view of a connection's receive buffer.
            this.#forwardKeyframeRequest(
              keyframeRequestPacket(targetSessionId, trackId, layer),
              targetSessionId,
              trackId,
              layer,
            );
          } catch {
            this.#stats.countInternalError("keyframe_request");
          }
        },
        KEYFRAME_REQUEST_INTERVAL_MS - (nowMs - last),
      );
      this.#deferredKeyframeRequests.set(key, timer);
      return;
    }
    if (local) local.queue.push(packet, CONTROL);
    else this.#bus.publishTargeted(packet, targetSessionId);
    this.#lastKeyframeRequestMs.set(key, nowMs);
  }

  /**
   * The relay asks a publisher for a key frame on behalf of a subscriber (its queue dropped video,
   * it gained the track, or it switches layers): of `layer`, or of every layer when -1.
   */
  #requestKeyframe(publisherSessionId: number, trackId: number, layer = -1): void {
    this.#stats.keyframeRequestsSent++;
    this.#forwardKeyframeRequest(
      keyframeRequestPacket(publisherSessionId, trackId, layer),
      publisherSessionId,
      trackId,
      layer,
    );
  }

  /**
   * A packet another node published. Other nodes are untrusted too: only stamped media, track
   * state and targeted key frame requests pass, never as one of our own participants, and a track
   * state must decode. Anything else is dropped and counted; an exception drops only this message.
   */
  #onBusPacket(packet: Uint8Array, targetSessionId: number | undefined): void {
    try {
      const problem = this.#routeFromBus(packet, targetSessionId);
      if (problem) this.#stats.countBadInput("bus_malformed");
    } catch {
      this.#stats.countInternalError("bus");
    }
  }

  /** Returns true when the packet was refused. */
  #routeFromBus(packet: Uint8Array, targetSessionId: number | undefined): boolean {
    const header = this.#busHeader;
    if (packet.length > MAX_PACKET_BYTES || !scanRoutingHeader(packet, header)) return true;
    if (header.fromSessionOffset < 0 || this.#local.has(readStamp(packet, header.fromSessionOffset)))
      return true;
    const bodyClass = bodyClassOf(header.body);
    if (targetSessionId !== undefined) {
      if (header.body !== BodyField.keyframeRequest && bodyClass !== "targeted-extension") return true;
      this.#local.get(targetSessionId)?.queue.push(packet, CONTROL);
      return false;
    }
    if (header.body === BodyField.trackState) {
      const decoded = decodePacketSafely(packet);
      if (!decoded.ok || decoded.packet.body.case !== "trackState") return true;
      const { tracks, videoDecoders } = decoded.packet.body.value;
      if (trackStateProblem(tracks) || videoDecodersProblem(videoDecoders)) return true;
      const from = this.#remote.get(readStamp(packet, header.fromSessionOffset));
      if (from) {
        const previous = from.tracks;
        from.tracks = tracks;
        from.videoDecoders = videoDecoders;
        if (hasSimulcast(previous) || hasSimulcast(tracks)) this.#simulcast.reselectAll();
        if (this.#interestFollowsRemoteAudio) this.#updateBusInterest();
      }
      this.#selectLastNForAll();
    } else if (header.body === BodyField.reaction) {
      const decoded = decodePacketSafely(packet);
      if (!decoded.ok || decoded.packet.body.case !== "reaction") return true;
      if (!isAllowedReaction(decoded.packet.body.value.emoji)) return true;
    } else if (header.body !== BodyField.media && bodyClass !== "broadcast-extension") {
      return true;
    } else if (header.body === BodyField.media && header.kind === MediaKind.AUDIO) {
      const from = this.#remote.get(readStamp(packet, header.fromSessionOffset));
      if (from && !this.#admitsAudio(from, header)) return false;
    }
    this.#fanOut(packet, header, -1);
    return false;
  }

  #onPresence(event: PresenceEvent, nodeId: string): void {
    switch (event.type) {
      case "joined":
        this.#addRemote(event.participant, nodeId);
        break;
      case "left": {
        const remote = this.#remote.get(event.sessionId);
        if (remote && this.#remote.delete(event.sessionId)) {
          if (hasSimulcast(remote.tracks)) this.#simulcast.reselectAll();
          // A node with nobody left here needs nothing (its empty room may not say so).
          if (![...this.#remote.values()].some((p) => p.nodeId === nodeId))
            this.#simulcast.onNodeGone(nodeId);
          this.#announceLeft(event.sessionId, event.reason, remote.tracks);
          if (this.#interestFollowsRemoteAudio) this.#updateBusInterest();
        }
        if (this.#hands.dropRemoteSession(event.sessionId)) this.#handsChanged(false);
        break;
      }
      case "roster-request":
        this.#bus.publishPresence({
          type: "roster",
          participants: [...this.#local.values()].map(toParticipant),
        });
        this.control.onRosterRequest();
        this.#simulcast.republishInterest();
        if (this.#hands.hasLocal)
          this.#bus.publishPresence({ type: "raised-hands", hands: this.#hands.localHands() });
        break;
      case "roster": {
        // A full snapshot of one node's participants: also removes those whose leave we missed.
        const listed = new Set<number>();
        for (const p of event.participants) {
          listed.add(p.sessionId);
          this.#addRemote(p, nodeId);
        }
        this.#removeRemoteOf(nodeId, LeaveReason.LEFT, listed);
        break;
      }
      case "node-lost":
        this.#removeRemoteOf(nodeId, LeaveReason.TIMED_OUT);
        this.control.onNodeGone(nodeId);
        this.#simulcast.onNodeGone(nodeId);
        if (this.#hands.dropNode(nodeId)) this.#handsChanged(false);
        break;
      case "layer-interest":
        if (!this.#simulcast.onRemoteInterest(nodeId, event.tracks))
          this.#stats.countBadInput("bus_malformed");
        break;
      case "host-command":
        this.control.applyFromBus(event.command, event.issuerSessionId, event.hasPassword);
        break;
      case "waiting-list":
        this.control.onWaitingList(nodeId, event.joiners);
        break;
      case "raised-hands":
        if (this.#hands.replaceRemote(nodeId, event.hands, (id) => this.#local.has(id)))
          this.#handsChanged(false);
        else this.#stats.countBadInput("bus_malformed");
        break;
      case "chat":
        if (!this.chat.onBus(event.message)) this.#stats.countBadInput("bus_malformed");
        break;
    }
  }

  #addRemote(p: Participant, nodeId: string): void {
    if (this.#local.has(p.sessionId)) return;
    if (
      p.sessionId === 0 ||
      !isValidDisplayName(p.username) ||
      trackStateProblem(p.tracks) ||
      videoDecodersProblem(p.videoDecoders)
    ) {
      this.#stats.countBadInput("bus_malformed");
      return;
    }
    if (p.identity.length > 256) {
      this.#stats.countBadInput("bus_malformed");
      return;
    }
    const known = this.#remote.get(p.sessionId);
    const layered = hasSimulcast(p.tracks) || (known !== undefined && hasSimulcast(known.tracks));
    this.#remote.set(p.sessionId, {
      sessionId: p.sessionId,
      username: p.username,
      identity: p.identity,
      guest: p.guest,
      role: validRole(p.role),
      nodeId,
      tracks: p.tracks,
      videoDecoders: p.videoDecoders,
    });
    if (layered) this.#simulcast.reselectAll();
    if (this.#interestFollowsRemoteAudio) this.#updateBusInterest();
    if (known) {
      if (known.role !== validRole(p.role)) this.control.rolesChanged();
      return;
    }
    const joined = encodePacket({ body: { case: "participantJoined", value: { participant: p } } });
    for (const local of this.#local.values()) local.queue.push(joined, CONTROL);
    if (hasCamera(p.tracks)) this.#selectLastNForAll();
  }

  /** Removes the remote participants of `nodeId` (except those in `keep`) and tells the local ones. */
  #removeRemoteOf(nodeId: string, reason: LeaveReason, keep?: ReadonlySet<number>): void {
    for (const remote of this.#remote.values()) {
      if (remote.nodeId !== nodeId || keep?.has(remote.sessionId)) continue;
      this.#remote.delete(remote.sessionId); // deleting the current entry is safe while iterating a Map
      this.#announceLeft(remote.sessionId, reason, remote.tracks);
    }
  }

  /** `tracks`: what the one who left published (only a camera's leaving changes anyone's last-N). */
  #announceLeft(sessionId: number, reason: LeaveReason, tracks: readonly TrackInfo[]): void {
    for (const key of this.#lastKeyframeRequestMs.keys()) {
      if (sessionOfKeyframeRequestKey(key) === sessionId) this.#lastKeyframeRequestMs.delete(key);
    }
    for (const [key, timer] of this.#deferredKeyframeRequests) {
      if (sessionOfKeyframeRequestKey(key) !== sessionId) continue;
      clearTimeout(timer);
      this.#deferredKeyframeRequests.delete(key);
    }
    this.#speakers.remove(sessionId);
    // Every last-N subscriber again is O(participants) each: in a meeting of 1000 that is done for
    // the few cameras, not for each of the 990 who only watch.
    if (hasCamera(tracks)) this.#selectLastNForAll();
    const left = encodePacket({ body: { case: "participantLeft", value: { sessionId, reason } } });
    for (const local of this.#local.values()) local.queue.push(left, CONTROL);
  }
}

const CONTROL = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };
const NOTHING_RECEIVED: ReadonlySet<number> = new Set();
/** Scratch object for the fan-out loop; the queue reads it synchronously and keeps no reference. */
const fanOutInfo = { kind: 0, keyframe: false, fromSessionId: 0, trackId: 0 };

function encodeRaisedHands(hands: RaisedHand[]): Uint8Array {
  return encodePacket({ body: { case: "raisedHands", value: { hands } } });
}

function carriesAudioLevels(tracks: readonly TrackInfo[], trackId: number): boolean {
  for (const track of tracks) if (track.trackId === trackId) return track.audioLevels;
  return false;
}

function sameInterest(a: BusInterest, b: BusInterest): boolean {
  if (a.all || b.all) return a.all === b.all;
  if (a.layersByTrack.size !== b.layersByTrack.size) return false;
  for (const [key, mask] of a.layersByTrack) if (b.layersByTrack.get(key) !== mask) return false;
  return true;
}

/** Aggregation slots per publisher track: every layer (-1), layers 0..5, and one for any higher. */
const KEYFRAME_LAYER_SLOTS = 8;

/** A KeyframeRequest to `sessionId` for its track's `layer` (every layer when negative). */
function keyframeRequestPacket(sessionId: number, trackId: number, layer: number): Uint8Array {
  return encodePacket({
    body: {
      case: "keyframeRequest",
      value: { targetSessionId: sessionId, trackId, ...(layer >= 0 ? { layer } : {}) },
    },
  });
}

/** One number per (publisher track, requested layer), for the key frame aggregation maps. */
function keyframeRequestKey(sessionId: number, trackId: number, layer: number): number {
  const slot = layer < 0 ? 0 : Math.min(layer, KEYFRAME_LAYER_SLOTS - 2) + 1;
  return trackKey(sessionId, trackId) * KEYFRAME_LAYER_SLOTS + slot;
}

/** The publisher a keyframeRequestKey belongs to. */
function sessionOfKeyframeRequestKey(key: number): number {
  return sessionOfTrackKey(Math.floor(key / KEYFRAME_LAYER_SLOTS));
}

/** Whether `tracks` has a camera track: a last-N candidate (#cameraTracks). */
function hasCamera(tracks: readonly TrackInfo[]): boolean {
  return tracks.some((track) => track.kind === MediaKind.VIDEO);
}

function hasSimulcast(tracks: readonly TrackInfo[]): boolean {
  return tracks.some((track) => track.layers.length > 0);
}

function readStamp(packet: Uint8Array, offset: number): number {
  if (offset < 0) return 0;
  return (
    ((packet[offset] as number) |
      ((packet[offset + 1] as number) << 8) |
      ((packet[offset + 2] as number) << 16) |
      ((packet[offset + 3] as number) << 24)) >>>
    0
  );
}

function validRole(role: number): ParticipantRole {
  return role === ParticipantRole.HOST || role === ParticipantRole.COHOST
    ? role
    : ParticipantRole.PARTICIPANT;
}

function toParticipant(p: LocalParticipant | RemoteParticipant): Participant {
  return create(ParticipantSchema, {
    sessionId: p.sessionId,
    username: p.username,
    tracks: p.tracks,
    videoDecoders: p.videoDecoders,
    identity: p.identity,
    guest: p.guest,
    role: typeof p.role === "string" ? roleFromName(p.role) : p.role,
  });
}
