import type { TransportPreference } from "@videocall/client";

/**
 * The meeting URL carries who you are and where you meet: `/meeting/<username>/<meeting-id>`,
 * optionally `?transport=webtransport|websocket` to force one transport (default: race both) and
 * `?e2ee=1` to turn end-to-end encryption on before joining.
 */
export interface MeetingRoute {
  username: string;
  meetingId: string;
  transport: TransportPreference;
  /** End-to-end encryption wanted from the link (the pre-join toggle starts there). */
  e2ee: boolean;
}

export function parseMeetingPath(pathname: string, search = ""): MeetingRoute | undefined {
  const match = /^\/meeting\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1] || !match[2]) return undefined;
  try {
    return {
      username: decodeURIComponent(match[1]),
      meetingId: decodeURIComponent(match[2]),
      transport: parseTransport(new URLSearchParams(search).get("transport")),
      e2ee: ["1", "true", "on"].includes(new URLSearchParams(search).get("e2ee") ?? ""),
    };
  } catch {
    return undefined;
  }
}

/** An unknown value falls back to "auto": a typo in a shared link should still get people in. */
function parseTransport(value: string | null): TransportPreference {
  return value === "webtransport" || value === "websocket" ? value : "auto";
}

export function meetingPath(route: Pick<MeetingRoute, "username" | "meetingId">): string {
  return `/meeting/${encodeURIComponent(route.username)}/${encodeURIComponent(route.meetingId)}`;
}
