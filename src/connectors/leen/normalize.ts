import { isIP } from "node:net";
import {
  ACTIVITY,
  type ActivityId,
  CONFIDENCE,
  DEVICE_TYPE,
  type DetectionFinding,
  detectionFinding,
  type Metadata,
  OBSERVABLE_TYPE_ID,
  observableList,
  type Product,
  rawData,
  SEVERITY,
  type SeverityId,
  STATUS,
  STATUS_ID,
  type StatusId,
  severityIdFromName,
} from "../../ocsf/index.ts";
import { readBoolean, readInteger, readNumber, readTime } from "../../ocsf/values.ts";

// Leen already speaks OCSF, but an older and looser one (metadata.version 1.1.0, upper-case
// captions, deprecated attributes, profiles it does not fill). This maps a Leen IDP alert to a
// strict OCSF 1.8.0 Detection Finding attribute by attribute: each object below lists the
// attributes it carries over (and how to convert them); whatever a list does not name, or
// cannot convert, goes to `unmapped` under its path in the raw alert, so nothing is lost and
// nothing unchecked reaches the event. The mapping is written up in docs/ocsf.md.

type Json = Record<string, unknown>;

/**
 * Detection Finding status from Leen's lifecycle, which Leen states only as activity_id:
 * - 1 Create → 1 New: raised and not yet looked at.
 * - 2 Update → 2 In Progress: the IDP has changed the alert since raising it (re-scored, risk
 *   state changed, new activity attached), so it is being worked, and it is still open.
 * - 3 Close → 4 Resolved: the IDP closed it (remediated, dismissed, confirmed safe).
 * - 0 Unknown and 99 Other → 0 Unknown: Leen does not say what state the alert is in (Other
 *   would claim a state outside OCSF's list, which Leen does not name either).
 * A `status_id` Leen sends itself (not documented today) wins over this.
 */
const STATUS_BY_ACTIVITY: Record<ActivityId, StatusId> = {
  0: STATUS_ID.Unknown,
  1: STATUS_ID.New,
  2: STATUS_ID.InProgress,
  3: STATUS_ID.Resolved,
  99: STATUS_ID.Unknown,
};

/** Leen, which collected the alert from the IDP and normalized it, named in `metadata.loggers`. */
const LEEN: Product = { name: "Leen", vendor_name: "Leen" };

// OCSF 1.8.0 captions of the enums this mapping sets (normalize.test.ts checks them against the schema).
const USER_TYPE = { 0: "Unknown", 1: "User", 2: "Admin", 3: "System", 4: "Service", 99: "Other" };
const ACCOUNT_TYPE = {
  0: "Unknown",
  1: "LDAP Account",
  2: "Windows Account",
  3: "AWS IAM User",
  4: "AWS IAM Role",
  5: "GCP Account",
  6: "Azure AD Account",
  7: "Mac OS Account",
  8: "Apple Account",
  9: "Linux Account",
  10: "AWS Account",
  11: "GCP Project",
  12: "OCI Compartment",
  13: "Azure Subscription",
  14: "Salesforce Account",
  15: "Google Workspace",
  16: "Servicenow Instance",
  17: "M365 Tenant",
  18: "Email Account",
  19: "ActiveDirectory Account",
  99: "Other",
};
const RISK_LEVEL = { 0: "Info", 1: "Low", 2: "Medium", 3: "High", 4: "Critical", 99: "Other" };
const IMPACT = { 0: "Unknown", 1: "Low", 2: "Medium", 3: "High", 4: "Critical", 99: "Other" };
const REPUTATION_SCORE = {
  0: "Unknown",
  1: "Very Safe",
  2: "Safe",
  3: "Probably Safe",
  4: "Leans Safe",
  5: "May not be Safe",
  6: "Exercise Caution",
  7: "Suspicious/Risky",
  8: "Possibly Malicious",
  9: "Probably Malicious",
  10: "Malicious",
  99: "Other",
};
const OS_TYPE = {
  0: "Unknown",
  99: "Other",
  100: "Windows",
  101: "Windows Mobile",
  200: "Linux",
  201: "Android",
  300: "macOS",
  301: "iOS",
  302: "iPadOS",
  400: "Solaris",
  401: "AIX",
  402: "HP-UX",
};
const ANALYTIC_TYPE = {
  0: "Unknown",
  1: "Rule",
  2: "Behavioral",
  3: "Statistical",
  4: "Learning (ML/DL)",
  5: "Fingerprinting",
  6: "Tagging",
  7: "Keyword Match",
  8: "Regular Expressions",
  9: "Exact Data Match",
  10: "Partial Data Match",
  11: "Indexed Data Match",
  99: "Other",
};
const FILE_TYPE = {
  0: "Unknown",
  1: "Regular File",
  2: "Folder",
  3: "Character Device",
  4: "Block Device",
  5: "Local Socket",
  6: "Named Pipe",
  7: "Symbolic Link",
  8: "Executable File",
  99: "Other",
};
const HASH_ALGORITHM = {
  0: "Unknown",
  1: "MD5",
  2: "SHA-1",
  3: "SHA-256",
  4: "SHA-512",
  5: "CTPH",
  6: "TLSH",
  7: "quickXorHash",
  8: "SHA-224",
  9: "SHA-384",
  10: "SHA-512/224",
  11: "SHA-512/256",
  12: "SHA3-224",
  13: "SHA3-256",
  14: "SHA3-384",
  15: "SHA3-512",
  16: "xxHash H3 64-bit",
  17: "xxHash H3 128-bit",
  18: "Imphash",
  19: "NPF",
  20: "HASSH",
  99: "Other",
};
const KILL_CHAIN_PHASE = {
  0: "Unknown",
  1: "Reconnaissance",
  2: "Weaponization",
  3: "Delivery",
  4: "Exploitation",
  5: "Installation",
  6: "Command & Control",
  7: "Actions on Objectives",
  99: "Other",
};
const DIRECTION = { 0: "Unknown", 1: "Inbound", 2: "Outbound", 3: "Lateral", 4: "Local", 99: "Other" };
const BOUNDARY = {
  0: "Unknown",
  1: "Localhost",
  2: "Internal",
  3: "External",
  4: "Same VPC",
  5: "Internet/VPC Gateway",
  6: "Virtual Private Gateway",
  7: "Intra-region VPC",
  8: "Inter-region VPC",
  9: "Local Gateway",
  10: "Gateway VPC",
  11: "Internet Gateway",
  99: "Other",
};
const IP_VERSION = {
  0: "Unknown",
  4: "Internet Protocol version 4 (IPv4)",
  6: "Internet Protocol version 6 (IPv6)",
  99: "Other",
};

