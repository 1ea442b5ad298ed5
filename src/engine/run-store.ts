import type { OutputMismatch } from "../connectors/sdk/index.ts";

/**
 * What the engine needs from persistence, and nothing more: the SQLite repository in
 * src/store/runs.ts implements it, and a PostgreSQL one can follow without touching the engine.
 */

/** `queued`: recorded, not yet claimed by a worker; `waiting`: parked on an approval or a wait. */
export type RunStatus = "queued" | "running" | "waiting" | "succeeded" | "failed" | "cancelled";

/**
 * One attempt of one step. `failed` is a failed attempt (retried while the policy allows);
 * `interrupted` is an attempt whose process died; `waiting` is an approval nobody has decided yet.
 */
export type StepStatus = "running" | "waiting" | "succeeded" | "failed" | "interrupted";

/** The serializable form of a step's or a run's failure; SDK errors keep their own `type`. */
export interface StepErrorData {
  type: string;
  message: string;
  retryable: boolean;
  status?: number;
  field?: string;
  retryAfterMs?: number;
  details?: unknown;
}

/** Where a call step's reply differed from the operation's output schema (the step still succeeded). */
export type StepWarning = OutputMismatch;

/** What started a run, when a trigger did: a webhook delivery or a schedule's firing. */
export type RunCause =
  | {
      kind: "webhook";
      /** How the delivery proved its sender: its signature, or the name of the API token it carried. */
      authenticatedBy: string;
      idempotencyKey?: string;
    }
  | {
      kind: "schedule";
      /** The firing this run is for (ISO-8601). */
      fireTime: string;
      /** Started late, for the latest of the firings missed while Rampart was down. */
      catchUp: boolean;
    }
  | {
      kind: "api";
      /** Who started it over the API (a user's name or `token:<name>`). */
      by: string;
    };

