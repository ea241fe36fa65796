import type { Migration } from "../migrate.ts";

/**
 * Issue 10's tables. An identity is a string the server hands out: a signed-in user's is their `users.id`,
 * a guest's or an integrator token's is whatever the token says. So host, co-hosts, bans and the log key on
 * identity; `host_user_id` links the host's account when the host signed in.
 * Length limits repeat the repositories' validation here, so nothing oversized lands even through raw SQL.
 */
export const initialSchema: Migration = {
  version: 1,
  name: "initial schema: users, meetings, co-hosts, bans, meeting log",
  sql: `
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  oidc_issuer text NOT NULL CHECK (char_length(oidc_issuer) BETWEEN 1 AND 2048),
  oidc_subject text NOT NULL CHECK (char_length(oidc_subject) BETWEEN 1 AND 255),
  display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 128),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_oidc_identity_key UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE meetings (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
  host_identity text NOT NULL CHECK (char_length(host_identity) BETWEEN 1 AND 255),
  host_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  guests_allowed boolean NOT NULL DEFAULT true,
  waiting_room boolean NOT NULL DEFAULT false,
  password_hash text CHECK (char_length(password_hash) <= 512),
  locked boolean NOT NULL DEFAULT false,
  e2ee_required boolean NOT NULL DEFAULT false
);
CREATE INDEX meetings_host_user_id_idx ON meetings (host_user_id);

CREATE TABLE meeting_cohosts (
  meeting_id text NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  identity text NOT NULL CHECK (char_length(identity) BETWEEN 1 AND 255),
  granted_by text NOT NULL CHECK (char_length(granted_by) BETWEEN 1 AND 255),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (meeting_id, identity)
);

CREATE TABLE meeting_bans (
  meeting_id text NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  identity text NOT NULL CHECK (char_length(identity) BETWEEN 1 AND 255),
  banned_by text NOT NULL CHECK (char_length(banned_by) BETWEEN 1 AND 255),
  reason text CHECK (char_length(reason) <= 1000),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- NULL: banned for good.
  until timestamptz,
  PRIMARY KEY (meeting_id, identity)
);

CREATE TABLE meeting_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  meeting_id text NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
  identity text NOT NULL CHECK (char_length(identity) BETWEEN 1 AND 255),
  display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 128),
  event text NOT NULL CHECK (event IN ('joined', 'left', 'kicked', 'admitted', 'denied')),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meeting_log_meeting_at_idx ON meeting_log (meeting_id, at, id);
`,
};
