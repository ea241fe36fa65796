/**
 * The relay benchmark's load process: the shared load generator (packages/cli/src/load, the same
 * one `videocall bots` runs) with the benchmark's load, in a process of its own so the
 * orchestrator can sample the relay's CPU apart from it. N WebSocket participants in meetings of
 * `--room-size`, each publishing 30 video packets/s (~1.2 KB) and 50 audio packets/s (160 B). With
 * several relay URLs (`--url a,b`, nodes linked by NATS) member i of each meeting joins URL i mod
 * n, so every meeting spans every node. It prints JSON-line events the orchestrator acts on:
 * `connected`, `measuring` (window start: the orchestrator samples server CPU), `measured`
 * (window end), `result` (the generator's LoadResult).
 */
import { parseArgs } from "node:util";
import { LoadJoinError, RELAY_BENCH_MEDIA, runLoad } from "../../packages/cli/src/load/mod.ts";
import { exitWhenStdinCloses } from "./child-process.ts";

const USAGE = `deno run --config deno.json -A bench/relay/load-clients.ts --url http://127.0.0.1:PORT[,http://…] [options]
  --url <list>           relay URL(s), comma-separated: member i of each meeting joins URL i mod n,
                         so with several relay nodes every meeting spans them all
  --participants <n>     participants (default 50)
  --room-size <n>        participants per meeting (default 10)
  --warmup-seconds <s>   sending before the window (default 2)
  --seconds <s>          measuring window (default 10)
  --drain-seconds <s>    wait for in-flight packets after the window (default 3)`;

const CONNECT_TIMEOUT_MS = 30_000;

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`error: ${name} must be a positive number, got "${raw}"\n${USAGE}`);
    Deno.exit(2);
  }
  return value;
}

function emit(event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, ...fields }));
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    url: { type: "string" },
    participants: { type: "string" },
    "room-size": { type: "string" },
    "warmup-seconds": { type: "string" },
    seconds: { type: "string" },
    "drain-seconds": { type: "string" },
    "exit-with-parent": { type: "boolean" },
  },
  strict: true,
});
if (!values.url) {
  console.error(`error: --url is required\n${USAGE}`);
  Deno.exit(2);
}
exitWhenStdinCloses();
const participants = Math.floor(positiveNumber("--participants", values.participants, 50));
const roomSize = Math.floor(positiveNumber("--room-size", values["room-size"], 10));
const warmupSeconds =
  values["warmup-seconds"] === "0" ? 0 : positiveNumber("--warmup-seconds", values["warmup-seconds"], 2);
const serverUrls = values.url.split(",").map((url) => url.trim());
if (serverUrls.some((url) => !/^(https?|wss?):\/\//.test(url))) {
  console.error(`error: --url takes http(s):// or ws(s):// URLs, got "${values.url}"\n${USAGE}`);
  Deno.exit(2);
}

const connectTimer = setTimeout(() => {
  console.error(`not all ${participants} participants connected within ${CONNECT_TIMEOUT_MS} ms`);
  Deno.exit(1);
}, CONNECT_TIMEOUT_MS);
try {
  const result = await runLoad({
    serverUrls,
    participants,
    roomSize,
    meetingIdOf: (room) => `bench-room-${room}`,
    usernameOf: (index) => `p${index}`,
    transport: "websocket",
    media: RELAY_BENCH_MEDIA,
    warmupSeconds,
    windowSeconds: positiveNumber("--seconds", values.seconds, 10),
    drainSeconds: positiveNumber("--drain-seconds", values["drain-seconds"], 3),
    // Everyone at once: the benchmark measures forwarding, not joining.
    joinConcurrency: participants,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    onPhase: (phase) => {
      if (phase === "connected") {
        clearTimeout(connectTimer);
        emit("connected", { participants, rooms: Math.ceil(participants / roomSize) });
      } else emit(phase);
    },
    onDisconnect: (index, code, reason) => {
      console.error(`participant ${index} disconnected: ${code} ${reason}`);
      Deno.exit(1);
    },
  });
  const { perParticipant: _perParticipant, ...totals } = result;
  emit("result", totals);
} catch (error) {
  console.error(error instanceof LoadJoinError ? error.message : error);
  Deno.exit(1);
}
Deno.exit(0);
