import { fileURLToPath } from "node:url";

/** The repository root, with a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Helm from scripts/install-deploy-tools.sh (x86_64 Linux only). */
export const HELM = `${REPO_ROOT}node_modules/.cache/deploy-tools/helm`;
export const CHART = `${REPO_ROOT}deploy/helm/videocall`;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end and returns its exit code and output. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd ?? REPO_ROOT,
    ...(options.env ? { env: options.env } : {}),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** A tool the deploy tests need, or an error saying how to get it. */
export function requireTool(path: string, install: string): string {
  try {
    Deno.statSync(path);
    return path;
  } catch {
    throw new Error(`${path} is missing: ${install}`);
  }
}

export function hasHelm(): boolean {
  try {
    return Deno.statSync(HELM).isFile;
  } catch {
    return false;
  }
}
