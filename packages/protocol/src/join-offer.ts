import { MIN_PROTOCOL_VERSION, type ProtocolVersionRange } from "./limits.ts";

/**
 * What a client offers when it joins, and how a WebSocket carries it: in the
 * Sec-WebSocket-Protocol header (read by the relay before the upgrade), never in the URL, which
 * ends up in logs. `videocall.v2, videocall.v1, videocall.credential.<base64url>`: one entry per
 * version offered, highest first, and the credential if there is one. The relay answers with the
 * `videocall.vN` it picked. A WebTransport client sends the same as its first packet, a Join.
 */
export interface JoinOffer {
  versions: ProtocolVersionRange;
  credential?: string;
  /** The client encrypts its media end to end (docs/e2ee.md): `videocall.e2ee` on WebSocket, Join.e2ee on WebTransport. */
  e2ee?: boolean;
  /** The meeting's password, if the user typed one (`videocall.password.<base64url>`; Join.password). */
  password?: string;
}

const VERSION_PREFIX = "videocall.v";
const CREDENTIAL_PREFIX = "videocall.credential.";
const E2EE_SUBPROTOCOL = "videocall.e2ee";
const PASSWORD_PREFIX = "videocall.password.";
/** Versions a client may list: a header naming thousands is an attack, not an offer. */
const MAX_OFFERED_VERSION = 255;

/** The subprotocol that names protocol version `version`. */
export function versionSubprotocol(version: number): string {
  return `${VERSION_PREFIX}${version}`;
}

/** The Sec-WebSocket-Protocol entries for an offer. */
export function joinSubprotocols(offer: JoinOffer): string[] {
  const protocols: string[] = [];
  for (let v = offer.versions.max; v >= offer.versions.min; v--) protocols.push(versionSubprotocol(v));
  if (offer.credential !== undefined && offer.credential !== "") {
    protocols.push(`${CREDENTIAL_PREFIX}${toBase64Url(offer.credential)}`);
  }
  if (offer.e2ee) protocols.push(E2EE_SUBPROTOCOL);
  if (offer.password !== undefined && offer.password !== "") {
    protocols.push(`${PASSWORD_PREFIX}${toBase64Url(offer.password)}`);
  }
  return protocols;
}

export type ParsedJoinSubprotocols =
  /** No `videocall.v*` entry: a v1 client, which predates negotiation. */
  | { kind: "legacy"; offer: JoinOffer }
  | { kind: "offer"; offer: JoinOffer /** What the relay answers with for version v. */; offered: number[] }
  | { kind: "invalid"; detail: string };

/** Reads a Sec-WebSocket-Protocol header (or null) from an untrusted client; never throws. */
export function parseJoinSubprotocols(header: string | null): ParsedJoinSubprotocols {
  const versions: number[] = [];
  let credential: string | undefined;
  let e2ee = false;
  let password: string | undefined;
  for (const raw of (header ?? "").split(",")) {
    const entry = raw.trim();
    if (entry === E2EE_SUBPROTOCOL) {
      e2ee = true;
    } else if (entry.startsWith(PASSWORD_PREFIX)) {
      const decoded = fromBase64Url(entry.slice(PASSWORD_PREFIX.length));
      if (decoded === undefined) return { kind: "invalid", detail: "the password is not base64url UTF-8" };
      password = decoded;
    } else if (entry.startsWith(CREDENTIAL_PREFIX)) {
      const decoded = fromBase64Url(entry.slice(CREDENTIAL_PREFIX.length));
      if (decoded === undefined) return { kind: "invalid", detail: "the credential is not base64url UTF-8" };
      credential = decoded;
    } else if (entry.startsWith(VERSION_PREFIX)) {
      const digits = entry.slice(VERSION_PREFIX.length);
      const version = /^[1-9][0-9]{0,2}$/.test(digits) ? Number(digits) : Number.NaN;
      if (!(version <= MAX_OFFERED_VERSION)) return { kind: "invalid", detail: `bad version entry ${entry}` };
      versions.push(version);
    }
  }
  const withCredential = {
    ...(credential === undefined ? {} : { credential }),
    ...(password === undefined ? {} : { password }),
    ...(e2ee ? { e2ee } : {}),
  };
  if (versions.length === 0) {
    return {
      kind: "legacy",
      offer: { versions: { min: MIN_PROTOCOL_VERSION, max: MIN_PROTOCOL_VERSION }, ...withCredential },
    };
  }
  return {
    kind: "offer",
    offer: { versions: { min: Math.min(...versions), max: Math.max(...versions) }, ...withCredential },
    offered: versions,
  };
}

function toBase64Url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(encoded: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return undefined;
  try {
    const binary = atob(encoded.replaceAll("-", "+").replaceAll("_", "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