export interface RunRecord {
  id: string;
  playbookName: string;
  /** Absolute path of the playbook file when the run started. */
  playbookPath: string;
  /** sha256 over the playbook's sources; `RunStore.playbookSources` gives them back by it. */
  playbookHash: string;
  inputs: unknown;
  /** Connection alias → saved connection name. */
  connections: Record<string, string>;
  alert: unknown;
  status: RunStatus;
  outputs: unknown;
  error: StepErrorData | null;
  message: string | null;
  rerunOf: string | null;
  /** What started the run (webhook, schedule); null for a run started by hand or by an alert. */
  cause: RunCause | null;
  /** The process executing the run (while `running`); null when nobody is. */
  owner: string | null;
  leaseUntil: string | null;
  /** Raised by each claim; the owner's writes carry it and are refused once another claim raised it. */
  leaseEpoch: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

/** Who may write a run's records: its owner under the epoch of its claim. */
export interface Lease {
  owner: string;
  epoch: number;
}

/** A write of a worker whose lease was taken over (it paused past the lease, or the run was claimed again). */
export class LeaseLostError extends Error {
  constructor(runId: string, lease: Lease) {
    super(`run ${runId} is no longer under lease ${lease.owner}#${lease.epoch}: nothing recorded`);
    this.name = "LeaseLostError";
  }
}

export interface NewRun {
  id: string;
  playbookName: string;
  playbookPath: string;
  playbookHash: string;
  /** The source of the playbook and every nested one by absolute path, so a resumed run runs exactly what it started with. */
  sources: Record<string, string>;
  inputs: unknown;
  connections: Record<string, string>;
  alert: unknown;
  rerunOf: string | null;
  cause?: RunCause | null;
  /** `running` under `owner`'s lease (default), or `queued` with no owner for a worker to claim. */
  status?: "running" | "queued";
  owner: string | null;
  leaseUntil: string | null;
  createdAt: string;
}

export interface StepRecord {
  runId: string;
  /** Where the step ran: `fetch`, `each[2].lookup`, `child/fetch`; unique per run with `attempt`. */
  key: string;
  stepId: string;
  type: string;
  attempt: number;
  /** Order in which attempts started within the run. */
  seq: number;
  status: StepStatus;
  input: unknown;
  output: unknown;
  /** HTTP status of the vendor's reply, for call steps. */
  httpStatus: number | null;
  error: StepErrorData | null;
  /** Where the vendor's reply differed from the operation's output schema; empty when it matched. */
  warnings: StepWarning[];
  idempotencyKey: string;
  startedAt: string;
  finishedAt: string | null;
}

export type NewStep = Omit<StepRecord, "seq" | "output" | "httpStatus" | "error" | "warnings" | "finishedAt">;

export interface StepFinish {
  status: Exclude<StepStatus, "running">;
  output?: unknown;
  httpStatus?: number | null;
  error?: StepErrorData | null;
  warnings?: StepWarning[];
  finishedAt: string;
}

export interface RunFinish {
  status: RunStatus;
  /** For `waiting`: when to look at the run again (its earliest deadline). */
  wakeAt?: string | null;
  outputs?: unknown;
  error?: StepErrorData | null;
  message?: string | null;
  finishedAt: string | null;
}

export interface ApprovalDecision {
  approved: boolean;
  by: string;
  comment?: string;
  at: string;
  /** Which pending approval, when several wait (foreach); default the oldest. */
  key?: string;
}

export interface RunStore {
  createRun(run: NewRun): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** The sources a run of `playbookHash` started from, by absolute path for the playbook at `playbookPath`. */
  playbookSources(playbookHash: string, playbookPath: string): Promise<Record<string, string>>;
  listRuns(filter?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]>;
  /** Every attempt of every step of a run, in the order they started. */
  steps(runId: string): Promise<StepRecord[]>;
  /**
   * Makes `owner` the run's executor until `leaseUntil` and sets it `running`, if the run is not finished
   * and nobody else holds a live lease (`steal` takes it from an owner known to be dead).
   */
  claimRun(
    id: string,
    owner: string,
    leaseUntil: string,
    now: string,
    steal?: boolean,
  ): Promise<RunRecord | undefined>;
  /** Extends the lease; false when the run is no longer ours or no longer running (e.g. cancelled). */
  renewLease(id: string, owner: string, leaseUntil: string, epoch?: number): Promise<boolean>;
  /** Gives up `owner`'s claim on a running run so another executor may take it now; false if not ours. */
  releaseRun(id: string, owner: string, at: string): Promise<boolean>;
  /** Records the run's new status (finished or waiting) and gives up ownership. */
  /** With `epoch`, nothing is recorded once another claim raised the run's epoch. */
  finishRun(id: string, owner: string, finish: RunFinish, epoch?: number): Promise<void>;
  /** With a lease, recorded only while the run is under it; otherwise throws LeaseLostError. */
  startStep(step: NewStep, lease?: Lease): Promise<StepRecord>;
  finishStep(runId: string, key: string, attempt: number, finish: StepFinish, lease?: Lease): Promise<void>;
  /** Settles the run's pending approval (one transaction); throws when there is none. */
  decideApproval(runId: string, decision: ApprovalDecision): Promise<StepRecord>;
  /** Marks an unfinished run cancelled; throws when it has already finished. */
  cancelRun(id: string, at: string): Promise<RunRecord>;
  /** Runs that are unfinished: `queued`, `running` (maybe orphaned) or `waiting`. */
  unfinishedRuns(): Promise<RunRecord[]>;
  /**
   * What a worker may take at `now`: queued runs and waiting runs whose wake time has come (oldest
   * first), the running ones (for the caller to tell orphans by their owner and lease), and the
   * next wake time still ahead.
   */
  wakeable(
    now: string,
    limit: number,
  ): Promise<{ due: string[]; running: RunClaim[]; nextAt: string | null }>;
}

/** Who holds a running run and until when: what telling an orphan needs, and nothing more. */
export type RunClaim = Pick<RunRecord, "id" | "status" | "owner" | "leaseUntil">;
