import type { Command } from "commander";
import { MAX_BATCH_ROWS } from "../../store/copy-to-postgres.ts";
import { migrateToPostgres } from "../../store/migrate-to-postgres.ts";
import { dataDirOf } from "../connection-store.ts";
import { UsageError } from "../failure.ts";
import { table } from "../table.ts";

export function registerMigrateCommand(program: Command): void {
  program
    .command("migrate")
    .description(
      "Copy the data dir's embedded store (SQLite) into a new, empty PostgreSQL database, all or nothing; stop rampart serve first",
    )
    .requiredOption("--to <url>", "the PostgreSQL database to fill: postgres://user@host:port/database")
    .option("--batch-size <n>", `rows copied per statement (1-${MAX_BATCH_ROWS})`, "500")
    .option(
      "--force",
      "copy even when a process still executes runs in the data dir (they resume on PostgreSQL once their lease expires)",
    )
    .option("--json", "print the per-table row counts as JSON")
    .addHelpText(
      "after",
      `
Reads the data dir's rampart.db (from --data-dir, $RAMPART_HOME or ./.rampart; never --database or
$RAMPART_DATABASE_URL) and changes none of its rows. The target must hold nothing: a row in a Rampart
table or a table of something else is refused before anything is created. Secrets are copied still
encrypted: every process on the database needs this data dir's master key. See docs/deployment.md.`,
    )
    .action(
      async (
        options: { to: string; batchSize: string; force?: boolean; json?: boolean },
        command: Command,
      ) => {
        if (command.optsWithGlobals<{ database?: string }>().database !== undefined) {
          throw new UsageError(
            "migrate copies the data dir's embedded store: name the PostgreSQL database with --to, not --database",
          );
        }
        const batchSize = Number(options.batchSize);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_ROWS) {
          throw new UsageError(`--batch-size must be an integer from 1 to ${MAX_BATCH_ROWS}`);
        }
        const progress = !options.json && process.stderr.isTTY;
        const started = Date.now();
        const report = await migrateToPostgres({
          dataDir: dataDirOf(command),
          url: options.to,
          batchSize,
          force: options.force === true,
          onProgress: progress
            ? (name, rows) => process.stderr.write(`\r${name}: ${rows} rows\x1b[K`)
            : undefined,
        });
        if (progress) process.stderr.write("\r\x1b[K");
        if (report.leasedRuns.length > 0) {
          process.stderr.write(
            `warning: copied ${report.leasedRuns.length} run(s) a process was executing; stop that process: what it writes now goes to the data dir, not to PostgreSQL\n`,
          );
        }
        const total = report.tables.reduce((sum, t) => sum + t.rows, 0);
        if (options.json) {
          console.log(JSON.stringify(report, null, 2));
          return;
        }
        console.log(`copied ${report.source} into ${report.target}`);
        console.log(
          table(
            ["TABLE", "ROWS"],
            [...report.tables.map((t) => [t.table, String(t.rows)]), ["total", String(total)]],
          ),
        );
        console.log(
          `in ${((Date.now() - started) / 1000).toFixed(1)} s. Use it with --database (or RAMPART_DATABASE_URL) and the same master key ($RAMPART_MASTER_KEY or this data dir's master.key) on every process.`,
        );
      },
    );
}
