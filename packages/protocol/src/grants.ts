/**
 * What a participant may do, as the server enforces it. On the wire it is a bit set
 * (Welcome.grants); in a room token it is a list of these names (docs/tokens.md).
 */
export const Grant = {
  publishAudio: 1,
  publishVideo: 2,
  publishScreen: 4,
  subscribe: 8,
  chat: 16,
  /** Host controls: admit, deny, kick, mute, promote, lock, end. */
  admin: 32,
} as const;
export type GrantName = keyof typeof Grant;
/** A bit set of Grant values. */
export type GrantBits = number;

export const GRANT_NAMES = Object.keys(Grant) as GrantName[];

/** Everything but admin: what a participant of an open meeting gets. */
export const PARTICIPANT_GRANTS: GrantBits =
  Grant.publishAudio | Grant.publishVideo | Grant.publishScreen | Grant.subscribe | Grant.chat;
export const HOST_GRANTS: GrantBits = PARTICIPANT_GRANTS | Grant.admin;

export function hasGrant(grants: GrantBits, grant: GrantName): boolean {
  return (grants & Grant[grant]) !== 0;
}

export function grantBits(names: readonly GrantName[]): GrantBits {
  let bits = 0;
  for (const name of names) bits |= Grant[name];
  return bits;
}

export function grantNames(grants: GrantBits): GrantName[] {
  return GRANT_NAMES.filter((name) => hasGrant(grants, name));
}

export function isGrantName(value: unknown): value is GrantName {
  return typeof value === "string" && Object.hasOwn(Grant, value);
}