/** Every enum table this mapping uses, by `<object or class>.<attribute>`, for the schema check in the tests. */
export const ENUM_CAPTIONS: Record<string, Record<number, string>> = {
  "detection_finding.confidence_id": CONFIDENCE,
  "detection_finding.impact_id": IMPACT,
  "detection_finding.risk_level_id": RISK_LEVEL,
  "detection_finding.severity_id": SEVERITY,
  "detection_finding.status_id": STATUS,
  "detection_finding.activity_id": ACTIVITY,
  "user.type_id": USER_TYPE,
  "user.risk_level_id": RISK_LEVEL,
  "account.type_id": ACCOUNT_TYPE,
  "device.type_id": DEVICE_TYPE,
  "device.risk_level_id": RISK_LEVEL,
  "network_endpoint.type_id": DEVICE_TYPE,
  "os.type_id": OS_TYPE,
  "analytic.type_id": ANALYTIC_TYPE,
  "file.type_id": FILE_TYPE,
  "fingerprint.algorithm_id": HASH_ALGORITHM,
  "kill_chain_phase.phase_id": KILL_CHAIN_PHASE,
  "network_connection_info.direction_id": DIRECTION,
  "network_connection_info.boundary_id": BOUNDARY,
  "network_connection_info.protocol_ver_id": IP_VERSION,
  "reputation.score_id": REPUTATION_SCORE,
  "related_event.severity_id": SEVERITY,
};

/** Values of the raw alert the event does not carry, by their path in the raw alert. */
class Leftovers {
  readonly items: Json = {};
  add(path: string, value: unknown): undefined {
    this.items[path] = value;
    return undefined;
  }
  /** The whole raw value at `path` goes to unmapped instead of the parts noted under it. */
  reject(path: string, value: unknown): undefined {
    for (const key of Object.keys(this.items)) {
      if (key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) delete this.items[key];
    }
    return this.add(path, value);
  }
}

/**
 * Converts one raw value, the member `key` of the value at `parent`, to its OCSF form; undefined
 * (noted in unmapped) when it cannot. The value's own path is spelt out only when it is needed:
 * to note something in unmapped, or as the parent of what an object or a list holds.
 */
type Convert = (value: unknown, parent: string, key: string | number, left: Leftovers) => unknown;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const absent = (value: unknown) => value === undefined || value === null || value === "";
/** A copy of `raw` without its key `drop`, the others in their order (a rest pattern, without its cost). */
function without(raw: Json, drop: string): Json {
  const copy: Json = {};
  for (const key in raw) if (key !== drop) copy[key] = raw[key];
  return copy;
}
const at = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);
/** The path of member `key` (a name, or an index in a list) of the value at `parent`. */
const pathOf = (parent: string, key: string | number) =>
  typeof key === "number" ? `${parent}[${key}]` : at(parent, key);

const str: Convert = (v, parent, key, left) =>
  typeof v === "string"
    ? v
    : typeof v === "number" || typeof v === "boolean"
      ? String(v)
      : left.add(pathOf(parent, key), v);

// Scalars are read by the lenient readers every normalizer shares (src/ocsf/values.ts).
const integer = readInteger;
const int: Convert = (v, parent, key, left) => integer(v) ?? left.add(pathOf(parent, key), v);
const num: Convert = (v, parent, key, left) => readNumber(v) ?? left.add(pathOf(parent, key), v);
const bool: Convert = (v, parent, key, left) => readBoolean(v) ?? left.add(pathOf(parent, key), v);
const json: Convert = (v) => v;
const pattern =
  (re: RegExp): Convert =>
  (v, parent, key, left) =>
    typeof v === "string" && re.test(v) ? v : left.add(pathOf(parent, key), v);
