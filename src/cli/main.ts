import { Command, CommanderError } from "commander";
import { registerAccessCommands } from "./commands/access.ts";
import { registerAlertCommands } from "./commands/alerts.ts";
import { registerCallCommand } from "./commands/call.ts";
import { registerConnectionCommands } from "./commands/connection.ts";
import { registerConnectorFileCommands } from "./commands/connector.ts";
import { registerConnectorCommands } from "./commands/connectors.ts";
import { registerDemoCommand } from "./commands/demo.ts";
import { registerIngestCommand } from "./commands/ingest.ts";
import { registerLabCommand } from "./commands/lab.ts";
import { registerMigrateCommand } from "./commands/migrate.ts";
import { registerOcsfCommands } from "./commands/ocsf.ts";
import { registerRunCommand } from "./commands/run.ts";
import { registerRunsCommands } from "./commands/runs.ts";
import { registerServeCommand } from "./commands/serve.ts";
import { registerSourceCommands } from "./commands/source.ts";
import { registerTestCommand } from "./commands/test.ts";
import { registerWebhookCommands } from "./commands/webhook.ts";
import { registerWorkerCommand } from "./commands/worker.ts";
import { EXIT, reportFailure } from "./failure.ts";

/** Builds the `rampart` command line. */
export function buildProgram(): Command {
  const program = new Command("rampart")
    .description("Rampart: connect security products, ingest alerts as OCSF, answer them with playbooks")
    .showHelpAfterError()
    .option(
      "--data-dir <dir>",
      "where Rampart keeps its database and key file (default $RAMPART_HOME or ./.rampart)",
    )
    .option(
      "--database <url>",
      "a postgres:// URL: keep the store in PostgreSQL instead of the data dir's SQLite file (default $RAMPART_DATABASE_URL); the data dir keeps the master key",
    )
    .option(
      "--connectors <dir>",
      "also load the connector files in this folder (repeatable; the data dir's connectors/ always loads)",
      (dir: string, dirs: string[]) => [...dirs, dir],
      [],
    )
    .exitOverride();
  registerConnectorCommands(program);
  registerConnectorFileCommands(program);
  registerCallCommand(program);
  registerConnectionCommands(program);
  registerLabCommand(program);
  registerDemoCommand(program);
  registerOcsfCommands(program);
  registerSourceCommands(program);
  registerIngestCommand(program);
  registerAlertCommands(program);
  registerRunCommand(program);
  registerRunsCommands(program);
  registerTestCommand(program);
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerAccessCommands(program);
  registerWebhookCommands(program);
  registerMigrateCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    // A command may report a partial failure (e.g. one source of several) by setting the exit code.
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
    }
    return reportFailure(error);
  }
}

process.exitCode = await main(process.argv.slice(2));
