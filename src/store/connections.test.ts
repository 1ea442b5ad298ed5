import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DATABASES, openFreshDatabase } from "../../test/support/databases.ts";
import { defaultRegistry } from "../connectors/registry.ts";
import type { RampartError } from "../connectors/sdk/index.ts";
import { ConnectionStore } from "./connections.ts";
import type { Database } from "./database.ts";
import { SecretBox } from "./secrets.ts";

const SECRET = "canary-token-7f3a9c21e4b8d05f";
const config = { url: "https://1234abcd.canary.tools", auth_token: SECRET };

async function rejection(promise: Promise<unknown>): Promise<RampartError> {
  try {
    await promise;
  } catch (error) {
    return error as RampartError;
  }
  assert.fail("expected a rejection");
}

for (const kind of DATABASES)
  describe(`ConnectionStore (${kind.name})`, { skip: kind.skip }, () => {
    let root: string;
    let database: Database;
    let store: ConnectionStore;
    let clock: Date;
    const key = randomBytes(32);

    before(async () => {
      root = mkdtempSync(join(tmpdir(), "rampart-conn-"));
      database = await openFreshDatabase(kind, root);
      clock = new Date("2026-01-02T03:04:05.000Z");
      store = new ConnectionStore({
        database,
        connectors: defaultRegistry(),
        secrets: new SecretBox(key),
        now: () => clock,
      });
    });
    after(async () => {
      await database.close();
      rmSync(root, { recursive: true, force: true });
    });

    test("adds a connection and gives back its config decrypted", async () => {
      const added = await store.add({ name: "canary-prod", connector: "thinkst-canary", config });
      assert.deepEqual(added, {
        name: "canary-prod",
        connector: "thinkst-canary",
        config: { url: config.url, auth_token: "[REDACTED]" },
        createdAt: "2026-01-02T03:04:05.000Z",
        updatedAt: "2026-01-02T03:04:05.000Z",
      });
      const got = await store.get("canary-prod");
      assert.deepEqual(got.config, config);
      assert.equal(got.connector, "thinkst-canary");
    });

    test("lists connections without their secrets", async () => {
      const list = await store.list();
      assert.deepEqual(
        list.map((c) => c.name),
        ["canary-prod"],
      );
      assert.equal(list[0]!.config.auth_token, "[REDACTED]");
      assert.equal(list[0]!.config.url, config.url);
      assert.ok(!JSON.stringify(list).includes(SECRET));
    });

    test("never writes a secret to the database in clear", async () => {
      await store.add({
        name: "canary-second",
        connector: "thinkst-canary",
        config: { ...config, url: "https://x.canary.tools" },
      });
      if (kind.name === "postgres") {
        // The server's files are not ours to read: every stored column, as the database gives it back.
        const rows = JSON.stringify(await database.db.selectFrom("connections").selectAll().execute());
        assert.ok(rows.includes("canary-second"));
        assert.ok(!rows.includes(SECRET), "a row holds the secret in clear");
        assert.ok(!rows.includes(Buffer.from(SECRET).toString("base64")), "a row holds the secret in base64");
        return;
      }
      // Whatever SQLite has written so far: the main file, the WAL and any journal.
      const files = readdirSync(root).filter((f) => f.startsWith("rampart.db"));
      assert.ok(files.includes("rampart.db"));
      for (const file of files) {
        const bytes = readFileSync(join(root, file));
        assert.equal(bytes.indexOf(SECRET), -1, `${file} holds the secret in clear`);
        assert.equal(
          bytes.indexOf(Buffer.from(SECRET).toString("base64")),
          -1,
          `${file} holds the secret in base64`,
        );
      }
    });

    test("a duplicate name is refused and the first connection is kept", async () => {
      const error = await rejection(
        store.add({
          name: "canary-prod",
          connector: "thinkst-canary",
          config: { ...config, auth_token: "other-token" },
        }),
      );
      assert.equal(error.type, "ConflictError");
      assert.equal(error.field, "name");
      assert.match(error.message, /"canary-prod" already exists/);
      assert.equal((await store.get("canary-prod")).config.auth_token, SECRET);
    });

    test("invalid input is refused with an error naming the field", async () => {
      const cases: Array<[unknown, string, RegExp]> = [
        [{ name: "Bad Name", connector: "thinkst-canary", config }, "name", /not a valid connection name/],
        [{ name: "-dash", connector: "thinkst-canary", config }, "name", /not a valid connection name/],
        [
          { name: "x".repeat(64), connector: "thinkst-canary", config },
          "name",
          /not a valid connection name/,
        ],
        [{ name: "", connector: "thinkst-canary", config }, "name", /name is required/],
        [{ name: "ok", connector: "nope", config }, "connector", /unknown connector "nope"/],
        [{ name: "ok", config }, "connector", /connector is required/],
        [{ name: "ok", connector: "thinkst-canary", config: [] }, "config", /must be a JSON object/],
        [
          { name: "ok", connector: "thinkst-canary", config: { url: config.url } },
          "config.auth_token",
          /is required/,
        ],
        [
          { name: "ok", connector: "thinkst-canary", config: { ...config, url: "not a url" } },
          "config.url",
          /config\.url must match format "uri"/,
        ],
        [
          { name: "ok", connector: "thinkst-canary", config: { ...config, extra: 1 } },
          "config.extra",
          /not an allowed field/,
        ],
      ];
      for (const [input, field, message] of cases) {
        const error = await rejection(store.add(input as never));
        assert.equal(error.type, "ValidationError", JSON.stringify(input));
        assert.equal(error.field, field, JSON.stringify(input));
        assert.match(error.message, message);
        assert.ok(!error.message.includes(SECRET));
      }
      assert.deepEqual(
        (await store.list()).map((c) => c.name),
        ["canary-prod", "canary-second"],
      );
    });

    test("update replaces the config, re-validated, and keeps the creation time", async () => {
      clock = new Date("2026-02-01T00:00:00.000Z");
      const updated = await store.update("canary-second", { ...config, auth_token: "rotated-token-123456" });
      assert.equal(updated.createdAt, "2026-01-02T03:04:05.000Z");
      assert.equal(updated.updatedAt, "2026-02-01T00:00:00.000Z");
      assert.equal(updated.config.auth_token, "[REDACTED]");
      assert.equal((await store.get("canary-second")).config.auth_token, "rotated-token-123456");

      const error = await rejection(store.update("canary-second", { url: config.url }));
      assert.equal(error.field, "config.auth_token");
      assert.equal((await store.get("canary-second")).config.auth_token, "rotated-token-123456");
      assert.equal((await rejection(store.update("ghost", config))).type, "NotFoundError");
    });

    test("a connection read with another master key fails with an AuthError", async () => {
      const other = new ConnectionStore({
        database,
        connectors: defaultRegistry(),
        secrets: new SecretBox(randomBytes(32)),
      });
      const error = await rejection(other.get("canary-prod"));
      assert.equal(error.type, "AuthError");
      assert.ok(!error.message.includes(SECRET));
    });

    test("remove deletes one connection; a missing one is a NotFoundError", async () => {
      await store.remove("canary-second");
      assert.deepEqual(
        (await store.list()).map((c) => c.name),
        ["canary-prod"],
      );
      const error = await rejection(store.remove("canary-second"));
      assert.equal(error.type, "NotFoundError");
      assert.match(error.message, /no connection named "canary-second"/);
      assert.equal((await rejection(store.get("canary-second"))).type, "NotFoundError");
    });
  });
