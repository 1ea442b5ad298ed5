import { dirname } from "node:path";
import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import { ConflictError, NotFoundError } from "../connectors/sdk/index.ts";
// The engine defines what it needs from persistence (a port); this file is the SQL side of it.
import {
  type ApprovalDecision,
  type Lease,
  LeaseLostError,
  type NewRun,
  type NewStep,
  type RunCause,
  type RunClaim,
  type RunFinish,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type StepErrorData,
  type StepFinish,
  type StepRecord,
  type StepWarning,
} from "../engine/run-store.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { Database } from "./database.ts";
import { dialectOf } from "./dialect.ts";
import { absoluteSources, relativeSources } from "./playbook-versions.ts";
import { marker, type QueryTemplate, QueryTemplates } from "./query-template.ts";
import type { RampartDb, RunStepsTable, RunsTable } from "./schema.ts";

const UNFINISHED = ["queued", "running", "waiting"];

/** A run's columns in the order its INSERT template binds them. */
const RUN_COLUMNS = [
  "id",
  "playbook_name",
  "playbook_path",
  "playbook_hash",
  "inputs",
  "connections",
  "alert",
  "status",
  "outputs",
  "error",
  "message",
  "rerun_of",
  "cause_kind",
  "cause",
  "owner",
  "lease_until",
  "lease_epoch",
  "wake_at",
  "created_at",
  "updated_at",
  "finished_at",
] as const satisfies readonly (keyof RunsTable)[];

/** A new attempt's columns (all but `seq`, which the insert computes) in the order its templates bind them. */
const STEP_COLUMNS = [
  "run_id",
  "step_key",
  "attempt",
  "step_id",
  "type",
  "status",
  "input",
  "output",
  "http_status",
  "error",
  "warnings",
  "idempotency_key",
  "started_at",
  "finished_at",
] as const satisfies readonly (keyof RunStepsTable)[];

/** The statements a run's execution repeats, compiled once each (see `QueryTemplates`). */
type HotQuery =
  | "createRun"
  | "getRun"
  | "steps"
  | "claim"
  | "claimStolen"
  | "finishRun"
  | "finishRunAt"
  | "insertStep"
  | "insertLeasedStep"
  | "finishStep"
  | "finishLeasedStep"
  | "due"
  | "running"
  | "nextWake";

export interface RunPageFilter {
  playbook?: string;
  status?: RunStatus;
  /** `webhook`, `schedule`, …, or `manual` for runs with no recorded cause (the CLI, the API, alert triggers). */
  cause?: string;
  /** ISO-8601 bounds on the start time. */
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

/** Runs and their step attempts in SQL, through Kysely's builders only (SQLite today, PostgreSQL later). */
export class SqlRunStore implements RunStore {
  readonly #db: Kysely<RampartDb>;
  /** PostgreSQL runs claims concurrently: they lock the run's row; SQLite's writers are serialized already. */
  readonly #lockRows: boolean;
  /** The last step insert queued for each run (PostgreSQL), settled either way. */
  readonly #stepInserts = new Map<string, Promise<void>>();
  /** Playbook versions known to be stored: a run of one of them stores no sources. */
  readonly #storedVersions = new Set<string>();
  /** Recently read versions' sources (relative paths), by hash; a version never changes. */
  readonly #versionSources = new Map<string, Record<string, string>>();
  readonly #templates = new QueryTemplates<HotQuery>();

  constructor(database: Pick<Database, "db">) {
    this.#db = database.db;
    this.#lockRows = dialectOf(database.db) === "postgres";
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    await this.#storeVersion(run);
    const row: RunsTable = {
      id: run.id,
      playbook_name: run.playbookName,
      playbook_path: run.playbookPath,
      playbook_hash: run.playbookHash,
      inputs: JSON.stringify(run.inputs ?? null),
      connections: JSON.stringify(run.connections),
      alert: json(run.alert),
      status: run.status ?? "running",
      outputs: null,
      error: null,
      message: null,
      rerun_of: run.rerunOf,
      cause_kind: run.cause?.kind ?? null,
      cause: json(run.cause),
      owner: run.owner,
      lease_until: run.leaseUntil,
      // A run created under its owner's lease is that owner's first claim.
      lease_epoch: run.owner ? 1 : 0,
      wake_at: null,
      created_at: run.createdAt,
      updated_at: run.createdAt,
      finished_at: null,
    };
    const insert = this.#templates.get("createRun", RUN_COLUMNS.length, () =>
      this.#db
        .insertInto("runs")
        .values(Object.fromEntries(RUN_COLUMNS.map((c, i) => [c, marker(i)])) as Insertable<RunsTable>),
    );
    await this.#db.executeQuery(insert.bind(RUN_COLUMNS.map((c) => row[c])));
    return toRun(row);
  }

