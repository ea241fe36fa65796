#!/usr/bin/env node
// Runs the videocall CLI (Deno TypeScript) with the Deno binary from node_modules, so that
// `npx videocall …` works in the repository after `npm install`. Signals go to the child, whose
// exit code becomes ours.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));

function denoPath() {
  if (process.env.DENO_BIN) return process.env.DENO_BIN;
  try {
    const packageDir = dirname(createRequire(import.meta.url).resolve("deno/package.json"));
    for (const name of ["deno", "deno.exe"]) {
      if (existsSync(join(packageDir, name))) return join(packageDir, name);
    }
  } catch {
    // not installed through npm: use the one on PATH
  }
  return "deno";
}

const child = spawn(
  denoPath(),
  [
    "run",
    "--quiet",
    "--config",
    join(root, "deno.json"),
    "--unstable-net",
    "-A",
    join(root, "packages/cli/src/main.ts"),
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
child.on("error", (error) => {
  console.error(`error: cannot start Deno (${error.message}); run npm install, or set DENO_BIN`);
  process.exit(1);
});
// Ctrl-C reaches the whole process group; the child handles it and we wait for its exit.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
