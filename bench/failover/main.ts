/**
 * Failover time: a publisher's relay node is killed with SIGKILL, again and again; how long until
 * its frames reach a viewer on the other node again (the publisher rejoins the surviving node by
 * itself). Real nats-server, real relay processes, client-library participants.
 *
 *   deno run --config deno.json -A --unstable-net bench/failover/main.ts [--kills 12]
 */
import { parseArgs } from "node:util";
import type { MeetingSession } from "@videocall/client";
import { histogramOfMs } from "../../packages/cli/src/load/latency-histogram.ts";
import { startNats } from "../../test/fixtures/nats.ts";
import type { TestServer } from "../../test/fixtures/server.ts";
import { waitFor } from "../../test/fixtures/wait.ts";
import {
  FrameLog,
  joinAsPublisher,
  sendFramesEvery,
  startRelayNode,
} from "../../test/multinode/relay-nodes.ts";

const { values } = parseArgs({ args: Deno.args, options: { kills: { type: "string", default: "12" } } });
const kills = Number(values.kills);

async function measure(transport: "websocket" | "webtransport"): Promise<number[]> {
  const nats = await startNats();
  let generation = 0;
  const start = () => startRelayNode(nats.urls, `node-${generation++}`);
  // nodes[0] hosts the viewer and is never killed; the publisher is on nodes[1] or nodes[2].
  const nodes: TestServer[] = [await start(), await start(), await start()];
  const failoverMs: number[] = [];
  const viewer = await joinAsPublisher(nodes[0]!, "viewer", "bench", { transport });
  try {
    for (let kill = 0; kill < kills; kill++) {
      const victimIndex = 1 + (kill % 2);
      const victim = nodes[victimIndex]!;
      const publisher: MeetingSession = await joinAsPublisher(victim, "publisher", "bench", { transport });
      await waitFor("the viewer to see the publisher", () => viewer.participants.size >= 1, 10_000);
      const log = new FrameLog(viewer, () => publisher.sessionId);
      const sender = sendFramesEvery(publisher, 20);
      await waitFor("frames to flow", () => log.count > 10, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // its node list arrives after the join
      // Frames in flight at the kill still arrive: count only frames from the publisher's next session.
      const oldSessionId = publisher.sessionId;
      let resumedAtMs = 0;
      const off = viewer.events.on("media", (from) => {
        if (resumedAtMs === 0 && from === publisher.sessionId && from !== oldSessionId) {
          resumedAtMs = performance.now();
        }
      });
      const killedAtMs = performance.now();
      await victim.kill("SIGKILL");
      await waitFor("frames to resume", () => resumedAtMs > 0, 15_000);
      off();
      failoverMs.push(resumedAtMs - killedAtMs);
      console.error(`${transport} kill ${kill + 1}: ${Math.round(failoverMs.at(-1)!)} ms`);
      sender.stop();
      log.stop();
      await publisher.leave();
      nodes[victimIndex] = await start();
      // The dead node's participants linger until it is declared lost (3 s): wait them out.
      await waitFor("the viewer to see nobody", () => viewer.participants.size === 0, 10_000);
    }
  } finally {
    await viewer.leave().catch(() => {});
    for (const node of nodes) await node.stop().catch(() => {});
    await nats.stop();
  }
  return failoverMs;
}

const results: Record<string, number[]> = {};
for (const transport of ["websocket", "webtransport"] as const) results[transport] = await measure(transport);
console.log(
  `\nFailover after SIGKILL of the publisher's node (${kills} kills each; time to the next frame at the viewer)`,
);
console.log("transport      p50 ms  p95 ms  max ms");
for (const [transport, samples] of Object.entries(results)) {
  const histogram = histogramOfMs(samples);
  const row = [histogram.percentileMs(0.5), histogram.percentileMs(0.95), histogram.maxMs].map(
    (v = Number.NaN) => String(Math.round(v)).padStart(6),
  );
  console.log(`${transport.padEnd(13)} ${row.join("  ")}`);
}
