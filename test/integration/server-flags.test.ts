/** The server's command line: --help lists every flag with its env and default; bad values exit 2. */
import { assert, assertEquals } from "../fixtures/assert.ts";

const MAIN = new URL("../../packages/server/src/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

async function runServer(args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      CONFIG,
      "--unstable-net",
      "-A",
      MAIN,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      ...args,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
}

const LIMIT_FLAGS: Array<[flag: string, env: string, fallback: string]> = [
  ["--max-connections-per-ip", "MAX_CONNECTIONS_PER_IP", "32"],
  ["--max-participants-per-meeting", "MAX_PARTICIPANTS_PER_MEETING", "500"],
  ["--max-meetings", "MAX_MEETINGS", "5000"],
  ["--max-packets-per-second", "MAX_PACKETS_PER_SECOND", "500"],
  ["--max-bytes-per-second", "MAX_BYTES_PER_SECOND", "2500000"],
  ["--handshake-timeout-ms", "HANDSHAKE_TIMEOUT_MS", "10000"],
  ["--max-webtransport-streams", "MAX_WEBTRANSPORT_STREAMS", "4"],
  ["--max-packet-bytes", "MAX_PACKET_BYTES", "1048576"],
  ["--max-queued-bytes-per-subscriber", "MAX_QUEUED_BYTES_PER_SUBSCRIBER", "8388608"],
  ["--max-queued-bytes", "MAX_QUEUED_BYTES", "536870912"],
];

Deno.test("--help lists every flag with its env variable and default, the limits among them", async () => {
  const { code, stdout } = await runServer(["--help"]);
  assertEquals(code, 0);
  const lines = stdout.split("\n");
  for (const [flag, env, fallback] of [
    ["--port", "PORT", "8080"],
    ["--heartbeat-timeout-ms", "HEARTBEAT_TIMEOUT_MS", "15000"],
    ...LIMIT_FLAGS,
  ] as const) {
    const line = lines.find((l) => l.trimStart().startsWith(`${flag} `));
    assert(line, `${flag} is listed:\n${stdout}`);
    assert(line.includes(`default: ${fallback}`) && line.includes(`env: ${env}`), line);
  }
  for (const flag of ["--host", "--web-root", "--webtransport-port", "--webtransport-public-port"]) {
    assert(stdout.includes(flag), `${flag} is listed`);
  }
  for (const env of [
    "WEBTRANSPORT=off",
    "TLS_CERT_FILE",
    "TLS_KEY_FILE",
    "NATS_URL",
    "PUBLIC_URL",
    "NODE_ID",
  ]) {
    assert(stdout.includes(env), `${env} is listed`);
  }
});

Deno.test("a bad limit value, from a flag or from the env, exits 2 and names the flag", async () => {
  const fromFlag = await runServer(["--max-meetings", "-1"]);
  assertEquals(fromFlag.code, 2);
  assert(
    fromFlag.stderr.includes('--max-meetings must be an integer in 1..10000000, got "-1"'),
    fromFlag.stderr,
  );
  assert(fromFlag.stderr.includes("Usage:"), "the help follows the error");
  const fromEnv = await runServer([], { MAX_PACKET_BYTES: "99999999" });
  assertEquals(fromEnv.code, 2);
  assert(fromEnv.stderr.includes("from env 'MAX_PACKET_BYTES'"), fromEnv.stderr);
  assert(fromEnv.stderr.includes("--max-packet-bytes must be an integer in 1024..16777216"), fromEnv.stderr);
  const unknown = await runServer(["--max-meeting", "3"]);
  assertEquals(unknown.code, 2);
  assert(unknown.stderr.includes("unknown option '--max-meeting'"), unknown.stderr);
  const port = await runServer(["--port", "x"]);
  assertEquals(port.code, 2);
  assert(port.stderr.includes('--port must be an integer in 0..65535, got "x"'), port.stderr);
});
