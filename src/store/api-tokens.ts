import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../core/errors.ts";
import type { Role } from "../core/roles.ts";
import { credentialHash, newCredential } from "../core/tokens.ts";
import type { ApiTokensTable, RampartDb } from "./schema.ts";
import { checkRole } from "./users.ts";

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  const token: ApiToken = {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
  if (row.expires_at !== null) token.expiresAt = Number(row.expires_at);
  if (row.last_used_at !== null) token.lastUsedAt = Number(row.last_used_at);
  if (row.revoked_at !== null) token.revokedAt = Number(row.revoked_at);
  return token;
}

/** API tokens for machines: random, shown once, stored as a hash, each with a role and an optional expiry. */
export class ApiTokenStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Creates a token; the secret is in the result only, never stored or shown again. */
  async create(input: {
    name: string;
    role: string;
    createdBy: string;
    expiresAt?: number;
  }): Promise<{ token: ApiToken; secret: string }> {
    if (typeof input.name !== "string" || !NAME.test(input.name))
      throw new ValidationError("name must be 1-63 lowercase letters, digits, '.', '_' or '-'", {
        field: "name",
      });
    const role = checkRole(input.role);
    const now = this.#now();
    if (input.expiresAt !== undefined && (!Number.isFinite(input.expiresAt) || input.expiresAt <= now))
      throw new ValidationError("expires must be in the future", { field: "expires" });
    if (
      await this.#db.selectFrom("api_tokens").select("id").where("name", "=", input.name).executeTakeFirst()
    )
      throw new ConflictError(`a token named "${input.name}" already exists`, { field: "name" });
    const secret = newCredential("rpt");
    const row = {
      id: randomUUID(),
      name: input.name,
      token_hash: credentialHash(secret),
      role,
      created_by: input.createdBy,
      created_at: now,
      expires_at: input.expiresAt ?? null,
      last_used_at: null,
      revoked_at: null,
    };
    await this.#db.insertInto("api_tokens").values(row).execute();
    return { token: toToken(row), secret };
  }

  async list(): Promise<ApiToken[]> {
    return (await this.#db.selectFrom("api_tokens").selectAll().orderBy("name").execute()).map(toToken);
  }

  /** Revokes the token at once; it stays listed, marked revoked. */
  async revoke(name: string): Promise<ApiToken> {
    const result = await this.#db
      .updateTable("api_tokens")
      .set({ revoked_at: this.#now() })
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    const row = await this.#db
      .selectFrom("api_tokens")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no token named "${name}"`, { field: "name" });
    if (Number(result.numUpdatedRows) === 0) throw new ConflictError(`token "${name}" is already revoked`);
    return toToken(row);
  }

  /** The token a secret belongs to when it is live (not expired, not revoked), and marks it used. */
  async resolve(secret: string): Promise<ApiToken | undefined> {
    const row = await this.#db
      .selectFrom("api_tokens")
      .selectAll()
      .where("token_hash", "=", credentialHash(secret))
      .executeTakeFirst();
    const now = this.#now();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && Number(row.expires_at) <= now))
      return undefined;
    if (row.last_used_at === null || now - Number(row.last_used_at) > 60_000)
      await this.#db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", row.id).execute();
    return toToken({ ...row, last_used_at: now });
  }
}
