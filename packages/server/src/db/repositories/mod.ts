import type { SqlExecutor } from "../database.ts";
import { Bans } from "./bans.ts";
import { ChatMessages } from "./chat-messages.ts";
import { CoHosts } from "./cohosts.ts";
import { MeetingLog } from "./meeting-log.ts";
import { Meetings } from "./meetings.ts";
import { Users } from "./users.ts";

export * from "./bans.ts";
export * from "./chat-messages.ts";
export * from "./cohosts.ts";
export * from "./meeting-log.ts";
export * from "./meetings.ts";
export * from "./users.ts";

export interface Repositories {
  readonly users: Users;
  readonly meetings: Meetings;
  readonly cohosts: CoHosts;
  readonly bans: Bans;
  readonly meetingLog: MeetingLog;
  readonly chatMessages: ChatMessages;
}

/**
 * The typed repositories over a database or over one transaction of it:
 * `db.transaction((tx) => repositoriesFor(tx).bans.add(…))`. They hold no state of their own.
 */
export function repositoriesFor(db: SqlExecutor): Repositories {
  return {
    users: new Users(db),
    meetings: new Meetings(db),
    cohosts: new CoHosts(db),
    bans: new Bans(db),
    meetingLog: new MeetingLog(db),
    chatMessages: new ChatMessages(db),
  };
}
