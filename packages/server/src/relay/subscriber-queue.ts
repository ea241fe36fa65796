import { MediaKind } from "@videocall/protocol";
import { QueuedBytesBudget } from "../limits/queued-bytes-budget.ts";
import { trackKey } from "./track-key.ts";

/** Where a subscriber's packets go: a WebSocket today, a WebTransport session later. */
export interface PacketSink {
  /**
   * `kind` is the packet's MediaKind, absent or 0 for control: a transport may map kinds to
   * datagrams or streams.
   */
  send(packet: Uint8Array, kind?: number): void;
  /** Bytes handed to the sink and not yet written to the network. */
  readonly bufferedBytes: number;
}

/** What the queue needs to know about a packet to prioritise and drop it. Filled from the routing header. */
export interface QueuedPacketInfo {
  /** MediaKind for media packets; 0 for control. */
  kind: number;
  keyframe: boolean;
  fromSessionId: number;
  trackId: number;
}

export interface SubscriberQueueLimits {
  /** Above this many buffered bytes in the sink, packets wait in the queue instead. */
  sinkHighWaterBytes: number;
  /**
   * Above this many buffered bytes in the sink, video waits in the queue (below sinkHighWaterBytes):
   * the sink is first-in first-out, so this bounds how much video a new audio frame waits behind.
   */
  videoSinkHighWaterBytes: number;
  /** Video frames waiting at most; past this the subscriber drops video until the next key frame. */
  maxQueuedVideo: number;
  /** Audio frames waiting at most; past this the oldest is dropped (audio is loss-tolerant). */
  maxQueuedAudio: number;
  /** Control packets waiting at most; past this the subscriber is hopeless and is disconnected. */
  maxQueuedControl: number;
  /**
   * Bytes waiting at most. Video that would pass it is dropped until the next key frame. Audio and
   * control are measured without the video (they go first and must not lose to it): past it audio
   * drops its oldest and control overflows. So a queue holds at most about twice this.
   */
  maxQueuedBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: SubscriberQueueLimits = {
  sinkHighWaterBytes: 512 * 1024,
  videoSinkHighWaterBytes: 128 * 1024,
  maxQueuedVideo: 60,
  maxQueuedAudio: 50,
  maxQueuedControl: 1000,
  maxQueuedBytes: 8 * 1024 * 1024,
};

/** `queue_full`: a packet-count limit; the `_queued_bytes` ones: this queue's or the node's byte limit. */
export type DropReason = "queue_full" | "awaiting_keyframe" | "subscriber_queued_bytes" | "node_queued_bytes";

export interface SubscriberQueueEvents {
  /** A video track of `fromSessionId` lost frames for this subscriber: ask its publisher for a key frame. */
  onKeyframeNeeded(fromSessionId: number, trackId: number): void;
  onDropped(reason: DropReason, kind: number): void;
  /** Control backlog overflowed: the subscriber cannot keep up even with signalling. */
  onOverflow(): void;
  onSent(bytes: number): void;
  /** The sink threw while sending: the owner closes this subscriber alone; the queue stops. */
  onSendFailed(error: unknown): void;
}

/** One subscriber queue's figures (GET /api/debug/rooms). */
export interface SubscriberQueueStats {
  queuedPackets: number;
  queuedBytes: number;
  packetsSent: number;
  bytesSent: number;
  /** Packets dropped for this subscriber (any reason: full, byte budget, awaiting a key frame). */
  packetsDropped: number;
  tracksAwaitingKeyframe: number;
}

const DRAIN_INTERVAL_MS = 5;

/**
 * A subscriber's bounded outgoing queue. A slow receiver loses its own video (dropped until the
 * next key frame, then a key frame is requested) and never slows the others: the relay hands a
 * packet to each subscriber's queue and moves on. Control goes first, then audio, then video.
 */
export class SubscriberQueue {
  readonly #sink: PacketSink;
  readonly #limits: SubscriberQueueLimits;
  readonly #events: SubscriberQueueEvents;
  readonly #control: Uint8Array[] = [];
  readonly #audio: Uint8Array[] = [];
  readonly #video: Uint8Array[] = [];
  #controlBytes = 0;
  #audioBytes = 0;
  #videoBytes = 0;
  /** Shared by every queue of the node. */
  readonly #node: QueuedBytesBudget;
  /** Video tracks (by trackKey) whose deltas are dropped until a key frame arrives. */
  readonly #awaitingKeyframe = new Set<number>();
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #packetsSent = 0;
  #bytesSent = 0;
  #packetsDropped = 0;

  constructor(
    sink: PacketSink,
    events: SubscriberQueueEvents,
    limits: SubscriberQueueLimits = DEFAULT_QUEUE_LIMITS,
    node: QueuedBytesBudget = new QueuedBytesBudget(Number.POSITIVE_INFINITY),
  ) {
    this.#sink = sink;
    this.#events = events;
    this.#limits = limits;
    this.#node = node;
    node.queues++;
  }

  get queuedPackets(): number {
    return this.#control.length + this.#audio.length + this.#video.length;
  }

  /** Bytes waiting here, not yet handed to the sink. */
  get queuedBytes(): number {
    return this.#controlBytes + this.#audioBytes + this.#videoBytes;
  }

