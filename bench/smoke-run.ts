/**
 * Runs a benchmark end to end, tiny, for its smoke test: the benchmark writes its JSON results to
 * a temporary file (`--output`), which is returned parsed with what it printed. Fails with the
 * benchmark's output when it exits non-zero, so a smoke test only states what the figures must be.
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface SmokeRun<T> {
  results: T;
  /** stdout, where the benchmarks print their tables. */
  printed: string;
  /** stdout and stderr, to explain a failed check. */
  output: string;
}

export async function runBenchmarkTiny<T>(
  script: string,
  args: string[],
  timeoutMs: number,
): Promise<SmokeRun<T>> {
  const outputPath = await Deno.makeTempFile({ prefix: "bench-smoke-", suffix: ".json" });
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", "deno.json", "-A", "--unstable-net", script, ...args, "--output", outputPath],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
    const text = new TextDecoder();
    const printed = text.decode(stdout);
    const output = `${printed}\n${text.decode(stderr)}`;
    check(code === 0, `${script} exited with ${code}:\n${output}`);
    return { results: JSON.parse(await Deno.readTextFile(outputPath)) as T, printed, output };
  } finally {
    await Deno.remove(outputPath).catch(() => {});
  }
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
