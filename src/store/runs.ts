import { type Kysely, type Selectable, sql } from "kysely";
import { ConflictError, NotFoundError } from "../connectors/sdk/index.ts";
// The engine defines what it needs from persistence (a port); this file is the SQL side of it.
import {
  type ApprovalDecision,
  type Lease,
  LeaseLostError,
  type NewRun,
  type NewStep,
  type RunCause,
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
import type { RampartDb, RunStepsTable, RunsTable } from "./schema.ts";

const UNFINISHED = ["queued", "running", "waiting"];

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

  constructor(database: Pick<Database, "db">) {
    this.#db = database.db;
    this.#lockRows = dialectOf(database.db) === "postgres";
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    const row: RunsTable = {
      id: run.id,
      playbook_name: run.playbookName,
      playbook_path: run.playbookPath,
      playbook_hash: run.playbookHash,
      playbook_sources: JSON.stringify(run.sources),
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
    await this.#db.insertInto("runs").values(row).execute();
    return toRun(row);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.#db.selectFrom("runs").selectAll().where("id", "=", id).executeTakeFirst();
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
    const rows = await this.#db
      .selectFrom("run_steps")
      .selectAll()
      .where("run_id", "=", runId)
      .orderBy("seq")
      .execute();
    return rows.map(toStep);
  }

  async claimRun(
    id: string,
    owner: string,
    leaseUntil: string,
    now: string,
    steal = false,
  ): Promise<RunRecord | undefined> {
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
    await this.#db
      .updateTable("runs")
      .set({
        status: finish.status,
        outputs: json(finish.outputs),
        error: json(finish.error),
        message: finish.message ?? null,
        finished_at: finish.finishedAt,
        updated_at: finish.finishedAt ?? new Date().toISOString(),
        wake_at: finish.status === "waiting" ? (finish.wakeAt ?? null) : null,
        owner: null,
        lease_until: null,
      })
      .where("id", "=", id)
      .where("owner", "=", owner)
      .where("status", "=", "running")
      .$if(epoch !== undefined, (q) => q.where("lease_epoch", "=", epoch!))
      .execute();
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
   * nothing: it is either before the takeover or refused.
   */
  #leased(db: Kysely<RampartDb>, runId: string, lease: Lease) {
    return db
      .selectFrom("runs")
      .where("id", "=", runId)
      .where("owner", "=", lease.owner)
      .where("lease_epoch", "=", lease.epoch)
      .where("status", "=", "running")
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
    const nextSeq = this.#db
      .selectFrom("run_steps")
      .select(sql<number>`coalesce(max(seq), 0) + 1`.as("seq"))
      .where("run_id", "=", step.runId);
    const inserted = lease
      ? await this.#db
          .insertInto("run_steps")
          .columns([
            "run_id",
            "step_key",
            "attempt",
            "step_id",
            "type",
            "status",
            "input",
            "idempotency_key",
            "started_at",
            "seq",
          ])
          .expression(
            this.#leased(this.#db, step.runId, lease).select((eb) => [
              eb.val(row.run_id).as("run_id"),
              eb.val(row.step_key).as("step_key"),
              sql<number>`cast(${row.attempt} as integer)`.as("attempt"),
              eb.val(row.step_id).as("step_id"),
              eb.val(row.type).as("type"),
              eb.val(row.status).as("status"),
              eb.val(row.input).as("input"),
              eb.val(row.idempotency_key).as("idempotency_key"),
              eb.val(row.started_at).as("started_at"),
              nextSeq.as("seq"),
            ]),
          )
          .returning("seq")
          .executeTakeFirst()
      : await this.#db
          .insertInto("run_steps")
          .values({ ...row, seq: () => nextSeq })
          .returning("seq")
          .executeTakeFirstOrThrow();
    if (!inserted) throw new LeaseLostError(step.runId, lease!);
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
    const result = await this.#db
      .updateTable("run_steps")
      .set({
        status: finish.status,
        output: json(finish.output),
        http_status: finish.httpStatus ?? null,
        error: json(finish.error),
        warnings: finish.warnings && finish.warnings.length > 0 ? JSON.stringify(finish.warnings) : null,
        finished_at: finish.finishedAt,
      })
      .where("run_id", "=", runId)
      .where("step_key", "=", key)
      .where("attempt", "=", attempt)
      .$if(lease !== undefined, (q) =>
        q.where((eb) => eb.exists(this.#leased(this.#db, runId, lease!).select("id"))),
      )
      .executeTakeFirst();
    if (lease && result.numUpdatedRows === 0n) throw new LeaseLostError(runId, lease);
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
  ): Promise<{ due: string[]; running: RunRecord[]; nextAt: string | null }> {
    const due = await this.#db
      .selectFrom("runs")
      .select("id")
      .where((eb) =>
        eb.or([
          eb("status", "=", "queued"),
          eb.and([eb("status", "=", "waiting"), eb("wake_at", "<=", now)]),
        ]),
      )
      .orderBy("created_at")
      .limit(limit)
      .execute();
    const running = await this.#db.selectFrom("runs").selectAll().where("status", "=", "running").execute();
    const next = await this.#db
      .selectFrom("runs")
      .select((eb) => eb.fn.min("wake_at").as("at"))
      .where("status", "=", "waiting")
      .where("wake_at", ">", now)
      .executeTakeFirst();
    return {
      due: due.map((r) => r.id),
      running: running.map(toRun),
      nextAt: (next?.at as string | null) ?? null,
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
    sources: JSON.parse(row.playbook_sources) as Record<string, string>,
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
