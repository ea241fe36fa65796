/**
 * NATS subjects of the relay nodes (docs/protocol.md, "Multi-node (NATS)"). Meeting ids are
 * validated names (letters, digits, '_' and '-'), so they never contain a '.', '*' or '>'.
 */
export const NatsSubjects = {
  /** Node heartbeats and leave notices (BusNodeHeartbeat), heard by every node. */
  nodes: "vc.nodes",
  /**
   * Stamped Media of one spatial layer of one publisher track: one publish per packet, NATS fans
   * out to the nodes subscribed to that layer (or to the whole track, `trackPackets`).
   */
  layerPackets: (meetingId: string, sessionId: number, trackId: number, layer: number) =>
    `vc.m.${meetingId}.p.${sessionId}.${trackId}.${layer}`,
  /** Every layer of one publisher track. */
  trackPackets: (meetingId: string, sessionId: number, trackId: number) =>
    `vc.m.${meetingId}.p.${sessionId}.${trackId}.*`,
  /** One publisher's control (track state, broadcast extension bodies). */
  publisherControl: (meetingId: string, sessionId: number) => `vc.m.${meetingId}.p.${sessionId}.0`,
  /** Every publisher's every track: a node subscribes to it while a local subscriber is in ALL mode. */
  allPackets: (meetingId: string) => `vc.m.${meetingId}.p.>`,
  /** Every publisher's control subject, always subscribed. */
  controlPackets: (meetingId: string) => `vc.m.${meetingId}.p.*.0`,
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

/**
 * Whether a packet subject is a publisher's control subject (`vc.m.<m>.p.<session>.0`, six
 * tokens) rather than media (`...<track>.<layer>`, seven): counted, not split, as it runs per packet.
 */
export function isControlSubject(subject: string): boolean {
  let dots = 0;
  for (let i = 0; i < subject.length; i++) if (subject.charCodeAt(i) === 46) dots++;
  return dots === 5;
}
