import { fileURLToPath } from "node:url";
import type { Alias } from "vite";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The workspace packages ship TypeScript sources: these aliases let Vite compile them with a page.
 * Shared by the app (vite.config.ts) and the glass-to-glass benchmark's page, which measures the
 * same client code the app runs.
 */
export function workspaceAliases(): Alias[] {
  return [
    { find: "@videocall/client/media", replacement: source("../client/src/media/mod.ts") },
    { find: "@videocall/client", replacement: source("../client/src/mod.ts") },
    { find: "@videocall/protocol", replacement: source("../protocol/src/mod.ts") },
  ];
}