/** The OCSF 1.8.0 patterns of email_t, mac_t and uuid_t. */
const email = pattern(/^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/);
const mac = pattern(/^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$/);
const uuid = pattern(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/);
const ip: Convert = (v, parent, key, left) =>
  typeof v === "string" && isIP(v.trim()) !== 0 ? v.trim() : left.add(pathOf(parent, key), v);
const port: Convert = (v, parent, key, left) => {
  const n = integer(v);
  return n !== undefined && n >= 0 && n <= 65535 ? n : left.add(pathOf(parent, key), v);
};

/** Epoch milliseconds of a timestamp in any form (seconds, ms, µs, ns, ISO 8601): the shared reader. */
export const epochMs = readTime;
const time: Convert = (v, parent, key, left) => epochMs(v) ?? left.add(pathOf(parent, key), v);

const many =
  (item: Convert): Convert =>
  (v, parent, key, left) => {
    const path = pathOf(parent, key);
    if (!Array.isArray(v)) return left.add(path, v);
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (absent(x)) continue;
      const converted = item(x, path, i, left);
      if (converted !== undefined) out.push(converted);
    }
    return out.length > 0 ? out : undefined;
  };
const strs = many(str);

/** An enum id with its caption sibling: the caption always comes from the OCSF table. */
interface EnumField {
  captions: Record<number, string>;
  sibling: string;
  /** OCSF requires the id: Unknown (0) when Leen gives neither id nor caption. */
  required?: boolean;
  /** Each caption's simplified form → its id (the first id, should two captions simplify alike). */
  byCaption: Map<string, number>;
}

const simplify = (caption: string) =>
  caption
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

const enumOf = (captions: Record<number, string>, sibling: string, required = false): EnumField => {
  const byCaption = new Map<string, number>();
  for (const [id, caption] of Object.entries(captions)) {
    const simple = simplify(caption);
    if (!byCaption.has(simple)) byCaption.set(simple, Number(id));
  }
  return { captions, sibling, required, byCaption };
};
/** Marks the caption sibling of an enum id in a field list: written with its id. */
const CAPTION = "caption" as const;
/** Marks a key the caller maps by hand. */
const BY_HAND = "by hand" as const;
type Field = Convert | EnumField | typeof CAPTION | typeof BY_HAND;

/** Writes the enum id `key` and its caption sibling into `out`. */
function mapEnum(key: string, field: EnumField, raw: Json, out: Json, path: string, left: Leftovers): void {
  const rawId = raw[key];
  const rawCaption = raw[field.sibling];
  const given = typeof rawCaption === "string" && rawCaption !== "" ? rawCaption : undefined;
  let id: number | undefined;
  if (absent(rawId)) {
    id = given === undefined ? undefined : field.byCaption.get(simplify(given));
    if (id === undefined && given !== undefined && !field.required) {
      out[field.sibling] = given;
      return;
    }
    if (id === undefined) {
      if (!field.required) return;
      id = given === undefined ? 0 : 99;
    }
  } else {
    id = integer(rawId);
    if (id === undefined || !Object.hasOwn(field.captions, id)) {
      left.add(at(path, key), rawId);
      id = 99;
    }
  }
  out[key] = id;
  // For Other (99) OCSF wants the source's own caption: Leen's, or else the id Leen sent.
  if (id !== 99) out[field.sibling] = field.captions[id];
  else if (given !== undefined && simplify(given) !== "other") out[field.sibling] = given;
  else out[field.sibling] = absent(rawId) || integer(rawId) === 99 ? "Other" : `Other (${String(rawId)})`;
}

interface ObjectRules {
  required?: string[];
  atLeastOne?: string[];
  /** Rewrites deprecated attributes into their successors before the mapping. */
  prepare?: (raw: Json) => Json;
  /** Kept even with nothing mapped (the event itself, metadata): its parts are mapped by hand. */
  keep?: boolean;
}

/** How an object's mapping treats one key of the raw object, decided once per field list. */
interface KeyPlan {
  /** undefined for an enum id, its caption and keys mapped by hand: none is copied as it comes */
  convert?: Convert;
  /** `str`, most attributes' converter, which the mapping applies in line to a string */
  text: boolean;
}

/** Whether one of `keys` holds a value in `out`. */
function holdsOne(out: Json, keys: readonly string[]): boolean {
  for (const k of keys) if (out[k] !== undefined) return true;
  return false;
}

