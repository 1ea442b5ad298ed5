import type { Command } from "commander";
import { vendors } from "../../connectors/registry.ts";
import { Redactor } from "../../connectors/sdk/index.ts";
import { Ingestor } from "../../ingest/ingest.ts";
import type { PollReport } from "../../ingest/poll-source.ts";
import { TriggerMatcher } from "../../ingest/triggers.ts";
import { SqlIngestStore } from "../../store/ingest-store.ts";
import { storeOf } from "../connection-store.ts";
import { registryOf } from "../connector-registry.ts";
import { withEngine } from "../run-engine.ts";
import { sourceReportTable } from "../source-reports.ts";
import { dispatcherOf, playbooksDirOf, triggersOf, triggerTable } from "../triggers.ts";

function line(report: PollReport): string {
  const rejected =
    report.rejected > 0 ? `, ${report.rejected} rejected (rampart source rejects ${report.source})` : "";
  const counts = `${report.new} new, ${report.updated} updated, ${report.unchanged} unchanged${rejected}`;
  return report.error
    ? `${report.source}: FAILED after ${report.pages} page(s), ${counts}: ${report.error.type}: ${report.error.message}`
    : `${report.source}: ${report.pages} page(s), ${counts}`;
}

export function registerIngestCommand(program: Command): void {
  program
    .command("ingest")
    .description(
      "Poll alert sources: normalize to OCSF, de-duplicate, store; runs until interrupted unless --once",
    )
    .option("--once", "poll every source once and exit")
    .option("--source <name...>", "only these sources")
    .option(
      "--playbooks <dir>",
      "start runs of the playbooks in this folder whose alert trigger matches a new alert (default ./playbooks when it exists)",
    )
    .option("--json", "print the sources' reports as JSON (with --once); trigger reports go to stderr")
    .action(
      async (
        options: { once?: boolean; source?: string[]; json?: boolean; playbooks?: string },
        command: Command,
      ) => {
        const dir = playbooksDirOf(options.playbooks);
        const registry = await registryOf(command);
        const triggers = await triggersOf(dir, registry);
        // With --json, stdout carries only the JSON; everything else goes to stderr.
        const say = (text: string) => (options.json ? process.stderr : process.stdout).write(`${text}\n`);
        await withEngine(storeOf(command), { registry }, async (session) => {
          const { database } = session;
          const progress = !options.json && process.stderr.isTTY;
          const matcher = new TriggerMatcher({ triggers });
          const dispatcher = dispatcherOf(session, options.json ? undefined : (l) => say(`  ${l}`));
          if (dir) {
            say(
              triggers.length > 0
                ? `${triggers.length} alert trigger(s) from ${dir}: ${triggers.map((t) => t.name).join(", ")}`
                : `no alert triggers in ${dir}`,
            );
          }
          const dispatch = async () => {
            const reports = await dispatcher.dispatch();
            if (reports.length > 0) say(triggerTable(reports));
            return reports;
          };
          // Runs a crashed ingest left behind first, then the triggers it committed but never started.
          await session.engine.resumeOrphans();
          const leftOver = await dispatch();
          const secrets = new Redactor(await session.connections.secretValues());
          const ingestor = new Ingestor({
            store: new SqlIngestStore(database.db),
            vendors,
            client: (name) => session.clients.get(name),
            triggers: triggers.length > 0 ? matcher.triggersFor : undefined,
            redact: (text) => secrets.text(text),
            onPage: (report) => {
              if (progress) process.stderr.write(`\r${line(report)}\x1b[K`);
            },
          });
          try {
            if (options.once) {
              const reports = await ingestor.once(options.source);
              if (progress) process.stderr.write("\r\x1b[K");
              if (options.json) console.log(JSON.stringify(reports, null, 2));
              else if (reports.length === 0) console.log("no sources; add one with rampart source add");
              else {
                console.log(sourceReportTable(reports));
              }
              const started = await dispatch();
              if (triggers.length > 0 && started.length === 0 && leftOver.length === 0)
                say("no alert triggered a playbook");
              // A trigger that cannot start (e.g. no saved connection for one of its aliases) stays pending
              // and is reported above; it is not an ingestion failure.
              if (reports.some((r) => r.error)) process.exitCode = 1;
              return;
            }
            const stop = new AbortController();
            process.once("SIGINT", () => stop.abort());
            process.once("SIGTERM", () => stop.abort());
            console.log("ingesting; Ctrl-C to stop");
            await ingestor.run(stop.signal, options.source, async (reports) => {
              if (progress) process.stderr.write("\r\x1b[K");
              for (const report of reports) console.log(`${new Date().toISOString()} ${line(report)}`);
              await dispatch();
            });
          } finally {
            await ingestor.close();
          }
        });
      },
    );
}
