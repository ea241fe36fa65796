/**
 * The REST side of room tokens (docs/tokens.md):
 * - POST /api/tokens: an integrator's backend mints a token, guarded by `Authorization: Bearer <key>:<secret>`.
 * - POST /api/meetings/<id>/join: the web app gets a token for whoever calls, the signed-in user or a guest
 *   whose identity lives in the `vc_guest` cookie (HttpOnly, SameSite=Lax, Secure on https).
 */
import { timingSafeEqual } from "node:crypto";
import {
  type GrantName,
  grantBits,
  isGrantName,
  isValidDisplayName,
  isValidName,
  PARTICIPANT_GRANTS,
} from "@videocall/protocol";
import type { ParticipantRoleName } from "../admission/admitter.ts";
import {
  type ApiCredentials,
  DEFAULT_TOKEN_TTL_SECONDS,
  isValidIdentity,
  MAX_TOKEN_TTL_SECONDS,
  mintRoomToken,
  ROLE_NAMES,
} from "./room-token.ts";
import type { SignedInUsers } from "./signed-in-user.ts";

export const GUEST_COOKIE = "vc_guest";
/** A guest keeps its identity this long without coming back (the cookie's Max-Age). */
const GUEST_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;
/** Largest JSON body either endpoint reads. */
const MAX_BODY_BYTES = 8 * 1024;
const JOIN_PATH = /^\/api\/meetings\/([^/]+)\/join$/;

export interface TokenRoutesOptions {
  readonly credentials: ApiCredentials;
  /** False when the server made its own random credentials: POST /api/tokens then answers 404. */
  readonly credentialsConfigured: boolean;
  readonly signedInUsers: SignedInUsers;
}

export interface TokenResponse {
  token: string;
  identity: string;
  meetingId: string;
  /** ISO 8601. */
  expiresAt: string;
}

export class TokenRoutes {
  readonly #options: TokenRoutesOptions;

  constructor(options: TokenRoutesOptions) {
    this.#options = options;
  }

  /** The response for one of its paths, or undefined for any other path. */
  handle(request: Request, url: URL): Promise<Response> | undefined {
    if (url.pathname === "/api/tokens") return this.#guarded(request, () => this.#mint(request));
    const join = JOIN_PATH.exec(url.pathname);
    if (join) return this.#guarded(request, () => this.#join(request, url, decodeURIComponent(join[1]!)));
    return undefined;
  }

  async #guarded(request: Request, work: () => Promise<Response>): Promise<Response> {
    if (request.method !== "POST") return problem(405, "use POST");
    try {
      return await work();
    } catch (error) {
      if (error instanceof BadRequest) return problem(400, error.message);
      throw error;
    }
  }

  async #mint(request: Request): Promise<Response> {
    if (!this.#options.credentialsConfigured) {
      return problem(404, "this server has no API key configured (--api-key, --api-secret)");
    }
    if (!this.#authorized(request.headers.get("authorization"))) {
      return problem(401, "Authorization: Bearer <api key>:<api secret> required", {
        "www-authenticate": 'Bearer realm="videocall"',
      });
    }
    const body = await readJson(request);
    const meetingId = body.meeting;
    const identity = body.identity;
    if (typeof meetingId !== "string" || !isValidName(meetingId))
      throw new BadRequest("meeting: 1-64 letters, digits, '_' or '-'");
    if (!isValidIdentity(identity))
      throw new BadRequest("identity: 1-255 printable ASCII characters, no spaces");
    const name = body.name ?? identity;
    if (!isValidDisplayName(name)) throw new BadRequest("name: 1-64 characters");
    const role = body.role ?? "participant";
    if (!ROLE_NAMES.includes(role as ParticipantRoleName))
      throw new BadRequest(`role: one of ${ROLE_NAMES.join(", ")}`);
    const grants = body.grants;
    if (grants !== undefined && !(Array.isArray(grants) && grants.every(isGrantName)))
      throw new BadRequest("grants: an array of grant names (docs/permissions.md)");
    const guest = body.guest ?? false;
    if (typeof guest !== "boolean") throw new BadRequest("guest: true or false");
    const ttlSeconds = body.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    if (
      !Number.isInteger(ttlSeconds) ||
      (ttlSeconds as number) < 1 ||
      (ttlSeconds as number) > MAX_TOKEN_TTL_SECONDS
    )
      throw new BadRequest(`ttlSeconds: an integer in 1..${MAX_TOKEN_TTL_SECONDS}`);
    const token = await mintRoomToken(this.#options.credentials, {
      identity,
      displayName: name,
      meetingId,
      role: role as ParticipantRoleName,
      grants: grants === undefined ? PARTICIPANT_GRANTS : grantBits(grants as GrantName[]),
      guest,
      ttlSeconds: ttlSeconds as number,
    });
    return tokenResponse({ token, identity, meetingId, ttlSeconds: ttlSeconds as number });
  }

  async #join(request: Request, url: URL, meetingId: string): Promise<Response> {
    if (!isValidName(meetingId)) throw new BadRequest("meeting id: 1-64 letters, digits, '_' or '-'");
    const body = await readJson(request);
    const user = await this.#options.signedInUsers.userOf(request);
    const displayName = body.displayName ?? user?.displayName;
    if (!isValidDisplayName(displayName)) throw new BadRequest("displayName: 1-64 characters");
    const headers = new Headers();
    let identity: string;
    if (user) identity = user.identity;
    else {
      let guestId = cookieOf(request, GUEST_COOKIE);
      if (guestId === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(guestId)) {
        guestId = crypto.randomUUID();
        headers.append("set-cookie", guestCookie(guestId, url.protocol === "https:"));
      }
      identity = `guest:${guestId}`;
    }
    const ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS;
    const token = await mintRoomToken(this.#options.credentials, {
      identity,
      displayName,
      meetingId,
      role: "participant",
      grants: PARTICIPANT_GRANTS,
      guest: user === undefined,
      ttlSeconds,
    });
    return tokenResponse({ token, identity, meetingId, ttlSeconds }, headers);
  }

  #authorized(header: string | null): boolean {
    const match = /^Bearer (.+)$/.exec(header ?? "");
    if (!match) return false;
    const { apiKey, apiSecret } = this.#options.credentials;
    const given = new TextEncoder().encode(match[1]!);
    const expected = new TextEncoder().encode(`${apiKey}:${apiSecret}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

class BadRequest extends Error {}

async function readJson(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json"))
    throw new BadRequest("send JSON (Content-Type: application/json)");
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw new BadRequest("body too large");
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new BadRequest("body too large");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === "" ? "{}" : text);
  } catch {
    throw new BadRequest("the body is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new BadRequest("the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function tokenResponse(
  minted: { token: string; identity: string; meetingId: string; ttlSeconds: number },
  headers = new Headers(),
): Response {
  headers.set("cache-control", "no-store");
  const body: TokenResponse = {
    token: minted.token,
    identity: minted.identity,
    meetingId: minted.meetingId,
    expiresAt: new Date(Date.now() + minted.ttlSeconds * 1000).toISOString(),
  };
  return Response.json(body, { headers });
}

function problem(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message }, { status, headers: { "cache-control": "no-store", ...headers } });
}

function cookieOf(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function guestCookie(id: string, secure: boolean): string {
  return `${GUEST_COOKIE}=${id}; Path=/; Max-Age=${GUEST_COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
