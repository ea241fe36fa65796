/**
 * Codec negotiation per meeting (docs/protocol.md, "Codec negotiation"): every client announces the
 * video codecs it decodes (TrackState.video_decoders), and a publisher sends the first codec of its
 * own preference list that every other participant decodes. VP8 is the codec of last resort: every
 * engine we know decodes it (WebKitGTK decodes nothing else by default), and a participant that
 * announces nothing is taken to decode VP8 and VP9 (DEFAULT_VIDEO_DECODERS).
 */
import { Codec, effectiveVideoDecoders } from "@videocall/protocol";
import { TypedEmitter } from "../emitter.ts";
import type { MeetingSession } from "./meeting-session.ts";

/**
 * The codec to publish: the first of `preferences` (what this client can encode, best first) that
 * every receiver decodes; when none is, VP8 if this client encodes it (the codec of last resort),
 * else the first preference. Undefined only when `preferences` is empty.
 */
export function chooseVideoCodec(
  preferences: readonly Codec[],
  receivers: Iterable<readonly Codec[] | undefined>,
): Codec | undefined {
  const decodeSets = [...receivers].map((announced) => effectiveVideoDecoders(announced));
  for (const codec of preferences) {
    if (decodeSets.every((decoders) => decoders.includes(codec))) return codec;
  }
  return preferences.includes(Codec.VP8) ? Codec.VP8 : preferences[0];
}

export type VideoCodecNegotiatorEvents = {
  /** The codec to publish changed: switch the encoder (a fresh one starts with a key frame). */
  changed: (codec: Codec) => void;
};

export interface VideoCodecNegotiatorOptions {
  /**
   * A change of the roster is acted on once it has been quiet this long (default 150 ms): a joiner
   * appears (ParticipantJoined, announcing nothing yet) a moment before its TrackState says what
   * it decodes, and one switch is better than two.
   */
  settleMs?: number;
}

/**
 * Follows one session's roster and says which video codec its publishers send. `codec` is the
 * current choice; `changed` fires when it moves. Close it with the publisher.
 */
export class VideoCodecNegotiator {
  readonly events = new TypedEmitter<VideoCodecNegotiatorEvents>();
  #session: MeetingSession;
  #preferences: readonly Codec[];
  #codec: Codec;
  #settleMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #unsubscribe: Array<() => void>;
  #closed = false;

  constructor(
    session: MeetingSession,
    preferences: readonly Codec[],
    options: VideoCodecNegotiatorOptions = {},
  ) {
    if (preferences.length === 0) throw new RangeError("no video codec to publish");
    this.#session = session;
    this.#preferences = [...preferences];
    this.#settleMs = options.settleMs ?? 150;
    this.#codec = this.#choose();
    const schedule = () => this.#schedule();
    this.#unsubscribe = [
      session.events.on("participantJoined", schedule),
      session.events.on("participantLeft", schedule),
      session.events.on("tracksChanged", schedule),
      session.events.on("reconnected", schedule),
    ];
  }

  get codec(): Codec {
    return this.#codec;
  }

  get preferences(): readonly Codec[] {
    return this.#preferences;
  }

  /** A new preference list (the user picked another codec): chosen again at once. */
  setPreferences(preferences: readonly Codec[]): void {
    if (preferences.length === 0) throw new RangeError("no video codec to publish");
    this.#preferences = [...preferences];
    this.#update();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const off of this.#unsubscribe) off();
    this.events.removeAllListeners();
  }

  #choose(): Codec {
    const receivers = [...this.#session.participants.values()].map((p) => p.videoDecoders);
    return chooseVideoCodec(this.#preferences, receivers) ?? Codec.VP8;
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#update(), this.#settleMs);
  }

  #update(): void {
    if (this.#closed) return;
    const codec = this.#choose();
    if (codec === this.#codec) return;
    this.#codec = codec;
    this.events.emit("changed", codec);
  }
}
