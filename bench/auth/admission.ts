/**
 * Admission latency: how long a WebSocket join takes until its Welcome, with a room token and without one
 * (open guest mode), on the same server in the same run, alternating so load drifts hit both alike. Each join
 * runs the whole admission: token verification (HS256), the meeting's facts from the database (embedded
 * PGlite by default), then the Welcome. Prints median and p99 per kind and their ratio.
 *
 *   deno run --config deno.json -A --unstable-net bench/auth/admission.ts [--joins 200] [--database-url postgres://…]
 */

import { parseArgs } from "node:util";
import { joinMeeting } from "@videocall/client";
import { PARTICIPANT_GRANTS } from "../../packages/protocol/src/grants.ts";
import { mintRoomToken } from "../../packages/server/src/auth/room-token.ts";
import { startServer } from "../../test/fixtures/server.ts";

const { values } = parseArgs({
  options: { joins: { type: "string", default: "200" }, "database-url": { type: "string" } },
});
const joins = Number(values.joins);
const credentials = { apiKey: "bench-key", apiSecret: "bench-secret-of-at-least-32-bytes!!" };
const server = await startServer({
  extraArgs: [
    "--api-key",
    credentials.apiKey,
    "--api-secret",
    credentials.apiSecret,
    "--max-connections-per-ip",
    "100000",
    ...(values["database-url"] ? ["--database-url", values["database-url"]] : []),
  ],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

try {
  const timings = { token: [] as number[], open: [] as number[] };
  // Half the joins go to one existing meeting, half create a new one (an INSERT and the creator's role).
  for (let i = 0; i < joins * 2; i++) {
    const kind = i % 2 === 0 ? "token" : "open";
    const meetingId = i % 4 < 2 ? "bench" : `new${i}`;
    const token =
      kind === "token"
        ? await mintRoomToken(credentials, {
            identity: `user-${i}`,
            displayName: `user ${i}`,
            meetingId,
            grants: PARTICIPANT_GRANTS,
            ttlSeconds: 600,
          })
        : undefined;
    const started = performance.now();
    const session = await joinMeeting({
      serverUrl: server.url,
      username: `u${i}`,
      meetingId,
      transport: "websocket",
      reconnect: false,
      ...(token ? { token } : {}),
    });
    const ms = performance.now() - started;
    await session.leave();
    if (i >= 20) timings[kind].push(ms); // the first joins warm up both sides
  }
  const rows = Object.entries(timings).map(([kind, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { kind, joins: sorted.length, medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
  });
  for (const row of rows)
    console.log(
      `${row.kind.padEnd(6)} joins ${row.joins}  median ${row.medianMs.toFixed(2)} ms  p99 ${row.p99Ms.toFixed(2)} ms`,
    );
  const [withToken, open] = rows as [(typeof rows)[0], (typeof rows)[0]];
  console.log(
    `token / open: median ${(withToken.medianMs / open.medianMs).toFixed(2)}x, p99 ${(withToken.p99Ms / open.p99Ms).toFixed(2)}x`,
  );
  console.log(JSON.stringify({ bench: "admission", rows }));
} finally {
  await server.stop();
}
