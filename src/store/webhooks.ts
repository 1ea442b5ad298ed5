import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./database.ts";
import type { SecretBox } from "./secrets.ts";

interface WebhookSecretsTable {
  playbook: string;
  secret_encrypted: string;
  created_at: string;
}

interface WebhookDeliveriesTable {
  playbook: string;
  idempotency_key: string;
  run_id: string;
  body_sha256: string;
  created_at: string;
}

interface Tables {
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

const SECRET_BYTES = 32;
// The playbook name is bound to the ciphertext: a secret copied to another playbook's row will not decrypt.
const context = (playbook: string) => `webhook:${playbook}`;

/** Each webhook playbook's signing secret, random and encrypted at rest with the connections' key. */
export class WebhookSecretStore {
  readonly #db: Kysely<Tables>;
  readonly #box: SecretBox;

  constructor(options: { database: Pick<Database, "db">; secrets: SecretBox }) {
    this.#db = options.database.db as Kysely<Tables>;
    this.#box = options.secrets;
  }

  /** Creates the playbook's secret, or replaces it (the old one stops working at once); returns it, the only time it is shown. */
  async rotate(playbook: string, now = new Date()): Promise<string> {
    const secret = `whsec_${randomBytes(SECRET_BYTES).toString("base64url")}`;
    const row = {
      playbook,
      secret_encrypted: this.#box.encrypt(secret, context(playbook)),
      created_at: now.toISOString(),
    };
    await this.#db
      .insertInto("webhook_secrets")
      .values(row)
      .onConflict((oc) =>
        oc
          .column("playbook")
          .doUpdateSet({ secret_encrypted: row.secret_encrypted, created_at: row.created_at }),
      )
      .execute();
    return secret;
  }

  /** The playbook's secret, or undefined when none was created. */
  async secretOf(playbook: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom("webhook_secrets")
      .select("secret_encrypted")
      .where("playbook", "=", playbook)
      .executeTakeFirst();
    return row ? this.#box.decrypt(row.secret_encrypted, context(playbook)) : undefined;
  }

  /** When each playbook's secret was created (never the secret). */
  async list(): Promise<Array<{ playbook: string; createdAt: string }>> {
    const rows = await this.#db
      .selectFrom("webhook_secrets")
      .select(["playbook", "created_at"])
      .orderBy("playbook")
      .execute();
    return rows.map((r) => ({ playbook: r.playbook, createdAt: r.created_at }));
  }
}

/** A delivery that carried an Idempotency-Key: the run it started and a digest of its body. */
export interface Delivery {
  playbook: string;
  idempotencyKey: string;
  runId: string;
  bodySha256: string;
}

/** One run per (playbook, Idempotency-Key): the first delivery's row wins, redeliveries read it back. */
export class SqlDeliveryLedger {
  readonly #db: Kysely<Tables>;

  constructor(database: Pick<Database, "db">) {
    this.#db = database.db as Kysely<Tables>;
  }

  async find(playbook: string, idempotencyKey: string): Promise<Delivery | undefined> {
    const row = await this.#db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("playbook", "=", playbook)
      .where("idempotency_key", "=", idempotencyKey)
      .executeTakeFirst();
    return row ? { playbook, idempotencyKey, runId: row.run_id, bodySha256: row.body_sha256 } : undefined;
  }

  /** Records the delivery unless one with its key exists; returns the row that stands. */
  async record(delivery: Delivery, now = new Date()): Promise<Delivery> {
    await this.#db
      .insertInto("webhook_deliveries")
      .values({
        playbook: delivery.playbook,
        idempotency_key: delivery.idempotencyKey,
        run_id: delivery.runId,
        body_sha256: delivery.bodySha256,
        created_at: now.toISOString(),
      })
      .onConflict((oc) => oc.columns(["playbook", "idempotency_key"]).doNothing())
      .execute();
    return (await this.find(delivery.playbook, delivery.idempotencyKey))!;
  }
}
