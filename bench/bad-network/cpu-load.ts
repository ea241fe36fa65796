/**
 * The bench's CPU-contention profile: one busy-looping Deno process per core (2 on the team's
 * machines), started before the window and killed after it, so the browsers, the encoders and the
 * relay compete for the cores as on a busy laptop. Each process spins on `Date.now()` in an empty
 * loop: pure CPU, no memory, no I/O.
 */
const DENO = Deno.execPath();
const SPIN_SOURCE = "for (;;) { Date.now(); }";

export interface CpuLoad {
  /** The spinning processes' ids, for the report. */
  readonly pids: readonly number[];
  /** Kills every spinner and waits for it to exit. */
  stop(): Promise<void>;
}

export function startCpuLoad(processes: number = navigator.hardwareConcurrency || 2): CpuLoad {
  const children: Deno.ChildProcess[] = [];
  for (let index = 0; index < processes; index++) {
    children.push(
      new Deno.Command(DENO, {
        args: ["eval", SPIN_SOURCE],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
  }
  return {
    pids: children.map((child) => child.pid),
    async stop() {
      for (const child of children) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already exited
        }
      }
      await Promise.all(children.map((child) => child.status));
    },
  };
}

/** CPU time (user + system) a process has used, in clock ticks, from /proc/PID/stat; undefined once gone. */
export async function cpuTicksOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}
