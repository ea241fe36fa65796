/**
 * How an OpenID Connect account becomes a participant identity and a display name.
 *
 * `sub` is unique only per issuer (OpenID Connect Core §2), so the identity carries a tag of the
 * issuer: `oidc:<issuer tag>:<sub>`, the tag being the first 10 base64url characters of SHA-256(issuer).
 * Two issuers (say an operator moves from one provider to another) never share an identity, and a ban
 * or host role keyed on it cannot pass to a stranger. The identity stays within the schema's 255
 * characters: a longer `sub` is replaced by `#<base64url SHA-256(sub)>`.
 */
export const MAX_IDENTITY_CHARS = 255;
/** What a participant's display name may be (the join endpoint and roster take 64); the users table allows 128. */
export const MAX_DISPLAY_NAME_CHARS = 64;
const MAX_EMAIL_CHARS = 320;
const ISSUER_TAG_CHARS = 10;
const FALLBACK_DISPLAY_NAME = "Signed-in user";

export async function identityFor(issuer: string, subject: string): Promise<string> {
  const prefix = `oidc:${(await sha256Base64Url(issuer)).slice(0, ISSUER_TAG_CHARS)}:`;
  if (
    prefix.length + subject.length <= MAX_IDENTITY_CHARS &&
    isPrintable(subject) &&
    !subject.startsWith("#")
  )
    return `${prefix}${subject}`;
  return `${prefix}#${await sha256Base64Url(subject)}`;
}

/** The claims a provider gives about a person (ID token and userinfo), all untrusted. */
export interface ProfileClaims {
  readonly [claim: string]: unknown;
  readonly name?: unknown;
  readonly preferred_username?: unknown;
  readonly email?: unknown;
  readonly given_name?: unknown;
}

/** `name`, else `preferred_username`, else `email`: cleaned, at most 64 characters, never empty. */
export function displayNameFrom(claims: ProfileClaims): string {
  for (const candidate of [claims.name, claims.preferred_username, claims.given_name, claims.email]) {
    const cleaned = cleanText(candidate, MAX_DISPLAY_NAME_CHARS);
    if (cleaned) return cleaned;
  }
  return FALLBACK_DISPLAY_NAME;
}

export function emailFrom(claims: ProfileClaims): string | undefined {
  const email = cleanText(claims.email, MAX_EMAIL_CHARS + 1);
  return email && email.length <= MAX_EMAIL_CHARS && email.includes("@") ? email : undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** NFC, control characters removed, whitespace collapsed, cut to `maxChars` code points (never inside a pair). */
function cleanText(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value
    .toWellFormed()
    .normalize("NFC")
    .replace(CONTROL_CHARACTERS, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (text.length === 0) return undefined;
  const codePoints = Array.from(text);
  return codePoints.length <= maxChars ? text : codePoints.slice(0, maxChars).join("").trimEnd();
}

function isPrintable(text: string): boolean {
  return text.length > 0 && text.isWellFormed() && !new RegExp(CONTROL_CHARACTERS.source).test(text);
}

async function sha256Base64Url(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}
