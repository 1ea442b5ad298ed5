import { randomUUIDv7 } from "node:crypto";
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from "kysely";
import { NotFoundError } from "../core/errors.ts";
import { type AlertContent, alertContent } from "./alert-content.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { marker, type QueryTemplate, QueryTemplates } from "./query-template.ts";
import type { AlertsTable, RampartDb } from "./schema.ts";

/**
 * A normalized alert arriving from a source, before de-duplication: the OCSF Detection Finding,
 * or its stored form already computed (by `alertContent`, e.g. in a worker thread).
 */
export type IncomingAlert =
  | { vendorId: string; ocsf: Record<string, unknown> }
  | { vendorId: string; content: AlertContent };

export interface StoredAlert {
  id: string;
  source: string;
  connection: string;
  connector: string;
  vendorId: string;
  title: string;
  severityId: number;
  statusId: number;
  time: number;
  version: number;
  ingestedAt: number;
  updatedAt: number;
  ocsf: Record<string, unknown>;
}

export interface AlertVersion {
  version: number;
  recordedAt: number;
  ocsf: Record<string, unknown>;
}

export interface PageResult {
  new: number;
  updated: number;
  unchanged: number;
  /** Alerts stored for the first time by this page (for triggers). */
  created: StoredAlert[];
}

export interface AlertFilter {
  severityAtLeast?: number;
  source?: string;
  since?: number;
  statusId?: number;
  limit?: number;
}

export interface AlertPageFilter {
  severityIds?: number[];
  statusIds?: number[];
  source?: string;
  connector?: string;
  /** Epoch ms bounds on the alert's time. */
  since?: number;
  until?: number;
  text?: string;
  limit?: number;
  cursor?: string;
}

export interface PageOrigin {
  source: string;
  connection: string;
  connector: string;
}

type Existing = Pick<Selectable<AlertsTable>, "id" | "vendor_id" | "content_hash" | "version">;

// SQLite accepts 32766 bound parameters per statement and PostgreSQL 65535; stay well below both.
const LOOKUP_CHUNK = 500;
const INSERT_ROWS = 500;

/** The columns of a new alert row, in the order storePage collects their values. */
export const INSERT_COLUMNS = [
  "id",
  "source",
  "connection",
  "connector",
  "vendor_id",
  "content_hash",
  "title",
  "severity_id",
  "status_id",
  "time",
  "ocsf",
  "version",
  "ingested_at",
  "updated_at",
] as const;
// Compiled INSERT and lookup templates kept per row count; pages are mostly full, so few sizes recur.
const TEMPLATES_KEPT = 16;

function toAlert(row: Selectable<AlertsTable>): StoredAlert {
  return {
    id: row.id,
    source: row.source,
    connection: row.connection,
    connector: row.connector,
    vendorId: row.vendor_id,
    title: row.title,
    severityId: Number(row.severity_id),
    statusId: Number(row.status_id),
    time: Number(row.time),
    version: Number(row.version),
    ingestedAt: Number(row.ingested_at),
    updatedAt: Number(row.updated_at),
    ocsf: JSON.parse(row.ocsf) as Record<string, unknown>,
  };
}

/** Alerts de-duplicated by (connection, vendor id), each change kept as a version. */
export class AlertStore {
  readonly #db: Kysely<RampartDb>;
  readonly #now: () => number;
  readonly #inserts = new QueryTemplates<number>(TEMPLATES_KEPT);
  readonly #lookups = new QueryTemplates<number>(TEMPLATES_KEPT);

