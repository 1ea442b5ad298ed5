import { readFileSync } from "node:fs";
import { secretsOf, ValidationError } from "../connectors/sdk/index.ts";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../core/json-depth.ts";

/** Reads a `--flag <json|@file|->` value: inline JSON, `@path` to a JSON file, or `-` for standard input. */
export function readJsonArg(value: string | undefined, flag: string): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value === "-") text = readSource(0, flag, "standard input");
  else if (value.startsWith("@")) text = readSource(value.slice(1), flag, value.slice(1));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${flag} is not valid JSON: ${(error as Error).message}`, { field: flag });
  }
  if (nestedDeeperThan(parsed))
    throw new ValidationError(`${flag} nests objects or lists more than ${MAX_JSON_DEPTH} deep`, {
      field: flag,
    });
  return parsed;
}

function readSource(file: string | 0, flag: string, name: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new ValidationError(
      `${flag}: cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        field: flag,
      },
    );
  }
}

/** True when the value was typed on the command line itself, where `ps` shows it to every local user. */
export function isInlineArg(value: string | undefined): boolean {
  return value !== undefined && value !== "-" && !value.startsWith("@");
}

/**
 * Warns on stderr when a connection config given inline holds secret fields: other local users can read a
 * process's arguments, so secrets belong in `@file` or `-` (stdin).
 */
export function warnInlineSecrets(
  value: string | undefined,
  config: unknown,
  connector: { name: string; connection: object } | undefined,
  flag = "--config",
): void {
  if (!connector || !isInlineArg(value)) return;
  if (secretsOf(connector.connection, config).length === 0) return;
  process.stderr.write(
    `warning: ${flag} holds secrets of ${connector.name} on the command line, where other local users can read them (ps); pass ${flag} @file or ${flag} - (stdin) instead\n`,
  );
}
