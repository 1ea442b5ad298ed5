import type { Command } from "commander";
import { vendors } from "../../connectors/registry.ts";
import { ValidationError } from "../../connectors/sdk/index.ts";
import { parseDuration } from "../../engine/duration.ts";
import { IngestRejectStore } from "../../store/ingest-rejects.ts";
import { storeOf } from "../connection-store.ts";
import { formatDuration } from "../duration.ts";
import { table } from "../table.ts";
import { withWorkspace } from "../workspace.ts";

export function registerSourceCommands(program: Command): void {
  const source = program
    .command("source")
    .description("Alert sources: a saved connection polled on a schedule from a checkpoint");

  source
    .command("add <name>")
    .description("Ingest alerts from a saved connection")
    .requiredOption("--connection <name>", "saved connection to poll (see rampart connection list)")
    .option("--every <duration>", "polling interval, e.g. 30s, 5m, 1h", "1m")
    .action(async (name: string, options: { connection: string; every: string }, command: Command) => {
      const intervalMs = parseDuration(options.every, "--every");
      await withWorkspace(storeOf(command), async ({ connections, sources }) => {
        const saved = await connections.describe(options.connection);
        const vendor = vendors.find((v) => v.connector.name === saved.connector);
        if (!vendor?.alertSource) {
          const able = vendors.filter((v) => v.alertSource).map((v) => v.connector.name);
          throw new ValidationError(
            `connector ${saved.connector} is not an alert source; sources exist for ${able.join(", ")}`,
            {
              field: "--connection",
            },
          );
        }
        await sources.add({ name, connection: saved.name, connector: saved.connector, intervalMs });
        console.log(
          `added source "${name}": ${saved.connector} via connection "${saved.name}" every ${formatDuration(intervalMs)}`,
        );
      });
    });

  source
    .command("list")
    .description("List alert sources with their checkpoint and health")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      await withWorkspace(storeOf(command), async ({ database, sources, alerts }) => {
        const rejects = new IngestRejectStore(database.db);
        const list = await Promise.all(
          (await sources.list()).map(async (s) => ({
            ...s,
            alerts: await alerts.count(s.name),
            rejected: await rejects.count(s.name),
          })),
        );
        if (options.json) return console.log(JSON.stringify(list, null, 2));
        if (list.length === 0) return console.log("no sources; add one with rampart source add");
        console.log(
          table(
            [
              "NAME",
              "CONNECTOR",
              "CONNECTION",
              "EVERY",
              "ALERTS",
              "REJECTED",
              "LAST SUCCESS",
              "FAILURES",
              "CHECKPOINT",
            ],
            list.map((s) => [
              s.name,
              s.connector,
              s.connection,
              formatDuration(s.intervalMs),
              String(s.alerts),
              String(s.rejected),
              s.lastSuccessAt ? new Date(s.lastSuccessAt).toISOString() : "never",
              s.failures ? `${s.failures} (${s.lastError})` : "0",
              s.checkpoint === undefined ? "-" : JSON.stringify(s.checkpoint),
            ]),
          ),
        );
      });
    });

  source
    .command("rejects <name>")
    .description(
      "List the records a source fetched but could not map to an alert, kept raw with the reason (newest first)",
    )
    .option("--limit <n>", "most records shown", "100")
    .option("--json", "print JSON, with each raw record")
    .action(async (name: string, options: { limit: string; json?: boolean }, command: Command) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new ValidationError("--limit must be a positive integer", { field: "--limit" });
      await withWorkspace(storeOf(command), async ({ database, sources }) => {
        if (!(await sources.get(name)))
          throw new ValidationError(`no source named "${name}"`, { field: "name" });
        const list = await new IngestRejectStore(database.db).list(name, limit);
        if (options.json) return console.log(JSON.stringify(list, null, 2));
        if (list.length === 0) return console.log(`source "${name}" has rejected no record`);
        console.log(
          table(
            ["LAST SEEN", "TIMES", "VENDOR ID", "REASON"],
            list.map((r) => [
              new Date(r.lastSeenAt).toISOString(),
              String(r.times),
              r.vendorId === undefined ? "-" : JSON.stringify(r.vendorId),
              r.reason,
            ]),
          ),
        );
        console.log(`the raw records: rampart source rejects ${name} --json`);
      });
    });

  source
    .command("remove <name>")
    .description("Stop ingesting from a source (its alerts stay)")
    .action(async (name: string, _options: unknown, command: Command) => {
      await withWorkspace(storeOf(command), async ({ sources }) => {
        if (!(await sources.remove(name)))
          throw new ValidationError(`no source named "${name}"`, { field: "name" });
        console.log(`removed source "${name}"`);
      });
    });
}
