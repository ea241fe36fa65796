/**
 * The container's HEALTHCHECK: GET /healthz on this container's own port (PORT), over HTTPS when
 * the server has a certificate (TLS_CERT_FILE; the name on it is not 127.0.0.1, so the image runs
 * this with --unsafely-ignore-certificate-errors=127.0.0.1). Exit 0 when it answers 200.
 */
const port = Deno.env.get("PORT") || "8080";
const scheme = Deno.env.get("TLS_CERT_FILE") ? "https" : "http";
const timeoutMs = 4000;
try {
  const response = await fetch(`${scheme}://127.0.0.1:${port}/healthz`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel();
  Deno.exit(response.ok ? 0 : 1);
} catch (error) {
  console.error(`healthz: ${error instanceof Error ? error.message : String(error)}`);
  Deno.exit(1);
}