  constructor(db: Kysely<RampartDb>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /**
   * Stores one page inside the caller's transaction: new alerts inserted, changed ones
   * updated with their previous content kept as a version, unchanged ones left alone.
   */
  async storePage(
    trx: Transaction<RampartDb>,
    origin: PageOrigin,
    incoming: readonly IncomingAlert[],
  ): Promise<PageResult> {
    const result: PageResult = { new: 0, updated: 0, unchanged: 0, created: [] };
    // The last occurrence of an id in a page is its newest content.
    const byId = new Map<string, IncomingAlert>();
    for (const alert of incoming) byId.set(alert.vendorId, alert);
    const ids = [...byId.keys()];
    const existing = new Map<string, Existing>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const chunk = ids.slice(i, i + LOOKUP_CHUNK);
      const lookup = this.#lookup(trx, chunk.length);
      const { rows } = await trx.executeQuery<Existing>(lookup.bind([origin.connection, ...chunk]));
      for (const row of rows) existing.set(row.vendor_id, row);
    }
    const now = this.#now();
    // New rows' values, INSERT_COLUMNS after INSERT_COLUMNS, bound to a compiled multi-row INSERT below.
    const values: unknown[] = [];
    for (const [vendorId, alert] of byId) {
      const summary = "content" in alert ? alert.content : alertContent(alert.ocsf);
      const { text, hash } = summary;
      const row = existing.get(vendorId);
      if (!row) {
        // Time-ordered (UUIDv7): new ids append to the primary-key index instead of dirtying pages all over it.
        const id = randomUUIDv7();
        values.push(
          id,
          origin.source,
          origin.connection,
          origin.connector,
          vendorId,
          hash,
          summary.title,
          summary.severityId,
          summary.statusId,
          summary.time,
          text,
          1,
          now,
          now,
        );
        result.new++;
        let ocsf = "ocsf" in alert ? alert.ocsf : undefined;
        result.created.push({
          id,
          source: origin.source,
          connection: origin.connection,
          connector: origin.connector,
          vendorId,
          title: summary.title,
          severityId: summary.severityId,
          statusId: summary.statusId,
          time: summary.time,
          version: 1,
          ingestedAt: now,
          updatedAt: now,
          // Arrived as text (normalized in a worker): parsed only if someone reads it, e.g. a trigger's `when`.
          get ocsf() {
            ocsf ??= JSON.parse(text) as Record<string, unknown>;
            return ocsf;
          },
        });
      } else if (row.content_hash === hash) {
        result.unchanged++;
      } else {
        const version = Number(row.version);
        // The current content becomes a version, copied inside the database.
        await trx
          .insertInto("alert_versions")
          .columns(["alert_id", "version", "content_hash", "ocsf", "recorded_at"])
          .expression((eb) =>
            eb
              .selectFrom("alerts")
              .select(["id", "version", "content_hash", "ocsf", eb.val(now).as("recorded_at")])
              .where("id", "=", row.id),
          )
          .execute();
        await trx
          .updateTable("alerts")
          .set({
            content_hash: hash,
            title: summary.title,
            severity_id: summary.severityId,
            status_id: summary.statusId,
            time: summary.time,
            ocsf: text,
            version: version + 1,
            updated_at: now,
          })
          .where("id", "=", row.id)
          .execute();
        result.updated++;
      }
    }
    const width = INSERT_COLUMNS.length;
    for (let i = 0; i < values.length; i += INSERT_ROWS * width) {
      const chunk = values.slice(i, i + INSERT_ROWS * width);
      await trx.executeQuery(this.#insert(trx, chunk.length / width).bind(chunk));
    }
    return result;
  }

  /** `SELECT … WHERE connection = ? AND vendor_id IN (n ids)`, compiled once per n. */
  #lookup(trx: Transaction<RampartDb>, n: number): QueryTemplate {
    return this.#lookups.get(n + 1, n + 1, () =>
      trx
        .selectFrom("alerts")
        // Not the OCSF text: most alerts come back unchanged, and only a changed one needs it (below).
        .select(["id", "vendor_id", "content_hash", "version"])
        .where("connection", "=", marker<string>(0))
        .where(
          "vendor_id",
          "in",
          Array.from({ length: n }, (_, i) => marker<string>(i + 1)),
        ),
    );
  }

  /** A multi-row INSERT of n new alerts, compiled once per n. */
  #insert(trx: Transaction<RampartDb>, n: number): QueryTemplate {
    const width = INSERT_COLUMNS.length;
    return this.#inserts.get(n * width, n * width, () =>
      trx
        .insertInto("alerts")
        .values(
          Array.from(
            { length: n },
            (_, r) =>
              Object.fromEntries(
                INSERT_COLUMNS.map((column, c) => [column, marker(r * width + c)]),
              ) as Insertable<AlertsTable>,
          ),
        ),
    );
  }

  async get(id: string): Promise<StoredAlert | undefined> {
    const row = await this.#db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toAlert(row) : undefined;
  }

  /** Earlier contents of an alert, oldest first (the current one is the alert itself). */
  async versions(id: string): Promise<AlertVersion[]> {
    const rows = await this.#db
      .selectFrom("alert_versions")
      .select(["version", "recorded_at", "ocsf"])
      .where("alert_id", "=", id)
      .orderBy("version")
      .execute();
    return rows.map((r) => ({
      version: Number(r.version),
      recordedAt: Number(r.recorded_at),
      ocsf: JSON.parse(r.ocsf) as Record<string, unknown>,
    }));
  }

  async list(filter: AlertFilter = {}): Promise<StoredAlert[]> {
    let query = this.#db.selectFrom("alerts").selectAll();
    if (filter.severityAtLeast !== undefined)
      query = query.where("severity_id", ">=", filter.severityAtLeast);
    if (filter.source !== undefined) query = query.where("source", "=", filter.source);
    if (filter.since !== undefined) query = query.where("time", ">=", filter.since);
    if (filter.statusId !== undefined) query = query.where("status_id", "=", filter.statusId);
    const rows = await query
      .orderBy("time", "desc")
      .orderBy("id")
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toAlert);
  }

  /** A page of alerts, newest first, with the API's filters; `text` searches the title and the whole OCSF event. */
  async page(filter: AlertPageFilter = {}): Promise<{ alerts: StoredAlert[]; next?: string }> {
    const limit = filter.limit ?? 50;
    const rows = await this.#pageRows(filter, limit + 1);
    const alerts = rows.slice(0, limit).map(toAlert);
    const last = alerts.at(-1);
    return rows.length > limit && last ? { alerts, next: encodeCursor(last.time, last.id) } : { alerts };
  }

  // Newest first. Several severities (or statuses) are one arm each, each reading its own
  // (column, time) index in order up to the page's size, merged: an `IN` over several values makes
  // SQLite read every matching row into a sort (900 ms for two severities of 100,000 alerts, 8 ms
  // as arms).
  async #pageRows(filter: AlertPageFilter, take: number): Promise<Selectable<AlertsTable>[]> {
    const severities = filter.severityIds ?? [];
    const statuses = filter.statusIds ?? [];
    const armColumn = severities.length > 1 ? "severity_id" : statuses.length > 1 ? "status_id" : null;
    const filtered = (pinned?: number) => {
      let query = this.#db.selectFrom("alerts").selectAll();
      if (armColumn === "severity_id") query = query.where("severity_id", "=", pinned!);
      else if (severities.length) query = query.where("severity_id", "in", severities);
      if (armColumn === "status_id") query = query.where("status_id", "=", pinned!);
      else if (statuses.length) query = query.where("status_id", "in", statuses);
      if (filter.source) query = query.where("source", "=", filter.source);
      if (filter.connector) query = query.where("connector", "=", filter.connector);
      if (filter.since !== undefined) query = query.where("time", ">=", filter.since);
      if (filter.until !== undefined) query = query.where("time", "<", filter.until);
      if (filter.text) {
        const pattern = `%${filter.text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) =>
          eb.or([
            sql<boolean>`lower(${eb.ref("title")}) like ${pattern} escape '\\'`,
            sql<boolean>`lower(${eb.ref("ocsf")}) like ${pattern} escape '\\'`,
          ]),
        );
      }
      if (filter.cursor) {
        const [time, id] = decodeCursor(filter.cursor);
        query = query.where((eb) =>
          eb.or([eb("time", "<", Number(time)), eb.and([eb("time", "=", Number(time)), eb("id", ">", id)])]),
        );
      }
      return query.orderBy("time", "desc").orderBy("id").limit(take);
    };
    if (armColumn === null) return filtered().execute();
    const values = [...new Set(armColumn === "severity_id" ? severities : statuses)];
    const [first, ...rest] = values.map((value, i) =>
      this.#db.selectFrom(filtered(value).as(`arm${i}`)).selectAll(),
    );
    const arms = rest.reduce((union, arm) => union.unionAll(arm), first!);
    return this.#db
      .selectFrom(arms.as("arms"))
      .selectAll()
      .orderBy("time", "desc")
      .orderBy("id")
      .limit(take)
      .execute();
  }

  /**
   * An analyst's triage as a new version of the alert: OCSF `status_id`/`status`, `assignee`
   * (a user by name, or none) and `comment`, with who and when under `unmapped.rampart_triage`.
   * The previous content is kept as a version, as for a vendor's change.
   */
  async triage(
    id: string,
    change: { statusId?: number; status?: string; assignee?: string | null; comment?: string; by: string },
  ): Promise<StoredAlert> {
    const now = this.#now();
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
      if (!row) throw new NotFoundError(`no alert "${id}"`, { field: "id" });
      const ocsf = JSON.parse(row.ocsf) as Record<string, unknown>;
      if (change.statusId !== undefined) {
        ocsf.status_id = change.statusId;
        ocsf.status = change.status;
      }
      if (change.assignee === null) delete ocsf.assignee;
      else if (change.assignee !== undefined) {
        ocsf.assignee = { name: change.assignee };
        // OCSF puts `assignee` in its incident profile, which the event must then declare.
        const metadata = (ocsf.metadata ?? {}) as { profiles?: string[] };
        const profiles = new Set(metadata.profiles ?? []);
        profiles.add("incident");
        ocsf.metadata = { ...metadata, profiles: [...profiles] };
      }
      if (change.comment !== undefined) ocsf.comment = change.comment;
      const unmapped = (ocsf.unmapped ?? {}) as Record<string, unknown>;
      ocsf.unmapped = { ...unmapped, rampart_triage: { by: change.by, at: new Date(now).toISOString() } };
      const content = alertContent(ocsf);
      await trx
        .insertInto("alert_versions")
        .columns(["alert_id", "version", "content_hash", "ocsf", "recorded_at"])
        .expression((eb) =>
          eb
            .selectFrom("alerts")
            .select(["id", "version", "content_hash", "ocsf", eb.val(now).as("recorded_at")])
            .where("id", "=", id),
        )
        .execute();
      await trx
        .updateTable("alerts")
        .set({
          content_hash: content.hash,
          status_id: content.statusId,
          ocsf: content.text,
          version: Number(row.version) + 1,
          updated_at: now,
        })
        .where("id", "=", id)
        .execute();
    });
    return (await this.get(id))!;
  }

  /** The runs the alert's triggers started, with the playbook file of each. */
  async triggeredRuns(
    alertId: string,
  ): Promise<Array<{ playbook: string; runId: string | null; error: string | null }>> {
    const rows = await this.#db
      .selectFrom("alert_triggers")
      .select(["playbook", "run_id", "error"])
      .where("alert_id", "=", alertId)
      .orderBy("created_at")
      .execute();
    return rows.map((r) => ({ playbook: r.playbook, runId: r.run_id, error: r.error }));
  }

  async count(source?: string): Promise<number> {
    let query = this.#db.selectFrom("alerts").select((eb) => eb.fn.countAll().as("n"));
    if (source !== undefined) query = query.where("source", "=", source);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  /** How many alerts there are of each severity, highest first. */
  async countBySeverity(): Promise<Array<{ severityId: number; count: number }>> {
    const rows = await this.#db
      .selectFrom("alerts")
      .select(["severity_id", (eb) => eb.fn.countAll().as("n")])
      .groupBy("severity_id")
      .orderBy("severity_id", "desc")
      .execute();
    return rows.map((r) => ({ severityId: Number(r.severity_id), count: Number(r.n) }));
  }

  /** Every alert's OCSF event, oldest first, streamed in pages. */
  async *export(pageSize = 1000): AsyncGenerator<Record<string, unknown>> {
    let cursor: { time: number; id: string } | undefined;
    for (;;) {
      let query = this.#db.selectFrom("alerts").select(["id", "time", "ocsf"]);
      if (cursor) {
        const { time, id } = cursor;
        query = query.where((eb) =>
          eb.or([eb("time", ">", time), eb.and([eb("time", "=", time), eb("id", ">", id)])]),
        );
      }
      const rows = await query.orderBy("time").orderBy("id").limit(pageSize).execute();
      for (const row of rows) yield JSON.parse(row.ocsf) as Record<string, unknown>;
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      cursor = { time: Number(last.time), id: last.id };
    }
  }
}
