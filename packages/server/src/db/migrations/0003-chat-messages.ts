import type { Migration } from "../migrate.ts";

/**
 * Chat (issue 14): every message of a meeting, so a late joiner sees the history and a reload keeps it.
 * `sequence` orders a meeting's messages across nodes; (meeting, sender, client id) makes a resend store
 * nothing new. Private messages keep their recipient's identity, which is what history filters on.
 * E2EE messages keep only `sealed_text` (base64), which the server cannot read.
 */
export const chatMessages: Migration = {
  version: 3,
  name: "chat messages",
  sql: `
CREATE TABLE chat_messages (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  meeting_id text NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  client_message_id text NOT NULL CHECK (char_length(client_message_id) BETWEEN 1 AND 64),
  from_identity text NOT NULL CHECK (char_length(from_identity) BETWEEN 1 AND 255),
  from_name text NOT NULL CHECK (char_length(from_name) BETWEEN 1 AND 128),
  from_session_id bigint NOT NULL CHECK (from_session_id BETWEEN 1 AND 4294967295),
  to_identity text CHECK (char_length(to_identity) BETWEEN 1 AND 255),
  to_name text CHECK (char_length(to_name) BETWEEN 1 AND 128),
  to_session_id bigint CHECK (to_session_id BETWEEN 1 AND 4294967295),
  text text NOT NULL CHECK (char_length(text) <= 2000),
  sealed_text text NOT NULL DEFAULT '' CHECK (char_length(sealed_text) <= 8300),
  sent_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chat_messages_client_id_key UNIQUE (meeting_id, from_identity, client_message_id)
);
CREATE INDEX chat_messages_meeting_sequence_idx ON chat_messages (meeting_id, sequence);
`,
};
