import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DATABASES, openFreshDatabase } from "../../test/support/databases.ts";
import type { Database } from "./database.ts";
import { SecretBox } from "./secrets.ts";
import { SqlDeliveryLedger, WebhookSecretStore } from "./webhooks.ts";

for (const kind of DATABASES)
  describe(`webhook secrets and deliveries (${kind.name})`, { skip: kind.skip }, () => {
    let root: string;
    let database: Database;
    let secrets: WebhookSecretStore;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), "rampart-webhooks-store-"));
      database = await openFreshDatabase(kind, root);
      secrets = new WebhookSecretStore({ database, secrets: new SecretBox(Buffer.alloc(32, 7)) });
    });
    after(async () => {
      await database.close();
      rmSync(root, { recursive: true, force: true });
    });

    test("a secret is stored encrypted, read back whole, and listed without its value", async () => {
      const secret = await secrets.rotate("alpha");
      assert.equal(await secrets.secretOf("alpha"), secret);
      assert.equal(await secrets.secretOf("beta"), undefined);
      const rows = await database.db.selectFrom("webhook_secrets").selectAll().execute();
      assert.ok(rows.every((r) => !String(r.secret_encrypted).includes(secret.slice(6))));
      assert.deepEqual(
        (await secrets.list()).map((s) => Object.keys(s).sort()),
        [["createdAt", "playbook"]],
      );
    });

    test("a sealed secret copied onto another playbook's row does not decrypt", async () => {
      await secrets.rotate("beta");
      const alpha = await database.db
        .selectFrom("webhook_secrets")
        .select("secret_encrypted")
        .where("playbook", "=", "alpha")
        .executeTakeFirstOrThrow();
      await database.db
        .updateTable("webhook_secrets")
        .set({ secret_encrypted: alpha.secret_encrypted })
        .where("playbook", "=", "beta")
        .execute();
      await assert.rejects(secrets.secretOf("beta"), { name: "AuthError" });
    });

    test("the first delivery of a key stands; recording it again returns that row", async () => {
      const ledger = new SqlDeliveryLedger(database);
      const first = { playbook: "alpha", idempotencyKey: "k1", runId: "run-1", bodySha256: "a".repeat(64) };
      assert.deepEqual(await ledger.record(first), first);
      assert.deepEqual(await ledger.record({ ...first, runId: "run-2" }), first);
      assert.equal(await ledger.find("beta", "k1"), undefined);
    });
  });
