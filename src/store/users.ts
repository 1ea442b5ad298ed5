import { randomUUID } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import { ConflictError, NotFoundError, ValidationError } from "../core/errors.ts";
import { decoyHash, hashPassword, verifyPassword } from "../core/passwords.ts";
import { isRole, ROLES, type Role } from "../core/roles.ts";
import type { RampartDb, UsersTable } from "./schema.ts";

export interface User {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  updatedAt: number;
}

const NAME = /^[a-z0-9][a-z0-9._@-]{0,62}$/;
/** Long enough to resist guessing, short enough that scrypt's input stays bounded. */
const PASSWORD = { min: 12, max: 1024 };

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function checkRole(role: unknown, field = "role"): Role {
  if (!isRole(role)) throw new ValidationError(`${field} must be one of ${ROLES.join(", ")}`, { field });
  return role;
}

function checkPassword(password: unknown): string {
  if (typeof password !== "string" || password.length < PASSWORD.min)
    throw new ValidationError(`password must be at least ${PASSWORD.min} characters`, { field: "password" });
  if (password.length > PASSWORD.max)
    throw new ValidationError(`password must be at most ${PASSWORD.max} characters`, { field: "password" });
  return password;
}

/** The people who may sign in, each with one role; passwords are kept only as scrypt hashes. */
export class UserStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async add(input: { name: string; role: string; password: string }): Promise<User> {
    if (typeof input.name !== "string" || !NAME.test(input.name))
      throw new ValidationError(
        "name must be 1-63 lowercase letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
        { field: "name" },
      );
    const role = checkRole(input.role);
    const hash = await hashPassword(checkPassword(input.password));
    if (await this.find(input.name))
      throw new ConflictError(`user "${input.name}" already exists`, { field: "name" });
    const now = this.#now();
    const row = {
      id: randomUUID(),
      name: input.name,
      role,
      password_hash: hash,
      created_at: now,
      updated_at: now,
    };
    await this.#db.insertInto("users").values(row).execute();
    return toUser(row);
  }

  async find(name: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async byId(id: string): Promise<User | undefined> {
    const row = await this.#db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async get(name: string): Promise<User> {
    const user = await this.find(name);
    if (!user) throw new NotFoundError(`no user named "${name}"`, { field: "name" });
    return user;
  }

  async list(): Promise<User[]> {
    return (await this.#db.selectFrom("users").selectAll().orderBy("name").execute()).map(toUser);
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Changes the role and/or password; changing the password ends every session of the user. */
  async update(name: string, change: { role?: string; password?: string }): Promise<User> {
    const user = await this.get(name);
    const set: Partial<UsersTable> = { updated_at: this.#now() };
    if (change.role !== undefined) set.role = checkRole(change.role);
    if (change.password !== undefined) set.password_hash = await hashPassword(checkPassword(change.password));
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable("users").set(set).where("id", "=", user.id).execute();
      if (change.password !== undefined || change.role !== undefined)
        await trx.deleteFrom("sessions").where("user_id", "=", user.id).execute();
    });
    return this.get(name);
  }

  /** Removes the user and its sessions; the audit log keeps its name. */
  async remove(name: string): Promise<void> {
    const user = await this.get(name);
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom("sessions").where("user_id", "=", user.id).execute();
      await trx.deleteFrom("users").where("id", "=", user.id).execute();
    });
  }

  /** The user if `password` is theirs; a wrong name costs as much time as a wrong password. */
  async authenticate(name: string, password: string): Promise<User | undefined> {
    const row =
      typeof name === "string"
        ? await this.#db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst()
        : undefined;
    const candidate = typeof password === "string" && password.length <= PASSWORD.max ? password : "";
    const ok = await verifyPassword(candidate, row?.password_hash ?? (await decoyHash()));
    return row && ok ? toUser(row) : undefined;
  }
}
