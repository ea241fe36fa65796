/**
 * Display names are not unique, identities are (the server's, issue 10). Where two participants share a
 * name, each gets a short suffix from its identity so the tiles tell them apart: "alice · 3f2a".
 */
export interface NamedParticipant {
  readonly username: string;
  readonly identity: string;
}

/** The last 4 letters or digits of an identity: enough to tell a handful of namesakes apart. */
export function shortIdentity(identity: string): string {
  const plain = identity.replace(/[^A-Za-z0-9]/g, "");
  return plain.slice(-4);
}

/**
 * The name to show for each identity among `participants` (remote ones, one entry per tile is fine) and,
 * if given, ourselves (`self`), whose name counts as taken.
 */
export function distinctNames(
  participants: readonly NamedParticipant[],
  self?: NamedParticipant,
): Map<string, string> {
  const identitiesByName = new Map<string, Set<string>>();
  for (const p of self ? [...participants, self] : participants) {
    const identities = identitiesByName.get(p.username) ?? new Set<string>();
    identities.add(p.identity);
    identitiesByName.set(p.username, identities);
  }
  const names = new Map<string, string>();
  for (const p of participants) {
    const shared = (identitiesByName.get(p.username)?.size ?? 0) > 1;
    const suffix = shortIdentity(p.identity);
    names.set(p.identity, shared && suffix !== "" ? `${p.username} · ${suffix}` : p.username);
  }
  return names;
}
