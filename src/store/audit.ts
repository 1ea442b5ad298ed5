import { type Kysely, sql } from "kysely";
import { ValidationError } from "../core/errors.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { RampartDb } from "./schema.ts";

export interface AuditEntry {
  id: number;
  at: number;
  /** The user's name, `token:<name>`, or `anonymous`. */
  actor: string;
  role?: string;
  address?: string;
  /** What was asked, e.g. `POST /api/v1/users` or `login`. */
  action: string;
  /** What it was asked of (a name, an id), never a body or a secret. */
  target?: string;
  result: "ok" | "refused" | "failed";
  status: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  next?: string;
}

/** The append-only record of who did what: one row per state-changing request and per sign-in. */
export class AuditLog {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async append(entry: Omit<AuditEntry, "id" | "at">): Promise<void> {
    await this.#db
      .insertInto("audit_log")
      .values({
        at: this.#now(),
        actor: entry.actor.slice(0, 80),
        role: entry.role ?? null,
        address: entry.address?.slice(0, 64) ?? null,
        action: entry.action.slice(0, 200),
        target: entry.target?.slice(0, 1000) ?? null,
        result: entry.result,
        status: entry.status,
      })
      .execute();
  }

  /** Newest first; `cursor` from the previous page; filtered by actor and by action prefix. */
  async list(
    query: { limit?: number; cursor?: string; actor?: string; action?: string } = {},
  ): Promise<AuditPage> {
    const limit = query.limit ?? 50;
    let q = this.#db
      .selectFrom("audit_log")
      .selectAll()
      .orderBy("id", "desc")
      .limit(limit + 1);
    if (query.cursor !== undefined) q = q.where("id", "<", auditIdOf(query.cursor));
    if (query.actor !== undefined) q = q.where("actor", "=", query.actor);
    if (query.action !== undefined)
      q = q.where(sql<boolean>`substr(action, 1, ${query.action.length}) = ${query.action}`);
    const rows = await q.execute();
    const entries = rows.slice(0, limit).map((row) => {
      const entry: AuditEntry = {
        id: Number(row.id),
        at: Number(row.at),
        actor: row.actor,
        action: row.action,
        result: row.result as AuditEntry["result"],
        status: Number(row.status),
      };
      if (row.role !== null) entry.role = row.role;
      if (row.address !== null) entry.address = row.address;
      if (row.target !== null) entry.target = row.target;
      return entry;
    });
    const last = entries.at(-1);
    return rows.length > limit && last ? { entries, next: encodeCursor(last.id, "audit") } : { entries };
  }
}

function auditIdOf(cursor: string): number {
  const [id, kind] = decodeCursor(cursor);
  if (kind !== "audit" || typeof id !== "number" || !Number.isInteger(id))
    throw new ValidationError("cursor is not one this API gave out", { field: "cursor" });
  return id;
}
