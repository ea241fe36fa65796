import type { FrameTransformConfig } from "@videocall/client";

/**
 * What a site embedding this app may configure before the app's script runs, as
 * `window.videocallConfig = { frameTransform: { moduleUrl, options } }`. Read once per call; the page
 * never writes it. `frameTransform` runs on every frame we send and receive (E2EE plugs in here).
 */
export interface EmbeddingConfig {
  frameTransform?: FrameTransformConfig;
  /**
   * End-to-end encryption in passphrase mode (docs/e2ee.md) instead of key exchange, for sites
   * whose participants share a secret (and the CLI's `--e2ee-passphrase`). E2EE is then on.
   */
  e2eePassphrase?: string;
}

declare global {
  interface Window {
    videocallConfig?: EmbeddingConfig;
  }
}

export function embeddingConfig(): EmbeddingConfig {
  const config = typeof window === "undefined" ? undefined : window.videocallConfig;
  return typeof config === "object" && config !== null ? config : {};
}