/** An OCSF object: the listed attributes converted, the others to unmapped; rejected whole if OCSF's constraints fail. */
function object(fields: Record<string, Field>, rules: ObjectRules = {}): Convert {
  // Compiled once here, not on every alert: what to do with each key, and the enum ids among the fields.
  const plans = new Map<string, KeyPlan>();
  const enums: Array<[string, EnumField]> = [];
  for (const [key, field] of Object.entries(fields)) {
    // One shape for every plan, so reading one stays a monomorphic property load.
    const convert = typeof field === "function" ? field : undefined;
    plans.set(key, { convert, text: convert === str });
    if (typeof field === "object") enums.push([key, field]);
  }
  const { required, atLeastOne, prepare, keep } = rules;
  return (value, parent, name, left) => {
    const path = pathOf(parent, name);
    if (!isObject(value)) return left.add(path, value);
    const raw = prepare ? prepare(value) : value;
    const out: Json = {};
    for (const key in raw) {
      const v = raw[key];
      if (absent(v)) continue;
      const plan = plans.get(key);
      if (plan === undefined) {
        // The datetime profile's `<x>_time_dt` (RFC 3339) stands for `<x>_time` when that is missing.
        const base = key.endsWith("_time_dt") ? key.slice(0, -3) : undefined;
        if (base !== undefined && plans.get(base)?.convert === time && absent(raw[base])) {
          const converted = time(v, path, key, left);
          if (converted !== undefined) out[base] = converted;
        } else left.add(at(path, key), v);
      } else if (plan.text && typeof v === "string") {
        out[key] = v;
      } else if (plan.convert !== undefined) {
        const converted = plan.convert(v, path, key, left);
        if (converted !== undefined) out[key] = converted;
      }
    }
    for (let i = 0; i < enums.length; i++) mapEnum(enums[i]![0], enums[i]![1], raw, out, path, left);
    if (required !== undefined)
      for (const k of required) if (out[k] === undefined) return left.reject(path, value);
    if (atLeastOne !== undefined && !holdsOne(out, atLeastOne)) return left.reject(path, value);
    if (!keep) {
      let empty = true;
      for (const _ in out) {
        empty = false;
        break;
      }
      if (empty) return left.reject(path, value);
    }
    return out;
  };
}

const named = { atLeastOne: ["name", "uid"] };

