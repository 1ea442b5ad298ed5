import { defaultRegistry } from "../connectors/registry.ts";
import { AlertStore } from "../store/alerts.ts";
import { ConnectionStore } from "../store/connections.ts";
import { type Database, openDatabase, type StoreLocation } from "../store/database.ts";
import { openSecretBox } from "../store/secrets.ts";
import { SourceStore } from "../store/sources.ts";

/** Everything a command needs from one data dir, over a single database handle per process. */
export interface Workspace {
  database: Database;
  connections: ConnectionStore;
  sources: SourceStore;
  alerts: AlertStore;
}

/** Opens the store's workspace, runs `fn`, and closes the database whatever happens. */
export async function withWorkspace<T>(
  store: StoreLocation,
  fn: (workspace: Workspace) => Promise<T>,
): Promise<T> {
  const { dataDir } = store;
  const database = await openDatabase(store);
  try {
    const connections = new ConnectionStore({
      database,
      connectors: defaultRegistry(),
      secrets: openSecretBox({ dataDir }),
    });
    return await fn({
      database,
      connections,
      sources: new SourceStore(database.db),
      alerts: new AlertStore(database.db),
    });
  } finally {
    await database.close();
  }
}
