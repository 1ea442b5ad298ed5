import { EngineRuns } from "../../src/app/engine-runs.ts";
import { loadTriggerPlaybooks, type TriggerPlaybooks } from "../../src/app/trigger-playbooks.ts";
import { defaultRegistry } from "../../src/connectors/registry.ts";
import { ClientPool } from "../../src/connectors/sdk/index.ts";
import type { Clock } from "../../src/engine/clock.ts";
import { Engine } from "../../src/engine/executor.ts";
import { ConnectorCaller } from "../../src/engine/operation-caller.ts";
import { createScriptRunner } from "../../src/engine/sandbox/index.ts";
import { ConnectionStore } from "../../src/store/connections.ts";
import { type Database, openDatabase } from "../../src/store/database.ts";
import { SqlRunStore } from "../../src/store/runs.ts";
import { SqlFiringLedger } from "../../src/store/schedule-firings.ts";
import { openSecretBox } from "../../src/store/secrets.ts";
import { SqlDeliveryLedger, WebhookSecretStore } from "../../src/store/webhooks.ts";

/** The real parts a trigger needs over one data dir: store, engine, the playbooks of a folder. */
export interface TriggerRuntime {
  database: Database;
  runs: SqlRunStore;
  connections: ConnectionStore;
  engine: Engine;
  starter: EngineRuns;
  playbooks: TriggerPlaybooks;
  firings: SqlFiringLedger;
  deliveries: SqlDeliveryLedger;
  secrets: WebhookSecretStore;
  close(): Promise<void>;
}

/** Opens a data dir and wires the real engine over it, as `rampart serve` will. */
export async function openTriggerRuntime(
  dataDir: string,
  playbooksDir: string,
  options: { clock?: Clock } = {},
): Promise<TriggerRuntime> {
  const database = await openDatabase({ dataDir });
  const registry = defaultRegistry();
  const box = openSecretBox({ dataDir });
  const connections = new ConnectionStore({ database, connectors: registry, secrets: box });
  const clients = new ClientPool({ catalog: registry, connection: (name) => connections.get(name) });
  const caller = new ConnectorCaller(clients);
  const scripts = createScriptRunner();
  const runs = new SqlRunStore(database);
  const playbooks = await loadTriggerPlaybooks(playbooksDir, registry);
  let starter: EngineRuns | undefined;
  const engine = new Engine({
    store: runs,
    catalog: registry,
    caller,
    scripts,
    clock: options.clock,
    onEvent: (event) => starter?.onEvent(event),
  });
  starter = new EngineRuns({
    engine,
    store: runs,
    playbook: (name) => playbooks.byName.get(name)?.playbook,
    connections: () => connections.list(),
    pollMs: 20,
  });
  const runtime = starter;
  return {
    database,
    runs,
    connections,
    engine,
    starter: runtime,
    playbooks,
    firings: new SqlFiringLedger(database),
    deliveries: new SqlDeliveryLedger(database),
    secrets: new WebhookSecretStore({ database, secrets: box }),
    async close() {
      await runtime.drain();
      await scripts.close();
      await clients.close();
      await database.close();
    },
  };
}
