/** `videocall info`: the capture devices this machine has (V4L2 cameras, ALSA capture devices). */
import { CliError } from "./errors.ts";
import { requireFfmpeg } from "./ffmpeg.ts";

export interface Camera {
  index: number;
  path: string;
  name: string;
}

export function listCameras(): Camera[] {
  const cameras: Camera[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/dev")];
  } catch {
    return cameras;
  }
  for (const entry of entries) {
    const match = /^video(\d+)$/.exec(entry.name);
    if (!match) continue;
    const index = Number(match[1]);
    let name = "unknown";
    try {
      name = Deno.readTextFileSync(`/sys/class/video4linux/video${index}/name`).trim();
    } catch {
      // no sysfs entry (a container): keep "unknown"
    }
    cameras.push({ index, path: `/dev/video${index}`, name });
  }
  return cameras.sort((a, b) => a.index - b.index);
}

/** The camera at `/dev/video<index>`, or an error that lists the ones there are. */
export function requireCamera(index: number): Camera {
  const cameras = listCameras();
  const camera = cameras.find((c) => c.index === index);
  if (camera) return camera;
  const found = cameras.length ? cameras.map((c) => c.index).join(", ") : "none on this machine";
  throw new CliError("unknown-device", `no camera /dev/video${index} (video device indexes: ${found})`);
}

export interface AudioCaptureDevice {
  /** ALSA name for ffmpeg's `-f alsa -i`, e.g. "hw:1,0". */
  alsaName: string;
  description: string;
}

/** Capture PCMs from /proc/asound/pcm, lines like "01-00: USB Audio : USB Audio : playback 1 : capture 1". */
export function listAudioCaptureDevices(pcmListing?: string): AudioCaptureDevice[] {
  let text = pcmListing;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/proc/asound/pcm");
    } catch {
      return [];
    }
  }
  const devices: AudioCaptureDevice[] = [];
  for (const line of text.split("\n")) {
    const match = /^(\d+)-(\d+):\s*(.*)$/.exec(line.trim());
    if (!match || !/capture \d+/.test(match[3]!)) continue;
    const name = match[3]!.split(" : ")[0]!.trim();
    devices.push({ alsaName: `hw:${Number(match[1])},${Number(match[2])}`, description: name });
  }
  return devices;
}

export async function runInfo(
  what: {
    listCameras?: boolean;
    listAudioDevices?: boolean;
    listFormats?: boolean;
    videoDeviceIndex: number;
  },
  print: (line: string) => void,
): Promise<void> {
  const chosen = [what.listCameras, what.listAudioDevices, what.listFormats].filter(Boolean).length;
  if (chosen !== 1) {
    throw new CliError(
      "bad-flags",
      "info takes exactly one of --list-cameras, --list-audio-devices, --list-formats",
    );
  }
  if (what.listCameras) {
    const cameras = listCameras();
    if (cameras.length === 0) print("no cameras found (no /dev/video* devices on this machine)");
    for (const camera of cameras) print(`${camera.index}\t${camera.path}\t${camera.name}`);
    return;
  }
  if (what.listAudioDevices) {
    const devices = listAudioCaptureDevices();
    if (devices.length === 0)
      print("no audio capture devices found (no ALSA capture PCM in /proc/asound/pcm)");
    for (const device of devices) print(`${device.alsaName}\t${device.description}`);
    return;
  }
  const camera = requireCamera(what.videoDeviceIndex);
  await requireFfmpeg();
  const output = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-f", "v4l2", "-list_formats", "all", "-i", camera.path],
    stdout: "null",
    stderr: "piped",
  }).output();
  // ffmpeg prints the list as log lines, then fails for want of an output: that is expected.
  const lines = new TextDecoder()
    .decode(output.stderr)
    .split("\n")
    .filter((line) => /Raw|Compressed/.test(line))
    .map((line) => line.replace(/^\[[^\]]*\]\s*/, ""));
  if (lines.length === 0) print(`${camera.path} reports no capture formats`);
  for (const line of lines) print(line);
}