  /**
   * Drops this video track's deltas until its next key frame: the subscriber just started
   * receiving it (a new subscription) and could not decode them.
   */
  awaitKeyframe(fromSessionId: number, trackId: number): void {
    if (!this.#closed) this.#awaitingKeyframe.add(trackKey(fromSessionId, trackId));
  }

  push(packet: Uint8Array, info: QueuedPacketInfo): void {
    if (this.#closed) return;
    const isVideo = info.kind === MediaKind.VIDEO || info.kind === MediaKind.SCREEN;
    if (isVideo) {
      const key = trackKey(info.fromSessionId, info.trackId);
      if (this.#awaitingKeyframe.has(key)) {
        if (!info.keyframe) {
          this.#dropped("awaiting_keyframe", info.kind);
          return;
        }
        this.#awaitingKeyframe.delete(key);
      }
    }
    const limits = this.#limits;
    // Audio may pass queued video and control may pass both (the drain's order); within a class,
    // order holds. Video stops filling the sink earlier, so audio never waits behind much of it.
    if (
      (isVideo ? this.queuedPackets : this.#control.length + this.#audio.length) === 0 &&
      this.#sink.bufferedBytes < (isVideo ? limits.videoSinkHighWaterBytes : limits.sinkHighWaterBytes)
    ) {
      this.#write(packet, info.kind);
      return;
    }
    const bytes = packet.length;
    if (isVideo) {
      const refusal =
        this.#video.length >= limits.maxQueuedVideo
          ? "queue_full"
          : this.queuedBytes + bytes > limits.maxQueuedBytes
            ? "subscriber_queued_bytes"
            : this.#node.wouldExceed(bytes, this.queuedBytes)
              ? "node_queued_bytes"
              : undefined;
      if (refusal) {
        this.#dropped(refusal, info.kind);
        this.#awaitingKeyframe.add(trackKey(info.fromSessionId, info.trackId));
        this.#events.onKeyframeNeeded(info.fromSessionId, info.trackId);
        return;
      }
      this.#video.push(packet);
      this.#videoBytes += bytes;
    } else if (info.kind === MediaKind.AUDIO) {
      if (this.#audio.length >= limits.maxQueuedAudio) {
        this.#dropOldestAudio();
        this.#dropped("queue_full", info.kind);
      }
      while (
        this.#audio.length > 0 &&
        this.#controlBytes + this.#audioBytes + bytes > limits.maxQueuedBytes
      ) {
        this.#dropOldestAudio();
        this.#dropped("subscriber_queued_bytes", info.kind);
      }
      if (this.#controlBytes + bytes > limits.maxQueuedBytes) {
        this.#dropped("subscriber_queued_bytes", info.kind);
        return;
      }
      this.#audio.push(packet);
      this.#audioBytes += bytes;
    } else {
      if (
        this.#control.length >= limits.maxQueuedControl ||
        this.#controlBytes + bytes > limits.maxQueuedBytes
      ) {
        this.#events.onOverflow();
        return;
      }
      this.#control.push(packet);
      this.#controlBytes += bytes;
    }
    this.#node.queuedBytes += bytes;
    this.#scheduleDrain();
  }

  stats(): SubscriberQueueStats {
    return {
      queuedPackets: this.queuedPackets,
      queuedBytes: this.queuedBytes,
      packetsSent: this.#packetsSent,
      bytesSent: this.#bytesSent,
      packetsDropped: this.#packetsDropped,
      tracksAwaitingKeyframe: this.#awaitingKeyframe.size,
    };
  }

  /** True while a drain is scheduled (a timer): for the lifecycle counters. */
  get hasTimer(): boolean {
    return this.#drainTimer !== undefined;
  }

  #dropped(reason: DropReason, kind: number): void {
    this.#packetsDropped++;
    this.#events.onDropped(reason, kind);
  }

  /** Drops everything and stops the drain timer; the owner closes the sink. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
    this.#node.queues--;
    this.#node.queuedBytes -= this.queuedBytes;
    this.#controlBytes = this.#audioBytes = this.#videoBytes = 0;
    this.#control.length = this.#audio.length = this.#video.length = 0;
    this.#awaitingKeyframe.clear();
  }

  #dropOldestAudio(): void {
    const dropped = this.#audio.shift()!;
    this.#audioBytes -= dropped.length;
    this.#node.queuedBytes -= dropped.length;
  }

  #write(packet: Uint8Array, kind: number): void {
    try {
      this.#sink.send(packet, kind);
    } catch (error) {
      // One subscriber's broken socket is its own problem, not the publisher's whose packet this is.
      this.close();
      this.#events.onSendFailed(error);
      return;
    }
    this.#packetsSent++;
    this.#bytesSent += packet.length;
    this.#events.onSent(packet.length);
  }

  #scheduleDrain(): void {
    if (this.#drainTimer === undefined) {
      this.#drainTimer = setTimeout(() => this.#drain(), DRAIN_INTERVAL_MS);
    }
  }

  #drain(): void {
    this.#drainTimer = undefined;
    if (this.#closed) return;
    const limits = this.#limits;
    for (;;) {
      const bufferedBytes = this.#sink.bufferedBytes;
      let packet: Uint8Array;
      let kind: number;
      if (this.#control.length > 0 && bufferedBytes < limits.sinkHighWaterBytes) {
        packet = this.#control.shift()!;
        this.#controlBytes -= packet.length;
        kind = 0;
      } else if (this.#audio.length > 0 && bufferedBytes < limits.sinkHighWaterBytes) {
        packet = this.#audio.shift()!;
        this.#audioBytes -= packet.length;
        kind = MediaKind.AUDIO;
      } else if (
        this.#video.length > 0 &&
        this.#control.length + this.#audio.length === 0 &&
        bufferedBytes < limits.videoSinkHighWaterBytes
      ) {
        packet = this.#video.shift()!;
        this.#videoBytes -= packet.length;
        kind = MediaKind.VIDEO;
      } else break;
      this.#node.queuedBytes -= packet.length;
      this.#write(packet, kind);
      if (this.#closed) return;
    }
    if (this.queuedPackets > 0) this.#scheduleDrain();
  }
}
