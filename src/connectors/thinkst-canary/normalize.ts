import { isIP } from "node:net";
import {
  ACTIVITY_ID,
  type Actor,
  ANALYTIC_TYPE,
  CONFIDENCE,
  DEVICE_TYPE,
  type DetectionFinding,
  type Device,
  detectionFinding,
  type Evidence,
  FILE_TYPE,
  type NetworkEndpoint,
  OBSERVABLE_TYPE_ID,
  observableList,
  type Product,
  rawData,
  SEVERITY_ID,
  STATUS_ID,
  secondsToMs,
  type User,
} from "../../ocsf/index.ts";
import { lookupTable } from "../../ocsf/lookup-table.ts";

/** A listing entry of `incidents/all` (and the other feeds): the flat incident sits in `description`. */
export interface CanaryListingIncident {
  id: string;
  hash_id?: string;
  summary?: string;
  updated_id?: number;
  updated_time?: string | number;
  description: CanaryFlatIncident;
  [key: string]: unknown;
}

/** The console's flat incident: values are strings, `events` the raw events. */
export interface CanaryFlatIncident {
  id?: string;
  acknowledged?: string | boolean;
  created?: string | number;
  logtype?: string;
  events?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

const PRODUCT: Product = { name: "Thinkst Canary", vendor_name: "Thinkst" };

/** The service a logtype's Canary personality emulates, as dst_endpoint.svc_name. */
const SERVICES: Readonly<Record<string, string>> = lookupTable({
  "2000": "ftp",
  "3001": "http",
  "4002": "ssh",
  "5000": "smb",
  "6001": "telnet",
  "8001": "mysql",
  "9001": "mssql",
  "17000": "http",
});

/** Logtypes whose incidents are a weaker signal: a port scan is also what vulnerability scanners do. */
const SCANS = new Set(["5003"]);

/** Listing and flat-incident fields the mapping consumes; every other non-empty field goes to `unmapped`. */
const MAPPED_LISTING = new Set(["id", "hash_id", "summary", "updated_id", "updated_time", "description"]);
const MAPPED_FLAT = new Set([
  "id",
  "acknowledged",
  "created",
  "created_std",
  "description",
  "dst_host",
  "dst_port",
  "events",
  "events_count",
  "logtype",
  "memo",
  "name",
  "node_id",
  "src_host",
  "src_host_reverse",
  "src_port",
]);
/** Event fields mapped into evidence objects; the rest of each event stays in `evidences[i].data`. */
const MAPPED_EVENT = new Set(["USERNAME", "USER", "DOMAIN", "FILENAME", "USERAGENT", "useragent", "PATH"]);

const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;

const text = (value: unknown): string =>
  typeof value === "string" ? value : value == null ? "" : String(value);

function port(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isInteger(n) && n > 0 && n <= 65535 ? n : undefined;
}

/** An endpoint from a host that may be an IP address or a name; undefined when nothing is known. */
function endpoint(
  host: string,
  portValue: unknown,
  hostname: string,
  svcName?: string,
): NetworkEndpoint | undefined {
  const result: NetworkEndpoint = {};
  if (host !== "" && isIP(host) !== 0) result.ip = host;
  else if (host !== "") result.hostname = host;
  if (hostname !== "" && result.hostname === undefined) result.hostname = hostname;
  const p = port(portValue);
  if (p !== undefined) result.port = p;
  if (svcName !== undefined) result.svc_name = svcName;
  return result.ip === undefined && result.hostname === undefined ? undefined : result;
}

/**
 * Maps one Canary incident (a listing entry of `listAllIncidents`) to an OCSF 1.8.0 Detection
 * Finding. Pure: the same incident always gives the same finding. The mapping, field by field,
 * is written up in docs/ocsf.md.
 *
 * Severity: Canary assigns none, because a honeypot has no legitimate users and any touch is a
 * strong signal. Every incident is High (4), except a host port scan, which is Medium (3): it is
 * also what an authorised vulnerability scanner does. Confidence follows the same split.
 *
 * Status and activity: acknowledging is how a Canary console closes an incident ("seen and dealt
 * with"; only acknowledged incidents are bulk-deleted). So an acknowledged incident is status
 * Resolved (4) with activity Close (3); an unacknowledged one is status New (1) with activity
 * Create (1), also after an unacknowledge, since it is open again. `time` is the incident's
 * creation (the attack), so it stays stable across these changes; finding_info.modified_time
 * and metadata.sequence (the console's updated_id) say which state this is.
 */
export function normalizeCanaryIncident(incident: CanaryListingIncident): DetectionFinding {
  const flat = incident.description ?? {};
  const logtype = text(flat.logtype);
  const summary = text(incident.summary) || text(flat.description) || `Canary logtype ${logtype}`;
  const acknowledged = flat.acknowledged === true || text(flat.acknowledged).toLowerCase() === "true";
  const events = Array.isArray(flat.events) ? flat.events : [];

  const created = secondsToMs(flat.created);
  const updated = secondsToMs(incident.updated_time);
  let firstSeen: number | undefined;
  let lastSeen: number | undefined;
  for (const event of events) {
    const at = secondsToMs(event.timestamp);
    if (at === undefined) continue;
    if (firstSeen === undefined || at < firstSeen) firstSeen = at;
    if (lastSeen === undefined || at > lastSeen) lastSeen = at;
  }
  const time = created ?? firstSeen ?? updated ?? 0;

  const scan = SCANS.has(logtype);
  const nodeName = text(flat.name);
  const nodeHost = text(flat.dst_host);
  const srcHost = text(flat.src_host);
  const memo = text(flat.memo);

  const finding = detectionFinding({
    activity_id: acknowledged ? ACTIVITY_ID.Close : ACTIVITY_ID.Create,
    time,
    severity_id: scan ? SEVERITY_ID.Medium : SEVERITY_ID.High,
    status_id: acknowledged ? STATUS_ID.Resolved : STATUS_ID.New,
    product: PRODUCT,
    profiles: ["host"],
    finding_info: {
      uid: incident.id,
      title: summary,
      types: [summary],
      analytic: logtype
        ? { type_id: 1, type: ANALYTIC_TYPE[1], uid: logtype, name: summary }
        : { type_id: 1, type: ANALYTIC_TYPE[1], name: summary },
    },
  });
  const info = finding.finding_info;
  if (incident.hash_id) info.uid_alt = incident.hash_id;
  const eventsCount = Number(flat.events_count);
  const count = Number.isInteger(eventsCount) ? eventsCount : events.length;
  info.desc = `${summary} on Canary ${nodeName || text(flat.node_id)}${nodeHost ? ` (${nodeHost})` : ""}${srcHost ? ` from ${srcHost}` : ""}: ${count} event${count === 1 ? "" : "s"}.${memo ? ` Memo: ${memo}` : ""}`;
  if (created !== undefined) info.created_time = created;
  if (updated !== undefined) info.modified_time = updated;
  info.first_seen_time = firstSeen ?? created ?? time;
  info.last_seen_time = lastSeen ?? created ?? time;

  finding.status_detail = acknowledged ? "Acknowledged in the Canary console" : "Not acknowledged";
  finding.confidence_id = scan ? 2 : 3;
  finding.confidence = CONFIDENCE[finding.confidence_id];
  finding.is_alert = true;
  finding.count = count;
  finding.message = `${summary} on ${nodeName || nodeHost || "a Canary"}${srcHost ? ` from ${srcHost}` : ""}`;

  const metadata = finding.metadata;
  if (logtype) metadata.event_code = logtype;
  if (flat.created_std) metadata.original_time = text(flat.created_std);
  if (typeof incident.updated_id === "number" && Number.isInteger(incident.updated_id)) {
    metadata.sequence = incident.updated_id;
    if (incident.hash_id) metadata.uid = `${incident.hash_id}:${incident.updated_id}`;
  }

  const observables = observableList();
  const nodeId = text(flat.node_id);
  const nodeIp = nodeHost !== "" && isIP(nodeHost) !== 0 ? nodeHost : undefined;
  if (nodeId || nodeName || nodeIp) {
    // The Canary's name is the hostname its personality presents on the network.
    const device: Device = { type_id: 1, type: DEVICE_TYPE[1] };
    if (nodeId) device.uid = nodeId;
    if (nodeName) {
      device.name = nodeName;
      device.hostname = nodeName;
    }
    if (nodeIp) device.ip = nodeIp;
    const mac = text(flat.mac_address);
    if (mac && MAC.test(mac)) device.mac = mac;
    finding.device = device;
    observables.add("device.ip", OBSERVABLE_TYPE_ID.IpAddress, device.ip);
    observables.add("device.hostname", OBSERVABLE_TYPE_ID.Hostname, device.hostname);
    observables.add("device.uid", OBSERVABLE_TYPE_ID.DeviceUid, device.uid);
    observables.add("device.mac", OBSERVABLE_TYPE_ID.MacAddress, device.mac);
  }

  const src = endpoint(srcHost, flat.src_port, text(flat.src_host_reverse));
  const dst = endpoint(nodeHost, flat.dst_port, "", SERVICES[logtype]);
  const evidences: Evidence[] = [];
  let actor: Actor | undefined;
  for (const event of events.length > 0 ? events : [undefined]) {
    const evidence: Evidence = {};
    if (src) evidence.src_endpoint = src;
    if (dst) evidence.dst_endpoint = dst;
    if (event) {
      const userName = text(event.USERNAME) || text(event.USER);
      if (userName) {
        const user: User = { name: userName };
        if (event.DOMAIN) user.domain = text(event.DOMAIN);
        evidence.user = user;
        actor ??= { user };
      }
      if (event.FILENAME) evidence.file = { name: text(event.FILENAME), type_id: 1, type: FILE_TYPE[1] };
      const userAgent = text(event.USERAGENT) || text(event.useragent);
      if (userAgent || event.PATH) {
        evidence.http_request = {};
        if (userAgent) evidence.http_request.user_agent = userAgent;
        if (event.PATH) evidence.http_request.url = { path: text(event.PATH) };
      }
      let data: Record<string, unknown> | undefined;
      for (const key in event) {
        if (MAPPED_EVENT.has(key)) continue;
        data ??= {};
        data[key] = event[key];
      }
      if (data) evidence.data = data;
    }
    // OCSF wants at least one artifact per evidence.
    if (src || dst || evidence.user || evidence.file || evidence.http_request || evidence.data) {
      evidences.push(evidence);
    }
  }
  if (actor) finding.actor = actor;
  if (evidences.length > 0) {
    finding.evidences = evidences;
    const first = evidences[0]!;
    observables.add("evidences[0].src_endpoint.ip", OBSERVABLE_TYPE_ID.IpAddress, first.src_endpoint?.ip);
    observables.add(
      "evidences[0].src_endpoint.hostname",
      OBSERVABLE_TYPE_ID.Hostname,
      first.src_endpoint?.hostname,
    );
    observables.add("evidences[0].dst_endpoint.ip", OBSERVABLE_TYPE_ID.IpAddress, first.dst_endpoint?.ip);
    observables.add(
      "evidences[0].dst_endpoint.hostname",
      OBSERVABLE_TYPE_ID.Hostname,
      first.dst_endpoint?.hostname,
    );
    for (let i = 0; i < evidences.length; i++) {
      const e = evidences[i]!;
      observables.add(`evidences[${i}].user.name`, OBSERVABLE_TYPE_ID.UserName, e.user?.name);
      observables.add(`evidences[${i}].file.name`, OBSERVABLE_TYPE_ID.FileName, e.file?.name);
      observables.add(
        `evidences[${i}].http_request.user_agent`,
        OBSERVABLE_TYPE_ID.HttpUserAgent,
        e.http_request?.user_agent,
      );
    }
  }
  if (observables.items.length > 0) finding.observables = observables.items;

  let unmapped: Record<string, unknown> | undefined;
  for (const key in incident) {
    if (MAPPED_LISTING.has(key) || incident[key] === "" || incident[key] == null) continue;
    unmapped ??= {};
    unmapped[key] = incident[key];
  }
  for (const key in flat) {
    if (MAPPED_FLAT.has(key) || flat[key] === "" || flat[key] == null) continue;
    if (key === "mac_address" && finding.device?.mac !== undefined) continue;
    unmapped ??= {};
    unmapped[key] = flat[key];
  }
  if (unmapped) finding.unmapped = unmapped;
  finding.raw_data = rawData(incident);
  return finding;
}
