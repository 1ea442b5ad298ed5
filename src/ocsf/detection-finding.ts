import {
  ACTIVITY,
  type ActivityId,
  type AnalyticTypeId,
  type ConfidenceId,
  DETECTION_FINDING,
  type DeviceTypeId,
  type FileTypeId,
  OBSERVABLE_TYPE,
  type ObservableTypeId,
  OCSF_VERSION,
  SEVERITY,
  type SeverityId,
  STATUS,
  type StatusId,
} from "./enums.ts";

// The OCSF 1.8.0 Detection Finding (class 2004) fields Rampart's normalizers emit. Only the
// fields Rampart fills are typed; the validator checks a whole event against the schema.

export interface Product {
  name?: string;
  vendor_name?: string;
  uid?: string;
  version?: string;
  lang?: string;
  url_string?: string;
}

export interface Metadata {
  version: string;
  product: Product;
  profiles?: string[];
  uid?: string;
  correlation_uid?: string;
  event_code?: string;
  log_name?: string;
  log_provider?: string;
  original_time?: string;
  logged_time?: number;
  modified_time?: number;
  processed_time?: number;
  sequence?: number;
  labels?: string[];
  tenant_uid?: string;
}

export interface Analytic {
  type_id: AnalyticTypeId;
  type?: string;
  uid?: string;
  name?: string;
  desc?: string;
  category?: string;
}

export interface AttackEntity {
  uid?: string;
  name?: string;
  src_url?: string;
}

export interface Attack {
  tactic?: AttackEntity;
  technique?: AttackEntity;
  sub_technique?: AttackEntity;
  version?: string;
}

export interface FindingInfo {
  uid: string;
  uid_alt?: string;
  title?: string;
  desc?: string;
  types?: string[];
  src_url?: string;
  created_time?: number;
  modified_time?: number;
  first_seen_time?: number;
  last_seen_time?: number;
  analytic?: Analytic;
  attacks?: Attack[];
  data_sources?: string[];
}

export interface Os {
  name: string;
  type_id: number;
  type?: string;
  version?: string;
}

export interface Device {
  type_id: DeviceTypeId;
  type?: string;
  uid?: string;
  name?: string;
  hostname?: string;
  ip?: string;
  mac?: string;
  domain?: string;
  os?: Os;
  region?: string;
}

export interface NetworkEndpoint {
  ip?: string;
  port?: number;
  hostname?: string;
  name?: string;
  uid?: string;
  domain?: string;
  mac?: string;
  svc_name?: string;
  type_id?: DeviceTypeId;
  type?: string;
  os?: Os;
}

export interface Account {
  name?: string;
  uid?: string;
  type_id?: number;
  type?: string;
}

export interface User {
  name?: string;
  uid?: string;
  domain?: string;
  email_addr?: string;
  full_name?: string;
  type_id?: number;
  type?: string;
  account?: Account;
}

export interface Actor {
  user?: User;
  app_name?: string;
}

export interface Fingerprint {
  algorithm_id: number;
  algorithm?: string;
  value: string;
}

export interface File {
  name: string;
  type_id: FileTypeId;
  type?: string;
  path?: string;
  size?: number;
  hashes?: Fingerprint[];
}

export interface Url {
  url_string?: string;
  path?: string;
  hostname?: string;
  port?: number;
  scheme?: string;
  query_string?: string;
}

export interface HttpRequest {
  user_agent?: string;
  http_method?: string;
  url?: Url;
}

export interface Process {
  name?: string;
  pid?: number;
  cmd_line?: string;
  file?: File;
}

/** One piece of evidence; OCSF wants at least one of its artifacts (endpoint, user, file, data…). */
export interface Evidence {
  name?: string;
  uid?: string;
  src_endpoint?: NetworkEndpoint;
  dst_endpoint?: NetworkEndpoint;
  device?: Device;
  actor?: Actor;
  user?: User;
  file?: File;
  process?: Process;
  url?: Url;
  http_request?: HttpRequest;
  data?: Record<string, unknown>;
}

export interface Observable {
  name: string;
  type_id: ObservableTypeId;
  type?: string;
  value?: string;
}

