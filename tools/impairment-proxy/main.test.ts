import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../test/fixtures/wait.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

function impair(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", CONFIG, "--unstable-net", "--allow-net", "--allow-read", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("npm run impair: listens, prints its ports, steps through profiles over HTTP, counts, stops on SIGTERM", async () => {
  const echo = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  (async () => {
    for (;;) {
      const [data, from] = await echo.receive();
      await echo.send(data, from);
    }
  })().catch(() => {});
  const echoPort = (echo.addr as Deno.NetAddr).port;
  const child = impair(["--udp", `127.0.0.1:${echoPort}`, "--profile", "4g", "--seed", "3"]);
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const { value } = await lines.read();
    const listening = JSON.parse(value!.split("\n")[0]!);
    strictEqual(listening.event, "listening");
    strictEqual(listening.tcpPort, null);
    const control: string = listening.controlUrl;
    strictEqual((await (await fetch(`${control}/profile`)).json()).down.rateBitsPerSecond, 12e6);
    const put = await fetch(`${control}/profile`, { method: "PUT", body: '{"preset":"lossy-5"}' });
    strictEqual(put.status, 204);
    strictEqual((await (await fetch(`${control}/profile`)).json()).up.lossRate, 0.05);
    const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    await client.send(new Uint8Array(10), {
      transport: "udp",
      hostname: "127.0.0.1",
      port: listening.udpPort,
    });
    client.close();
    // The datagram reaches the proxy's process a moment later.
    const counters = async () => await (await fetch(`${control}/counters`)).json();
    await waitFor("the proxy to count the datagram", async () => (await counters()).up.packetsIn === 1);
    deepStrictEqual((await counters()).tcp, null);
    const bad = await fetch(`${control}/profile`, { method: "PUT", body: '{"delayMs":-5}' });
    strictEqual(bad.status, 400);
    ok((await bad.text()).includes("delayMs"));
    child.kill("SIGTERM");
    strictEqual((await child.status).code, 0);
  } finally {
    await lines.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
    echo.close();
  }
});

Deno.test("npm run impair refuses a wrong command line with exit code 2 and one error line", async () => {
  for (const [args, message] of [
    [["--tcp", "127.0.0.1:1", "--profile", "moon"], /unknown preset "moon"/],
    [["--profile", "4g"], /give --udp, --tcp or both/],
    [["--tcp", "nowhere"], /HOST:PORT/],
    [["--tcp", "127.0.0.1:1", "--profile", "{bad json"], /not valid JSON/],
    [["--tcp", "127.0.0.1:1", "--schedule", "cap-2m"], /not PRESET:SECONDS/],
    [["--tcp", "127.0.0.1:1", "--schedule", "cap-2m:1,moon:1"], /unknown preset "moon"/],
  ] as const) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", CONFIG, "--unstable-net", "--allow-net", "--allow-read", MAIN, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(output.code, 2, args.join(" "));
    const stderr = new TextDecoder().decode(output.stderr);
    ok(message.test(stderr), `${args.join(" ")}: ${stderr}`);
  }
});
