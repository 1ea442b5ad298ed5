import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { vendors } from "../../connectors/registry.ts";
import { Ingestor } from "../../ingest/ingest.ts";
import { startLab } from "../../lab/lab.ts";
import { table } from "../table.ts";
import { withWorkspace } from "../workspace.ts";

/** The name each demo connection is saved under, per connector. */
const CONNECTION_NAMES: Record<string, string> = {
  "thinkst-canary": "canary",
  "ms-defender": "defender",
  leen: "leen",
  "dfir-iris": "iris",
  irondefense: "irondefense",
};

const SEVERITY_NAMES: Record<number, string> = {
  0: "Unknown",
  1: "Informational",
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
  6: "Fatal",
  99: "Other",
};

/** The README's main job: simulators, saved connections, ingestion from every source, and a summary. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "Start the simulators, save connections, ingest every source into OCSF, and summarize (a fresh data dir unless --data-dir)",
    )
    .action(async (_options: unknown, command: Command) => {
      const say = (line = "") => process.stdout.write(`${line}\n`);
      const given = command.optsWithGlobals<{ dataDir?: string }>().dataDir;
      const dataDir = given ?? mkdtempSync(join(tmpdir(), "rampart-demo-"));
      const lab = await startLab({ seed: 1 });
      try {
        say(
          `Rampart demo: ${lab.simulators.length} vendor simulators on loopback, embedded SQLite in ${dataDir}`,
        );
        say();
        await withWorkspace(dataDir, async ({ database, connections, sources, alerts }) => {
          say("1. Simulators");
          say(
            table(
              ["CONNECTOR", "URL"],
              lab.simulators.map((s) => [s.connector, s.url]),
            ).replace(/^/gm, "   "),
          );
          say();

          const saved: string[] = [];
          for (const sim of lab.simulators) {
            const name = CONNECTION_NAMES[sim.connector] ?? sim.connector;
            if ((await connections.list()).some((c) => c.name === name))
              await connections.update(name, sim.config);
            else await connections.add({ name, connector: sim.connector, config: sim.config });
            saved.push(name);
          }
          say(`2. Saved ${saved.length} connections, secrets encrypted at rest: ${saved.join(", ")}`);
          say();

          const existing = new Set((await sources.list()).map((s) => s.name));
          for (const sim of lab.simulators) {
            const vendor = vendors.find((v) => v.connector.name === sim.connector);
            const name = CONNECTION_NAMES[sim.connector] ?? sim.connector;
            if (vendor?.alertSource && !existing.has(name)) {
              await sources.add({ name, connection: name, connector: sim.connector, intervalMs: 60_000 });
            }
          }
          const ingestor = new Ingestor({
            db: database.db,
            vendors,
            connectionConfig: async (name) => (await connections.get(name)).config,
          });
          try {
            const reports = await ingestor.once();
            say(`3. Ingested ${reports.length} sources into OCSF Detection Findings`);
            say(
              table(
                ["SOURCE", "PAGES", "NEW", "UPDATED", "UNCHANGED", "ERROR"],
                reports.map((r) => [
                  r.source,
                  String(r.pages),
                  String(r.new),
                  String(r.updated),
                  String(r.unchanged),
                  r.error?.message ?? "",
                ]),
              ).replace(/^/gm, "   "),
            );
            const again = await ingestor.once();
            say(
              `   Polled again: ${again.reduce((n, r) => n + r.new, 0)} new, ${again.reduce((n, r) => n + r.unchanged, 0)} unchanged — each alert is stored once.`,
            );
          } finally {
            await ingestor.close();
          }
          say();

          const bySeverity = await database.db
            .selectFrom("alerts")
            .select(["severity_id", (eb) => eb.fn.countAll().as("n")])
            .groupBy("severity_id")
            .orderBy("severity_id", "desc")
            .execute();
          say(
            `4. ${await alerts.count()} alerts stored: ${bySeverity.map((r) => `${SEVERITY_NAMES[Number(r.severity_id)] ?? r.severity_id} ${r.n}`).join(", ")}`,
          );
          for (const alert of await alerts.list({ severityAtLeast: 5, limit: 3 })) {
            say(`   ${SEVERITY_NAMES[alert.severityId]}  ${alert.source}  ${alert.title}`);
          }
          say();
        });
        say("Explore what the demo left behind:");
        say(`   bin/rampart --data-dir ${dataDir} alerts list --severity high`);
        say(
          `   bin/rampart --data-dir ${dataDir} alerts export --format ndjson | bin/rampart ocsf validate --strict -`,
        );
      } finally {
        await lab.close();
      }
    });
}
