import { GRANT_NAMES, type GrantName, grantBits, isGrantName, PARTICIPANT_GRANTS } from "@videocall/protocol";
import type { ParticipantRoleName } from "../../server/src/admission/admitter.ts";
import { mintRoomToken, ROLE_NAMES } from "../../server/src/auth/room-token.ts";
import { CliError } from "./errors.ts";

export interface TokenFlags {
  apiKey: string;
  apiSecret: string;
  meeting: string;
  identity: string;
  name?: string | undefined;
  role: string;
  grants?: string | undefined;
  guest?: boolean | undefined;
  ttlSeconds: number;
}

/** `videocall token`: a room token signed with the integrator's key, as POST /api/tokens makes (docs/tokens.md). */
export async function runToken(flags: TokenFlags): Promise<string> {
  if (!ROLE_NAMES.includes(flags.role as ParticipantRoleName))
    throw new CliError("bad-flags", `--role must be one of ${ROLE_NAMES.join(", ")}`);
  let grants = PARTICIPANT_GRANTS;
  if (flags.grants !== undefined) {
    const names = flags.grants
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
    const unknown = names.find((name) => !isGrantName(name));
    if (unknown !== undefined)
      throw new CliError(
        "bad-flags",
        `--grants: unknown grant "${unknown}" (known: ${GRANT_NAMES.join(", ")})`,
      );
    grants = grantBits(names as GrantName[]);
  }
  try {
    return await mintRoomToken(
      { apiKey: flags.apiKey, apiSecret: flags.apiSecret },
      {
        identity: flags.identity,
        displayName: flags.name ?? flags.identity,
        meetingId: flags.meeting,
        role: flags.role as ParticipantRoleName,
        grants,
        guest: flags.guest ?? false,
        ttlSeconds: flags.ttlSeconds,
      },
    );
  } catch (error) {
    if (error instanceof RangeError) throw new CliError("bad-flags", error.message);
    throw error;
  }
}