const account = object(
  {
    name: str,
    uid: str,
    type_id: enumOf(ACCOUNT_TYPE, "type"),
    type: CAPTION,
    labels: strs,
    is_disabled: bool,
    is_locked: bool,
  },
  named,
);
const group = object(
  { name: str, uid: str, uid_alt: str, desc: str, domain: str, type: str, privileges: strs },
  named,
);
const organization = object({ name: str, uid: str, ou_name: str, ou_uid: str }, named);
const ldapPerson = object({
  cost_center: str,
  department: str,
  display_name: str,
  email_addrs: many(email),
  employee_uid: str,
  given_name: str,
  job_title: str,
  labels: strs,
  ldap_cn: str,
  ldap_dn: str,
  office_location: str,
  phone_number: str,
  surname: str,
  created_time: time,
  deleted_time: time,
  hire_time: time,
  last_login_time: time,
  leave_time: time,
  modified_time: time,
});
const user = object(
  {
    uid: str,
    uid_alt: str,
    name: str,
    full_name: str,
    display_name: str,
    email_addr: email,
    forward_addr: email,
    domain: str,
    phone_number: str,
    has_mfa: bool,
    type_id: enumOf(USER_TYPE, "type"),
    type: CAPTION,
    account,
    groups: many(group),
    org: organization,
    ldap_person: ldapPerson,
    risk_level_id: enumOf(RISK_LEVEL, "risk_level"),
    risk_level: CAPTION,
    risk_score: int,
  },
  { atLeastOne: ["account", "name", "uid"] },
);
const session = object({
  uid: str,
  uid_alt: str,
  uuid,
  created_time: time,
  expiration_time: time,
  expiration_reason: str,
  is_mfa: bool,
  is_remote: bool,
  is_vpn: bool,
  issuer: str,
  credential_uid: str,
  count: int,
  terminal: str,
});
const idp = object(
  {
    name: str,
    uid: str,
    domain: str,
    issuer: str,
    tenant_uid: str,
    protocol_name: str,
    url_string: str,
    has_mfa: bool,
  },
  named,
);
const policy = object(
  { name: str, uid: str, desc: str, type: str, version: str, is_applied: bool, data: json },
  { atLeastOne: ["name", "type", "uid"] },
);
const actor = object(
  {
    user,
    session,
    idp,
    app_name: str,
    app_uid: str,
    authorizations: many(object({ decision: str, policy })),
  },
  { atLeastOne: ["process", "user", "invoked_by", "session", "app_name", "app_uid"] },
);
const api = object(
  {
    operation: str,
    version: str,
    service: object({ name: str, uid: str, version: str, labels: strs }, named),
    request: object({ uid: str, flags: strs, data: json }, { required: ["uid"] }),
    response: object({
      code: int,
      message: str,
      error: str,
      error_message: str,
      flags: strs,
      data: json,
    }),
    group,
  },
  { required: ["operation"] },
);
const location = object(
  {
    city: str,
    country: str,
    region: str,
    continent: str,
    postal_code: str,
    desc: str,
    lat: num,
    long: num,
    provider: str,
    is_on_premises: bool,
    geohash: str,
  },
  {
    atLeastOne: ["city", "country", "postal_code", "region"],
    // `coordinates` ([longitude, latitude], GeoJSON order) is deprecated since 1.2.0 for lat and long.
    prepare: (raw) => {
      const c = raw.coordinates;
      if (!Array.isArray(c) || c.length !== 2 || !c.every(Number.isFinite) || "lat" in raw || "long" in raw)
        return raw;
      const rest = without(raw, "coordinates");
      rest.long = c[0];
      rest.lat = c[1];
      return rest;
    },
  },
);
const os = object(
  {
    name: str,
    type_id: enumOf(OS_TYPE, "type", true),
    type: CAPTION,
    version: str,
    build: str,
    edition: str,
    kernel_release: str,
    lang: str,
    cpu_bits: int,
    sp_name: str,
    sp_ver: int,
    cpe_name: str,
    country: str,
  },
  { required: ["name"] },
);
const endpoint = object(
  {
    ip,
    port,
    hostname: str,
    name: str,
    uid: str,
    domain: str,
    mac,
    svc_name: str,
    type_id: enumOf(DEVICE_TYPE, "type"),
    type: CAPTION,
    location,
    autonomous_system: object({ number: int, name: str }, { atLeastOne: ["number", "name"] }),
    isp: str,
    isp_org: str,
    intermediate_ips: many(ip),
    instance_uid: str,
    interface_name: str,
    interface_uid: str,
    subnet_uid: str,
    vlan_uid: str,
    vpc_uid: str,
    zone: str,
    os,
    owner: user,
  },
  {
    atLeastOne: [
      "ip",
      "uid",
      "name",
      "hostname",
      "svc_name",
      "instance_uid",
      "interface_uid",
      "interface_name",
      "domain",
    ],
  },
);
const device = object(
  {
    uid: str,
    uid_alt: str,
    name: str,
    hostname: str,
    desc: str,
    domain: str,
    ip,
    mac,
    type_id: enumOf(DEVICE_TYPE, "type", true),
    type: CAPTION,
    os,
    is_managed: bool,
    is_compliant: bool,
    is_trusted: bool,
    is_personal: bool,
    is_shared: bool,
    is_supervised: bool,
    model: str,
    vendor_name: str,
    region: str,
    created_time: time,
    modified_time: time,
    first_seen_time: time,
    last_seen_time: time,
    boot_time: time,
    risk_level_id: enumOf(RISK_LEVEL, "risk_level"),
    risk_level: CAPTION,
    risk_score: int,
    location,
    org: organization,
    groups: many(group),
    owner: user,
    imei_list: strs,
    subnet_uid: str,
    vlan_uid: str,
    vpc_uid: str,
    zone: str,
    instance_uid: str,
    interface_name: str,
    interface_uid: str,
  },
  { atLeastOne: ["ip", "uid", "name", "hostname", "instance_uid", "interface_uid", "interface_name"] },
);
const connectionInfo = object({
  direction_id: enumOf(DIRECTION, "direction", true),
  direction: CAPTION,
  boundary_id: enumOf(BOUNDARY, "boundary"),
  boundary: CAPTION,
  protocol_name: str,
  protocol_num: int,
  protocol_ver_id: enumOf(IP_VERSION, "protocol_ver"),
  protocol_ver: CAPTION,
  session,
  tcp_flags: int,
  uid: str,
});
const file = object(
  {
    name: str,
    type_id: enumOf(FILE_TYPE, "type", true),
    type: CAPTION,
    path: str,
    uid: str,
    size: int,
    mime_type: str,
    ext: str,
    desc: str,
    created_time: time,
    modified_time: time,
    hashes: many(
      object(
        { algorithm_id: enumOf(HASH_ALGORITHM, "algorithm", true), algorithm: CAPTION, value: str },
        { required: ["value"] },
      ),
    ),
  },
  { required: ["name"] },
);
const evidence = object(
  {
    actor,
    api,
    connection_info: connectionInfo,
    device,
    src_endpoint: endpoint,
    dst_endpoint: endpoint,
    user,
    file,
    http_request: object({
      user_agent: str,
      http_method: str,
      uid: str,
      version: str,
      referrer: str,
      args: str,
      length: int,
    }),
    data: json,
    name: str,
    uid: str,
  },
  {
    atLeastOne: [
      "actor",
      "api",
      "connection_info",
      "data",
      "database",
      "databucket",
      "device",
      "dst_endpoint",
      "email",
      "file",
      "process",
      "query",
      "src_endpoint",
      "url",
      "user",
      "job",
      "script",
      "reg_key",
      "reg_value",
      "win_service",
    ],
  },
);
const reputation = object(
  { base_score: num, score_id: enumOf(REPUTATION_SCORE, "score", true), score: CAPTION, provider: str },
  { required: ["base_score"] },
);
const enrichment = object(
  {
    name: str,
    value: str,
    data: json,
    created_time: time,
    desc: str,
    provider: str,
    reputation,
    short_desc: str,
    src_url: str,
    type: str,
  },
  { required: ["name", "value", "data"] },
);
const resource = object(
  {
    type: str,
    uid: str,
    uid_alt: str,
    name: str,
    owner: user,
    criticality: str,
    labels: strs,
    group,
    data: json,
    namespace: str,
    version: str,
    hostname: str,
    ip,
    role: str,
    created_time: time,
    modified_time: time,
  },
  named,
);
const mitre = object({ uid: str, name: str, src_url: str }, named);
const attack = object(
  { tactic: mitre, technique: mitre, sub_technique: mitre, version: str },
  {
    atLeastOne: ["tactic", "technique", "sub_technique"],
    // `tactics` is deprecated for the single `tactic`; several stay in unmapped.
    prepare: (raw) => {
      if (raw.tactic !== undefined || !Array.isArray(raw.tactics) || raw.tactics.length !== 1) return raw;
      const rest = without(raw, "tactics");
      rest.tactic = raw.tactics[0];
      return rest;
    },
  },
);
const analytic = object(
  {
    uid: str,
    name: str,
    type_id: enumOf(ANALYTIC_TYPE, "type", true),
    type: CAPTION,
    category: str,
    desc: str,
    version: str,
    algorithm: str,
  },
  named,
);
const product = object(
  {
    name: str,
    vendor_name: str,
    uid: str,
    version: str,
    lang: str,
    path: str,
    cpe_name: str,
    url_string: str,
    feature: object({ name: str, uid: str, version: str }, named),
  },
  named,
);
const findingInfo = object(
  {
    uid: str,
    uid_alt: str,
    title: str,
    desc: str,
    types: strs,
    src_url: str,
    created_time: time,
    modified_time: time,
    first_seen_time: time,
    last_seen_time: time,
    analytic,
    related_analytics: many(analytic),
    attacks: many(attack),
    kill_chain: many(
      object(
        { phase_id: enumOf(KILL_CHAIN_PHASE, "phase", true), phase: CAPTION },
        { required: ["phase_id"] },
      ),
    ),
    data_sources: strs,
    related_events: many(
      object(
        {
          uid: str,
          title: str,
          desc: str,
          type: str,
          type_name: str,
          type_uid: int,
          count: int,
          created_time: time,
          modified_time: time,
          first_seen_time: time,
          last_seen_time: time,
          severity_id: enumOf(SEVERITY, "severity"),
          severity: CAPTION,
          status: str,
        },
        { required: ["uid"] },
      ),
    ),
    product,
  },
  {
    required: ["uid"],
    // `product_uid` is deprecated since 1.4.0 for `product.uid`.
    prepare: (raw) => {
      if (absent(raw.product_uid) || raw.product !== undefined) return raw;
      const rest = without(raw, "product_uid");
      rest.product = { uid: raw.product_uid };
      return rest;
    },
  },
);
const metadata = object(
  {
    product,
    version: BY_HAND,
    profiles: BY_HAND,
    uid: str,
    correlation_uid: str,
    event_code: str,
    labels: strs,
    log_name: str,
    log_provider: str,
    log_version: str,
    log_level: str,
    log_format: str,
    logged_time: time,
    modified_time: time,
    original_time: str,
    processed_time: time,
    sequence: int,
    tenant_uid: str,
    original_event_uid: str,
  },
  { keep: true },
);
/** Top-level attributes; the class, activity, severity, status and the big objects are mapped by hand. */
const top = object(
  {
    ...Object.fromEntries(
      [
        "time",
        "activity_id",
        "activity_name",
        "category_uid",
        "category_name",
        "class_uid",
        "class_name",
        "type_uid",
        "type_name",
        "severity_id",
        "severity",
        "status_id",
        "status",
        "message",
        "finding_info",
        "metadata",
        "evidences",
        "enrichments",
        "resources",
      ].map((k) => [k, BY_HAND]),
    ),
    count: int,
    confidence_id: enumOf(CONFIDENCE, "confidence"),
    confidence: CAPTION,
    confidence_score: int,
    risk_level_id: enumOf(RISK_LEVEL, "risk_level"),
    risk_level: CAPTION,
    risk_score: int,
    risk_details: str,
    impact_id: enumOf(IMPACT, "impact"),
    impact: CAPTION,
    impact_score: int,
    start_time: time,
    end_time: time,
    duration: int,
    comment: str,
    status_code: str,
    status_detail: str,
    is_alert: bool,
    timezone_offset: int,
  },
  { keep: true },
);

