import type { Command } from "commander";
import { vendors } from "../../connectors/registry.ts";
import { Ingestor } from "../../ingest/ingest.ts";
import type { PollReport } from "../../ingest/poll-source.ts";
import { dataDirOf } from "../connection-store.ts";
import { table } from "../table.ts";
import { withWorkspace } from "../workspace.ts";

function line(report: PollReport): string {
  const counts = `${report.new} new, ${report.updated} updated, ${report.unchanged} unchanged`;
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
    .option("--json", "print the reports as JSON (with --once)")
    .action(async (options: { once?: boolean; source?: string[]; json?: boolean }, command: Command) => {
      await withWorkspace(dataDirOf(command), async ({ database, connections }) => {
        const progress = !options.json && process.stderr.isTTY;
        const ingestor = new Ingestor({
          db: database.db,
          vendors,
          connectionConfig: async (name) => (await connections.get(name)).config,
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
              console.log(
                table(
                  ["SOURCE", "PAGES", "NEW", "UPDATED", "UNCHANGED", "ERROR"],
                  reports.map((r) => [
                    r.source,
                    String(r.pages),
                    String(r.new),
                    String(r.updated),
                    String(r.unchanged),
                    r.error ? `${r.error.type}: ${r.error.message}` : "",
                  ]),
                ),
              );
            }
            if (reports.some((r) => r.error)) process.exitCode = 1;
            return;
          }
          const stop = new AbortController();
          process.once("SIGINT", () => stop.abort());
          process.once("SIGTERM", () => stop.abort());
          console.log("ingesting; Ctrl-C to stop");
          await ingestor.run(stop.signal, options.source, (reports) => {
            if (progress) process.stderr.write("\r\x1b[K");
            for (const report of reports) console.log(`${new Date().toISOString()} ${line(report)}`);
          });
        } finally {
          await ingestor.close();
        }
      });
    });
}
