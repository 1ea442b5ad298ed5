import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../../connectors/sdk/index.ts";
import type { AlertFilter } from "../../store/alerts.ts";
import { storeOf } from "../connection-store.ts";
import { parseSince } from "../duration.ts";
import { severityName, statusName } from "../source-reports.ts";
import { table } from "../table.ts";
import { withWorkspace } from "../workspace.ts";

const SEVERITIES: Record<string, number> = {
  unknown: 0,
  informational: 1,
  info: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
  fatal: 6,
  other: 99,
};
const STATUSES: Record<string, number> = {
  unknown: 0,
  new: 1,
  "in-progress": 2,
  suppressed: 3,
  resolved: 4,
  archived: 5,
  deleted: 6,
  other: 99,
};

function pick(table: Record<string, number>, value: string, flag: string): number {
  const id = /^\d+$/.test(value) ? Number(value) : table[value.toLowerCase()];
  if (id === undefined || !Object.values(table).includes(id)) {
    throw new ValidationError(`${flag} must be one of ${Object.keys(table).join(", ")} or an OCSF id`, {
      field: flag,
    });
  }
  return id;
}

export function registerAlertCommands(program: Command): void {
  const alerts = program.command("alerts").description("Query the ingested alerts (OCSF Detection Findings)");

  alerts
    .command("list")
    .description("List alerts, newest first")
    .option(
      "--severity <level>",
      "at least this severity: informational, low, medium, high, critical (or an OCSF id)",
    )
    .option("--source <name>", "only alerts of this source")
    .option("--since <when>", "only alerts at or after an ISO time or a duration ago (e.g. 24h)")
    .option("--status <status>", "only alerts in this status: new, in-progress, resolved, … (or an OCSF id)")
    .option("--limit <n>", "at most this many", "50")
    .option("--json", "print JSON (the stored alerts with their OCSF events)")
    .action(
      async (
        options: {
          severity?: string;
          source?: string;
          since?: string;
          status?: string;
          limit: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new ValidationError("--limit must be a positive integer", { field: "--limit" });
        const filter: AlertFilter = { limit, source: options.source };
        if (options.severity) filter.severityAtLeast = pick(SEVERITIES, options.severity, "--severity");
        if (options.status) filter.statusId = pick(STATUSES, options.status, "--status");
        if (options.since) filter.since = parseSince(options.since, "--since");
        await withWorkspace(storeOf(command), async ({ alerts: store }) => {
          const list = await store.list(filter);
          if (options.json) return console.log(JSON.stringify(list, null, 2));
          if (list.length === 0) return console.log("no alerts match");
          console.log(
            table(
              ["ID", "TIME", "SEVERITY", "STATUS", "SOURCE", "TITLE"],
              list.map((a) => [
                a.id,
                new Date(a.time).toISOString(),
                severityName(a.severityId),
                statusName(a.statusId),
                a.source,
                a.title,
              ]),
            ),
          );
        });
      },
    );

  alerts
    .command("show <id>")
    .description("Show one alert: its OCSF event and how many times it changed")
    .action(async (id: string, _options: unknown, command: Command) => {
      await withWorkspace(storeOf(command), async ({ alerts: store }) => {
        const alert = await store.get(id);
        if (!alert) throw new NotFoundError(`no alert with id ${id}`, { field: "id" });
        const versions = await store.versions(id);
        console.log(JSON.stringify({ ...alert, previousVersions: versions }, null, 2));
      });
    });

  alerts
    .command("export")
    .description("Export every alert as OCSF, one event per line")
    .option("--format <format>", "ndjson (the only format for now)", "ndjson")
    .option("--out <file>", "write to this file instead of stdout")
    .action(async (options: { format: string; out?: string }, command: Command) => {
      if (options.format !== "ndjson")
        throw new ValidationError("--format must be ndjson", { field: "--format" });
      await withWorkspace(storeOf(command), async ({ alerts: store }) => {
        const out = options.out ? createWriteStream(options.out, { mode: 0o600 }) : process.stdout;
        for await (const event of store.export()) {
          if (!out.write(`${JSON.stringify(event)}\n`)) await once(out, "drain");
        }
        if (options.out) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, "finish");
        }
      });
    });
}
