/** Runs the videocall CLI as its own process, as `npx videocall` would (same Deno, same flags). */
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = `${ROOT}packages/cli/src/main.ts`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliCommand(args: string[], env?: Record<string, string>): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--config", `${ROOT}deno.json`, "--unstable-net", "-A", MAIN, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(env ? { env } : {}),
  });
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  const output = await cliCommand(args, env).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

export interface RunningCli {
  /** stderr so far. */
  log(): string;
  /** Resolves once stderr contains `text`. */
  waitForLog(text: string, timeoutMs: number): Promise<void>;
  /** Ctrl-C: SIGINT, then the exit. */
  interrupt(): Promise<CliResult>;
  done: Promise<CliResult>;
}

/** Starts a long-running CLI command (stream, receive) in the background. */
export function startCli(args: string[]): RunningCli {
  const child = cliCommand(args).spawn();
  let stdout = "";
  let stderr = "";
  const pump = async (stream: ReadableStream<Uint8Array>, append: (text: string) => void) => {
    const streamDecoder = new TextDecoder();
    for await (const chunk of stream) append(streamDecoder.decode(chunk, { stream: true }));
  };
  const pumps = Promise.all([
    pump(child.stdout, (t) => (stdout += t)),
    pump(child.stderr, (t) => (stderr += t)),
  ]);
  const done = (async () => {
    const status = await child.status;
    await pumps;
    return { code: status.code, stdout, stderr };
  })();
  return {
    log: () => stderr,
    async waitForLog(text, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (!stderr.includes(text)) {
        if (performance.now() > deadline)
          throw new Error(`CLI did not log "${text}" in ${timeoutMs} ms:\n${stderr}`);
        const exited = await Promise.race([done.then(() => true), delay(100).then(() => false)]);
        if (exited && !stderr.includes(text))
          throw new Error(`CLI exited before logging "${text}":\n${stderr}`);
      }
    },
    async interrupt() {
      try {
        child.kill("SIGINT");
      } catch {
        // already exited
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already exited
        }
      }, 10_000);
      const result = await done;
      clearTimeout(timer);
      return result;
    },
    done,
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
