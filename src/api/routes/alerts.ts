import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Runtime } from "../../app/runtime.ts";
import { NotFoundError } from "../../core/errors.ts";
import type { StoredAlert } from "../../store/alerts.ts";
import { errors, PageQuery } from "../schemas.ts";
import { liveStreams, streamEvents } from "../sse.ts";

const Json = Type.Unsafe<unknown>({});
/** OCSF severity_id by caption. */
const SEVERITY: Record<string, number> = {
  unknown: 0,
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
  fatal: 6,
  other: 99,
};
/** OCSF Detection Finding status_id by caption. */
const STATUS: Record<string, number> = {
  unknown: 0,
  new: 1,
  in_progress: 2,
  suppressed: 3,
  resolved: 4,
  archived: 5,
  other: 99,
};
/** The statuses an analyst sets, with OCSF's caption for each. */
const TRIAGE: Record<string, string> = {
  new: "New",
  in_progress: "In Progress",
  suppressed: "Suppressed",
  resolved: "Resolved",
};

const AlertView = Type.Object({
  id: Type.String(),
  source: Type.String(),
  connector: Type.String(),
  vendor_id: Type.String(),
  title: Type.String(),
  severity_id: Type.Integer(),
  status_id: Type.Integer(),
  time: Type.String(),
  version: Type.Integer(),
  ingested_at: Type.String(),
  updated_at: Type.String(),
  /** Who the alert is assigned to (OCSF `assignee.name`), or null. */
  assignee: Type.Union([Type.String(), Type.Null()]),
  /** The first observables of the OCSF event (a list's main ones; the event has them all). */
  observables: Type.Array(Type.Object({ name: Type.String(), type: Type.String(), value: Type.String() })),
});

/** How many observables a list row carries. */
const ROW_OBSERVABLES = 5;

function mainObservables(ocsf: Record<string, unknown>) {
  const all = Array.isArray(ocsf.observables) ? (ocsf.observables as Array<Record<string, unknown>>) : [];
  return all.slice(0, ROW_OBSERVABLES).map((o) => ({
    name: String(o.name ?? ""),
    type: String(o.type ?? o.type_id ?? ""),
    value: String(o.value ?? ""),
  }));
}

function view(a: StoredAlert) {
  return {
    id: a.id,
    source: a.source,
    connector: a.connector,
    vendor_id: a.vendorId,
    title: a.title,
    severity_id: a.severityId,
    status_id: a.statusId,
    time: new Date(a.time).toISOString(),
    version: a.version,
    ingested_at: new Date(a.ingestedAt).toISOString(),
    updated_at: new Date(a.updatedAt).toISOString(),
    assignee: (a.ocsf.assignee as { name?: string } | undefined)?.name ?? null,
    observables: mainObservables(a.ocsf),
  };
}

const Filter = {
  severity: Type.Optional(Type.Array(Type.Unsafe<string>({ type: "string", enum: Object.keys(SEVERITY) }))),
  status: Type.Optional(Type.Array(Type.Unsafe<string>({ type: "string", enum: Object.keys(STATUS) }))),
  source: Type.Optional(Type.String({ minLength: 1 })),
  connector: Type.Optional(Type.String({ minLength: 1 })),
  since: Type.Optional(Type.String({ format: "date-time" })),
  until: Type.Optional(Type.String({ format: "date-time" })),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: "free text over the title and the OCSF event" }),
  ),
};

function filterOf(q: Record<string, unknown>) {
  return {
    severityIds: (q.severity as string[] | undefined)?.map((s) => SEVERITY[s]!),
    statusIds: (q.status as string[] | undefined)?.map((s) => STATUS[s]!),
    source: q.source as string | undefined,
    connector: q.connector as string | undefined,
    since: q.since ? Date.parse(String(q.since)) : undefined,
    until: q.until ? Date.parse(String(q.until)) : undefined,
    text: q.q as string | undefined,
    limit: q.limit as number | undefined,
    cursor: q.cursor as string | undefined,
  };
}

