import { deepStrictEqual } from "node:assert/strict";
import { planHotplug } from "./device-hotplug.ts";

const cameras = [
  { deviceId: "front", label: "Front camera" },
  { deviceId: "usb", label: "USB camera" },
];

Deno.test("unplugging the device in use switches to another one", () => {
  deepStrictEqual(planHotplug({ deviceId: "usb", trackEnded: true, missing: false }, [cameras[0]!]), {
    kind: "switch",
    deviceId: "front",
    fallbackLabel: "Front camera",
  });
});

Deno.test("the system default is preferred as the fallback", () => {
  const microphones = [
    { deviceId: "headset", label: "Headset" },
    { deviceId: "default", label: "Default - Built-in" },
    { deviceId: "built-in", label: "Built-in" },
  ];
  deepStrictEqual(planHotplug({ deviceId: "usb", trackEnded: false, missing: false }, microphones), {
    kind: "switch",
    deviceId: "default",
    fallbackLabel: "Default - Built-in",
  });
});

Deno.test("a device plugged in or out elsewhere leaves the one in use alone", () => {
  deepStrictEqual(planHotplug({ deviceId: "front", trackEnded: false, missing: false }, cameras), {
    kind: "keep",
  });
});

Deno.test("the track ending switches even when the list still shows the device", () => {
  deepStrictEqual(
    planHotplug({ deviceId: "front", trackEnded: true, missing: false }, cameras).kind,
    "switch",
  );
});

Deno.test("plugging in a device when none was found opens it; a denied one stays closed", () => {
  deepStrictEqual(planHotplug({ deviceId: undefined, trackEnded: false, missing: true }, cameras), {
    kind: "open",
    deviceId: undefined,
  });
  deepStrictEqual(planHotplug({ deviceId: undefined, trackEnded: false, missing: false }, cameras), {
    kind: "keep",
  });
});

Deno.test("the last device gone: try the browser's default (which reports the failure)", () => {
  deepStrictEqual(planHotplug({ deviceId: "usb", trackEnded: true, missing: false }, []), {
    kind: "switch",
    deviceId: undefined,
    fallbackLabel: undefined,
  });
});
