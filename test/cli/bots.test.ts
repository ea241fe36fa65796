/** `videocall bots`: twenty participants on loopback lose nothing; latency percentiles come from real deliveries. */
import { ok, strictEqual } from "node:assert/strict";
import { startServer } from "../fixtures/server.ts";
import { runCli } from "./cli.ts";

const TEST_OPTIONS = { sanitizeOps: false, sanitizeResources: false } as const;

Deno.test(
  "20 bots, 2 publishing for 3 s: every packet delivered, latency and join times reported",
  TEST_OPTIONS,
  async () => {
    // 20 bots from 127.0.0.1, each racing WebTransport against WebSocket while it joins: over the
    // default 32 connections per IP at moments.
    const server = await startServer({ extraArgs: ["--max-connections-per-ip", "200"] });
    try {
      const result = await runCli([
        ...["bots", "--url", server.url, "--meeting-id", "load", "--count", "20", "--publishers", "2"],
        ...["--seconds", "3", "--json"],
      ]);
      strictEqual(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Record<string, number>;
      strictEqual(report.bots, 20);
      ok(report.packetsSent! > 2 * 3 * 70, `sent ${report.packetsSent}`);
      strictEqual(report.packetsExpected, report.packetsSent! * 19);
      strictEqual(report.packetsDelivered, report.packetsExpected, result.stdout);
      strictEqual(report.lossPercent, 0);
      // Percentiles of the delivered samples: positive, ordered, and within the run's length.
      ok(report.latencyP50Ms! > 0, `p50 ${report.latencyP50Ms}`);
      ok(
        report.latencyP99Ms! >= report.latencyP50Ms!,
        `p99 ${report.latencyP99Ms} < p50 ${report.latencyP50Ms}`,
      );
      ok(report.latencyP99Ms! < 10_000, `p99 ${report.latencyP99Ms} ms is longer than the run`);
      ok(report.joinP50Ms! > 0 && report.joinMaxMs! >= report.joinP50Ms!);
    } finally {
      await server.stop();
    }
  },
);

Deno.test(
  "bots without publishers: nothing sent, nothing delivered, and no latency percentiles invented",
  TEST_OPTIONS,
  async () => {
    const server = await startServer();
    try {
      const result = await runCli([
        ...["bots", "--url", server.url, "--meeting-id", "quiet", "--count", "3", "--publishers", "0"],
        ...["--seconds", "1", "--json"],
      ]);
      strictEqual(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as Record<string, number>;
      strictEqual(report.bots, 3);
      strictEqual(report.packetsSent, 0);
      strictEqual(report.packetsDelivered, 0);
      strictEqual(report.lossPercent, 0);
      ok(!("latencyP50Ms" in report) && !("latencyP99Ms" in report), result.stdout);
      const text = await runCli([
        ...["bots", "--url", server.url, "--meeting-id", "quiet", "--count", "2", "--publishers", "0"],
        ...["--seconds", "1"],
      ]);
      strictEqual(text.code, 0, text.stderr);
      ok(text.stdout.includes("latency (capture → receive): no packets delivered"), text.stdout);
    } finally {
      await server.stop();
    }
  },
);

Deno.test(
  "bots refused by the per-IP limit name the flag to raise; no server at the URL is said plainly",
  TEST_OPTIONS,
  async () => {
    const server = await startServer({ extraArgs: ["--max-connections-per-ip", "2"] });
    try {
      const refused = await runCli([
        ...["bots", "--url", server.url, "--meeting-id", "full", "--count", "5", "--publishers", "1"],
        ...["--seconds", "1", "--transport", "websocket"],
      ]);
      ok(refused.code !== 0, refused.stdout);
      ok(refused.stderr.includes("--max-connections-per-ip"), refused.stderr);
    } finally {
      await server.stop();
    }
    const nobody = await runCli([
      ...["bots", "--url", server.url, "--meeting-id", "gone", "--count", "2", "--seconds", "1"],
    ]);
    ok(nobody.code !== 0, nobody.stdout);
    ok(nobody.stderr.includes("cannot reach the server"), nobody.stderr);
  },
);
