/** One simulcast rendition as the relay weighs it (TrackInfo.layers, checked by trackStateProblem). */
export interface LayerOffer {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly bitrateBps: number;
}

/** One simulcast track a subscriber receives, and what it asked of it. */
export interface LayerWish {
  /** The track's layers, lowest first (index = layer). */
  readonly layers: readonly LayerOffer[];
  /** Highest layer allowed (TrackSubscription.max_layer; no cap: a large number). */
  readonly maxLayer: number;
  /** The tile the subscriber shows it in, device pixels; 0 = not said. */
  readonly tileWidthPx: number;
  readonly tileHeightPx: number;
}

/**
 * The layer a tile asks for: the highest whose size does not exceed the tile (an unsaid side does
 * not limit), never above `maxLayer`; layer 0 when even it is larger than the tile.
 */
export function layerForTile(wish: LayerWish): number {
  const top = Math.min(wish.layers.length - 1, wish.maxLayer);
  let chosen = 0;
  for (let layer = 1; layer <= top; layer++) {
    const offer = wish.layers[layer]!;
    const fitsWidth = wish.tileWidthPx === 0 || offer.widthPx <= wish.tileWidthPx;
    const fitsHeight = wish.tileHeightPx === 0 || offer.heightPx <= wish.tileHeightPx;
    if (fitsWidth && fitsHeight) chosen = layer;
  }
  return chosen;
}

/**
 * Picks one layer per track for one subscriber: each track's tile layer (`layerForTile`), lowered
 * until the chosen layers' bitrates together fit `budgetBps`. Layer 0 of every track is always
 * allowed, whatever the budget (a frozen tile is worse than a blurry one). Upgrades go round the
 * tracks one layer at a time, so a tight budget is shared rather than spent on the first track.
 * Writes the layers into `out` (same order as `wishes`).
 */
export function chooseLayers(wishes: readonly LayerWish[], budgetBps: number, out: number[]): void {
  out.length = wishes.length;
  let spentBps = 0;
  for (let i = 0; i < wishes.length; i++) {
    out[i] = 0;
    spentBps += wishes[i]!.layers[0]!.bitrateBps;
  }
  let raised = true;
  while (raised) {
    raised = false;
    for (let i = 0; i < wishes.length; i++) {
      const wish = wishes[i]!;
      const current = out[i]!;
      if (current >= layerForTile(wish)) continue;
      const extraBps = wish.layers[current + 1]!.bitrateBps - wish.layers[current]!.bitrateBps;
      if (spentBps + extraBps > budgetBps) continue;
      out[i] = current + 1;
      spentBps += extraBps;
      raised = true;
    }
  }
}
