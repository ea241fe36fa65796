/**
 * Bundled into a page by test/e2e/encodable-frame.test.ts: takes frames from each fake camera,
 * passes them through EncodableFrames (packages/client/src/media/publish/encodable-frame.ts) and
 * encodes what comes out with a real VideoEncoder, reporting what it saw.
 */
import { EncodableFrames } from "../../../packages/client/src/media/publish/encodable-frame.ts";

export interface CameraFrameReport {
  label: string;
  /** The camera's own frames' `format` (null: none WebCodecs names). */
  rawFormat: string | null;
  /** The format of the frames EncodableFrames gave back. */
  encodableFormat: string | null;
  /** Every frame came back as itself (no copy). */
  passedThrough: boolean;
  /** Every frame's timestamp, duration and display size came back as they were. */
  sameTiming: boolean;
  sameSize: boolean;
  /** Every redrawn frame's source was closed (its codedWidth reads 0). */
  sourceClosed: boolean;
  /** Brightest minus darkest red value in a redrawn frame (0: a flat, empty picture). */
  redrawnSpread: number;
  framesRedrawn: number;
  /** VideoEncoder outputs and errors for the frames as the camera gives them, and as EncodableFrames does. */
  rawEncoded: { chunks: number; errors: string[] };
  encodableEncoded: { chunks: number; errors: string[] };
}

const FRAMES = 10;
/** Chromium's MediaStreamTrackProcessor, typed here: the type checkers here disagree on its declaration. */
const TrackProcessor = (
  globalThis as unknown as {
    MediaStreamTrackProcessor: new (init: {
      track: MediaStreamTrack;
    }) => { readable: ReadableStream<VideoFrame> };
  }
).MediaStreamTrackProcessor;

/** A VP8 encoder that counts what it outputs and the errors it reports. */
function countingEncoder(): { encoder: VideoEncoder; result: { chunks: number; errors: string[] } } {
  const result = { chunks: 0, errors: [] as string[] };
  const encoder = new VideoEncoder({
    output: () => result.chunks++,
    error: (error) => result.errors.push(error.message),
  });
  encoder.configure({ codec: "vp8", width: 320, height: 180, bitrate: 150_000, framerate: 30 });
  return { encoder, result };
}

async function finish(encoder: VideoEncoder): Promise<void> {
  if (encoder.state === "configured") await encoder.flush().catch(() => {});
  if (encoder.state !== "closed") encoder.close();
}

/** Brightest minus darkest red value of `frame` (0: a flat, empty picture). */
function spreadOf(frame: VideoFrame): number {
  const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
  const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
  context.drawImage(frame, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let min = 255;
  let max = 0;
  for (let index = 0; index < pixels.length; index += 4) {
    min = Math.min(min, pixels[index] as number);
    max = Math.max(max, pixels[index] as number);
  }
  return max - min;
}

/** Frame by frame (a camera stalls while its frames are held): raw into one encoder, then through EncodableFrames into another. */
async function checkCamera(deviceId: string, label: string): Promise<CameraFrameReport> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: deviceId } } });
  const track = stream.getVideoTracks()[0] as MediaStreamTrack;
  const reader = new TrackProcessor({ track }).readable.getReader();
  const next = async () => {
    const { value } = await reader.read();
    if (!value) throw new Error(`${label} ended`);
    return value;
  };
  let rawFormat: string | null = null;
  const raw = countingEncoder();
  for (let index = 0; index < FRAMES; index++) {
    const frame = await next();
    rawFormat = frame.format;
    if (raw.encoder.state === "configured") raw.encoder.encode(frame, { keyFrame: index === 0 });
    frame.close();
  }
  await finish(raw.encoder);

  const encodable = new EncodableFrames();
  const through = countingEncoder();
  const report = { passedThrough: true, sameTiming: true, sameSize: true, sourceClosed: true };
  let encodableFormat: string | null = null;
  let redrawnSpread = 0;
  for (let index = 0; index < FRAMES; index++) {
    const frame = await next();
    const before = {
      timestamp: frame.timestamp,
      duration: frame.duration,
      width: frame.displayWidth,
      height: frame.displayHeight,
    };
    const taken = encodable.take(frame);
    encodableFormat = taken.format;
    report.passedThrough &&= taken === frame;
    report.sameTiming &&= taken.timestamp === before.timestamp && taken.duration === before.duration;
    report.sameSize &&= taken.displayWidth === before.width && taken.displayHeight === before.height;
    report.sourceClosed &&= taken === frame || frame.codedWidth === 0;
    if (index === FRAMES / 2 && taken !== frame) redrawnSpread = spreadOf(taken);
    if (through.encoder.state === "configured") through.encoder.encode(taken, { keyFrame: index === 0 });
    taken.close();
  }
  await finish(through.encoder);
  await reader.cancel();
  track.stop();
  return {
    label,
    rawFormat,
    encodableFormat,
    ...report,
    redrawnSpread,
    framesRedrawn: encodable.framesRedrawn,
    rawEncoded: raw.result,
    encodableEncoded: through.result,
  };
}

async function runEncodableFrameChecks(): Promise<CameraFrameReport[]> {
  const probe = await navigator.mediaDevices.getUserMedia({ video: true });
  for (const track of probe.getTracks()) track.stop();
  const cameras = (await navigator.mediaDevices.enumerateDevices()).filter(
    (device) => device.kind === "videoinput",
  );
  const reports: CameraFrameReport[] = [];
  for (const camera of cameras) reports.push(await checkCamera(camera.deviceId, camera.label));
  return reports;
}

(
  globalThis as unknown as { runEncodableFrameChecks: typeof runEncodableFrameChecks }
).runEncodableFrameChecks = runEncodableFrameChecks;
