/**
 * Lip sync for one remote participant. The audio playout reports which capture time (sender clock,
 * µs) it is playing and when that sound reaches the speaker (this page's epoch clock, ms); the
 * difference is the audio path's whole delay (network, jitter buffer, worklet, output latency).
 * Video frames of the same participant are then presented at `captureMs + audioOffsetMs`: held a
 * little (at most MAX_AV_SYNC_HOLD_MS) when they decode before their sound plays, shown at once
 * when late. Without fresh audio (muted, absent: no frame played for AV_SYNC_STALE_MS) there is
 * no offset and video shows as it decodes.
 */

import { MAX_PLAYOUT_DELAY_MS } from "./video-playout-delay.ts";

/** Video is never held longer than this for lip sync (latency beats sync beyond it). */
export const MAX_AV_SYNC_HOLD_MS = 200;
/**
 * An offset not refreshed for this long means audio stopped (muted, gone): video stops waiting.
 * Longer than a DTX pause between words (Opus sends a frame every 400 ms in silence).
 */
export const AV_SYNC_STALE_MS = 1500;
/** Offsets move by jitter-buffer steps (20 ms); smaller wobble is measurement noise, smoothed out. */
const SMOOTHING_GAIN = 1 / 4;
/** A change this large is a jitter-buffer step (a frame waited for or dropped), taken at once. */
const JUMP_MS = 15;
/**
 * From the decoder worker drawing a frame to the frame on screen: the OffscreenCanvas commits it
 * to the page's compositor, which shows it at a following vsync (25-39 ms between the worker's
 * draw and a page reading the pixel on its next animation frame, measured in Chromium here; a
 * third of that is the reading). Audio's output latency is measured (getOutputTimestamp); this is
 * video's counterpart, as WebRTC's fixed render delay is.
 */
export const VIDEO_DISPLAY_DELAY_MS = 20;
/** Audio within this of the video needs no extra delay (a frame of audio is 20 ms). */
const EXTRA_DELAY_DEADBAND_MS = 20;
/** Share of the remaining A/V gap the audio's extra delay closes per report (4 a second): ~1 s. */
const EXTRA_DELAY_GAIN = 1 / 4;

export class AvSyncClock {
  #offsetMs: number | undefined;
  #updatedAtMs = Number.NEGATIVE_INFINITY;
  /** Video of this participant is shown at capture + this (its network playout delay), ms. */
  #videoOffsetMs: number | undefined;
  #videoUpdatedAtMs = Number.NEGATIVE_INFINITY;
  #audioExtraDelayMs = 0;

  /**
   * How much longer the audio should wait than its jitter buffer alone would (ms): the other way
   * of lip sync, when the video is held for the network's repairs longer than the sound plays.
   */
  get audioExtraDelayMs(): number {
    return this.#audioExtraDelayMs;
  }

  /** A video frame captured at C (sender clock) is shown at C + `offsetMs` (this page's epoch) for the network's sake. */
  videoDelayed(offsetMs: number, nowMs: number): void {
    if (!Number.isFinite(offsetMs)) return;
    this.#videoOffsetMs = offsetMs + VIDEO_DISPLAY_DELAY_MS;
    this.#videoUpdatedAtMs = nowMs;
  }

  /** Audio captured at `captureTimeUs` (sender clock) is heard at `heardAtEpochMs` (this page). */
  audioPlayed(captureTimeUs: number, heardAtEpochMs: number, nowMs: number): void {
    const offsetMs = heardAtEpochMs - captureTimeUs / 1000;
    if (!Number.isFinite(offsetMs)) return;
    const previous = this.current(nowMs);
    this.#offsetMs =
      previous === undefined || Math.abs(offsetMs - previous) > JUMP_MS
        ? offsetMs
        : previous + (offsetMs - previous) * SMOOTHING_GAIN;
    this.#updatedAtMs = nowMs;
    this.#steerAudioDelay(nowMs);
  }

  /**
   * Moves the audio's extra delay towards the video's offset, a share per report (the buffer
   * needs time to deepen, so a step at once would overshoot); back to 0 when the video no longer
   * waits for the network.
   */
  #steerAudioDelay(nowMs: number): void {
    const audioOffsetMs = this.#offsetMs;
    const videoOffsetMs = this.#freshVideoOffsetMs(nowMs);
    if (videoOffsetMs === undefined || audioOffsetMs === undefined) {
      this.#audioExtraDelayMs -= this.#audioExtraDelayMs * EXTRA_DELAY_GAIN;
      if (this.#audioExtraDelayMs < 1) this.#audioExtraDelayMs = 0;
      return;
    }
    const gapMs = videoOffsetMs - audioOffsetMs;
    if (Math.abs(gapMs) <= EXTRA_DELAY_DEADBAND_MS) return;
    const next = this.#audioExtraDelayMs + gapMs * EXTRA_DELAY_GAIN;
    this.#audioExtraDelayMs = Math.min(MAX_PLAYOUT_DELAY_MS, Math.max(0, next));
  }

  /** Capture → heard for this participant's audio (ms, clock offset included), NaN without fresh audio. */
  audioPathMs(nowMs: number): number {
    return this.current(nowMs) ?? Number.NaN;
  }

  /** Capture → on screen as the network's playout delay plans it (ms), NaN while video is not delayed. */
  videoPlanMs(nowMs: number): number {
    return this.#freshVideoOffsetMs(nowMs) ?? Number.NaN;
  }

  /** The video's planned offset, undefined once not refreshed for AV_SYNC_STALE_MS (no longer delayed). */
  #freshVideoOffsetMs(nowMs: number): number | undefined {
    return nowMs - this.#videoUpdatedAtMs <= AV_SYNC_STALE_MS ? this.#videoOffsetMs : undefined;
  }

  /** Audio is not playing (silence, muted): video shows as soon as it decodes. */
  audioStopped(): void {
    this.#offsetMs = undefined;
  }

  /** Epoch ms at which audio of capture time C is heard = C/1000 + this; undefined without fresh audio. */
  current(nowMs: number): number | undefined {
    if (this.#offsetMs === undefined || nowMs - this.#updatedAtMs > AV_SYNC_STALE_MS) return undefined;
    return this.#offsetMs;
  }

  /** When to show a video frame captured at `captureTimeUs` (epoch ms), or undefined: at once. */
  presentAtEpochMs(captureTimeUs: number, nowMs: number): number | undefined {
    const offsetMs = this.current(nowMs);
    if (offsetMs === undefined) return undefined;
    // Drawn this much before its sound is heard, it is seen as the sound is.
    const presentAt = captureTimeUs / 1000 + offsetMs - VIDEO_DISPLAY_DELAY_MS;
    return Number.isFinite(presentAt) ? presentAt : undefined;
  }
}

/**
 * A decoded frame is never held longer than this, whatever it waits for: its sound (at most
 * MAX_AV_SYNC_HOLD_MS) or the network's playout delay (at most MAX_PLAYOUT_DELAY_MS).
 */
export const MAX_HOLD_MS = Math.max(MAX_AV_SYNC_HOLD_MS, MAX_PLAYOUT_DELAY_MS);

/** How long to hold a decoded frame due at `presentAtEpochMs`: 0 (show now) up to MAX_HOLD_MS. */
export function holdMs(presentAtEpochMs: number | undefined, nowEpochMs: number): number {
  if (presentAtEpochMs === undefined) return 0;
  const waitMs = presentAtEpochMs - nowEpochMs;
  if (!(waitMs > 0)) return 0;
  return Math.min(waitMs, MAX_HOLD_MS);
}
