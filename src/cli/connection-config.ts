import type { StoreLocation } from "../store/database.ts";
import { withConnections } from "./connection-store.ts";
import { UsageError } from "./failure.ts";
import { readJsonArg } from "./input.ts";

export interface ConfigSource {
  /** `--config <json|@file|->`: a connection config given inline. */
  config?: string;
  /** `--connection <name>`: a connection saved with `rampart connection add`. */
  connection?: string;
  /** The connector the config is for; a saved connection must belong to it. */
  connector: string;
  store: StoreLocation;
}

/** The connection config from exactly one of `--config` and `--connection`. */
export async function resolveConfig(source: ConfigSource): Promise<unknown> {
  if (source.config !== undefined && source.connection !== undefined) {
    throw new UsageError("give either --config or --connection, not both");
  }
  if (source.config !== undefined) return readJsonArg(source.config, "--config");
  if (source.connection === undefined) {
    throw new UsageError(
      "--config <json|@file|-> or --connection <name> is required (see rampart connection list)",
    );
  }
  const name = source.connection;
  const saved = await withConnections(source.store, (store) => store.get(name));
  if (saved.connector !== source.connector) {
    throw new UsageError(`connection "${name}" is for connector ${saved.connector}, not ${source.connector}`);
  }
  return saved.config;
}
