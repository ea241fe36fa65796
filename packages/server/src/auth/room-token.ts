/**
 * Room tokens (docs/tokens.md): short-lived HS256 JWTs that say who joins which meeting, in which role, with
 * which grants. The server mints them for its own users (the join endpoint) and integrators mint them with
 * their API key and secret (`videocall token`, POST /api/tokens); admission verifies them before the upgrade.
 */
import {
  type GrantBits,
  type GrantName,
  grantBits,
  grantNames,
  isGrantName,
  isValidDisplayName,
  MAX_DISPLAY_NAME_LENGTH,
} from "@videocall/protocol";
import { errors, jwtVerify, SignJWT } from "jose";
import type { ParticipantRoleName } from "../admission/admitter.ts";

export const ROLE_NAMES: readonly ParticipantRoleName[] = ["host", "cohost", "participant"];

/** Who signs and checks the tokens: the API key is the token's `iss`, the secret its HS256 key. */
export interface ApiCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** What a token says, once verified. */
export interface RoomTokenClaims {
  /** `sub`: the stable identity, 1-255 printable ASCII characters (`oidc:<sub>`, `guest:<id>`, or whatever an integrator names its users). */
  readonly identity: string;
  /** `name`: what the others see. */
  readonly displayName: string;
  /** `meeting`: the one meeting id the token opens. */
  readonly meetingId: string;
  /** `role`: the least role the holder gets; the meeting's own host and co-hosts keep theirs. */
  readonly role: ParticipantRoleName;
  /** `grants`: names from packages/protocol/src/grants.ts, as a bit set; undefined when the token has none. */
  readonly grants: GrantBits | undefined;
  /** `guest`: joined without an account (the meeting's "guests allowed" setting applies). */
  readonly guest: boolean;
  /** `exp`, seconds since the epoch. */
  readonly expiresAtSeconds: number;
}

export interface RoomTokenRequest {
  readonly identity: string;
  readonly displayName: string;
  readonly meetingId: string;
  readonly role?: ParticipantRoleName;
  readonly grants: GrantBits;
  readonly guest?: boolean;
  readonly ttlSeconds: number;
}

/** Longest a token may live: they are checked once, at each join, so a long one cannot be taken back. */
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** Longest identity and display name a token may carry (characters). */
export const MAX_IDENTITY_LENGTH = 255;
export { isValidDisplayName, MAX_DISPLAY_NAME_LENGTH };

const ALGORITHM = "HS256";
/** Tolerated clock difference between the minting machine and the server. */
const CLOCK_TOLERANCE_SECONDS = 5;

export type TokenProblem = "invalid" | "expired";

export class RoomTokenError extends Error {
  override readonly name = "RoomTokenError";
  constructor(
    readonly problem: TokenProblem,
    message: string,
  ) {
    super(message);
  }
}

function secretKey(credentials: ApiCredentials): Uint8Array {
  return new TextEncoder().encode(credentials.apiSecret);
}

export function isValidIdentity(identity: unknown): identity is string {
  return (
    typeof identity === "string" &&
    identity.length > 0 &&
    identity.length <= MAX_IDENTITY_LENGTH &&
    // Printable ASCII without spaces: it appears in logs, cookies and the database.
    /^[\x21-\x7e]+$/.test(identity)
  );
}

/** Throws RangeError on a request no server would accept (bad names, TTL out of range). */
export async function mintRoomToken(credentials: ApiCredentials, request: RoomTokenRequest): Promise<string> {
  if (!isValidIdentity(request.identity))
    throw new RangeError("identity: 1-255 printable ASCII characters, no spaces");
  if (!isValidDisplayName(request.displayName)) throw new RangeError("name: 1-64 characters");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(request.meetingId))
    throw new RangeError("meeting: 1-64 letters, digits, '_' or '-'");
  if (
    !Number.isInteger(request.ttlSeconds) ||
    request.ttlSeconds < 1 ||
    request.ttlSeconds > MAX_TOKEN_TTL_SECONDS
  )
    throw new RangeError(`ttl: 1..${MAX_TOKEN_TTL_SECONDS} seconds`);
  return await new SignJWT({
    name: request.displayName,
    meeting: request.meetingId,
    role: request.role ?? "participant",
    grants: grantNames(request.grants),
    guest: request.guest ?? false,
  })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(request.identity)
    .setIssuer(credentials.apiKey)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds)
    .sign(secretKey(credentials));
}

/** Checks signature, issuer, expiry and the claims' shapes; throws RoomTokenError. */
export async function verifyRoomToken(credentials: ApiCredentials, token: string): Promise<RoomTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secretKey(credentials), {
      algorithms: [ALGORITHM],
      issuer: credentials.apiKey,
      requiredClaims: ["sub", "exp", "meeting"],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new RoomTokenError("expired", "the room token has expired");
    if (error instanceof errors.JOSEError) {
      throw new RoomTokenError("invalid", `the room token is not valid here (${error.code})`);
    }
    throw new RoomTokenError("invalid", "the room token is not valid here");
  }
  const { sub, name, meeting, role, grants, guest, exp } = payload;
  if (!isValidIdentity(sub)) throw new RoomTokenError("invalid", "the room token's sub is not an identity");
  if (typeof meeting !== "string") throw new RoomTokenError("invalid", "the room token names no meeting");
  const roleName = role === undefined ? "participant" : role;
  if (!ROLE_NAMES.includes(roleName as ParticipantRoleName))
    throw new RoomTokenError("invalid", "the room token's role is unknown");
  if (grants !== undefined && !(Array.isArray(grants) && grants.every(isGrantName)))
    throw new RoomTokenError("invalid", "the room token's grants are unknown");
  if (guest !== undefined && typeof guest !== "boolean")
    throw new RoomTokenError("invalid", "the room token's guest claim is not a boolean");
  const displayName = name === undefined ? sub : name;
  if (!isValidDisplayName(displayName))
    throw new RoomTokenError("invalid", "the room token's name is not valid");
  return {
    identity: sub,
    displayName,
    meetingId: meeting,
    role: roleName as ParticipantRoleName,
    grants: grants === undefined ? undefined : grantBits(grants as GrantName[]),
    guest: guest ?? false,
    expiresAtSeconds: exp as number,
  };
}

/** Random credentials for a server given none: it can sign its own tokens, nobody else can. */
export function randomApiCredentials(): ApiCredentials {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return {
    apiKey: `local-${crypto.randomUUID()}`,
    apiSecret: btoa(String.fromCharCode(...bytes)),
  };
}
