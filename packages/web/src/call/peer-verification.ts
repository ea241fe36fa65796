/**
 * Which peers the user marked verified (compared the safety number out of band), remembered in
 * localStorage by identity key, and for each person (their stable identity, else their name) the key
 * they were verified with: a different key for someone verified before is the warning case.
 */
const STORAGE_KEY = "videocall.e2ee.verified";

interface VerifiedRecord {
  /** identity key (hex) → when it was verified (ms since the epoch). */
  keys: Record<string, number>;
  /** person → the identity key (hex) last verified for them. */
  people: Record<string, string>;
}

export type PeerTrust = "verified" | "unverified" | "changed";

export function trustOf(person: string, identityKeyHex: string): PeerTrust {
  const record = read();
  if (record.keys[identityKeyHex] !== undefined) return "verified";
  const before = record.people[person];
  return before !== undefined && before !== identityKeyHex ? "changed" : "unverified";
}

export function markVerified(person: string, identityKeyHex: string): void {
  const record = read();
  record.keys[identityKeyHex] = Date.now();
  record.people[person] = identityKeyHex;
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(record));
  } catch {
    // storage full or disabled: verified for this page only
  }
}

function read(): VerifiedRecord {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as Partial<VerifiedRecord>;
    return {
      keys: typeof parsed.keys === "object" && parsed.keys ? parsed.keys : {},
      people: typeof parsed.people === "object" && parsed.people ? parsed.people : {},
    };
  } catch {
    return { keys: {}, people: {} };
  }
}
