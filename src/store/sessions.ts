import type { Kysely } from "kysely";
import { credentialHash, newCredential } from "../core/tokens.ts";
import type { RampartDb } from "./schema.ts";
import type { User } from "./users.ts";
import { UserStore } from "./users.ts";

export interface SessionLimits {
  /** Ends a session nobody used for this long. */
  idleMs: number;
  /** Ends every session this long after sign-in, used or not. */
  absoluteMs: number;
}

/** Eight hours idle, twelve in all: one analyst's shift. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 8 * 3_600_000, absoluteMs: 12 * 3_600_000 };

/** Browser sessions: the cookie holds a random value, the store only its hash. */
export class SessionStore {
  readonly #db: Kysely<RampartDb>;
  readonly #limits: SessionLimits;
  readonly #now: () => number;
  readonly #users: UserStore;

  constructor(
    db: Kysely<RampartDb>,
    limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    now: () => number = Date.now,
  ) {
    this.#db = db;
    this.#limits = limits;
    this.#now = now;
    this.#users = new UserStore(db, now);
  }

  /** Opens a session; the returned token goes into the cookie and is never stored. */
  async open(user: User, address?: string): Promise<{ token: string; expiresAt: number }> {
    const token = newCredential("rps");
    const now = this.#now();
    const expiresAt = now + this.#limits.absoluteMs;
    await this.#db
      .insertInto("sessions")
      .values({
        token_hash: credentialHash(token),
        user_id: user.id,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        address: address ?? null,
      })
      .execute();
    // Ended sessions are swept on each sign-in, so the table stays as small as the live ones.
    await this.#db
      .deleteFrom("sessions")
      .where((eb) =>
        eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", now - this.#limits.idleMs)]),
      )
      .execute();
    return { token, expiresAt };
  }

  /** The session's user if the session is live, and marks it used; undefined for an unknown or ended one. */
  async resolve(token: string): Promise<User | undefined> {
    const hash = credentialHash(token);
    const row = await this.#db
      .selectFrom("sessions")
      .selectAll()
      .where("token_hash", "=", hash)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = this.#now();
    if (Number(row.expires_at) <= now || Number(row.last_seen_at) <= now - this.#limits.idleMs) {
      await this.#db.deleteFrom("sessions").where("token_hash", "=", hash).execute();
      return undefined;
    }
    // Written at most once a minute: every request of a busy page would otherwise be a write.
    if (now - Number(row.last_seen_at) > 60_000)
      await this.#db
        .updateTable("sessions")
        .set({ last_seen_at: now })
        .where("token_hash", "=", hash)
        .execute();
    return this.#users.byId(row.user_id);
  }

  async close(token: string): Promise<void> {
    await this.#db.deleteFrom("sessions").where("token_hash", "=", credentialHash(token)).execute();
  }
}
