import { createDevelopmentCertificate } from "../../packages/server/src/tls/development-certificate.ts";
import { assert, assertEquals } from "../fixtures/assert.ts";
import { startServer } from "../fixtures/server.ts";

const MAIN = new URL("../../packages/server/src/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

async function runServerExpectingFailure(args: string[]): Promise<{ code: number; stderr: string }> {
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
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("bad certificate flags stop the server with a message that names the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/junk.pem`, "not a certificate");
    const missing = await runServerExpectingFailure([
      "--tls-cert",
      `${dir}/nope.pem`,
      "--tls-key",
      `${dir}/nope.key`,
    ]);
    assertEquals(missing.code, 2);
    assert(missing.stderr.includes(`cannot read the TLS certificate file ${dir}/nope.pem`), missing.stderr);
    const invalid = await runServerExpectingFailure([
      "--tls-cert",
      `${dir}/junk.pem`,
      "--tls-key",
      `${dir}/junk.pem`,
    ]);
    assertEquals(invalid.code, 2);
    assert(invalid.stderr.includes("is not a PEM certificate"), invalid.stderr);
    const half = await runServerExpectingFailure(["--tls-cert", `${dir}/junk.pem`]);
    assertEquals(half.code, 2);
    assert(half.stderr.includes("--tls-cert and --tls-key go together"), half.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with certificate files the server speaks HTTPS and WebTransport needs no pinned hash", async () => {
  const dir = await Deno.makeTempDir();
  const certificate = await createDevelopmentCertificate(["127.0.0.1"]);
  await Deno.writeTextFile(`${dir}/cert.pem`, certificate.certPem);
  await Deno.writeTextFile(`${dir}/key.pem`, certificate.keyPem);
  const server = await startServer({
    extraArgs: ["--tls-cert", `${dir}/cert.pem`, "--tls-key", `${dir}/key.pem`],
  });
  const client = Deno.createHttpClient({ caCerts: [certificate.certPem] });
  // Deno extends fetch with `client`; the DOM typings in deno.json do not know it.
  const withClient = { client } as RequestInit;
  try {
    assert(server.url.startsWith("https://"), server.url);
    const health = await fetch(`${server.url}/healthz`, withClient);
    assertEquals(health.status, 200);
    await health.body?.cancel();
    const info = await (await fetch(`${server.url}/api/webtransport`, withClient)).json();
    assertEquals(info.enabled, true);
    assertEquals(info.certificateHashes, [], "a CA-issued certificate is trusted, not pinned");
  } finally {
    client.close();
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
