import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { assert, assertEquals } from "../../../../test/fixtures/assert.ts";
import { createDevelopmentCertificate, loadCertificate } from "./development-certificate.ts";

Deno.test("the development certificate is what Chromium pins: ECDSA P-256, under 14 days, hash of its DER", async () => {
  const now = new Date("2026-11-25T00:00:00Z");
  const certificate = await createDevelopmentCertificate(["localhost", "127.0.0.1"], now);
  const cert = new x509.X509Certificate(certificate.certPem);
  const validityDays = (cert.notAfter.getTime() - cert.notBefore.getTime()) / 86_400_000;
  assert(validityDays < 14, `valid ${validityDays} days`);
  assertEquals((cert.publicKey.algorithm as EcKeyAlgorithm).namedCurve, "P-256");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", cert.rawData));
  assertEquals(certificate.sha256, digest);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  assertEquals(
    san?.names.items.map((n) => n.value),
    ["localhost", "127.0.0.1"],
  );
  assert(certificate.keyPem.startsWith("-----BEGIN PRIVATE KEY-----"));
});

Deno.test("loading certificate files explains what is wrong with them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = await createDevelopmentCertificate(["localhost"]);
    await Deno.writeTextFile(`${dir}/cert.pem`, good.certPem);
    await Deno.writeTextFile(`${dir}/key.pem`, good.keyPem);
    await Deno.writeTextFile(`${dir}/junk.pem`, "hello");
    const loaded = await loadCertificate(`${dir}/cert.pem`, `${dir}/key.pem`);
    assertEquals(loaded.sha256, good.sha256);
    const failure = async (cert: string, key: string) =>
      (await loadCertificate(cert, key).then(
        () => undefined,
        (e: Error) => e.message,
      )) ?? "";
    assert(
      (await failure(`${dir}/missing.pem`, `${dir}/key.pem`)).startsWith(
        `cannot read the TLS certificate file ${dir}/missing.pem`,
      ),
    );
    assert(
      (await failure(`${dir}/cert.pem`, `${dir}/missing.pem`)).startsWith("cannot read the TLS key file"),
    );
    assert((await failure(`${dir}/junk.pem`, `${dir}/key.pem`)).includes("is not a PEM certificate"));
    assert((await failure(`${dir}/cert.pem`, `${dir}/junk.pem`)).includes("is not a PEM private key"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
