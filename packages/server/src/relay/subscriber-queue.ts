import { MediaKind } from "@videocall/protocol";

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
  /** Video frames waiting at most; past this the subscriber drops video until the next key frame. */
  maxQueuedVideo: number;
  /** Audio frames waiting at most; past this the oldest is dropped (audio is loss-tolerant). */
  maxQueuedAudio: number;
  /** Control packets waiting at most; past this the subscriber is hopeless and is disconnected. */
  maxQueuedControl: number;
}

export const DEFAULT_QUEUE_LIMITS: SubscriberQueueLimits = {
  sinkHighWaterBytes: 512 * 1024,
  maxQueuedVideo: 60,
  maxQueuedAudio: 50,
  maxQueuedControl: 1000,
};

export type DropReason = "queue_full" | "awaiting_keyframe";

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
  /** Video tracks (by trackKey) whose deltas are dropped until a key frame arrives. */
  readonly #awaitingKeyframe = new Set<number>();
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    sink: PacketSink,
    events: SubscriberQueueEvents,
    limits: SubscriberQueueLimits = DEFAULT_QUEUE_LIMITS,
  ) {
    this.#sink = sink;
    this.#events = events;
    this.#limits = limits;
  }

  get queuedPackets(): number {
    return this.#control.length + this.#audio.length + this.#video.length;
  }

  push(packet: Uint8Array, info: QueuedPacketInfo): void {
    if (this.#closed) return;
    const isVideo = info.kind === MediaKind.VIDEO || info.kind === MediaKind.SCREEN;
    if (isVideo) {
      const key = trackKey(info.fromSessionId, info.trackId);
      if (this.#awaitingKeyframe.has(key)) {
        if (!info.keyframe) {
          this.#events.onDropped("awaiting_keyframe", info.kind);
          return;
        }
        this.#awaitingKeyframe.delete(key);
      }
    }
    if (this.queuedPackets === 0 && this.#sink.bufferedBytes < this.#limits.sinkHighWaterBytes) {
      this.#write(packet, info.kind);
      return;
    }
    if (isVideo) {
      if (this.#video.length >= this.#limits.maxQueuedVideo) {
        this.#events.onDropped("queue_full", info.kind);
        this.#awaitingKeyframe.add(trackKey(info.fromSessionId, info.trackId));
        this.#events.onKeyframeNeeded(info.fromSessionId, info.trackId);
      } else {
        this.#video.push(packet);
      }
    } else if (info.kind === MediaKind.AUDIO) {
      if (this.#audio.length >= this.#limits.maxQueuedAudio) {
        this.#audio.shift();
        this.#events.onDropped("queue_full", info.kind);
      }
      this.#audio.push(packet);
    } else {
      if (this.#control.length >= this.#limits.maxQueuedControl) {
        this.#events.onOverflow();
        return;
      }
      this.#control.push(packet);
    }
    this.#scheduleDrain();
  }

  /** Drops everything and stops the drain timer; the owner closes the sink. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#drainTimer);
    this.#control.length = this.#audio.length = this.#video.length = 0;
    this.#awaitingKeyframe.clear();
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
    while (this.#sink.bufferedBytes < this.#limits.sinkHighWaterBytes) {
      if (this.#control.length > 0) this.#write(this.#control.shift()!, 0);
      else if (this.#audio.length > 0) this.#write(this.#audio.shift()!, MediaKind.AUDIO);
      else if (this.#video.length > 0) this.#write(this.#video.shift()!, MediaKind.VIDEO);
      else return;
    }
    this.#scheduleDrain();
  }
}

/** One number per (publisher session, track): session ids are u32 and track ids fit 16 bits. */
function trackKey(sessionId: number, trackId: number): number {
  return sessionId * 65536 + (trackId & 0xffff);
}
