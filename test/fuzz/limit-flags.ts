import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../packages/server/src/main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/**
 * Limits generous enough that the fuzzers' attackers (many connections from 127.0.0.1, bursts of
 * packets) test the packet path rather than the rate limiter. Only the flags this server's --help
 * lists: an unknown flag stops the server.
 */
const GENEROUS: ReadonlyArray<[string, string]> = [
  ["--max-connections-per-ip", "1000"],
  ["--max-packets-per-second", "100000"],
  ["--max-bytes-per-second", "100000000"],
];

export async function generousLimitFlags(): Promise<string[]> {
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", CONFIG, "-A", MAIN, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(help.stdout) + new TextDecoder().decode(help.stderr);
  return GENEROUS.filter(([flag]) => text.includes(flag)).flat();
}
