import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DATABASES, openFreshDatabase } from "../../test/support/databases.ts";
import { hashPassword, verifyPassword } from "../core/passwords.ts";
import { ApiTokenStore } from "./api-tokens.ts";
import type { Database } from "./database.ts";
import { SessionStore } from "./sessions.ts";
import { UserStore } from "./users.ts";

for (const kind of DATABASES)
  describe(`sessions (${kind.name})`, { skip: kind.skip }, () => {
    let dir: string;
    let database: Database;
    let clock = 1_800_000_000_000;
    const now = () => clock;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "rampart-sessions-"));
      database = await openFreshDatabase(kind, dir);
    });
    after(async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test("a password hash verifies its password only, and carries its parameters", async () => {
      const hash = await hashPassword("a long enough password");
      assert.match(hash, /^scrypt\$32768\$8\$1\$/);
      assert.equal(await verifyPassword("a long enough password", hash), true);
      assert.equal(await verifyPassword("a long enough passworD", hash), false);
      // The key's first character changed: its last one carries two unused bits (32 bytes in 43
      // characters), so replacing that with "A" kept the key 1 time in 16.
      const key = hash.lastIndexOf("$") + 1;
      const tampered = hash.slice(0, key) + (hash[key] === "A" ? "B" : "A") + hash.slice(key + 1);
      assert.equal(await verifyPassword("a long enough password", tampered), false);
      assert.equal(await verifyPassword("x", "plain"), false);
    });

    test("a session ends when idle too long, and at its absolute end however busy", async () => {
      const users = new UserStore(database.db, now);
      const user = await users.add({ name: "kim", role: "responder", password: "kim's long password" });
      const sessions = new SessionStore(database.db, { idleMs: 10 * 60_000, absoluteMs: 60 * 60_000 }, now);
      const idle = await sessions.open(user);
      clock += 11 * 60_000;
      assert.equal(await sessions.resolve(idle.token), undefined, "idle for 11 minutes");
      const busy = await sessions.open(user);
      for (let minute = 0; minute < 55; minute += 5) {
        clock += 5 * 60_000;
        assert.equal((await sessions.resolve(busy.token))?.name, "kim", `used at minute ${minute + 5}`);
      }
      clock += 6 * 60_000;
      assert.equal(await sessions.resolve(busy.token), undefined, "past the absolute end");
    });

    test("a changed password ends the user's sessions; the store never holds a usable session or token", async () => {
      const users = new UserStore(database.db, now);
      const user = await users.add({ name: "lee", role: "viewer", password: "lee's long password" });
      const sessions = new SessionStore(database.db, undefined, now);
      const session = await sessions.open(user);
      await users.update("lee", { password: "lee's new long password" });
      assert.equal(await sessions.resolve(session.token), undefined);
      const { secret } = await new ApiTokenStore(database.db, now).create({
        name: "bot",
        role: "viewer",
        createdBy: "lee",
      });
      const stored = JSON.stringify([
        await database.db.selectFrom("sessions").selectAll().execute(),
        await database.db.selectFrom("api_tokens").selectAll().execute(),
      ]);
      assert.ok(!stored.includes(secret) && !stored.includes(session.token));
      assert.equal(await users.authenticate("lee", "lee's long password"), undefined);
      assert.equal((await users.authenticate("lee", "lee's new long password"))?.name, "lee");
    });
  });
