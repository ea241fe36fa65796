/**
 * One load process of the idle benchmark: `count` participants that join meetings of `roomSize`
 * and send nothing but pongs, held until the orchestrator writes `leave` on stdin (or closes it).
 *
 *   deno run --config deno.json -A bench/large-meeting/idle-bots.ts <url> <process> <count> <roomSize> <concurrency> <transport>
 *
 * stdout, JSON lines: `joined` (everyone welcomed), `result` (join times, disconnects).
 */
import type { TransportPreference } from "@videocall/client";
import { LoadJoinError, RELAY_BENCH_MEDIA, runLoad } from "../../packages/cli/src/load/mod.ts";

const [url, processIndex, count, roomSize, concurrency, transport] = Deno.args;
const leave = new AbortController();
const emit = (event: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ event, ...fields }));

(async () => {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of lines) if (chunk.includes("leave")) break;
  leave.abort();
})();

try {
  const result = await runLoad({
    serverUrls: [url as string],
    participants: Number(count),
    roomSize: Number(roomSize),
    publishersPerRoom: 0,
    meetingIdOf: (room) => `idle-${processIndex}-${room}`,
    usernameOf: (index) => `idle-${processIndex}-${index}`,
    transport: transport as TransportPreference,
    media: RELAY_BENCH_MEDIA,
    warmupSeconds: 0.001,
    // Held until the orchestrator says leave (the signal ends the window early).
    windowSeconds: 24 * 3600,
    drainSeconds: 0.001,
    joinConcurrency: Number(concurrency),
    connectTimeoutMs: 120_000,
    signal: leave.signal,
    onPhase: (phase) => {
      if (phase === "connected") emit("joined");
    },
  });
  emit("result", {
    participants: result.participants,
    joinMs: result.joinMs,
    disconnects: result.disconnects,
  });
} catch (error) {
  console.error(error instanceof LoadJoinError ? error.message : error);
  Deno.exit(1);
}
Deno.exit(0);
