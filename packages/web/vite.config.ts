import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { workspaceAliases } from "./workspace-aliases.ts";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Preact through Vite's own JSX transform (Oxc), not @preact/preset-vite: see ARCHITECTURE.md.
export default defineConfig({
  root: source("."),
  base: "/",
  resolve: { alias: workspaceAliases() },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  worker: { format: "es" },
  build: {
    outDir: source("dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // The app only. The glass-to-glass benchmark builds its own page (bench/glass-to-glass/page).
    rollupOptions: { input: { main: source("index.html") } },
  },
  server: {
    proxy: { "/lobby": { target: "ws://localhost:8080", ws: true } },
  },
});
