/**
 * What to do when devices come and go (`devicechange`): if the camera or microphone in use is no
 * longer listed (unplugged), or its track ended, switch to the system default (else the first one
 * left); if there was none because none was found, open the one just plugged in.
 */

/** A device as the pickers list it (the client library's MediaDeviceChoice). */
interface DeviceChoice {
  deviceId: string;
  label: string;
}

export interface DeviceInUse {
  /** The deviceId of the open track, if any. */
  deviceId: string | undefined;
  trackEnded: boolean;
  /** No track because no such device was found (not because access was denied). */
  missing: boolean;
}

export type HotplugAction =
  | { kind: "keep" }
  /** `deviceId` undefined: let the browser pick its default. */
  | { kind: "switch"; deviceId: string | undefined; fallbackLabel: string | undefined }
  | { kind: "open"; deviceId: string | undefined };

export function planHotplug(inUse: DeviceInUse, choices: readonly DeviceChoice[]): HotplugAction {
  if (inUse.deviceId === undefined) {
    return inUse.missing && choices.length > 0 ? { kind: "open", deviceId: undefined } : { kind: "keep" };
  }
  const stillThere = choices.some((choice) => choice.deviceId === inUse.deviceId);
  if (stillThere && !inUse.trackEnded) return { kind: "keep" };
  const remaining = choices.filter((choice) => choice.deviceId !== inUse.deviceId);
  const fallback = remaining.find((choice) => choice.deviceId === "default") ?? remaining[0];
  if (!fallback) return { kind: "switch", deviceId: undefined, fallbackLabel: undefined };
  return { kind: "switch", deviceId: fallback.deviceId, fallbackLabel: fallback.label };
}
