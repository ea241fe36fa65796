/**
 * The glass-to-glass benchmark's page (bench.html), built on its own by bench/glass-to-glass/main.ts,
 * so no bench code ships in the app (packages/web). Same client code and build settings as the app.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { workspaceAliases } from "../../../packages/web/workspace-aliases.ts";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: source("."),
  base: "/",
  resolve: { alias: workspaceAliases() },
  worker: { format: "es" },
  build: {
    outDir: source("dist"),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    rollupOptions: { input: { bench: source("bench.html") } },
  },
});
