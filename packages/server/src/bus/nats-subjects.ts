/**
 * NATS subjects of the relay nodes (docs/protocol.md, "Multi-node (NATS)"). Meeting ids are
 * validated names (letters, digits, '_' and '-'), so they never contain a '.', '*' or '>'.
 */
export const NatsSubjects = {
  /** Node heartbeats and leave notices (BusNodeHeartbeat), heard by every node. */
  nodes: "vc.nodes",
  /** Stamped Packets for every node of a meeting: one publish per packet, NATS fans out to nodes. */
  packets: (meetingId: string) => `vc.m.${meetingId}.p`,
  /** Packets for one session (key frame requests); the node hosting it delivers, the others drop. */
  targeted: (meetingId: string, sessionId: number) => `vc.m.${meetingId}.t.${sessionId}`,
  targetedWildcard: (meetingId: string) => `vc.m.${meetingId}.t.*`,
  /** BusPresence: joins, leaves, roster requests and roster snapshots. */
  presence: (meetingId: string) => `vc.m.${meetingId}.presence`,
} as const;

/** The session id ending a targeted subject, or undefined if it is not one. */
export function targetedSessionId(subject: string): number | undefined {
  const id = Number(subject.slice(subject.lastIndexOf(".") + 1));
  return Number.isInteger(id) && id > 0 && id <= 0xffffffff ? id : undefined;
}
