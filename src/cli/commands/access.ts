import { userInfo } from "node:os";
import type { Command } from "commander";
import type { Kysely } from "kysely";
import { parseDuration } from "../../engine/duration.ts";
import { ApiTokenStore } from "../../store/api-tokens.ts";
import { AuditLog } from "../../store/audit.ts";
import { openDatabase } from "../../store/database.ts";
import type { RampartDb } from "../../store/schema.ts";
import { UserStore } from "../../store/users.ts";
import { storeOf } from "../connection-store.ts";
import { UsageError } from "../failure.ts";
import { readNewPassword } from "../password-input.ts";
import { table } from "../table.ts";

/** Opens the data dir's store, runs `fn`, closes it. */
async function withDb<T>(
  command: Command,
  fn: (db: Kysely<RampartDb>, audit: AuditLog) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(storeOf(command));
  try {
    return await fn(database.db, new AuditLog(database.db));
  } finally {
    await database.close();
  }
}

/** Who changed access from this machine's shell, for the audit log: `local:<os user>`. */
function localActor(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return "local";
  }
}

const when = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString());

export function registerAccessCommands(program: Command): void {
  const user = program
    .command("user")
    .description("The people who may sign in to rampart serve, each with a role");

  user
    .command("add <name>")
    .description("Add a user; the password is asked on the terminal (or read with --password-stdin)")
    .requiredOption("--role <role>", "admin, responder or viewer")
    .option("--password-stdin", "read the password from standard input")
    .action(async (name: string, options: { role: string; passwordStdin?: boolean }, command: Command) => {
      const password = await readNewPassword(options.passwordStdin === true);
      const added = await withDb(command, async (db, audit) => {
        const created = await new UserStore(db).add({ name, role: options.role, password });
        await audit.append({
          actor: localActor(),
          action: "user add",
          target: `name=${name}`,
          result: "ok",
          status: 0,
        });
        return created;
      });
      console.log(`added user "${added.name}" (${added.role})`);
    });

  user
    .command("passwd <name>")
    .description("Set a user's password (ends the user's sessions)")
    .option("--password-stdin", "read the password from standard input")
    .action(async (name: string, options: { passwordStdin?: boolean }, command: Command) => {
      const password = await readNewPassword(options.passwordStdin === true);
      await withDb(command, async (db, audit) => {
        await new UserStore(db).update(name, { password });
        await audit.append({
          actor: localActor(),
          action: "user passwd",
          target: `name=${name}`,
          result: "ok",
          status: 0,
        });
      });
      console.log(`changed the password of "${name}"`);
    });

  user
    .command("list")
    .description("List users and their roles")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withDb(command, (db) => new UserStore(db).list());
      if (options.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0)
        return console.log("no users; add the first admin with rampart user add <name> --role admin");
      console.log(
        table(
          ["NAME", "ROLE", "CREATED"],
          list.map((u) => [u.name, u.role, when(u.createdAt)]),
        ),
      );
    });

  user
    .command("remove <name>")
    .description("Remove a user and end its sessions")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withDb(command, async (db, audit) => {
        await new UserStore(db).remove(name);
        await audit.append({
          actor: localActor(),
          action: "user remove",
          target: `name=${name}`,
          result: "ok",
          status: 0,
        });
      });
      console.log(`removed user "${name}"`);
    });

  const token = program.command("token").description("API tokens for machines calling rampart serve");

  token
    .command("create <name>")
    .description("Create an API token; its secret is printed once and never again")
    .requiredOption("--role <role>", "admin, responder or viewer")
    .option("--expires <duration>", "how long it lives, e.g. 90d (default: until revoked)")
    .action(async (name: string, options: { role: string; expires?: string }, command: Command) => {
      const ttl = options.expires === undefined ? undefined : parseDuration(options.expires, "--expires");
      const created = await withDb(command, async (db, audit) => {
        const result = await new ApiTokenStore(db).create({
          name,
          role: options.role,
          createdBy: localActor(),
          expiresAt: ttl === undefined ? undefined : Date.now() + ttl,
        });
        await audit.append({
          actor: localActor(),
          action: "token create",
          target: `name=${name}`,
          result: "ok",
          status: 0,
        });
        return result;
      });
      process.stderr.write(`created token "${name}" (${created.token.role}); it is shown only now:\n`);
      process.stdout.write(`${created.secret}\n`);
    });

  token
    .command("list")
    .description("List API tokens (never their secrets)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withDb(command, (db) => new ApiTokenStore(db).list());
      if (options.json) return console.log(JSON.stringify(list, null, 2));
      console.log(
        table(
          ["NAME", "ROLE", "CREATED BY", "EXPIRES", "LAST USED", "REVOKED"],
          list.map((t) => [
            t.name,
            t.role,
            t.createdBy,
            when(t.expiresAt),
            when(t.lastUsedAt),
            when(t.revokedAt),
          ]),
        ),
      );
    });

  token
    .command("revoke <name>")
    .description("Revoke an API token at once")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withDb(command, async (db, audit) => {
        await new ApiTokenStore(db).revoke(name);
        await audit.append({
          actor: localActor(),
          action: "token revoke",
          target: `name=${name}`,
          result: "ok",
          status: 0,
        });
      });
      console.log(`revoked token "${name}"`);
    });

  const auditCommand = program.command("audit").description("The audit log: who did what");
  auditCommand
    .command("list")
    .description("Audit rows, newest first")
    .option("--limit <n>", "how many", "50")
    .option("--actor <actor>", "only this actor (a user, token:<name>, local:<os user>)")
    .option("--json", "print JSON")
    .action(async (options: { limit: string; actor?: string; json?: boolean }, command: Command) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new UsageError("--limit must be 1-10000");
      const page = await withDb(command, (db) => new AuditLog(db).list({ limit, actor: options.actor }));
      if (options.json) return console.log(JSON.stringify(page.entries, null, 2));
      console.log(
        table(
          ["WHEN", "ACTOR", "ROLE", "ADDRESS", "ACTION", "TARGET", "RESULT"],
          page.entries.map((e) => [
            when(e.at),
            e.actor,
            e.role ?? "-",
            e.address ?? "-",
            e.action,
            e.target ?? "-",
            `${e.result} ${e.status}`,
          ]),
        ),
      );
    });
}