const enumId = <T extends object>(table: T, value: unknown): keyof T | undefined => {
  const n = integer(value);
  return n !== undefined && Object.hasOwn(table, n) ? (n as keyof T) : undefined;
};

/** The value at a dotted path (no indexes) inside an object. */
function valueAt(holder: unknown, path: string): unknown {
  let current = holder;
  let from = 0;
  for (;;) {
    const dot = path.indexOf(".", from);
    const key = dot < 0 ? path.slice(from) : path.slice(from, dot);
    current = isObject(current) ? current[key] : undefined;
    if (dot < 0) return current;
    from = dot + 1;
  }
}

/**
 * Maps one Leen IDP alert (an item of `listIdpAlerts`) to a strict OCSF 1.8.0 Detection
 * Finding. Pure: the same alert always gives the same event.
 */
export function normalizeLeenAlert(alert: Record<string, unknown>): DetectionFinding {
  const left = new Leftovers();
  const extras = (top(alert, "", "", left) ?? {}) as Json;
  const raw = alert as Json & { activity_name?: unknown; severity?: unknown };

  const info = (findingInfo(alert.finding_info, "", "finding_info", left) ?? {
    uid: String(valueAt(alert, "finding_info.uid") ?? valueAt(alert, "metadata.uid") ?? ""),
  }) as DetectionFinding["finding_info"];
  const meta = (metadata(alert.metadata, "", "metadata", left) ?? {}) as Json;

  let activityId = enumId(ACTIVITY, raw.activity_id);
  if (activityId === undefined) {
    if (!absent(raw.activity_id)) left.add("activity_id", raw.activity_id);
    activityId = 99;
  }
  let severityId = enumId(SEVERITY, raw.severity_id) as SeverityId | undefined;
  if (severityId === undefined) {
    if (!absent(raw.severity_id)) left.add("severity_id", raw.severity_id);
    severityId = severityIdFromName(typeof raw.severity === "string" ? raw.severity : undefined);
  }
  let statusId = enumId(STATUS, raw.status_id) as StatusId | undefined;
  if (statusId === undefined) {
    if (!absent(raw.status_id)) left.add("status_id", raw.status_id);
    statusId = STATUS_BY_ACTIVITY[activityId];
  }
  const alertTime = epochMs(raw.time) ?? epochMs((raw as Json).time_dt);
  if (epochMs(raw.time) === undefined && !absent(raw.time)) left.add("time", raw.time);

  const evidences = (many(evidence)(alert.evidences ?? [], "", "evidences", left) ?? []) as Json[];
  // Leen puts the sign-in's user agent in the evidence's free-form data; OCSF has a place for it.
  for (const e of evidences) {
    const agent = valueAt(e, "data.user_agent");
    if (typeof agent === "string" && agent !== "" && valueAt(e, "http_request.user_agent") === undefined) {
      e.http_request = { ...(e.http_request as Json | undefined), user_agent: agent };
    }
  }
  // The user and device the alert is about, at the top as well, where triggers and searches look.
  const subject = evidences.find((e) => e.actor !== undefined)?.actor as Json | undefined;
  const subjectDevice = evidences.find((e) => e.device !== undefined)?.device as Json | undefined;

  const idpProduct = (meta.product ?? { name: "Unknown identity provider" }) as Product;
  const finding = detectionFinding({
    activity_id: activityId,
    time:
      alertTime ??
      info.created_time ??
      info.first_seen_time ??
      (meta.logged_time as number | undefined) ??
      (meta.modified_time as number | undefined) ??
      0,
    severity_id: severityId,
    status_id: statusId,
    finding_info: info,
    product: idpProduct,
    ...(subject ? { profiles: ["host"] } : {}),
  });
  const event = finding as DetectionFinding & Json;
  // For Other (99) OCSF wants the source's own label: Leen's, or else what Leen sent.
  if (activityId === 99) {
    event.activity_name =
      integer(raw.activity_id) === 99 &&
      typeof raw.activity_name === "string" &&
      simplify(raw.activity_name) !== "other"
        ? raw.activity_name
        : `Other (Leen activity_id ${String(raw.activity_id)})`;
  }
  if (severityId === 99 && typeof raw.severity === "string" && raw.severity !== "")
    event.severity = raw.severity;
  if (typeof raw.message === "string" && raw.message !== "") event.message = raw.message;
  else if (!absent(raw.message)) left.add("message", raw.message);
  Object.assign(event, { is_alert: true }, extras);

  const labels = Array.isArray(meta.labels) ? (meta.labels as string[]) : [];
  const eventMeta = event.metadata as Metadata & Json;
  for (const key in meta) if (key !== "product") eventMeta[key] = meta[key];
  eventMeta.labels = labels.includes("leen") ? labels : [...labels, "leen"];
  eventMeta.loggers = [{ name: "Leen", product: LEEN }];
  const rawMeta = isObject(alert.metadata) ? alert.metadata : {};
  if (!absent(rawMeta.version) && rawMeta.version !== event.metadata.version)
    left.add("metadata.version", rawMeta.version);
  if (Array.isArray(rawMeta.profiles)) {
    const dropped = rawMeta.profiles.filter((p) => !event.metadata.profiles?.includes(p as string));
    if (dropped.length > 0) left.add("metadata.profiles", dropped);
  }

  if (subject) event.actor = subject;
  if (subjectDevice) event.device = subjectDevice as unknown as DetectionFinding["device"];
  if (evidences.length > 0) event.evidences = evidences;
  const resources = many(resource)(alert.resources ?? [], "", "resources", left) as Json[] | undefined;
  if (resources) event.resources = resources;
  const enrichments = many(enrichment)(alert.enrichments ?? [], "", "enrichments", left) as
    | Json[]
    | undefined;
  if (enrichments) {
    // Leen names the enriched attribute as in its flat alert (src_endpoint.ip); point at it in this event.
    for (const e of enrichments) {
      const name = String(e.name);
      if (valueAt(event, name) !== undefined) continue;
      const i = evidences.findIndex((ev) => valueAt(ev, name) === e.value);
      if (i >= 0) e.name = `evidences[${i}].${name}`;
    }
    event.enrichments = enrichments;
  }

  const observables = collectObservables(event, evidences, resources ?? []);
  if (observables.length > 0) {
    const reputations = new Map<unknown, unknown>();
    for (const e of enrichments ?? []) if (e.reputation) reputations.set(e.value, e.reputation);
    for (const o of observables as unknown as Array<Json & { type_id: number }>) {
      const rep = o.type_id === OBSERVABLE_TYPE_ID.IpAddress ? reputations.get(o.value) : undefined;
      if (rep) o.reputation = rep;
    }
    event.observables = observables;
  }
  event.raw_data = rawData(alert);
  for (const _ in left.items) {
    event.unmapped = left.items;
    break;
  }
  return event;
}