/** Alerts: list and filter, one with its OCSF event, versions and runs, and an NDJSON export. */
export function alertRoutes(runtime: Runtime) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["alerts"];
    const streams = liveStreams(app);

    app.get(
      "/alerts/events",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary:
            "Live: an `event: poll` (Server-Sent Events) each time a source's poll stored new or updated alerts, with its counts",
        },
      },
      async (request, reply) =>
        streamEvents(streams, request, reply, (send) =>
          runtime.onPoll((report) => {
            if (report.new + report.updated === 0) return;
            send("poll", {
              source: report.source,
              new: report.new,
              updated: report.updated,
              at: new Date().toISOString(),
            });
          }),
        ),
    );

    app.get(
      "/alerts",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "Alerts, newest first, filtered",
          querystring: Type.Object({ ...PageQuery, ...Filter }, { additionalProperties: false }),
          response: {
            200: Type.Object({ items: Type.Array(AlertView), next_cursor: Type.Optional(Type.String()) }),
            ...errors(400, 401),
          },
        },
      },
      async (request) => {
        const page = await runtime.alerts.page(filterOf(request.query as Record<string, unknown>));
        return { items: page.alerts.map(view), ...(page.next ? { next_cursor: page.next } : {}) };
      },
    );

    app.get(
      "/alerts/export",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "Every matching alert's OCSF event, one JSON per line (streamed)",
          querystring: Type.Object(Filter, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        const filter = filterOf(request.query as Record<string, unknown>);
        reply.hijack();
        reply.raw.writeHead(200, {
          "content-type": "application/x-ndjson; charset=utf-8",
          "cache-control": "no-store",
        });
        // Page by page, so memory stays flat whatever the count; a closed connection stops the walk.
        let cursor: string | undefined;
        let closed = false;
        request.raw.on("close", () => {
          closed = true;
        });
        do {
          const page = await runtime.alerts.page({ ...filter, limit: 500, cursor });
          const chunk = page.alerts.map((a) => `${JSON.stringify(a.ocsf)}\n`).join("");
          if (chunk && !reply.raw.write(chunk))
            await new Promise((resolve) => reply.raw.once("drain", resolve));
          cursor = page.next;
        } while (cursor && !closed);
        reply.raw.end();
      },
    );

    app.post(
      "/alerts/:id/triage",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary: "Set status, assignee or a comment; kept as a new version of the alert with who made it",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
          body: Type.Object(
            {
              status: Type.Optional(Type.Unsafe<string>({ type: "string", enum: Object.keys(TRIAGE) })),
              assignee: Type.Optional(
                Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
              ),
              comment: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: AlertView, ...errors(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const body = request.body as { status?: string; assignee?: string | null; comment?: string };
        const alert = await runtime.alerts.triage(id, {
          statusId: body.status === undefined ? undefined : STATUS[body.status],
          status: body.status === undefined ? undefined : TRIAGE[body.status],
          assignee: body.assignee,
          comment: body.comment,
          by: request.principal!.actor,
        });
        return view(alert);
      },
    );

    app.get(
      "/alerts/:id",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "One alert: the OCSF event, its versions, the runs it started",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
          response: {
            200: Type.Object({ alert: AlertView, ocsf: Json, versions: Json, runs: Json }),
            ...errors(401, 404),
          },
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const alert = await runtime.alerts.get(id);
        if (!alert) throw new NotFoundError(`no alert "${id}"`, { field: "id" });
        const triggered = await runtime.alerts.triggeredRuns(id);
        const runs = [];
        for (const t of triggered) {
          const run = t.runId ? await runtime.runs.getRun(t.runId) : undefined;
          runs.push({
            playbook: run?.playbookName ?? t.playbook,
            run_id: t.runId,
            status: run?.status ?? (t.error ? "errored" : "pending"),
            ...(t.error ? { error: runtime.redact(t.error) } : {}),
          });
        }
        return {
          alert: view(alert),
          ocsf: alert.ocsf,
          versions: (await runtime.alerts.versions(id)).map((v) => ({
            version: v.version,
            recorded_at: new Date(v.recordedAt).toISOString(),
            ocsf: v.ocsf,
          })),
          runs,
        };
      },
    );
  };
}
