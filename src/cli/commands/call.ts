import type { Command } from "commander";
import {
  createClient,
  formatMismatch,
  jsonLogger,
  type Logger,
  OUTPUT_MISMATCH_MESSAGE,
} from "../../connectors/sdk/index.ts";
import { resolveConfig } from "../connection-config.ts";
import { storeOf } from "../connection-store.ts";
import { registryOf } from "../connector-registry.ts";
import { UsageError } from "../failure.ts";
import { readJsonArg, warnInlineSecrets } from "../input.ts";

export function registerCallCommand(program: Command): void {
  program
    .command("call <connector> <operation>")
    .description("Run one connector operation and print its output as JSON")
    .option("--config <json|@file|->", "connection config (@file or - for stdin keeps secrets out of ps)")
    .option("--connection <name>", "a saved connection (see rampart connection list) instead of --config")
    .option("--input <json|@file>", "operation input", "{}")
    .option(
      "--log-level <level>",
      "log HTTP traffic to stderr at this level (debug shows every request)",
      "warn",
    )
    .action(
      async (
        connectorName: string,
        operation: string,
        options: { config?: string; connection?: string; input: string; logLevel: string },
        command: Command,
      ) => {
        const connector = (await registryOf(command)).get(connectorName);
        if (!connector) throw new UsageError(`unknown connector "${connectorName}"; see rampart connectors`);
        if (!connector.operation(operation)) {
          throw new UsageError(
            `${connectorName} has no operation "${operation}"; see rampart ops ${connectorName}`,
          );
        }
        const input = readJsonArg(options.input, "--input");
        const config = await resolveConfig({
          config: options.config,
          connection: options.connection,
          connector: connectorName,
          store: storeOf(command),
        });
        warnInlineSecrets(options.config, config, connector);
        const logger = withoutMismatchLog(jsonLogger(options.logLevel as "debug"));
        const client = createClient(connector, config, { logger });
        try {
          const result = await client.call(operation, input);
          for (const warning of result.warnings)
            process.stderr.write(`warning: ${connectorName}.${operation}: ${formatMismatch(warning)}\n`);
          process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
        } finally {
          await client.close();
        }
      },
    );
}

/** The command prints each output mismatch as a `warning:` line itself, so its JSON log entry would say it twice. */
function withoutMismatchLog(logger: Logger): Logger {
  return {
    ...logger,
    warn: (message, fields) => {
      if (message !== OUTPUT_MISMATCH_MESSAGE) logger.warn(message, fields);
    },
  };
}
