import { readFileSync } from "node:fs";
import { ValidationError } from "../connectors/sdk/index.ts";

/** Reads a `--flag <json|@file>` value: inline JSON, or `@path` to a JSON file. */
export function readJsonArg(value: string | undefined, flag: string): unknown {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (error) {
      throw new ValidationError(
        `${flag}: cannot read ${value.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        {
          field: flag,
        },
      );
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${flag} is not valid JSON: ${(error as Error).message}`, { field: flag });
  }
}
