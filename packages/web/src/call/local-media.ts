import {
  type AudioProcessing,
  DEFAULT_AUDIO_PROCESSING,
  MediaAccessError,
  openCamera,
  openMicrophone,
} from "@videocall/client/media";

export type LocalDevice = "camera" | "microphone";

/**
 * The user's own camera and microphone before and during a call. Each is optional: a failure is
 * kept as a MediaAccessError for the page to show, and the call goes on without that device.
 */
export class LocalMedia {
  camera: MediaStreamTrack | undefined;
  microphone: MediaStreamTrack | undefined;
  readonly errors: Partial<Record<LocalDevice, MediaAccessError>> = {};
  /** What the microphone is opened with (the settings' toggles). */
  audioProcessing: Readonly<AudioProcessing> = DEFAULT_AUDIO_PROCESSING;

  /** Opens (or switches) a device; the previous track is stopped unless `keepPrevious`. */
  async open(
    device: LocalDevice,
    deviceId?: string,
    keepPrevious = false,
  ): Promise<MediaStreamTrack | undefined> {
    const previous = this[device];
    try {
      const track =
        device === "camera"
          ? await openCamera(deviceId)
          : await openMicrophone(deviceId, this.audioProcessing);
      if (!keepPrevious) previous?.stop();
      this[device] = track;
      delete this.errors[device];
      return track;
    } catch (error) {
      this.errors[device] =
        error instanceof MediaAccessError
          ? error
          : new MediaAccessError(device, "unavailable", { cause: error });
      if (!previous) this[device] = undefined;
      return undefined;
    }
  }

  /**
   * Opens the microphone again with `audioProcessing`. The old track stops first: Chromium keeps one
   * processing setup per open device, so a second track of it would inherit the old one.
   */
  async reopenMicrophone(deviceId?: string): Promise<MediaStreamTrack | undefined> {
    this.microphone?.stop();
    this.microphone = undefined;
    return await this.open("microphone", deviceId);
  }

  stop(): void {
    this.camera?.stop();
    this.microphone?.stop();
    this.camera = undefined;
    this.microphone = undefined;
  }
}