/** A type alias, not an interface, so a finding is assignable to `Record<string, unknown>`. */
export type DetectionFinding = {
  class_uid: typeof DETECTION_FINDING.class_uid;
  class_name: typeof DETECTION_FINDING.class_name;
  category_uid: typeof DETECTION_FINDING.category_uid;
  category_name: typeof DETECTION_FINDING.category_name;
  activity_id: ActivityId;
  activity_name: string;
  type_uid: number;
  type_name: string;
  severity_id: SeverityId;
  severity: string;
  status_id?: StatusId;
  status?: string;
  status_detail?: string;
  status_code?: string;
  confidence_id?: ConfidenceId;
  confidence?: string;
  confidence_score?: number;
  is_alert?: boolean;
  time: number;
  start_time?: number;
  end_time?: number;
  count?: number;
  message?: string;
  metadata: Metadata;
  finding_info: FindingInfo;
  device?: Device;
  actor?: Actor;
  evidences?: Evidence[];
  observables?: Observable[];
  raw_data?: string;
  unmapped?: Record<string, unknown>;
};

/** An observable with its type caption: `observable("device.ip", 2, "10.0.0.5")`. */
export function observable(name: string, type_id: ObservableTypeId, value: string): Observable {
  return { name, type_id, type: OBSERVABLE_TYPE[type_id], value };
}

/**
 * Collects observables, one per (type, value): the first attribute path a value is seen at
 * names it. Normalizers add every IP, hostname, user… they map.
 */
export function observableList(): {
  add(name: string, type_id: ObservableTypeId, value: string | undefined): void;
  readonly items: Observable[];
} {
  const items: Observable[] = [];
  return {
    items,
    add(name, type_id, value) {
      if (value === undefined || value === "") return;
      // A finding holds a handful of observables: a scan beats hashing a key for each.
      for (const item of items) if (item.value === value && item.type_id === type_id) return;
      items.push(observable(name, type_id, value));
    },
  };
}

/** `{ severity_id, severity }` for a severity id. */
export function severity(id: SeverityId): { severity_id: SeverityId; severity: string } {
  return { severity_id: id, severity: SEVERITY[id] };
}

const SEVERITY_NAMES: Record<string, SeverityId> = {
  unknown: 0,
  info: 1,
  informational: 1,
  low: 2,
  medium: 3,
  moderate: 3,
  high: 4,
  critical: 5,
  fatal: 6,
};

/**
 * The severity id for a vendor's severity word ("HIGH", "Informational", "moderate"…), case
 * ignored; 99 (Other) for a word OCSF has no id for, 0 (Unknown) for none.
 */
export function severityIdFromName(name: string | undefined | null): SeverityId {
  if (name === undefined || name === null || name === "") return 0;
  const word = name.toLowerCase();
  // Own keys only: a vendor's "constructor" is a word OCSF lacks, not Object's.
  return Object.hasOwn(SEVERITY_NAMES, word) ? SEVERITY_NAMES[word]! : 99;
}

/** `{ status_id, status }` for a Detection Finding status id. */
export function status(id: StatusId): { status_id: StatusId; status: string } {
  return { status_id: id, status: STATUS[id] };
}

/** The vendor's original record as OCSF `raw_data` (a JSON string). */
export function rawData(original: unknown): string {
  return JSON.stringify(original);
}

export interface DetectionFindingInit {
  activity_id: ActivityId;
  time: number;
  severity_id: SeverityId;
  status_id?: StatusId;
  finding_info: FindingInfo;
  product: Product;
  /** OCSF profiles the event uses, e.g. ["host"] when it carries `actor` */
  profiles?: string[];
}

/**
 * The skeleton every normalizer starts from: class, category, activity and type uids with their
 * captions, severity and status captions, and `metadata` with the OCSF version and product.
 */
export function detectionFinding(init: DetectionFindingInit): DetectionFinding {
  const finding: DetectionFinding = {
    ...DETECTION_FINDING,
    activity_id: init.activity_id,
    activity_name: ACTIVITY[init.activity_id],
    type_uid: DETECTION_FINDING.class_uid * 100 + init.activity_id,
    type_name: `${DETECTION_FINDING.class_name}: ${ACTIVITY[init.activity_id]}`,
    severity_id: init.severity_id,
    severity: SEVERITY[init.severity_id],
    time: init.time,
    metadata:
      init.profiles === undefined
        ? { version: OCSF_VERSION, product: init.product }
        : { version: OCSF_VERSION, product: init.product, profiles: init.profiles },
    finding_info: init.finding_info,
  };
  if (init.status_id !== undefined) {
    finding.status_id = init.status_id;
    finding.status = STATUS[init.status_id];
  }
  return finding;
}
