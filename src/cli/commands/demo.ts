import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { defaultRegistry, vendors } from "../../connectors/registry.ts";
import type { Simulator } from "../../connectors/sdk/sim/server.ts";
import { Ingestor } from "../../ingest/ingest.ts";
import { loadTriggers, TriggerMatcher } from "../../ingest/triggers.ts";
import { startLab } from "../../lab/lab.ts";
import { AlertStore } from "../../store/alerts.ts";
import { SqlIngestStore } from "../../store/ingest-store.ts";
import { SourceStore } from "../../store/sources.ts";
import { registryOf } from "../connector-registry.ts";
import { demoSignIn, serveDemo } from "../demo-serve.ts";
import { UsageError } from "../failure.ts";
import { withEngine } from "../run-engine.ts";
import { severityName, sourceReportTable } from "../source-reports.ts";
import { table } from "../table.ts";
import { dispatcherOf, triggerTable } from "../triggers.ts";

/** The name each demo connection is saved under; the shipped playbooks' aliases bind to these. */
export const CONNECTION_NAMES: Record<string, string> = {
  "thinkst-canary": "canary",
  "ms-defender": "defender",
  leen: "leen",
  "dfir-iris": "iris",
  irondefense: "irondefense",
  abuseipdb: "abuseipdb",
  http: "web",
};

const SHIPPED_PLAYBOOKS = resolve(import.meta.dirname, "../../../playbooks");

interface VendorPicture {
  iris: { cases: number; iocs: number; assets: number; events: number };
  canaryUnacknowledged: number;
  ironDefense: Record<string, number>;
  ironDefenseCommented: number;
}

async function stateOf<T>(sim: Simulator): Promise<T> {
  return (await (await fetch(`${sim.url}/__sim/state`)).json()) as T;
}

/** What the vendors look like now, read from the simulators' own state. */
async function picture(get: (connector: string) => Simulator): Promise<VendorPicture> {
  const iris = await stateOf<{ cases: unknown[]; counts: Record<string, number> }>(get("dfir-iris"));
  const canary = await stateOf<{ incidents: Array<{ acknowledged: string }> }>(get("thinkst-canary"));
  const iron = await stateOf<{ alerts: Array<{ status: string; notes?: unknown[] }> }>(get("irondefense"));
  const ironDefense: Record<string, number> = {};
  for (const alert of iron.alerts) ironDefense[alert.status] = (ironDefense[alert.status] ?? 0) + 1;
  return {
    iris: {
      cases: iris.cases.length,
      iocs: iris.counts.iocs ?? 0,
      assets: iris.counts.assets ?? 0,
      events: iris.counts.events ?? 0,
    },
    canaryUnacknowledged: canary.incidents.filter((i) => i.acknowledged !== "True").length,
    ironDefense,
    ironDefenseCommented: iron.alerts.filter((a) => (a.notes?.length ?? 0) > 0).length,
  };
}

const change = (before: number, after: number) => `${before} → ${after}`;

