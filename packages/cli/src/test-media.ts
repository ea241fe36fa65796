/** Encodes short clips with ffmpeg for unit tests of the container readers. */

export async function encodeWithFfmpeg(args: string[]): Promise<Uint8Array> {
  const output = await new Deno.Command("ffmpeg", {
    args: ["-hide_banner", "-loglevel", "error", "-nostdin", ...args, "pipe:1"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(output.stderr)}`);
  return output.stdout;
}

/** Feeds `bytes` to `push` in chunks of varying sizes, as a pipe would deliver them. */
export function pushInChunks<T>(bytes: Uint8Array, push: (chunk: Uint8Array) => T[]): T[] {
  const out: T[] = [];
  let offset = 0;
  let size = 1;
  while (offset < bytes.length) {
    out.push(...push(bytes.slice(offset, offset + size)));
    offset += size;
    size = (size * 7 + 3) % 4001;
  }
  return out;
}
