import type { LocalVideoLayer } from "../../session/local-track.ts";

/**
 * The simulcast ladder: each rendition's short side and target bitrate. About 1280×720 at 1.5 Mbps,
 * 640×360 at 500 kbps and 320×180 at 150 kbps for a 16:9 camera: each step a quarter of the pixels
 * at about a third of the bits (small renditions need more bits per pixel to stay legible).
 */
export const SIMULCAST_LADDER: readonly { shortSidePx: number; bitrateBps: number }[] = [
  { shortSidePx: 180, bitrateBps: 150_000 },
  { shortSidePx: 360, bitrateBps: 500_000 },
  { shortSidePx: 720, bitrateBps: 1_500_000 },
];

/** Every bit of the ladder: the demand before the relay says anything. */
export const ALL_LAYERS_MASK = (1 << SIMULCAST_LADDER.length) - 1;

/**
 * The layers a capture of `widthPx`×`heightPx` publishes: each ladder step whose short side the
 * capture reaches, scaled with the capture's aspect ratio (even sizes, as encoders want). A capture
 * smaller than the lowest step publishes one layer at its own size, at the lowest step's bitrate.
 */
export function simulcastLayers(widthPx: number, heightPx: number): LocalVideoLayer[] {
  const shortSide = Math.min(widthPx, heightPx);
  if (!(shortSide > 0)) return [];
  const layers: LocalVideoLayer[] = [];
  for (const step of SIMULCAST_LADDER) {
    if (shortSide < step.shortSidePx) break;
    const scale = step.shortSidePx / shortSide;
    layers.push({
      layer: layers.length,
      widthPx: evenAtLeast2(widthPx * scale),
      heightPx: evenAtLeast2(heightPx * scale),
      bitrateBps: step.bitrateBps,
    });
  }
  if (layers.length === 0) {
    const lowest = SIMULCAST_LADDER[0]!;
    layers.push({
      layer: 0,
      widthPx: evenAtLeast2(widthPx),
      heightPx: evenAtLeast2(heightPx),
      bitrateBps: lowest.bitrateBps,
    });
  }
  return layers;
}

/** One layer at the capture's own size: a track published without simulcast. */
export function singleLayer(widthPx: number, heightPx: number, bitrateBps: number): LocalVideoLayer[] {
  if (!(widthPx > 0 && heightPx > 0)) return [];
  return [{ layer: 0, widthPx: Math.round(widthPx), heightPx: Math.round(heightPx), bitrateBps }];
}

function evenAtLeast2(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}
