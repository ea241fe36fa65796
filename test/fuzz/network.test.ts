import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";
import { generousLimitFlags } from "./limit-flags.ts";
import { runNetworkFuzz } from "./network-fuzzer.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261201);
/** The issue asks for 100,000; the time cap keeps a slow machine's `npm test` bounded (the report says how many ran). */
const INPUTS = Number(Deno.env.get("FUZZ_NETWORK_INPUTS") ?? 100_000);
const MAX_DURATION_MS = Number(Deno.env.get("FUZZ_NETWORK_MS") ?? 40_000);
/**
 * What a hostile client may be told: normal (its Leave), unsupported, bad payload, policy, too big,
 * rate limits; and -1, no code at all, for a WebSocket that was still sending when the server
 * closed it (Deno then drops the connection without finishing the close handshake).
 */
const EXPECTED_CLOSE_CODES = new Set([-1, 1000, 1003, 1007, 1008, 1009, 4006, 4007]);

Deno.test(`attackers fuzzing a real relay over WebSocket and WebTransport (seed ${SEED}) crash nothing and cost an honest watcher no frame`, async () => {
  const server = await startServer({ extraArgs: await generousLimitFlags() });
  try {
    const report = await runNetworkFuzz({
      serverUrl: server.url,
      serverPid: server.pid,
      seed: SEED,
      inputs: INPUTS,
      maxDurationMs: MAX_DURATION_MS,
    });
    console.log(`network: ${JSON.stringify(report)}`);
    assertEquals(report.healthzStatus, 200, "the server is alive");
    const serverErrors = server
      .output()
      .split("\n")
      .filter((line) => /"level":(50|60)/.test(line));
    assertEquals(serverErrors, [], "the server logged no error");
    assertEquals(report.serverInternalErrors, 0, "no exception was caught by the server's guards");
    assertEquals(report.honestProblems, []);
    assert(report.honestFramesSent > 100, `only ${report.honestFramesSent} honest frames`);
    for (const [transport, codes] of Object.entries(report.closeCodes)) {
      for (const code of Object.keys(codes).map(Number)) {
        assert(EXPECTED_CLOSE_CODES.has(code), `a ${transport} attacker was closed with ${code}`);
      }
    }
    // Both transports, both WebTransport modes, carried inputs and got bad-input closes.
    assert(
      report.inputs.websocket > 1000 && report.inputs.webtransport > 1000,
      JSON.stringify(report.inputs),
    );
    assert(report.sent.webtransportDatagram > 1000 && report.sent.webtransportStream > 1000);
    assert((report.closeCodes.webtransport[1007] ?? 0) > 10, "malformed packets were refused with 1007");
    assert((report.serverBadInput.malformed ?? 0) > 100, "the server counted the malformed packets");
  } finally {
    await server.stop();
  }
});
