/** A screen, window or tab the user picked to share, with its audio when the browser offers it. */
export interface ScreenCapture {
  video: MediaStreamTrack;
  /** Tab or system audio; undefined when the browser or the user gave none. */
  audio: MediaStreamTrack | undefined;
}

/** Why no capture came: the user cancelled the picker, or the browser cannot share a screen. */
export type ScreenCaptureFailure = "cancelled" | "unsupported" | "failed";

/**
 * Asks the browser for a screen to share (its own picker). Text and slides matter more than motion:
 * the "detail" hint makes the encoder keep resolution and give up frame rate under pressure.
 */
export async function openScreenCapture(): Promise<ScreenCapture | ScreenCaptureFailure> {
  if (typeof navigator.mediaDevices?.getDisplayMedia !== "function") return "unsupported";
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({
      video: { frameRate: { ideal: 15, max: 30 } },
      // Tab or system audio where offered (Chromium); the picker shows a "share audio" choice.
      audio: true,
    });
  } catch (error) {
    return error instanceof DOMException && error.name === "NotAllowedError" ? "cancelled" : "failed";
  }
  const video = stream.getVideoTracks()[0];
  if (!video) {
    for (const track of stream.getTracks()) track.stop();
    return "failed";
  }
  video.contentHint = "detail";
  return { video, audio: stream.getAudioTracks()[0] };
}
