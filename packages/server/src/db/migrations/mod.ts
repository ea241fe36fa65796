import type { Migration } from "../migrate.ts";
import { initialSchema } from "./0001-initial-schema.ts";
import { meetingControlLogEvents } from "./0002-meeting-control-log-events.ts";
import { chatMessages } from "./0003-chat-messages.ts";

/**
 * Every migration, oldest first. To change the schema, add a file `NNNN-what-it-does.ts` with the next version
 * and list it here; never edit one that has shipped (the runner refuses a changed checksum).
 */
export const MIGRATIONS: readonly Migration[] = [initialSchema, meetingControlLogEvents, chatMessages];
