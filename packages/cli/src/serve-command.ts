/** `videocall serve`: the relay server, as `npm start` runs it, with the flags passed through. */
import { fileURLToPath } from "node:url";

const SERVER_MAIN = fileURLToPath(new URL("../../server/src/main.ts", import.meta.url));
const DENO_CONFIG = fileURLToPath(new URL("../../../deno.json", import.meta.url));

export async function runServe(args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...[
        "run",
        "--config",
        DENO_CONFIG,
        "--unstable-net",
        "--allow-net",
        "--allow-read",
        // The TCP front keeps its private Unix socket in a temporary directory.
        "--allow-write",
        "--allow-env",
        "--allow-sys",
      ],
      SERVER_MAIN,
      ...args,
    ],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // The server drains on SIGINT/SIGTERM itself; we pass SIGTERM on and wait (Ctrl-C reaches it directly).
  const forward = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
  };
  const ignore = () => {};
  Deno.addSignalListener("SIGTERM", forward);
  Deno.addSignalListener("SIGINT", ignore);
  const status = await child.status;
  Deno.removeSignalListener("SIGTERM", forward);
  Deno.removeSignalListener("SIGINT", ignore);
  return status.code;
}