  async playbookSources(playbookHash: string, playbookPath: string): Promise<Record<string, string>> {
    let sources = this.#versionSources.get(playbookHash);
    if (!sources) {
      const row = await this.#db
        .selectFrom("playbook_versions")
        .select("sources")
        .where("hash", "=", playbookHash)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`no stored sources for playbook version ${playbookHash}`);
      sources = JSON.parse(row.sources) as Record<string, string>;
      if (this.#versionSources.size >= 100)
        this.#versionSources.delete(this.#versionSources.keys().next().value!);
      this.#versionSources.set(playbookHash, sources);
    }
    return absoluteSources(sources, dirname(playbookPath));
  }

  // Before the run that refers to it; a version stored by another process meanwhile is kept as it is.
  async #storeVersion(run: NewRun): Promise<void> {
    if (this.#storedVersions.has(run.playbookHash)) return;
    await this.#db
      .insertInto("playbook_versions")
      .values({
        hash: run.playbookHash,
        sources: JSON.stringify(relativeSources(run.sources, dirname(run.playbookPath))),
        created_at: run.createdAt,
      })
      .onConflict((oc) => oc.column("hash").doNothing())
      .execute();
    if (this.#storedVersions.size >= 1000) this.#storedVersions.clear();
    this.#storedVersions.add(run.playbookHash);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const query = this.#templates.get("getRun", 1, () =>
      this.#db.selectFrom("runs").selectAll().where("id", "=", marker<string>(0)),
    );
    const [row] = (await this.#db.executeQuery<Selectable<RunsTable>>(query.bind([id]))).rows;
    return row ? toRun(row) : undefined;
  }

  async listRuns(filter: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    let query = this.#db.selectFrom("runs").selectAll();
    if (filter.status) query = query.where("status", "=", filter.status);
    const rows = await query
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(filter.limit ?? 50)
      .execute();
    return rows.map(toRun);
  }

  /** A page of runs, newest first, filtered; `cursor` continues after the previous page. */
  async page(filter: RunPageFilter = {}): Promise<{ runs: RunRecord[]; next?: string }> {
    const limit = filter.limit ?? 50;
    let query = this.#db.selectFrom("runs").selectAll();
    if (filter.playbook) query = query.where("playbook_name", "=", filter.playbook);
    if (filter.status) query = query.where("status", "=", filter.status);
    if (filter.cause) {
      const cause = filter.cause;
      query =
        cause === "manual" ? query.where("cause_kind", "is", null) : query.where("cause_kind", "=", cause);
    }
    if (filter.since) query = query.where("created_at", ">=", filter.since);
    if (filter.until) query = query.where("created_at", "<", filter.until);
    if (filter.cursor) {
      const [createdAt, id] = decodeCursor(filter.cursor);
      query = query.where((eb) =>
        eb.or([
          eb("created_at", "<", String(createdAt)),
          eb.and([eb("created_at", "=", String(createdAt)), eb("id", ">", id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(limit + 1)
      .execute();
    const runs = rows.slice(0, limit).map(toRun);
    const last = runs.at(-1);
    return rows.length > limit && last ? { runs, next: encodeCursor(last.createdAt, last.id) } : { runs };
  }

  /** How many runs are in each status (for metrics and the UI's counters). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom("runs")
      .select((eb) => ["status", eb.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async steps(runId: string): Promise<StepRecord[]> {
    const query = this.#templates.get("steps", 1, () =>
      this.#db.selectFrom("run_steps").selectAll().where("run_id", "=", marker<string>(0)).orderBy("seq"),
    );
    const { rows } = await this.#db.executeQuery<Selectable<RunStepsTable>>(query.bind([runId]));
    return rows.map(toStep);
  }

  async claimRun(
    id: string,
    owner: string,
    leaseUntil: string,
    now: string,
    steal = false,
  ): Promise<RunRecord | undefined> {
    if (!this.#lockRows) return this.#claimInOneStatement(id, owner, leaseUntil, now, steal);
    return this.#db.transaction().execute(async (trx) => {
      // Another worker claiming the same run holds its row: skip it rather than wait, as if taken.
      const row = await trx
        .selectFrom("runs")
        .selectAll()
        .where("id", "=", id)
        .$if(this.#lockRows, (q) => q.forUpdate().skipLocked())
        .executeTakeFirst();
      if (!row || !UNFINISHED.includes(row.status)) return undefined;
      const free = row.owner === null || row.owner === owner || (row.lease_until ?? "") < now || steal;
      if (!free) return undefined;
      // Every claim is a new epoch, even the same owner's: an earlier execution of it is fenced off too.
      const lease_epoch = Number(row.lease_epoch) + 1;
      await trx
        .updateTable("runs")
        .set({ owner, lease_until: leaseUntil, lease_epoch, status: "running", updated_at: now })
        .where("id", "=", id)
        .execute();
      return toRun({
        ...row,
        owner,
        lease_until: leaseUntil,
        lease_epoch,
        status: "running",
        updated_at: now,
      });
    });
  }

  /**
   * SQLite: the check and the claim as one UPDATE … RETURNING, which joins the connection's group
   * commit; a transaction of its own would end the group and commit alone. (PostgreSQL's claim
   * above skips a row another worker holds instead of waiting for it.)
   */
  async #claimInOneStatement(
    id: string,
    owner: string,
    leaseUntil: string,
    now: string,
    steal: boolean,
  ): Promise<RunRecord | undefined> {
    const query = this.#templates.get(steal ? "claimStolen" : "claim", steal ? 8 : 11, () =>
      this.#db
        .updateTable("runs")
        .set({
          owner: marker<string>(0),
          lease_until: marker<string>(1),
          // Every claim is a new epoch, even the same owner's: an earlier execution of it is fenced off too.
          lease_epoch: sql<number>`lease_epoch + 1`,
          status: marker<string>(2),
          updated_at: marker<string>(3),
        })
        .where("id", "=", marker<string>(4))
        .where("status", "in", [marker<string>(5), marker<string>(6), marker<string>(7)])
        .$if(!steal, (q) =>
          q.where((eb) =>
            eb.or([
              eb("owner", "is", null),
              eb("owner", "=", marker<string>(8)),
              eb(eb.fn.coalesce("lease_until", eb.val(marker<string>(9))), "<", marker<string>(10)),
            ]),
          ),
        )
        .returningAll(),
    );
    const values: unknown[] = [owner, leaseUntil, "running", now, id, ...UNFINISHED];
    if (!steal) values.push(owner, "", now);
    const [row] = (await this.#db.executeQuery<Selectable<RunsTable>>(query.bind(values))).rows;
    return row ? toRun(row) : undefined;
  }

  async releaseRun(id: string, owner: string, at: string): Promise<boolean> {
    const result = await this.#db
      .updateTable("runs")
      .set({ owner: null, lease_until: null, updated_at: at })
      .where("id", "=", id)
      .where("owner", "=", owner)
      .where("status", "=", "running")
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async renewLease(id: string, owner: string, leaseUntil: string, epoch?: number): Promise<boolean> {
    const result = await this.#db
      .updateTable("runs")
      .set({ lease_until: leaseUntil })
      .where("id", "=", id)
      .where("owner", "=", owner)
      .where("status", "=", "running")
      .$if(epoch !== undefined, (q) => q.where("lease_epoch", "=", epoch!))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async finishRun(id: string, owner: string, finish: RunFinish, epoch?: number): Promise<void> {
    const fenced = epoch !== undefined;
    const query = this.#templates.get(fenced ? "finishRunAt" : "finishRun", fenced ? 13 : 12, () =>
      this.#db
        .updateTable("runs")
        .set({
          status: marker<string>(0),
          outputs: marker<string | null>(1),
          error: marker<string | null>(2),
          message: marker<string | null>(3),
          finished_at: marker<string | null>(4),
          updated_at: marker<string>(5),
          wake_at: marker<string | null>(6),
          owner: marker<null>(7),
          lease_until: marker<null>(8),
        })
        .where("id", "=", marker<string>(9))
        .where("owner", "=", marker<string>(10))
        .where("status", "=", marker<string>(11))
        .$if(fenced, (q) => q.where("lease_epoch", "=", marker<number>(12))),
    );
    const values: unknown[] = [
      finish.status,
      json(finish.outputs),
      json(finish.error),
      finish.message ?? null,
      finish.finishedAt,
      finish.finishedAt ?? new Date().toISOString(),
      finish.status === "waiting" ? (finish.wakeAt ?? null) : null,
      null,
      null,
      id,
      owner,
      "running",
    ];
    if (fenced) values.push(epoch);
    await this.#db.executeQuery(query.bind(values));
  }

  /**
   * Only the run's executor (one process, under the lease) inserts its steps, but a `foreach` inserts
   * several at once. SQLite's one connection runs them one by one; on PostgreSQL's pool they would
   * compute the same `seq`, so this process queues them per run.
   */
  async startStep(step: NewStep, lease?: Lease): Promise<StepRecord> {
    if (!this.#lockRows) return this.#insertStep(step, lease);
    const previous = this.#stepInserts.get(step.runId);
    const write = () => this.#insertStep(step, lease);
    const insert = previous ? previous.then(write) : write();
    const settled = insert.then(
      () => {},
      () => {},
    );
    this.#stepInserts.set(step.runId, settled);
    try {
      return await insert;
    } finally {
      if (this.#stepInserts.get(step.runId) === settled) this.#stepInserts.delete(step.runId);
    }
  }

  /**
   * The run's row while it is under `lease`, as a subquery a write is conditioned on: the check and
   * the write are one statement. On PostgreSQL the row is held FOR SHARE until the write commits, so
   * a claim by another worker waits for it, and a write behind a claim sees the new epoch and does
   * nothing: it is either before the takeover or refused. Its markers, from `first`: the run's id,
   * the lease's owner and epoch, and "running".
   */
  #leased(db: Kysely<RampartDb>, first: number) {
    return db
      .selectFrom("runs")
      .where("id", "=", marker<string>(first))
      .where("owner", "=", marker<string>(first + 1))
      .where("lease_epoch", "=", marker<number>(first + 2))
      .where("status", "=", marker<string>(first + 3))
      .$if(this.#lockRows, (q) => q.forShare());
  }

  // One statement (no transaction): the attempt's order in the run is computed by the insert itself,
  // and with a lease the row is inserted only while the run is under it.
  async #insertStep(step: NewStep, lease?: Lease): Promise<StepRecord> {
    const row: Omit<RunStepsTable, "seq"> = {
      run_id: step.runId,
      step_key: step.key,
      attempt: step.attempt,
      step_id: step.stepId,
      type: step.type,
      status: step.status,
      input: json(step.input),
      output: null,
      http_status: null,
      error: null,
      warnings: null,
      idempotency_key: step.idempotencyKey,
      started_at: step.startedAt,
      finished_at: null,
    };
    const width = STEP_COLUMNS.length;
    const values: unknown[] = STEP_COLUMNS.map((c) => row[c]);
    values.push(step.runId);
    const nextSeq = () =>
      this.#db
        .selectFrom("run_steps")
        .select(sql<number>`coalesce(max(seq), 0) + 1`.as("seq"))
        .where("run_id", "=", marker<string>(width));
    let query: QueryTemplate;
    if (lease) {
      values.push(step.runId, lease.owner, lease.epoch, "running");
      query = this.#templates.get("insertLeasedStep", width + 5, () =>
        this.#db
          .insertInto("run_steps")
          .columns([...STEP_COLUMNS, "seq"])
          .expression(
            this.#leased(this.#db, width + 1).select((eb) => [
              ...STEP_COLUMNS.map((c, i) =>
                c === "attempt" || c === "http_status"
                  ? sql<number>`cast(${marker(i)} as integer)`.as(c)
                  : eb.val(marker<string | null>(i)).as(c),
              ),
              nextSeq().as("seq"),
            ]),
          )
          .returning("seq"),
      );
    } else {
      query = this.#templates.get("insertStep", width + 1, () =>
        this.#db
          .insertInto("run_steps")
          .values({
            ...(Object.fromEntries(STEP_COLUMNS.map((c, i) => [c, marker(i)])) as Omit<RunStepsTable, "seq">),
            seq: () => nextSeq(),
          })
          .returning("seq"),
      );
    }
    const [inserted] = (await this.#db.executeQuery<{ seq: number }>(query.bind(values))).rows;
    if (!inserted) {
      if (lease) throw new LeaseLostError(step.runId, lease);
      throw new Error(`the attempt ${step.key}#${step.attempt} of run ${step.runId} was not recorded`);
    }
    // The record carries the input as given rather than parsed back from its JSON text.
    return { ...toStep({ ...row, input: null, seq: inserted.seq }), input: step.input ?? null };
  }

  /** With a lease, recorded only while the run is under it (the check is part of the update). */
  async finishStep(
    runId: string,
    key: string,
    attempt: number,
    finish: StepFinish,
    lease?: Lease,
  ): Promise<void> {
    const query = this.#templates.get(lease ? "finishLeasedStep" : "finishStep", lease ? 13 : 9, () =>
      this.#db
        .updateTable("run_steps")
        .set({
          status: marker<string>(0),
          output: marker<string | null>(1),
          http_status: marker<number | null>(2),
          error: marker<string | null>(3),
          warnings: marker<string | null>(4),
          finished_at: marker<string | null>(5),
        })
        .where("run_id", "=", marker<string>(6))
        .where("step_key", "=", marker<string>(7))
        .where("attempt", "=", marker<number>(8))
        .$if(lease !== undefined, (q) => q.where((eb) => eb.exists(this.#leased(this.#db, 9).select("id")))),
    );
    const values: unknown[] = [
      finish.status,
      json(finish.output),
      finish.httpStatus ?? null,
      json(finish.error),
      finish.warnings && finish.warnings.length > 0 ? JSON.stringify(finish.warnings) : null,
      finish.finishedAt,
      runId,
      key,
      attempt,
    ];
    if (lease) values.push(runId, lease.owner, lease.epoch, "running");
    const result = await this.#db.executeQuery(query.bind(values));
    if (lease && result.numAffectedRows === 0n) throw new LeaseLostError(runId, lease);
  }

  async decideApproval(runId: string, decision: ApprovalDecision): Promise<StepRecord> {
    return this.#db.transaction().execute(async (trx) => {
      // Two decisions at once: the second waits for the first's commit and then sees the step decided.
      const run = await trx
        .selectFrom("runs")
        .select("status")
        .where("id", "=", runId)
        .$if(this.#lockRows, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!run) throw new NotFoundError(`no run "${runId}"`, { field: "run" });
      let query = trx
        .selectFrom("run_steps")
        .selectAll()
        .where("run_id", "=", runId)
        .where("type", "=", "approval")
        .where("status", "=", "waiting");
      if (decision.key) query = query.where("step_key", "=", decision.key);
      const row = await query.orderBy("seq").executeTakeFirst();
      if (!row || !UNFINISHED.includes(run.status)) {
        throw new ConflictError(`run ${runId} is not waiting for an approval (it is ${run.status})`, {
          field: "run",
        });
      }
      const deadline = (JSON.parse(row.input ?? "{}") as { deadline?: string }).deadline ?? "";
      if (deadline <= decision.at) {
        throw new ConflictError(`the approval of ${row.step_key} timed out at ${deadline}`, {
          field: "run",
        });
      }
      const output = {
        decision: decision.approved ? "approved" : "rejected",
        by: decision.by,
        comment: decision.comment ?? null,
        at: decision.at,
      };
      const error: StepErrorData | null = decision.approved
        ? null
        : {
            type: "ApprovalRejected",
            message: `rejected by ${decision.by}${decision.comment ? `: ${decision.comment}` : ""}`,
            retryable: false,
          };
      const status = decision.approved ? "succeeded" : "failed";
      await trx
        .updateTable("run_steps")
        .set({ status, output: json(output), error: json(error), finished_at: decision.at })
        .where("run_id", "=", runId)
        .where("step_key", "=", row.step_key)
        .where("attempt", "=", row.attempt)
        .execute();
      // Due at once: the next worker to look continues the run.
      await trx
        .updateTable("runs")
        .set({ updated_at: decision.at, wake_at: decision.at })
        .where("id", "=", runId)
        .execute();
      return toStep({
        ...row,
        status,
        output: json(output),
        error: json(error),
        finished_at: decision.at,
      });
    });
  }

  async cancelRun(id: string, at: string): Promise<RunRecord> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("runs")
        .selectAll()
        .where("id", "=", id)
        .$if(this.#lockRows, (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`no run "${id}"`, { field: "run" });
      if (!UNFINISHED.includes(row.status)) {
        throw new ConflictError(`run ${id} has already finished (${row.status})`, { field: "run" });
      }
      const error: StepErrorData = { type: "Cancelled", message: "the run was cancelled", retryable: false };
      const changes = {
        status: "cancelled",
        error: JSON.stringify(error),
        finished_at: at,
        updated_at: at,
        owner: null,
        lease_until: null,
      };
      await trx.updateTable("runs").set(changes).where("id", "=", id).execute();
      // The attempts in flight end here: their executor's own writes are refused from now on (fenced).
      await trx
        .updateTable("run_steps")
        .set({ status: "interrupted", error: JSON.stringify(error), finished_at: at })
        .where("run_id", "=", id)
        .where("status", "in", ["running", "waiting"])
        .execute();
      return toRun({ ...row, ...changes });
    });
  }

  async wakeable(
    now: string,
    limit: number,
  ): Promise<{ due: string[]; running: RunClaim[]; nextAt: string | null }> {
    const dueQuery = this.#templates.get("due", 4, () =>
      this.#db
        .selectFrom("runs")
        .select("id")
        .where((eb) =>
          eb.or([
            eb("status", "=", marker<string>(0)),
            eb.and([eb("status", "=", marker<string>(1)), eb("wake_at", "<=", marker<string>(2))]),
          ]),
        )
        .orderBy("created_at")
        .limit(marker<number>(3)),
    );
    const due = await this.#db.executeQuery<{ id: string }>(dueQuery.bind(["queued", "waiting", now, limit]));
    // Asked after every run that ends: the claim's columns only, not each run's inputs and sources.
    const runningQuery = this.#templates.get("running", 1, () =>
      this.#db
        .selectFrom("runs")
        .select(["id", "owner", "lease_until"])
        .where("status", "=", marker<string>(0)),
    );
    const running = await this.#db.executeQuery<Pick<RunsTable, "id" | "owner" | "lease_until">>(
      runningQuery.bind(["running"]),
    );
    const nextQuery = this.#templates.get("nextWake", 2, () =>
      this.#db
        .selectFrom("runs")
        .select((eb) => eb.fn.min("wake_at").as("at"))
        .where("status", "=", marker<string>(0))
        .where("wake_at", ">", marker<string>(1)),
    );
    const [next] = (await this.#db.executeQuery<{ at: string | null }>(nextQuery.bind(["waiting", now])))
      .rows;
    return {
      due: due.rows.map((r) => r.id),
      running: running.rows.map((r) => ({
        id: r.id,
        status: "running",
        owner: r.owner,
        leaseUntil: r.lease_until,
      })),
      nextAt: next?.at ?? null,
    };
  }

  async unfinishedRuns(): Promise<RunRecord[]> {
    const rows = await this.#db
      .selectFrom("runs")
      .selectAll()
      .where("status", "in", UNFINISHED)
      .orderBy("created_at")
      .execute();
    return rows.map(toRun);
  }
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function toRun(row: Selectable<RunsTable>): RunRecord {
  return {
    id: row.id,
    playbookName: row.playbook_name,
    playbookPath: row.playbook_path,
    playbookHash: row.playbook_hash,
    inputs: JSON.parse(row.inputs),
    connections: JSON.parse(row.connections) as Record<string, string>,
    alert: parse(row.alert),
    status: row.status as RunStatus,
    outputs: parse(row.outputs),
    error: parse<StepErrorData>(row.error),
    message: row.message,
    rerunOf: row.rerun_of,
    cause: parse<RunCause>(row.cause),
    owner: row.owner,
    leaseUntil: row.lease_until,
    leaseEpoch: Number(row.lease_epoch),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

function toStep(row: Selectable<RunStepsTable>): StepRecord {
  return {
    runId: row.run_id,
    key: row.step_key,
    stepId: row.step_id,
    type: row.type,
    attempt: Number(row.attempt),
    seq: Number(row.seq),
    status: row.status as StepRecord["status"],
    input: parse(row.input),
    output: parse(row.output),
    httpStatus: row.http_status === null ? null : Number(row.http_status),
    error: parse<StepErrorData>(row.error),
    warnings: parse<StepWarning[]>(row.warnings) ?? [],
    idempotencyKey: row.idempotency_key,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
