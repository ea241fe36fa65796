import type { SqlExecutor } from "../database.ts";
import { checkText, TEXT_LIMITS } from "../validation.ts";

export interface User {
  /** A uuid; a signed-in user's participant identity. */
  readonly id: string;
  readonly oidcIssuer: string;
  readonly oidcSubject: string;
  readonly displayName: string;
  readonly createdAt: Date;
  readonly lastSignInAt: Date;
}

export interface OidcSignIn {
  /** The ID token's `iss`. */
  readonly issuer: string;
  /** The ID token's `sub`: stable per issuer (OpenID Connect Core §2: at most 255 ASCII characters). */
  readonly subject: string;
  readonly displayName: string;
}

const USER_COLUMNS = `id::text AS id, oidc_issuer AS "oidcIssuer", oidc_subject AS "oidcSubject",
  display_name AS "displayName", created_at AS "createdAt", last_sign_in_at AS "lastSignInAt"`;

export class Users {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  /**
   * The user for this issuer and subject, created on first sign-in; later sign-ins refresh the display name.
   * Safe when the same person signs in twice at once: one row, both calls get it.
   */
  async upsertFromOidc(signIn: OidcSignIn): Promise<User> {
    const rows = await this.#db.query<User>(
      `INSERT INTO users (oidc_issuer, oidc_subject, display_name) VALUES ($1, $2, $3)
       ON CONFLICT (oidc_issuer, oidc_subject)
       DO UPDATE SET display_name = EXCLUDED.display_name, last_sign_in_at = now()
       RETURNING ${USER_COLUMNS}`,
      [
        checkText("OIDC issuer", signIn.issuer, TEXT_LIMITS.oidcIssuer),
        checkText("OIDC subject", signIn.subject, TEXT_LIMITS.oidcSubject),
        checkText("display name", signIn.displayName, TEXT_LIMITS.displayName),
      ],
    );
    return rows[0]!;
  }

  async get(id: string): Promise<User | undefined> {
    if (!UUID_PATTERN.test(id)) return undefined;
    const rows = await this.#db.query<User>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  async findByOidc(issuer: string, subject: string): Promise<User | undefined> {
    const rows = await this.#db.query<User>(
      `SELECT ${USER_COLUMNS} FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2`,
      [issuer, subject],
    );
    return rows[0];
  }
}

/** Anything else is no user id; checking here keeps a malformed one from becoming an SQL error. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
