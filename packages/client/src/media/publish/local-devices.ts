/**
 * Camera and microphone access. Each device is requested on its own, so a missing or denied camera
 * does not cost the microphone (and vice versa): the caller shows the reason and joins without it.
 */
export type DeviceKind = "camera" | "microphone";

export type MediaAccessReason =
  /** The user (or a policy) refused access. */
  | "denied"
  /** No such device is connected. */
  | "not-found"
  /** The device exists but could not be started (in use by another app, hardware error). */
  | "unavailable"
  /** This browser cannot capture media (no mediaDevices, insecure origin). */
  | "unsupported";

export class MediaAccessError extends Error {
  override readonly name = "MediaAccessError";
  constructor(
    readonly device: DeviceKind,
    readonly reason: MediaAccessReason,
    options?: ErrorOptions,
  ) {
    super(describeAccessFailure(device, reason), options);
  }
}

function describeAccessFailure(device: DeviceKind, reason: MediaAccessReason): string {
  switch (reason) {
    case "denied":
      return `Access to the ${device} was denied.`;
    case "not-found":
      return `No ${device} was found.`;
    case "unavailable":
      return `The ${device} could not be started (is another application using it?).`;
    case "unsupported":
      return `This browser cannot use a ${device} here.`;
  }
}

export interface CaptureSettings {
  video: { width: number; height: number; frameRate: number };
}

export const DEFAULT_CAPTURE: CaptureSettings = { video: { width: 1280, height: 720, frameRate: 30 } };

export async function openCamera(deviceId?: string, settings = DEFAULT_CAPTURE): Promise<MediaStreamTrack> {
  const { width, height, frameRate } = settings.video;
  return await openTrack("camera", {
    video: {
      width: { ideal: width },
      height: { ideal: height },
      frameRate: { ideal: frameRate },
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    },
  });
}

/** The browser's own microphone processing, each one a getUserMedia constraint. */
export interface AudioProcessing {
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
}

/** All on, as every meeting product defaults: off is for music or a studio microphone. */
export const DEFAULT_AUDIO_PROCESSING: Readonly<AudioProcessing> = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export async function openMicrophone(
  deviceId?: string,
  processing: Readonly<AudioProcessing> = DEFAULT_AUDIO_PROCESSING,
): Promise<MediaStreamTrack> {
  return await openTrack("microphone", {
    audio: {
      channelCount: { ideal: 1 },
      sampleRate: { ideal: 48_000 },
      ...processing,
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
    },
  });
}

/**
 * Changes a live microphone track's processing with `applyConstraints`. True when the track now
 * reports what was asked (a browser that does not report a setting is taken at its word); false
 * when it refused or ignored it, and the caller must open the microphone again with `processing`.
 */
export async function applyAudioProcessing(
  track: MediaStreamTrack,
  processing: Readonly<AudioProcessing>,
): Promise<boolean> {
  try {
    await track.applyConstraints({ ...track.getConstraints(), ...processing });
  } catch {
    return false;
  }
  const settings = track.getSettings();
  return (Object.keys(processing) as (keyof AudioProcessing)[]).every(
    (key) => settings[key] === undefined || settings[key] === processing[key],
  );
}

async function openTrack(device: DeviceKind, constraints: MediaStreamConstraints): Promise<MediaStreamTrack> {
  if (!navigator.mediaDevices?.getUserMedia) throw new MediaAccessError(device, "unsupported");
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(constraints);
  } catch (cause) {
    throw new MediaAccessError(device, accessReason(cause), { cause });
  }
  const track = device === "camera" ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
  if (!track) throw new MediaAccessError(device, "not-found");
  return track;
}

function accessReason(error: unknown): MediaAccessReason {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "not-found";
    case "TypeError":
      return "unsupported";
    default:
      return "unavailable";
  }
}

export interface MediaDeviceChoice {
  deviceId: string;
  label: string;
}

/** Cameras and microphones; labels are only filled in once the user granted access. */
export async function listDevices(): Promise<Record<DeviceKind, MediaDeviceChoice[]>> {
  const result: Record<DeviceKind, MediaDeviceChoice[]> = { camera: [], microphone: [] };
  if (!navigator.mediaDevices?.enumerateDevices) return result;
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const device of devices) {
    const kind =
      device.kind === "videoinput" ? "camera" : device.kind === "audioinput" ? "microphone" : undefined;
    if (!kind || !device.deviceId) continue;
    const list = result[kind];
    list.push({ deviceId: device.deviceId, label: device.label || `${kind} ${list.length + 1}` });
  }
  return result;
}
