import type { Command } from "commander";
import { operationSummary } from "../../connectors/registry.ts";
import { registryOf } from "../connector-registry.ts";
import { UsageError } from "../failure.ts";
import { table } from "../table.ts";

export function registerConnectorCommands(program: Command): void {
  program
    .command("connectors")
    .description("List the connectors Rampart ships and those loaded from connector files")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = (await registryOf(command)).list().map((c) => ({
        name: c.name,
        title: c.title,
        description: c.description,
        operations: c.operations.length,
      }));
      if (options.json) return console.log(JSON.stringify(list, null, 2));
      console.log(
        table(
          ["NAME", "TITLE", "OPS", "DESCRIPTION"],
          list.map((c) => [c.name, c.title, String(c.operations), c.description]),
        ),
      );
    });

  program
    .command("ops <connector>")
    .description("List a connector's operations with their HTTP method and path")
    .option("--json", "print JSON: [{name, title, description, method, path, input, output}]")
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      const connector = (await registryOf(command)).get(name);
      if (!connector) throw new UsageError(`unknown connector "${name}"; see rampart connectors`);
      const ops = connector.operations.map(operationSummary);
      if (options.json) return console.log(JSON.stringify(ops, null, 2));
      console.log(
        table(
          ["OPERATION", "METHOD", "PATH", "TITLE"],
          ops.map((op) => [op.name, op.method, op.path, op.title]),
        ),
      );
    });
}
