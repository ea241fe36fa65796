/** `videocall bots`: twenty participants on loopback lose nothing. */
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
      ok(report.latencyP50Ms! > 0 && report.latencyP99Ms! >= report.latencyP50Ms!);
      ok(report.joinP50Ms! > 0 && report.joinMaxMs! >= report.joinP50Ms!);
    } finally {
      await server.stop();
    }
  },
);
