import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import type { Command } from "commander";
import { signDelivery } from "../../api/webhooks/signature.ts";
import { NotFoundError } from "../../connectors/sdk/index.ts";
import { openSecretBox } from "../../store/secrets.ts";
import { WebhookSecretStore } from "../../store/webhooks.ts";
import { storeOf } from "../connection-store.ts";
import { UsageError } from "../failure.ts";
import { withWorkspace } from "../workspace.ts";

const PLAYBOOK_NAME = /^[a-z0-9][a-z0-9._-]*$/;

export function registerWebhookCommands(program: Command): void {
  const webhook = program
    .command("webhook")
    .description("Webhook playbooks (trigger.webhook): their signing secrets, and signing a delivery");

  webhook
    .command("secret <playbook>")
    .description(
      "Create or rotate the playbook's signing secret and print it once (the old one stops working at once)",
    )
    .action(async (playbook: string, _options: unknown, command: Command) => {
      checkName(playbook);
      const secret = await withSecrets(command, (secrets) => secrets.rotate(playbook));
      process.stdout.write(`${secret}\n`);
      process.stderr.write(
        `the signing secret of ${playbook}: shown this once, stored encrypted; give it to the sender (rampart webhook sign shows the headers)\n`,
      );
    });

  webhook
    .command("sign <playbook>")
    .description("Print the X-Rampart-Timestamp and X-Rampart-Signature headers a sender puts on a body")
    .option("--body <file>", "the exact body to send (default: stdin)")
    .option("--timestamp <unix-seconds>", "sign as of this time (default now)")
    .action(async (playbook: string, options: { body?: string; timestamp?: string }, command: Command) => {
      checkName(playbook);
      if (options.timestamp !== undefined && !/^\d{1,12}$/.test(options.timestamp))
        throw new UsageError("--timestamp must be unix seconds");
      const body =
        options.body === undefined || options.body === "-"
          ? await text(process.stdin)
          : await readFile(options.body, "utf8");
      const secret = await withSecrets(command, (secrets) => secrets.secretOf(playbook));
      if (!secret)
        throw new NotFoundError(
          `${playbook} has no webhook secret; create one with rampart webhook secret ${playbook}`,
        );
      const headers = signDelivery(
        secret,
        body,
        options.timestamp ? Number(options.timestamp) : Date.now() / 1000,
      );
      for (const [name, value] of Object.entries(headers)) process.stdout.write(`${name}: ${value}\n`);
    });
}

function checkName(playbook: string): void {
  if (!PLAYBOOK_NAME.test(playbook))
    throw new UsageError(`"${playbook}" is not a playbook name (lower-case letters, digits, . _ -)`);
}

async function withSecrets<T>(command: Command, fn: (secrets: WebhookSecretStore) => Promise<T>): Promise<T> {
  const store = storeOf(command);
  const { dataDir } = store;
  return withWorkspace(store, ({ database }) =>
    fn(new WebhookSecretStore({ database, secrets: openSecretBox({ dataDir }) })),
  );
}