/** Every IP, hostname or domain, MAC, user, email, hash, file and user agent the event carries, each named by its path. */
function collectObservables(
  event: Json,
  evidences: Json[],
  resources: Json[],
): DetectionFinding["observables"] & {} {
  const list = observableList();
  const text = (holder: Json | undefined, key: string) =>
    typeof holder?.[key] === "string" ? (holder[key] as string) : undefined;
  const addUser = (path: string, u: Json | undefined) => {
    if (!u) return;
    list.add(`${path}.name`, OBSERVABLE_TYPE_ID.UserName, text(u, "name"));
    list.add(`${path}.uid`, OBSERVABLE_TYPE_ID.UserUid, text(u, "uid"));
    list.add(`${path}.email_addr`, OBSERVABLE_TYPE_ID.EmailAddress, text(u, "email_addr"));
    const domain = text(u, "domain");
    // A DNS domain (Okta, Google: the email domain), not an NT domain like CORP.
    if (domain?.includes(".")) list.add(`${path}.domain`, OBSERVABLE_TYPE_ID.Hostname, domain);
  };
  const addHost = (path: string, h: Json | undefined, uidType?: typeof OBSERVABLE_TYPE_ID.DeviceUid) => {
    if (!h) return;
    list.add(`${path}.ip`, OBSERVABLE_TYPE_ID.IpAddress, text(h, "ip"));
    list.add(`${path}.hostname`, OBSERVABLE_TYPE_ID.Hostname, text(h, "hostname"));
    list.add(`${path}.domain`, OBSERVABLE_TYPE_ID.Hostname, text(h, "domain"));
    list.add(`${path}.mac`, OBSERVABLE_TYPE_ID.MacAddress, text(h, "mac"));
    if (uidType) list.add(`${path}.uid`, uidType, text(h, "uid"));
    const hops = Array.isArray(h.intermediate_ips) ? (h.intermediate_ips as string[]) : [];
    hops.forEach((hop, k) => {
      list.add(`${path}.intermediate_ips[${k}]`, OBSERVABLE_TYPE_ID.IpAddress, hop);
    });
    addUser(`${path}.owner`, h.owner as Json | undefined);
  };
  // The first path a value is met at names it: the subject user, then the sign-in's source
  // address (rather than the device that happened to use it), then the subject device.
  addUser("actor.user", (event.actor as Json | undefined)?.user as Json | undefined);
  evidences.forEach((e, i) => {
    addHost(`evidences[${i}].src_endpoint`, e.src_endpoint as Json | undefined);
    addHost(`evidences[${i}].dst_endpoint`, e.dst_endpoint as Json | undefined);
  });
  addHost("device", event.device as Json | undefined, OBSERVABLE_TYPE_ID.DeviceUid);
  evidences.forEach((e, i) => {
    const p = `evidences[${i}]`;
    addUser(`${p}.actor.user`, (e.actor as Json | undefined)?.user as Json | undefined);
    addUser(`${p}.user`, e.user as Json | undefined);
    addHost(`${p}.device`, e.device as Json | undefined, OBSERVABLE_TYPE_ID.DeviceUid);
    const f = e.file as Json | undefined;
    if (f) {
      list.add(`${p}.file.name`, OBSERVABLE_TYPE_ID.FileName, text(f, "name"));
      list.add(`${p}.file.path`, OBSERVABLE_TYPE_ID.FilePath, text(f, "path"));
      const hashes = Array.isArray(f.hashes) ? (f.hashes as Json[]) : [];
      hashes.forEach((h, k) => {
        list.add(`${p}.file.hashes[${k}].value`, 8, text(h, "value"));
      });
    }
    list.add(
      `${p}.http_request.user_agent`,
      OBSERVABLE_TYPE_ID.HttpUserAgent,
      text(e.http_request as Json | undefined, "user_agent"),
    );
  });
  resources.forEach((r, j) => {
    list.add(`resources[${j}].ip`, OBSERVABLE_TYPE_ID.IpAddress, text(r, "ip"));
    list.add(`resources[${j}].hostname`, OBSERVABLE_TYPE_ID.Hostname, text(r, "hostname"));
    addUser(`resources[${j}].owner`, r.owner as Json | undefined);
  });
  return list.items;
}
