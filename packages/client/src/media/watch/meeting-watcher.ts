import { TypedEmitter } from "../../emitter.ts";
import type { MeetingSession, RemoteParticipant } from "../../session/meeting-session.ts";
import type { AudioOutput } from "./audio-output.ts";
import { RemotePeer, type RemotePeerOptions } from "./remote-peer.ts";

export type MeetingWatcherEvents = {
  peerAdded: (peer: RemotePeer) => void;
  peerRemoved: (peer: RemotePeer) => void;
  /** The peer's tracks changed: one added or removed (a screen share), muted or unmuted. */
  peerChanged: (peer: RemotePeer) => void;
};

/**
 * Receives everyone else in the meeting: one RemotePeer per remote participant (one RemoteTrack per
 * track it publishes), created when they are in the roster and closed when they leave or when this
 * watcher closes. `options.frameTransform` runs on every received frame before its decoder.
 */
export class MeetingWatcher {
  readonly events = new TypedEmitter<MeetingWatcherEvents>();
  #session: MeetingSession;
  #output: AudioOutput | undefined;
  #options: RemotePeerOptions;
  #peers = new Map<number, RemotePeer>();
  #unsubscribe: (() => void)[];
  #closed = false;

  /** Without an `output`, audio is not decoded (the page has no usable AudioContext). */
  constructor(session: MeetingSession, output: AudioOutput | undefined, options: RemotePeerOptions = {}) {
    this.#session = session;
    this.#output = output;
    // An end-to-end encrypted session decrypts with its own transform unless told otherwise.
    const frameTransform = options.frameTransform ?? session.e2ee?.frameTransform;
    this.#options = frameTransform ? { ...options, frameTransform } : options;
    this.#unsubscribe = [
      session.events.on("participantJoined", (participant) => this.#add(participant)),
      session.events.on("participantLeft", (participant) => this.#remove(participant.sessionId)),
      session.events.on("tracksChanged", (participant) => {
        const peer = this.#peers.get(participant.sessionId) ?? this.#add(participant);
        if (!peer) return;
        peer.updateTracks(participant.tracks);
        this.events.emit("peerChanged", peer);
      }),
      session.events.on("media", (fromSessionId, media) => this.#peers.get(fromSessionId)?.receive(media)),
      session.events.on("closed", () => this.close()),
    ];
  }

  /** Announces the participants already in the meeting; call once listeners are attached. */
  start(): void {
    for (const participant of this.#session.participants.values()) this.#add(participant);
  }

  get peers(): ReadonlyMap<number, RemotePeer> {
    return this.#peers;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    for (const sessionId of [...this.#peers.keys()]) this.#remove(sessionId);
    this.events.removeAllListeners();
  }

  #add(participant: RemoteParticipant): RemotePeer | undefined {
    if (this.#closed) return undefined;
    const existing = this.#peers.get(participant.sessionId);
    if (existing) return existing;
    const peer = new RemotePeer(this.#session, participant, this.#output, this.#options);
    this.#peers.set(peer.sessionId, peer);
    this.events.emit("peerAdded", peer);
    return peer;
  }

  #remove(sessionId: number): void {
    const peer = this.#peers.get(sessionId);
    if (!peer) return;
    this.#peers.delete(sessionId);
    peer.close();
    this.events.emit("peerRemoved", peer);
  }
}
