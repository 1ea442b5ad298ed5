import type { Command } from "commander";
import { type ConnectorRegistry, defaultRegistry } from "../connectors/registry.ts";
import { ConnectionStore } from "../store/connections.ts";
import { openDatabase, resolveDatabaseUrl, resolveDataDir, type StoreLocation } from "../store/database.ts";
import { openSecretBox } from "../store/secrets.ts";

/** The data dir a command works in: the global `--data-dir`, else `$RAMPART_HOME`, else `./.rampart`. */
export function dataDirOf(command: Command): string {
  return resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
}

/**
 * The store a command works on: its data dir, and the global `--database` (else `$RAMPART_DATABASE_URL`)
 * when the database is PostgreSQL.
 */
export function storeOf(command: Command): StoreLocation {
  const url = resolveDatabaseUrl(command.optsWithGlobals<{ database?: string }>().database);
  return url ? { dataDir: dataDirOf(command), url } : { dataDir: dataDirOf(command) };
}

/** Opens the store, runs `fn` on its saved connections, and closes it whatever happens. */
export async function withConnections<T>(
  store: StoreLocation,
  fn: (store: ConnectionStore) => Promise<T>,
  connectors: ConnectorRegistry = defaultRegistry(),
): Promise<T> {
  const { dataDir } = store;
  const database = await openDatabase(store);
  try {
    const store = new ConnectionStore({
      database,
      connectors,
      secrets: openSecretBox({ dataDir }),
    });
    return await fn(store);
  } finally {
    await database.close();
  }
}
