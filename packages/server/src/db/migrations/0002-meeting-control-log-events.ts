import type { Migration } from "../migrate.ts";

/**
 * Host controls log what they do (docs/meeting-control.md): the meeting log's events gain bans, mutes,
 * role changes, settings changes and the end of a meeting. The CHECK is replaced, not edited, so the
 * first migration's checksum stays.
 */
export const meetingControlLogEvents: Migration = {
  version: 2,
  name: "meeting log: host control events",
  sql: `
ALTER TABLE meeting_log DROP CONSTRAINT meeting_log_event_check;
ALTER TABLE meeting_log ADD CONSTRAINT meeting_log_event_check CHECK (event IN (
  'joined', 'left', 'kicked', 'admitted', 'denied',
  'banned', 'muted', 'role_changed', 'settings_changed', 'ended'
));
`,
};
