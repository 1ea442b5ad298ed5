import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { loadConnectorFiles } from "../connectors/http/file/load.ts";
import { ConnectorFileError } from "../connectors/http/file/source.ts";
import { builtInNames, type ConnectorRegistry, registryWith } from "../connectors/registry.ts";
import { dataDirOf } from "./connection-store.ts";
import { EXIT, ExitCode } from "./failure.ts";

/** The folders of connector files a command reads: the data dir's `connectors/` when it exists, then each `--connectors`. */
export function connectorDirsOf(command: Command): string[] {
  const own = join(dataDirOf(command), "connectors");
  const given = command.optsWithGlobals<{ connectors?: string[] }>().connectors ?? [];
  return [...(existsSync(own) ? [own] : []), ...given.map((dir) => resolve(dir))];
}

/**
 * The connectors a command works with: the shipped ones and every connector file in its folders.
 * A file that does not load is printed (file:line:col: problem) and the command exits 2.
 */
export async function registryOf(command: Command): Promise<ConnectorRegistry> {
  try {
    return registryWith(await loadConnectorFiles(connectorDirsOf(command), { taken: builtInNames() }));
  } catch (error) {
    reportConnectorFileError(error);
  }
}

/** Prints a connector file's problems one per line and exits 2 (any other error is rethrown). */
export function reportConnectorFileError(error: unknown): never {
  printConnectorFileIssues(error);
  throw new ExitCode(EXIT.invalidInput);
}

/** Prints a connector file's problems one per line (file:line:col: problem); any other error is rethrown. */
export function printConnectorFileIssues(error: unknown): void {
  if (!(error instanceof ConnectorFileError)) throw error;
  for (const issue of error.issues)
    process.stderr.write(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n`);
}
