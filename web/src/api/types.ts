export type Role = "viewer" | "responder" | "admin";

export interface Me {
  user: { name: string; role: Role; kind: "user" | "token" };
  csrf_token?: string;
}

export interface Observable {
  name: string;
  type: string;
  value: string;
}

export interface Alert {
  id: string;
  source: string;
  connector: string;
  vendor_id: string;
  title: string;
  severity_id: number;
  status_id: number;
  time: string;
  version: number;
  ingested_at: string;
  updated_at: string;
  assignee: string | null;
  observables: Observable[];
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface TriggeredRun {
  playbook: string;
  run_id?: string;
  status: string;
  error?: string;
}

export interface AlertDetail {
  alert: Alert;
  ocsf: Record<string, unknown>;
  versions: Array<{ version: number; recorded_at: string; ocsf: Record<string, unknown> }>;
  runs: TriggeredRun[];
}

export interface Run {
  id: string;
  playbook: string;
  status: string;
  cause: { kind: string; by?: string } & Record<string, unknown>;
  inputs: unknown;
  outputs: unknown;
  error: unknown;
  message: string | null;
  connections: unknown;
  rerun_of: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface StepAttempt {
  key: string;
  step_id: string;
  type: string;
  attempt: number;
  status: string;
  input: unknown;
  output: unknown;
  error: unknown;
  http_status: number | null;
  warnings: unknown;
  started_at: string;
  finished_at: string | null;
}

export interface GraphNode {
  id: string;
  type: string;
  title?: string;
  parent?: string;
  start?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

export interface PlaybookGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface PlaybookSummary {
  name: string;
  description: string | null;
  path: string;
  triggers: { alert: unknown; webhook: unknown; schedule: unknown };
  inputs: Record<string, unknown> | null;
  last_runs?: Array<{ id: string; status: string; created_at: string }>;
}

export interface PlaybookDetail extends PlaybookSummary {
  yaml: string;
  definition: Record<string, unknown>;
  graph: PlaybookGraph;
}

export interface Issue {
  line: number;
  column: number;
  path: string;
  message: string;
}