/** The README's main job: the whole pipeline on the embedded default, narrated. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "Start the simulators, save connections, ingest every source into OCSF, let triggers run the shipped playbooks, and summarize (a fresh data dir unless --data-dir)",
    )
    .option("--no-serve", "run, summarize and exit instead of serving the UI on the demo's data")
    .option("--port <port>", "where the demo serves the UI and the API (0: any free port)", "8080")
    .action(async (options: { serve: boolean; port: string }, command: Command) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--port must be 0-65535");
      const say = (line = "") => process.stdout.write(`${line}\n`);
      let signIn: { name: string; password: string } | undefined;
      const indent = (text: string) => text.replace(/^/gm, "   ");
      const given = command.optsWithGlobals<{ dataDir?: string }>().dataDir;
      const dataDir = given ?? mkdtempSync(join(tmpdir(), "rampart-demo-"));
      const lab = await startLab({ seed: 1 });
      try {
        say(
          `Rampart demo: ${lab.simulators.length} vendor simulators on loopback, embedded SQLite in ${dataDir}`,
        );
        say();
        await withEngine({ dataDir }, {}, async (session) => {
          const { connections, database } = session;
          const sources = new SourceStore(database.db);
          const alerts = new AlertStore(database.db);
          say("1. Simulators");
          say(
            indent(
              table(
                ["CONNECTOR", "URL"],
                lab.simulators.map((s) => [s.connector, s.url]),
              ),
            ),
          );
          say();

          const saved = new Set((await connections.list()).map((c) => c.name));
          for (const sim of lab.simulators) {
            const name = CONNECTION_NAMES[sim.connector] ?? sim.connector;
            if (saved.has(name)) await connections.update(name, sim.config);
            else await connections.add({ name, connector: sim.connector, config: sim.config });
          }
          say(
            `2. Saved ${lab.simulators.length} connections, secrets encrypted at rest: ${lab.simulators.map((s) => CONNECTION_NAMES[s.connector]).join(", ")}`,
          );
          say();

          const existing = new Set((await sources.list()).map((s) => s.name));
          for (const sim of lab.simulators) {
            const vendor = vendors.find((v) => v.connector.name === sim.connector);
            const name = CONNECTION_NAMES[sim.connector] ?? sim.connector;
            if (vendor?.alertSource && !existing.has(name)) {
              await sources.add({ name, connection: name, connector: sim.connector, intervalMs: 60_000 });
            }
          }
          const triggers = await loadTriggers(SHIPPED_PLAYBOOKS, defaultRegistry());
          const ingestor = new Ingestor({
            store: new SqlIngestStore(database.db),
            vendors,
            client: (name) => session.clients.get(name),
            triggers: new TriggerMatcher({ triggers }).triggersFor,
          });
          const before = await picture((c) => lab.get(c));
          try {
            const reports = await ingestor.once();
            say(`3. Ingested ${reports.length} alert sources into OCSF Detection Findings`);
            say(indent(sourceReportTable(reports)));
            const bySeverity = await alerts.countBySeverity();
            say(
              `   ${await alerts.count()} alerts: ${bySeverity.map((r) => `${severityName(r.severityId)} ${r.count}`).join(", ")}`,
            );
            say();

            say(`4. Triggers started the shipped playbooks (${triggers.map((t) => t.name).join(", ")})`);
            const dispatched = await dispatcherOf(session).dispatch();
            say(indent(dispatched.length > 0 ? triggerTable(dispatched) : "no alert matched a trigger"));
            say();

            const after = await picture((c) => lab.get(c));
            say("5. What the playbooks changed in the vendors");
            say(
              `   IRIS: cases ${change(before.iris.cases, after.iris.cases)}, IOCs ${change(before.iris.iocs, after.iris.iocs)}, ` +
                `assets ${change(before.iris.assets, after.iris.assets)}, timeline events ${change(before.iris.events, after.iris.events)}`,
            );
            say(
              `   Canary: unacknowledged incidents ${change(before.canaryUnacknowledged, after.canaryUnacknowledged)}`,
            );
            const statuses = [
              ...new Set([...Object.keys(before.ironDefense), ...Object.keys(after.ironDefense)]),
            ].sort();
            say(
              `   IronDefense: ${statuses.map((s) => `${s.replace("STATUS_", "").toLowerCase()} ${change(before.ironDefense[s] ?? 0, after.ironDefense[s] ?? 0)}`).join(", ")}; ` +
                `alerts with comments ${change(before.ironDefenseCommented, after.ironDefenseCommented)}`,
            );
            say();

            const again = await ingestor.once();
            const updated = again.reduce((n, r) => n + r.updated, 0);
            say(
              `6. Polled again: ${again.reduce((n, r) => n + r.new, 0)} new — each alert is stored once; ` +
                `${updated} updated, the playbooks' own changes coming back from the vendors (kept as alert versions).`,
            );
            const second = await dispatcherOf(session).dispatch();
            say(
              `   Triggers started ${second.reduce((n, r) => n + r.started, 0)} more runs: updates never re-trigger a playbook.`,
            );
          } finally {
            await ingestor.close();
          }
          say();
          if (options.serve) signIn = await demoSignIn(database.db);
        });
        say("Explore what the demo left behind:");
        say(`   bin/rampart --data-dir ${dataDir} alerts list --severity high`);
        say(`   bin/rampart --data-dir ${dataDir} runs list`);
        say(
          `   bin/rampart --data-dir ${dataDir} alerts export --format ndjson | bin/rampart ocsf validate --strict -`,
        );
        if (signIn) {
          say();
          await serveDemo({
            dataDir,
            playbooksDir: SHIPPED_PLAYBOOKS,
            registry: await registryOf(command),
            port,
            signIn,
            say,
          });
        }
      } finally {
        await lab.close();
      }
    });
}
