/**
 * The link "Copy link" puts on the clipboard: the start page with the meeting id filled in, so the
 * person invited picks their own name (the meeting page's URL carries ours).
 */
export interface Invite {
  meetingId: string | undefined;
  /** The meeting was joined with end-to-end encryption on: the invited join with it on too. */
  e2ee: boolean;
}

export function inviteLink(origin: string, meetingId: string, e2ee: boolean): string {
  const params = new URLSearchParams({ meeting: meetingId });
  if (e2ee) params.set("e2ee", "1");
  return `${origin}/?${params}`;
}

export function parseInvite(search: string): Invite {
  const params = new URLSearchParams(search);
  const meetingId = params.get("meeting")?.trim();
  return { meetingId: meetingId || undefined, e2ee: params.get("e2ee") === "1" };
}
