import type { Command } from "commander";
import { createClient, jsonLogger } from "../../connectors/sdk/index.ts";
import { storeOf, withConnections } from "../connection-store.ts";
import { registryOf } from "../connector-registry.ts";
import { UsageError } from "../failure.ts";
import { readJsonArg, warnInlineSecrets } from "../input.ts";
import { table } from "../table.ts";

export function registerConnectionCommands(program: Command): void {
  const connection = program
    .command("connection")
    .description("Save connections (a connector and its config, encrypted at rest) and use them by name");

  connection
    .command("add <name>")
    .description("Save a connection; its config is checked against the connector's schema")
    .requiredOption("--connector <connector>", "connector the connection is for (see rampart connectors)")
    .requiredOption(
      "--config <json|@file|->",
      "connection config (@file or - for stdin keeps secrets out of ps)",
    )
    .action(async (name: string, options: { connector: string; config: string }, command: Command) => {
      const config = readJsonArg(options.config, "--config");
      const registry = await registryOf(command);
      const saved = await withConnections(
        storeOf(command),
        (store) => store.add({ name, connector: options.connector, config }),
        registry,
      );
      warnInlineSecrets(options.config, config, registry.get(saved.connector));
      console.log(`saved connection "${saved.name}" (${saved.connector})`);
    });

  connection
    .command("update <name>")
    .description("Replace a saved connection's config (e.g. a rotated token)")
    .requiredOption("--config <json|@file|->", "the whole new connection config (@file or - for stdin)")
    .action(async (name: string, options: { config: string }, command: Command) => {
      const config = readJsonArg(options.config, "--config");
      const registry = await registryOf(command);
      const saved = await withConnections(storeOf(command), (store) => store.update(name, config), registry);
      warnInlineSecrets(options.config, config, registry.get(saved.connector));
      console.log(`updated connection "${saved.name}" (${saved.connector})`);
    });

  connection
    .command("list")
    .description("List saved connections; secrets are shown as [REDACTED]")
    .option("--json", "print JSON: [{name, connector, config, createdAt, updatedAt}]")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withConnections(
        storeOf(command),
        (store) => store.list(),
        await registryOf(command),
      );
      if (options.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log("no saved connections; add one with rampart connection add");
      console.log(
        table(
          ["NAME", "CONNECTOR", "UPDATED", "CONFIG"],
          list.map((c) => [c.name, c.connector, c.updatedAt, JSON.stringify(c.config)]),
        ),
      );
    });

  connection
    .command("test <name>")
    .description("Check a saved connection with its connector's cheapest read-only operation")
    .option("--log-level <level>", "log HTTP traffic to stderr at this level", "warn")
    .action(async (name: string, options: { logLevel: string }, command: Command) => {
      const saved = await withConnections(storeOf(command), (store) => store.get(name));
      const connector = (await registryOf(command)).get(saved.connector);
      if (!connector)
        throw new UsageError(
          `connection "${name}" is for connector ${saved.connector}, which this Rampart does not ship`,
        );
      if (!connector.test) {
        throw new UsageError(
          `connector ${connector.name} declares no test operation; try one of its read operations with rampart call ${connector.name} <operation> --connection ${name}`,
        );
      }
      const client = createClient(connector, saved.config, {
        logger: jsonLogger(options.logLevel as "debug"),
      });
      try {
        await client.call(connector.test.operation, connector.test.input ?? {});
      } finally {
        await client.close();
      }
      console.log(`ok: connection "${name}" (${connector.name}) answered ${connector.test.operation}`);
    });

  connection
    .command("remove <name>")
    .description("Delete a saved connection")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withConnections(storeOf(command), (store) => store.remove(name));
      console.log(`removed connection "${name}"`);
    });
}
