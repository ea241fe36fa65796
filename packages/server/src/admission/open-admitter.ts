import { CloseCode, negotiateProtocolVersion, PARTICIPANT_GRANTS } from "@videocall/protocol";
import type { Admission, Admitter, JoinRequest, Refusal } from "./admitter.ts";

/** Admits everyone under the name from the lobby path, as the relay always has (no accounts yet). */
export class OpenAdmitter implements Admitter {
  authorize(request: JoinRequest): Promise<Admission | Refusal> {
    const protocolVersion = negotiateProtocolVersion(request.offeredVersions);
    if (protocolVersion === undefined) {
      return Promise.resolve({
        code: CloseCode.unsupportedProtocolVersion,
        reason: "no common protocol version",
      });
    }
    return Promise.resolve({
      identity: `guest:${request.username}`,
      displayName: request.username,
      meetingId: request.meetingId,
      protocolVersion,
      role: "participant",
      grants: PARTICIPANT_GRANTS,
      guest: true,
    });
  }
}
