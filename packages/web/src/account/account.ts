/**
 * Who is signed in, as the server's session cookie says (GET /api/me, docs/sign-in.md). The cookie is
 * HttpOnly: the page never sees it, only same-origin requests carry it. The server, not this page, turns
 * it into an identity when joining.
 */
import { signal } from "@preact/signals";

export type AccountState =
  | { kind: "loading" }
  /** The server runs in open guest mode, or /api/me could not be read: no sign-in offered. */
  | { kind: "unavailable" }
  | { kind: "signed-out" }
  | { kind: "signed-in"; identity: string; displayName: string };

export const account = signal<AccountState>({ kind: "loading" });

export async function loadAccount(): Promise<void> {
  try {
    const response = await fetch("/api/me", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(`GET /api/me answered ${response.status}`);
    account.value = accountStateFrom(await response.json());
  } catch {
    account.value = { kind: "unavailable" };
  }
}

/** Hostile-tolerant: anything unexpected in the body means no sign-in, never a crash. */
export function accountStateFrom(body: unknown): AccountState {
  if (typeof body !== "object" || body === null) return { kind: "unavailable" };
  const me = body as Record<string, unknown>;
  if (me.signInConfigured !== true) return { kind: "unavailable" };
  if (me.signedIn === true && typeof me.identity === "string" && typeof me.displayName === "string")
    return { kind: "signed-in", identity: me.identity, displayName: me.displayName };
  return { kind: "signed-out" };
}

/** The server's sign-in, coming back to `returnPath` (a path on this origin; the server refuses others). */
export function signInUrl(returnPath: string): string {
  return `/auth/login?return=${encodeURIComponent(returnPath)}`;
}

export async function signOut(): Promise<void> {
  try {
    await fetch("/auth/logout", { method: "POST", credentials: "same-origin" });
  } finally {
    await loadAccount();
  }
}
