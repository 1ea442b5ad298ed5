import type { Command } from "commander";
import { type ConnectorRegistry, defaultRegistry } from "../connectors/registry.ts";
import { ConnectionStore } from "../store/connections.ts";
import { openDatabase, resolveDataDir } from "../store/database.ts";
import { openSecretBox } from "../store/secrets.ts";

/** The data dir a command works in: the global `--data-dir`, else `$RAMPART_HOME`, else `./.rampart`. */
export function dataDirOf(command: Command): string {
  return resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
}

/** Opens the store in `dataDir`, runs `fn` on its saved connections, and closes it whatever happens. */
export async function withConnections<T>(
  dataDir: string,
  fn: (store: ConnectionStore) => Promise<T>,
  connectors: ConnectorRegistry = defaultRegistry(),
): Promise<T> {
  const database = await openDatabase({ dataDir });
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
