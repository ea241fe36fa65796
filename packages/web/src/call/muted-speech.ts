import { type ReadonlySignal, signal } from "@preact/signals";
import { AudioLevelMeter } from "@videocall/client/media";

/** Media.audio_level scale: 127 = full scale; 82 is -45 dBov, well above a quiet room, below speech. */
const SPEECH_LEVEL = 82;
const POLL_MS = 100;
/** The hint stays this long after the last loud moment, so it does not flicker between words. */
const HOLD_MS = 1500;

/**
 * Listens to the microphone while the user is muted and says when they seem to be talking, for the
 * "you are muted" hint. It reads a clone of the track (a muted track may be disabled, and a disabled
 * track is silent) through an AnalyserNode; nothing of it is sent anywhere.
 */
export class MutedSpeechDetector {
  #speaking = signal(false);
  readonly speaking: ReadonlySignal<boolean> = this.#speaking;
  #source: MediaStreamTrack | undefined;
  #clone: MediaStreamTrack | undefined;
  #context: AudioContext | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastLoudMs = Number.NEGATIVE_INFINITY;

  /** Starts listening to `track` (again, if it is another one). */
  watch(track: MediaStreamTrack): void {
    if (this.#source === track) return;
    this.stop();
    if (typeof AudioContext === "undefined") return;
    this.#source = track;
    const clone = track.clone();
    clone.enabled = true;
    this.#clone = clone;
    const context = new AudioContext();
    this.#context = context;
    void context.resume().catch(() => {});
    const analyser = context.createAnalyser();
    analyser.fftSize = 2048;
    context.createMediaStreamSource(new MediaStream([clone])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const meter = new AudioLevelMeter();
    this.#timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      meter.add(samples);
      const nowMs = performance.now();
      if (meter.take() >= SPEECH_LEVEL) this.#lastLoudMs = nowMs;
      const speaking = nowMs - this.#lastLoudMs < HOLD_MS;
      if (speaking !== this.#speaking.value) this.#speaking.value = speaking;
    }, POLL_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clone?.stop();
    this.#clone = undefined;
    void this.#context?.close().catch(() => {});
    this.#context = undefined;
    this.#source = undefined;
    this.#lastLoudMs = Number.NEGATIVE_INFINITY;
    this.#speaking.value = false;
  }
}
