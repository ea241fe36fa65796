/** Where a sign-in returns to when `return` is missing or refused. */
export const DEFAULT_RETURN_PATH = "/";

const MAX_RETURN_PATH_CHARS = 2048;
// Control characters and backslashes: browsers read `\` as `/`, so `/\evil.example` is another host.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const REFUSED_CHARACTERS = /[\u0000-\u001f\u007f\\]/;
const BASE = new URL("http://videocall.invalid");

/**
 * The `return` of /auth/login as a path on this server, or "/" when it is anything else: an absolute
 * URL, a scheme-relative `//host`, a backslash trick or garbage. Only same-origin paths are followed,
 * so the sign-in cannot be used as an open redirect.
 */
export function safeReturnPath(raw: string | null | undefined): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > MAX_RETURN_PATH_CHARS)
    return DEFAULT_RETURN_PATH;
  if (!raw.startsWith("/") || raw.startsWith("//") || REFUSED_CHARACTERS.test(raw))
    return DEFAULT_RETURN_PATH;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return DEFAULT_RETURN_PATH;
  }
  if (url.origin !== BASE.origin) return DEFAULT_RETURN_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}
