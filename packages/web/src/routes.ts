/** The meeting URL carries who you are and where you meet: `/meeting/<username>/<meeting-id>`. */
export interface MeetingRoute {
  username: string;
  meetingId: string;
}

export function parseMeetingPath(pathname: string): MeetingRoute | undefined {
  const match = /^\/meeting\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1] || !match[2]) return undefined;
  try {
    return { username: decodeURIComponent(match[1]), meetingId: decodeURIComponent(match[2]) };
  } catch {
    return undefined;
  }
}

export function meetingPath(route: MeetingRoute): string {
  return `/meeting/${encodeURIComponent(route.username)}/${encodeURIComponent(route.meetingId)}`;
}
