/**
 * Just enough of a Dockerfile reader for test/deploy: the instructions of each stage, with line
 * continuations joined and JSON-array forms parsed. Not a general parser (no heredocs, no escapes).
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const space = line.indexOf(" ");
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args = space < 0 ? "" : line.slice(space + 1).trim();
    if (keyword === "FROM") {
      const [image, as, name] = args.split(/\s+/);
      const from = image!.replace(/^\$\{(\w+)\}$/, (_, arg: string) => globalArgs.get(arg) ?? "");
      stages.push({ from, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && keyword === "ARG") {
      const [name, value] = args.split("=");
      globalArgs.set(name!, value ?? "");
    } else stages.at(-1)?.instructions.push({ keyword, args });
  }
  return { globalArgs, stages };
}

/** ENV instructions of a stage (`KEY=value` pairs), in order. */
export function stageEnv(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== "ENV") continue;
    for (const [, key, value] of args.matchAll(/(\w+)=(\S*)/g)) env.set(key!, value!);
  }
  return env;
}

/** The JSON-array (exec) form of ENTRYPOINT, CMD or a HEALTHCHECK's CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf("["));
  return JSON.parse(json) as string[];
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}
