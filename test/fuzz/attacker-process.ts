/**
 * A process running a group of network attackers (network-attackers.ts), so their traffic never
 * delays the honest clients' timers in the fuzzer's own process. A process rather than a Worker:
 * under `deno test` a Worker's modules are type-checked when it starts, which took half a minute
 * on a busy machine; `deno run` starts at once.
 *
 * Protocol, JSON lines: the first stdin line is the AttackerConfig; "stop" (or the end of stdin)
 * stops it. On stdout: {"type":"ready"}, then {"type":"progress","stats":...} every second, and
 * {"type":"done","stats":...} once stopped.
 */
import { type AttackerConfig, AttackerGroup, emptyStats } from "./network-attackers.ts";

function send(message: unknown): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${JSON.stringify(message)}\n`));
}

send({ type: "ready" });
let group: AttackerGroup | undefined;
const progress = setInterval(() => {
  if (group) send({ type: "progress", stats: group.stats() });
}, 1000);
let pending = "";
read: for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  pending += text;
  let newline = pending.indexOf("\n");
  while (newline >= 0) {
    const line = pending.slice(0, newline);
    pending = pending.slice(newline + 1);
    if (line === "stop") break read;
    if (!group) {
      group = new AttackerGroup(JSON.parse(line) as AttackerConfig);
      group.start();
    }
    newline = pending.indexOf("\n");
  }
}
clearInterval(progress);
send({ type: "done", stats: group ? await group.stop() : emptyStats() });
Deno.exit(0);
