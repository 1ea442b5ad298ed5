/**
 * Every table of Rampart's database, once: `Kysely<RampartDb>` checks every query the store writes.
 * Times are ISO-8601 text (`*_at` of connections and runs) or epoch milliseconds (ingestion's
 * tables), JSON values are text; both portable between SQLite and PostgreSQL. A migration that
 * adds a column adds it here too.
 */
import type { Generated } from "kysely";

export interface ConnectionsTable {
  name: string;
  connector: string;
  /** The whole config, encrypted (secrets.ts), bound to the row's name. */
  config_encrypted: string;
  created_at: string;
  updated_at: string;
}

export interface RunsTable {
  id: string;
  playbook_name: string;
  playbook_path: string;
  /** sha256 over the playbook's sources; they are stored once per hash in `playbook_versions`. */
  playbook_hash: string;
  inputs: string;
  connections: string;
  alert: string | null;
  status: string;
  outputs: string | null;
  error: string | null;
  message: string | null;
  rerun_of: string | null;
  /** What started the run: `webhook`, `schedule`, … (null: the CLI or an alert trigger); JSON detail in `cause`. */
  cause_kind: string | null;
  cause: string | null;
  owner: string | null;
  lease_until: string | null;
  /** Raised by every claim: writes of the run carry the epoch they were claimed with (0014_lease_epoch). */
  lease_epoch: number;
  /** A `waiting` run's next look: its earliest deadline, or the time a decision was recorded. */
  wake_at: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** Each playbook version a run was started from, once (0015_playbook_versions). */
export interface PlaybookVersionsTable {
  /** The runs' `playbook_hash`. */
  hash: string;
  /** JSON: path relative to the playbook's folder → source text of the playbook and every nested one. */
  sources: string;
  created_at: string;
}

export interface RunStepsTable {
  run_id: string;
  step_key: string;
  attempt: number;
  seq: number;
  step_id: string;
  type: string;
  status: string;
  input: string | null;
  output: string | null;
  http_status: number | null;
  error: string | null;
  /** JSON: the reply's mismatches with its output schema (SDK output warnings), null when none. */
  warnings: string | null;
  idempotency_key: string;
  started_at: string;
  finished_at: string | null;
}

export interface SourcesTable {
  name: string;
  connection: string;
  connector: string;
  interval_ms: number;
  /** JSON; null before the first committed page. */
  checkpoint: string | null;
  failures: Generated<number>;
  last_error: string | null;
  last_polled_at: number | null;
  last_success_at: number | null;
  next_poll_at: Generated<number>;
  created_at: number;
  /** When the source was paused (epoch ms); null while it polls. */
  paused_at: number | null;
}

export interface AlertsTable {
  id: string;
  source: string;
  connection: string;
  connector: string;
  vendor_id: string;
  /** SHA-256 of `ocsf`: the de-duplication hash. */
  content_hash: string;
  title: string;
  severity_id: number;
  status_id: number;
  time: number;
  /** The OCSF Detection Finding as JSON text. */
  ocsf: string;
  version: number;
  ingested_at: number;
  updated_at: number;
}

export interface AlertVersionsTable {
  alert_id: string;
  version: number;
  content_hash: string;
  ocsf: string;
  recorded_at: number;
}

export interface SourceInboxTable {
  id: string;
  source: string;
  /** JSON array of the consume-once items. */
  items: string;
  created_at: number;
  done_at: number | null;
}

/** A record a source fetched but could not map (0005_ingest_rejects): one row per source and record content. */
export interface IngestRejectsTable {
  id: string;
  source: string;
  connection: string;
  connector: string;
  vendor_id: string | null;
  reason: string;
  /** The record as the vendor sent it, as JSON text. */
  raw: string;
  /** SHA-256 of `raw`: the same record fetched again is the same row. */
  raw_hash: string;
  times: number;
  first_seen_at: number;
  last_seen_at: number;
}

export interface AlertTriggersTable {
  alert_id: string;
  /** Absolute path of the playbook file. */
  playbook: string;
  /** The run the trigger started; null while it is pending (or errored). */
  run_id: string | null;
  /** Why the trigger's `when` could not be evaluated for this alert; such a trigger starts no run. */
  error: string | null;
  created_at: number;
}

/** The database as the store sees it. */
/** A webhook playbook's signing secret, encrypted and bound to the playbook's name. */
export interface WebhookSecretsTable {
  playbook: string;
  secret_encrypted: string;
  created_at: string;
}

/** One row per idempotent webhook delivery: a redelivery maps to the same run. */
export interface WebhookDeliveriesTable {
  playbook: string;
  idempotency_key: string;
  run_id: string;
  body_sha256: string;
  created_at: string;
}

/** The ledger of schedule firings: one row per (playbook, fire time). */
export interface ScheduleFiringsTable {
  playbook: string;
  fire_time: string;
  run_id: string | null;
  outcome: string;
  recorded_at: string;
}

export interface UsersTable {
  id: string;
  name: string;
  role: string;
  /** scrypt, with its parameters and salt (src/core/passwords.ts). */
  password_hash: string;
  created_at: number;
  updated_at: number;
}

/** A browser session, found by the SHA-256 of its cookie value: the database never holds a usable session. */
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  /** The absolute end; the idle end is last_seen_at plus the idle limit. */
  expires_at: number;
  address: string | null;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** SHA-256 of the token: it is shown once, at creation, and never stored. */
  token_hash: string;
  role: string;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Append-only: nothing in Rampart updates or deletes a row. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  role: string | null;
  address: string | null;
  action: string;
  target: string | null;
  result: string;
  status: number;
}

export interface RampartDb {
  connections: ConnectionsTable;
  runs: RunsTable;
  playbook_versions: PlaybookVersionsTable;
  run_steps: RunStepsTable;
  sources: SourcesTable;
  alerts: AlertsTable;
  alert_versions: AlertVersionsTable;
  source_inbox: SourceInboxTable;
  ingest_rejects: IngestRejectsTable;
  alert_triggers: AlertTriggersTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  schedule_firings: ScheduleFiringsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}
