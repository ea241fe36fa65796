import { OPUS_FRAME_DURATION_US } from "../tracks.ts";
import type { AudioOutput } from "./audio-output.ts";
import {
  type FromPlayout,
  PLAYOUT_PROCESSOR_NAME,
  type PlayoutOptions,
  type PlayoutStats,
  type ToPlayout,
} from "./audio-playout-messages.ts";
import type { AvSyncClock } from "./av-sync-clock.ts";

/** Playout stats before the first frame. */
export const EMPTY_PLAYOUT_STATS: Readonly<PlayoutStats> = {
  rms: 0,
  depthMs: 0,
  targetDepthMs: 0,
  concealmentRatio: 0,
  jitterMs: 0,
  framesPlayed: 0,
  framesConcealed: 0,
  framesLate: 0,
  framesDiscarded: 0,
  framesStretched: 0,
  extraDelayMs: 0,
};

/** Changes of the lip-sync delay smaller than this are not worth a message (a frame is 20 ms). */
const MIN_EXTRA_DELAY_STEP_MS = 10;

/** One remote participant's audio playout: a worklet node with its own jitter buffer. */
export class AudioPlayout {
  #node: AudioWorkletNode;
  #stats: PlayoutStats = { ...EMPTY_PLAYOUT_STATS };

  /** `avSync`, when given, learns from every report when which capture time is heard. */
  constructor(output: AudioOutput, options: Partial<PlayoutOptions> = {}, avSync?: AvSyncClock) {
    const processorOptions: PlayoutOptions = {
      frameDurationMs: OPUS_FRAME_DURATION_US / 1000,
      minTargetMs: 20,
      maxTargetMs: 200,
      jitterMultiplier: 3,
      ...options,
    };
    this.#node = new AudioWorkletNode(output.context, PLAYOUT_PROCESSOR_NAME, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions,
    });
    let lastAnchorS = 0;
    let extraDelaySentMs = 0;
    this.#node.port.onmessage = (event: MessageEvent<FromPlayout>) => {
      const { type: _type, playingCaptureTimeUs, playingAtContextTimeS, ...stats } = event.data;
      this.#stats = stats;
      if (!avSync) return;
      // A new anchor only: the same one again means silence since (a DTX pause, or audio stopped).
      if (playingCaptureTimeUs !== 0 && playingAtContextTimeS !== lastAnchorS) {
        lastAnchorS = playingAtContextTimeS;
        avSync.audioPlayed(
          playingCaptureTimeUs,
          heardAtEpochMs(output.context, playingAtContextTimeS),
          performance.now(),
        );
      }
      // The video is held longer than the sound would play: the sound waits as much (lip sync both ways).
      const extraDelayMs = Math.round(avSync.audioExtraDelayMs);
      if (Math.abs(extraDelayMs - extraDelaySentMs) < MIN_EXTRA_DELAY_STEP_MS) return;
      extraDelaySentMs = extraDelayMs;
      this.#node.port.postMessage({ type: "extraDelay", extraDelayMs } satisfies ToPlayout);
    };
    this.#node.connect(output.context.destination);
  }

  stats(): PlayoutStats {
    return { ...this.#stats };
  }

  push(sequence: number, arrivalMs: number, captureTimeUs: number, samples: Float32Array): void {
    const message: ToPlayout = { type: "frame", sequence, arrivalMs, captureTimeUs, samples };
    this.#node.port.postMessage(message, [samples.buffer]);
  }

  close(): void {
    this.#node.port.onmessage = null;
    this.#node.port.close();
    this.#node.disconnect();
  }
}

/**
 * Firefox answers `getOutputTimestamp()` and `outputLatency` with a synchronous query of its audio
 * graph thread; read four times a second, that froze its main thread for over a minute in the
 * Firefox call tests. There only the base latency is known: lip sync is off by the output device's latency.
 */
const OUTPUT_CLOCK_IS_SYNCHRONOUS =
  typeof navigator !== "undefined" && /\bFirefox\//.test(navigator.userAgent);

/**
 * When a sample rendered at `contextTimeS` reaches the speaker, on the page's epoch clock (ms):
 * getOutputTimestamp pairs the context time being heard now with its performance time, which
 * includes the output latency; without it, the base latency stands in.
 */
function heardAtEpochMs(context: AudioContext, contextTimeS: number): number {
  const stamp = OUTPUT_CLOCK_IS_SYNCHRONOUS ? undefined : context.getOutputTimestamp?.();
  if (stamp?.contextTime !== undefined && stamp.performanceTime !== undefined && stamp.performanceTime > 0) {
    return performance.timeOrigin + stamp.performanceTime + (contextTimeS - stamp.contextTime) * 1000;
  }
  return (
    performance.timeOrigin +
    performance.now() +
    (contextTimeS - context.currentTime + context.baseLatency) * 1000
  );
}
