/**
 * fetch for the provider's endpoints with a cap on the response body: a provider (or whoever answers in
 * its place) sending gigabytes must not fill the server's memory. The deadline comes from the caller's
 * AbortSignal, which also stops a body that trickles.
 */
export const MAX_PROVIDER_RESPONSE_BYTES = 1024 * 1024;

export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
}

export async function limitedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, { ...init, redirect: "manual" });
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_PROVIDER_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(`the provider's response declares ${declared} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > MAX_PROVIDER_RESPONSE_BYTES)
        throw new ResponseTooLargeError(
          `the provider's response exceeds ${MAX_PROVIDER_RESPONSE_BYTES} bytes`,
        );
      chunks.push(chunk);
    }
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const nullBody = response.status === 204 || response.status === 304;
  return new Response(nullBody ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
