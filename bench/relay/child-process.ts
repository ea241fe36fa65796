/**
 * The benchmark's processes: the orchestrator spawns servers and the load generator with these
 * helpers and reads their JSON-line events; the children use `exitWhenStdinCloses` so that they
 * die with the orchestrator even if it is killed with SIGKILL and cannot clean up.
 */

/** Flag the orchestrator passes to children it owns; see `exitWhenStdinCloses`. */
export const EXIT_WITH_PARENT_FLAG = "--exit-with-parent";

/** In a child started with EXIT_WITH_PARENT_FLAG: exits when the parent's end of stdin closes. */
export function exitWhenStdinCloses(): void {
  if (!Deno.args.includes(EXIT_WITH_PARENT_FLAG)) return;
  (async () => {
    const buffer = new Uint8Array(64);
    try {
      while ((await Deno.stdin.read(buffer)) !== null) {
        // the parent never writes; reading only waits for EOF
      }
    } finally {
      Deno.exit(0);
    }
  })();
}

/** A JSON line a child printed on stdout, e.g. `{"event":"listening","port":1234}`. */
export type ChildEvent = { event: string } & Record<string, unknown>;

const STDERR_TAIL_CHARS = 4000;
const STDERR_HEAD_CHARS = 8000;
const STOP_GRACE_MS = 3000;

/** Every child still running, so a signal or an error can stop them all. */
const running = new Set<BenchChild>();

/**
 * util-linux's `setpriv --pdeathsig KILL -- cmd` execs `cmd` (same pid) with PR_SET_PDEATHSIG
 * set, so a child that cannot watch its stdin (nats-server, our server's strict CLI) still dies
 * if the orchestrator is killed with SIGKILL. Without setpriv such children rely on `stop()`.
 */
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});

export interface BenchChildOptions {
  cwd: string;
  /** The child understands EXIT_WITH_PARENT_FLAG (our server's strict CLI does not). */
  exitWithParent: boolean;
  /** The executable; default Deno (`Deno.execPath()`). */
  command?: string;
}

/** A child process whose stdout is JSON lines; stderr is kept (its tail) for error messages. */
export class BenchChild {
  readonly name: string;
  readonly pid: number;
  readonly #process: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #events: ChildEvent[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #pumps: Promise<void>;
  #stderrTail = "";
  #stderrHead = "";
  #exited: Deno.CommandStatus | undefined;

  constructor(name: string, args: string[], options: BenchChildOptions) {
    this.name = name;
    const command = options.command ?? Deno.execPath();
    const ownArgs = options.exitWithParent ? [...args, EXIT_WITH_PARENT_FLAG] : args;
    const wrap = !options.exitWithParent && SETPRIV !== undefined;
    this.#process = new Deno.Command(wrap ? (SETPRIV as string) : command, {
      args: wrap ? ["--pdeathsig", "KILL", "--", command, ...ownArgs] : ownArgs,
      cwd: options.cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { LOG_LEVEL: "warn", NO_COLOR: "1" },
    }).spawn();
    this.pid = this.#process.pid;
    this.#stdin = this.#process.stdin.getWriter();
    running.add(this);
    this.#pumps = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
    this.#process.status.then((status) => {
      this.#exited = status;
      running.delete(this);
      this.#wake();
    });
  }

  /** Waits for the next event named `event` (events seen earlier count), or fails on exit or timeout. */
  waitFor(event: string, timeoutMs: number): Promise<ChildEvent> {
    return this.#waitUntil(`"${event}"`, timeoutMs, () => {
      const index = this.#events.findIndex((e) => e.event === event);
      return index >= 0 ? (this.#events.splice(index, 1)[0] as ChildEvent) : undefined;
    });
  }

  /**
   * For children that log text rather than JSON events (nats-server): waits until `pattern`
   * matches stderr so far (its first STDERR_HEAD_CHARS), returns the match.
   */
  waitForStderr(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return this.#waitUntil(
      `${pattern} on stderr`,
      timeoutMs,
      () => this.#stderrHead.match(pattern) ?? undefined,
    );
  }

  async #waitUntil<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    const deadlineMs = performance.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (this.#exited) {
        throw new Error(
          `${this.name} exited (code ${this.#exited.code}) before ${what}:\n${this.#stderrTail}`,
        );
      }
      const leftMs = deadlineMs - performance.now();
      if (leftMs <= 0)
        throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms:\n${this.#stderrTail}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, leftMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** Writes one line to the child's stdin, for children that take commands there. */
  async writeLine(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
  async stop(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    if (!this.#exited) {
      try {
        this.#process.kill("SIGTERM");
      } catch {
        // exited meanwhile
      }
    }
    const killTimer = setTimeout(() => {
      try {
        this.#process.kill("SIGKILL");
      } catch {
        // exited meanwhile
      }
    }, STOP_GRACE_MS);
    await this.#process.status;
    clearTimeout(killTimer);
    await this.#pumps;
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  async #readStdout(): Promise<void> {
    const lines = this.#process.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter());
    for await (const line of lines) {
      if (!line.startsWith("{")) continue;
      try {
        const parsed = JSON.parse(line) as ChildEvent;
        if (typeof parsed.event === "string") {
          this.#events.push(parsed);
          this.#wake();
        }
      } catch {
        // a log line that merely starts with "{": not an event
      }
    }
  }

  async #readStderr(): Promise<void> {
    for await (const text of this.#process.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL_CHARS);
      if (this.#stderrHead.length < STDERR_HEAD_CHARS) {
        this.#stderrHead = (this.#stderrHead + text).slice(0, STDERR_HEAD_CHARS);
        this.#wake();
      }
    }
  }
}

/** Stops every child still running (on error or signal). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

function lineSplitter(): TransformStream<string, string> {
  let pending = "";
  return new TransformStream({
    transform(chunk, controller) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) controller.enqueue(line);
    },
    flush(controller) {
      if (pending) controller.enqueue(pending);
    },
  });
}

/** CPU time a process has used so far (all its threads), in seconds, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number, clockTicksPerSecond: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name (field 2) may contain spaces: fields after its closing parenthesis start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utimeTicks = Number(fields[14 - 3]);
  const stimeTicks = Number(fields[15 - 3]);
  return (utimeTicks + stimeTicks) / clockTicksPerSecond;
}

/** The kernel's USER_HZ (almost always 100). */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const { stdout, success } = await new Deno.Command("getconf", {
      args: ["CLK_TCK"],
      stdout: "piped",
    }).output();
    const value = Number(new TextDecoder().decode(stdout).trim());
    if (success && Number.isInteger(value) && value > 0) return value;
  } catch {
    // no getconf: fall through
  }
  return 100;
}
