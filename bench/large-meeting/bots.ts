/**
 * One load process of the large-meeting benchmark: a share of the meeting's bots
 * (packages/cli/src/load/meeting-bots.ts), driven by the orchestrator over stdin and stdout.
 *
 *   deno run --config deno.json -A bench/large-meeting/bots.ts '<BotsProcessConfig as JSON>'
 *
 * stdout, JSON lines: `joined` (every bot welcomed; join times), `result` (MeetingBotsResult).
 * stdin, JSON lines: `{"cmd":"measure","startUs":…,"endUs":…,"drainMs":…}` sends and counts over
 * that wall-clock window; `{"cmd":"leave"}` leaves. The process exits when stdin closes, so it
 * dies with the orchestrator.
 */
import { MeetingBots, type MeetingBotsOptions } from "../../packages/cli/src/load/mod.ts";

export type BotsProcessConfig = Omit<MeetingBotsOptions, "onDisconnect">;

interface Command {
  cmd: "measure" | "leave";
  startUs?: number;
  endUs?: number;
  drainMs?: number;
}

function emit(event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, ...fields }));
}

const config = JSON.parse(Deno.args[0] ?? "") as BotsProcessConfig;
const bots = new MeetingBots({
  ...config,
  onDisconnect: (bot, code, reason) => console.error(`bot ${bot.index} disconnected: ${code} ${reason}`),
});

async function* commands(): AsyncGenerator<Command> {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let pending = "";
  for await (const chunk of lines) {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) if (line.trim()) yield JSON.parse(line) as Command;
  }
}

try {
  await bots.join();
  emit("joined", { bots: config.bots.length, missingPublishers: bots.missingPublishers() });
  for await (const command of commands()) {
    if (command.cmd === "measure") {
      const result = await bots.measure(
        { startUs: command.startUs as number, endUs: command.endUs as number },
        command.drainMs ?? 2000,
      );
      emit("result", result as unknown as Record<string, unknown>);
    } else if (command.cmd === "leave") {
      await bots.leave();
      emit("left");
    }
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  Deno.exit(1);
}
// stdin closed: the orchestrator is gone or done.
Deno.exit(0);
