import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The workspace packages ship TypeScript sources; alias them so Vite compiles them with the app.
export default defineConfig({
  root: source("."),
  base: "/",
  resolve: {
    alias: [
      { find: "@videocall/client/media", replacement: source("../client/src/media/mod.ts") },
      { find: "@videocall/client", replacement: source("../client/src/mod.ts") },
      { find: "@videocall/protocol", replacement: source("../protocol/src/mod.ts") },
    ],
  },
  worker: { format: "es" },
  build: {
    outDir: source("dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // bench.html: the glass-to-glass benchmark's page (bench/glass-to-glass), built with the app.
    rollupOptions: { input: { main: source("index.html"), bench: source("bench.html") } },
  },
  server: {
    proxy: { "/lobby": { target: "ws://localhost:8080", ws: true } },
  },
});
