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
  type HttpRequest,
  type NetworkEndpoint,
  OBSERVABLE_TYPE_ID,
  observableList,
  type Product,
  rawData,
  SEVERITY_ID,
  STATUS_ID,
  type Url,
  type User,
} from "../../ocsf/index.ts";
import { lookupTable } from "../../ocsf/lookup-table.ts";
import { isBlank, readBoolean, readInteger, readText, readTime } from "../../ocsf/values.ts";
import { ValidationError } from "../sdk/errors.ts";

type Json = Record<string, unknown>;

/**
 * A listing entry of `incidents/all` (and the other feeds). Its key is the entry's `id`; the
 * flat incident under `description` has none. Values are mostly strings, `updated_id` a number.
 */
export interface CanaryListingIncident {
  id: string;
  hash_id?: string;
  summary?: string;
  updated_id?: number | string;
  updated_time?: string | number;
  description: CanaryFlatIncident;
  [key: string]: unknown;
}

/**
 * The console's flat incident: a listing entry's `description`, or on its own what
 * `incident/fetch` (with its key in `id`), `incidents/search` (key in `key`, events in
 * `logdata`, the Canary in `host`) and `incidents/history/source` return. Values are mostly
 * strings (`"False"`, `"1586249623"`, `""` for nothing), sometimes JSON-typed.
 */
export interface CanaryFlatIncident {
  id?: string;
  key?: string;
  acknowledged?: string | boolean;
  created?: string | number;
  logtype?: string | number;
  events?: Json[];
  [key: string]: unknown;
}

/** Any record the console hands out for one incident. */
export type CanaryIncidentRecord = CanaryListingIncident | CanaryFlatIncident;

// OCSF 1.8.0 attributes this mapping fills beyond the shared types in src/ocsf.
interface DeviceOut extends Device {
  desc?: string;
  groups?: Array<{ uid?: string; name?: string }>;
}
interface HttpRequestOut extends HttpRequest {
  http_headers?: Array<{ name: string; value: string }>;
}
interface EvidenceOut extends Evidence {
  http_request?: HttpRequestOut;
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
  "10001": "tftp",
  "17000": "http",
  "18001": "modbus",
});

/** Logtypes whose incidents are a weaker signal: a port scan is also what vulnerability scanners do. */
const SCANS = new Set(["5003", "5004", "5005"]);

/** Listing-entry fields the mapping consumes; every other non-blank one goes to `unmapped`. */
const MAPPED_LISTING = new Set(["id", "hash_id", "summary", "updated_id", "updated_time", "description"]);
/** Flat-incident fields the mapping consumes (a value it cannot use still goes to `unmapped`). */
const MAPPED_FLAT = new Set([
  "id",
  "key",
  "incident_key",
  "hash_id",
  "updated_id",
  "updated_time",
  "acknowledged",
  "created",
  "created_std",
  "description",
  "dst_host",
  "dst_port",
  "events",
  "logdata",
  "events_count",
  "logtype",
  "memo",
  "name",
  "node_id",
  "flock_id",
  "flock_name",
  "ip_address",
  "mac_address",
  "src_host",
  "src_host_reverse",
  "src_port",
]);
/** Event fields mapped into evidence objects; the rest of each event stays in `evidences[i].data`. */
const MAPPED_EVENT = new Set([
  "USERNAME",
  "USER",
  "DOMAIN",
  "FILENAME",
  "USERAGENT",
  "useragent",
  "PATH",
  "METHOD",
  "HOSTNAME",
  "headers",
  "url",
]);

const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;
/** `scheme://authority/path`: the parts of a token's URL the mapping keeps (cheaper than new URL). */
const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/;

/** A DNS host name: labels of letters, digits, '-' and '_' (1 to 63 each, not starting with '-'), 253 at most. */
function isHostname(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 253) return false;
  let label = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (label === 0) return false;
      label = 0;
    } else if (
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 95 /* _ */ ||
      (c === 45 /* - */ && label > 0)
    ) {
      if (++label > 63) return false;
    } else return false;
  }
  return true;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const ipOf = (value: string | undefined): string | undefined =>
  value !== undefined && isIP(value) !== 0 ? value : undefined;
const hostnameOf = (value: string | undefined): string | undefined =>
  value !== undefined && isHostname(value) && isIP(value) === 0 ? value : undefined;

/** An address given where a host name may stand is an IP address observable, else a hostname one. */
const hostType = (value: string) =>
  isIP(value) !== 0 ? OBSERVABLE_TYPE_ID.IpAddress : OBSERVABLE_TYPE_ID.Hostname;

function port(value: unknown): number | undefined {
  const n = readInteger(value);
  return n !== undefined && n > 0 && n <= 65535 ? n : undefined;
}

/** A host (IP address or name) as an endpoint's ip or hostname; undefined when it is neither. */
function endpoint(
  host: string | undefined,
  portValue: unknown,
  hostname: string | undefined,
  svcName?: string,
): NetworkEndpoint | undefined {
  const result: NetworkEndpoint = {};
  const ip = ipOf(host);
  if (ip) result.ip = ip;
  else if (hostnameOf(host)) result.hostname = host;
  if (result.hostname === undefined && hostnameOf(hostname)) result.hostname = hostname;
  if (result.ip === undefined && result.hostname === undefined) return undefined;
  const p = port(portValue);
  if (p !== undefined) result.port = p;
  if (svcName !== undefined) result.svc_name = svcName;
  return result;
}

/** `Host` as a client sends it, without a port (`[::1]:8080`, `web01:80`). */
function hostOfHeader(value: string): string {
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]") >>> 0);
  const colon = value.indexOf(":");
  return colon > 0 && value.indexOf(":", colon + 1) < 0 ? value.slice(0, colon) : value;
}

/** The HTTP request an event records: a web login's form post, a Canarytoken's hit. */
function httpRequestOf(event: Json): HttpRequestOut | undefined {
  if (
    event.HOSTNAME === undefined &&
    event.USERAGENT === undefined &&
    event.useragent === undefined &&
    event.headers === undefined &&
    event.METHOD === undefined &&
    event.PATH === undefined &&
    event.url === undefined
  )
    return undefined;
  const request: HttpRequestOut = {};
  let mapped = false;
  const hostname = readText(event.HOSTNAME);
  let host = hostname;
  let userAgent = readText(event.USERAGENT) ?? readText(event.useragent);
  let headers: Array<{ name: string; value: string }> | undefined;
  let hostHeader = false;
  if (isObject(event.headers)) {
    headers = [];
    for (const name in event.headers) {
      const value = readText(event.headers[name]);
      if (value === undefined) continue;
      headers.push({ name, value });
      // Only two headers are mapped; a length check spares lower-casing the others.
      if (name.length === 4 && name.toLowerCase() === "host") {
        hostHeader = true;
        host ??= value;
      } else if (name.length === 10 && name.toLowerCase() === "user-agent") userAgent ??= value;
    }
  }
  // A web login's HOSTNAME is the Host header of its request.
  if (hostname !== undefined && !hostHeader) {
    headers ??= [];
    headers.unshift({ name: "Host", value: hostname });
  }
  const method = readText(event.METHOD);
  if (method) {
    request.http_method = method;
    mapped = true;
  }
  if (userAgent) {
    request.user_agent = userAgent;
    mapped = true;
  }
  const path = readText(event.PATH);
  const urlText = readText(event.url);
  let url: Url | undefined;
  const parts = urlText === undefined ? null : URL_PARTS.exec(urlText);
  if (parts) {
    url = { url_string: urlText, scheme: parts[1]!.toLowerCase() };
    const authority = parts[2]!.slice(parts[2]!.lastIndexOf("@") + 1);
    if (authority) url.hostname = hostOfHeader(authority);
    if (parts[3]) url.path = parts[3];
  } else if (path !== undefined) {
    url = { path };
  }
  if (url) {
    if (url.hostname === undefined && host !== undefined) url.hostname = hostOfHeader(host);
    request.url = url;
    mapped = true;
  }
  if (headers !== undefined && headers.length > 0) {
    request.http_headers = headers;
    mapped = true;
  }
  return mapped ? request : undefined;
}

/** The incident's key: a listing entry's `id`, else the flat incident's `id`, `key` or `incident_key`. */
export function canaryIncidentKey(record: unknown): string {
  if (!isObject(record)) throw new ValidationError("a Canary incident must be a JSON object");
  const key = readText(record.id) ?? readText(record.key) ?? readText(record.incident_key) ?? undefined;
  if (key === undefined)
    throw new ValidationError("the Canary incident has no key (id, key or incident_key)");
  return key;
}

/**
 * Maps one Canary incident to an OCSF 1.8.0 Detection Finding: a listing entry (the source's
 * records) or a flat incident as fetch, search and history return it. Pure: the same incident
 * always gives the same finding. Throws a ValidationError only for a record that is not an
 * object or has no key. The mapping, field by field, is written up in docs/ocsf.md.
 *
 * Severity: Canary assigns none, because a honeypot has no legitimate users and any touch is a
 * strong signal. Every incident is High (4), except a port scan, which is Medium (3): it is
 * also what an authorised vulnerability scanner does. Confidence follows the same split.
 *
 * Status and activity: acknowledging is how a Canary console closes an incident ("seen and dealt
 * with"; only acknowledged incidents are bulk-deleted). So an acknowledged incident is status
 * Resolved (4) with activity Close (3); an unacknowledged one is status New (1) with activity
 * Create (1), also after an unacknowledge, since it is open again. `time` is the incident's
 * creation (the attack), so it stays stable across these changes; finding_info.modified_time
 * and metadata.sequence (the console's updated_id) say which state this is.
 */
export function normalizeCanaryIncident(record: CanaryIncidentRecord): DetectionFinding {
  const key = canaryIncidentKey(record);
  const listing: Json = isObject(record.description) ? record : {};
  const flat: Json = isObject(record.description) ? record.description : record;
  const unmapped: Json = {};
  let anyUnmapped = false;
  /** A consumed value the mapping could not use stays in `unmapped`. */
  const keep = (name: string, value: unknown) => {
    if (isBlank(value)) return;
    unmapped[name] = value;
    anyUnmapped = true;
  };

  const logtype = readText(flat.logtype) ?? "";
  const summary =
    readText(listing.summary) ??
    readText(flat.description) ??
    (logtype ? `Canary logtype ${logtype}` : "Canary incident");
  const acknowledged = readBoolean(flat.acknowledged) === true;
  if (!isBlank(flat.acknowledged) && readBoolean(flat.acknowledged) === undefined)
    keep("acknowledged", flat.acknowledged);
  const rawEvents = Array.isArray(flat.events)
    ? flat.events
    : Array.isArray(flat.logdata)
      ? flat.logdata
      : [];
  const events = rawEvents.filter(isObject);
  const hashId = readText(listing.hash_id) ?? readText(flat.hash_id);
  const updatedId = readInteger(listing.updated_id ?? flat.updated_id);

  const created = readTime(flat.created);
  if (created === undefined) keep("created", flat.created);
  const updated = readTime(listing.updated_time ?? flat.updated_time);
  let firstSeen: number | undefined;
  let lastSeen: number | undefined;
  for (const event of events) {
    const at = readTime(event.timestamp);
    if (at === undefined) continue;
    if (firstSeen === undefined || at < firstSeen) firstSeen = at;
    if (lastSeen === undefined || at > lastSeen) lastSeen = at;
  }
  const time = created ?? firstSeen ?? updated ?? 0;

  const host = isObject(flat.host) ? flat.host : {};
  const scan = SCANS.has(logtype);
  // "N/A" is what a Canarytoken's incident gives as the Canary's name.
  const givenName = readText(flat.name) ?? readText(host.name);
  const nodeName = givenName === "N/A" ? undefined : givenName;
  const dstHost = readText(flat.dst_host);
  const srcHost = readText(flat.src_host);
  const memo = readText(flat.memo);
  const nodeId = readText(flat.node_id) ?? readText(host.node_id);
  const eventsCount = readInteger(flat.events_count);
  const count = eventsCount ?? events.length;

  const finding = detectionFinding({
    activity_id: acknowledged ? ACTIVITY_ID.Close : ACTIVITY_ID.Create,
    time,
    severity_id: scan ? SEVERITY_ID.Medium : SEVERITY_ID.High,
    status_id: acknowledged ? STATUS_ID.Resolved : STATUS_ID.New,
    product: PRODUCT,
    profiles: ["host"],
    finding_info: {
      uid: key,
      title: summary,
      types: [summary],
      analytic: logtype
        ? { type_id: 1, type: ANALYTIC_TYPE[1], uid: logtype, name: summary }
        : { type_id: 1, type: ANALYTIC_TYPE[1], name: summary },
    },
  });
  const info = finding.finding_info;
  if (hashId) info.uid_alt = hashId;
  const on = nodeName ?? nodeId ?? "a Canary";
  info.desc = `${summary} on Canary ${on}${dstHost ? ` (${dstHost})` : ""}${srcHost ? ` from ${srcHost}` : ""}: ${count} event${count === 1 ? "" : "s"}.${memo ? ` Memo: ${memo}` : ""}`;
  if (created !== undefined) info.created_time = created;
  if (updated !== undefined) info.modified_time = updated;
  info.first_seen_time = firstSeen ?? created ?? time;
  info.last_seen_time = lastSeen ?? created ?? time;

  finding.status_detail = acknowledged ? "Acknowledged in the Canary console" : "Not acknowledged";
  finding.confidence_id = scan ? 2 : 3;
  finding.confidence = CONFIDENCE[finding.confidence_id];
  finding.is_alert = true;
  finding.count = count;
  finding.message = `${summary} on ${nodeName ?? dstHost ?? "a Canary"}${srcHost ? ` from ${srcHost}` : ""}`;

  const metadata = finding.metadata;
  if (logtype) metadata.event_code = logtype;
  const createdStd = readText(flat.created_std);
  if (createdStd) metadata.original_time = createdStd;
  if (updatedId !== undefined) {
    metadata.sequence = updatedId;
    if (hashId) metadata.uid = `${hashId}:${updatedId}`;
  }

  const observables = observableList();
  // The Canary: its own address is `ip_address` (the attacked `dst_host` is in the evidence).
  const ownIp = readText(flat.ip_address) ?? readText(host.ip_address);
  const validOwnIp = ipOf(ownIp);
  if (ownIp !== undefined && validOwnIp === undefined) keep("ip_address", ownIp);
  const reverse = readText(flat.src_host_reverse);
  const src = endpoint(srcHost, flat.src_port, reverse);
  const dst = endpoint(dstHost, flat.dst_port, undefined, SERVICES[logtype]);
  const deviceIp = validOwnIp ?? dst?.ip;
  const mac = readText(flat.mac_address) ?? readText(host.mac_address) ?? readText(host.mac);
  const flockId = readText(flat.flock_id) ?? readText(host.flock_id);
  const flockName = readText(flat.flock_name);
  if (nodeId || nodeName || deviceIp) {
    const device: DeviceOut = { type_id: 1, type: DEVICE_TYPE[1] };
    if (nodeId) device.uid = nodeId;
    if (nodeName) {
      device.name = nodeName;
      // The Canary's name is the hostname its personality presents on the network.
      if (hostnameOf(nodeName)) device.hostname = nodeName;
    }
    if (deviceIp) device.ip = deviceIp;
    if (mac && MAC.test(mac)) device.mac = mac;
    else if (mac) keep("mac_address", mac);
    const desc = readText(host.description);
    if (desc) device.desc = desc;
    if (flockId || flockName) {
      const group: { uid?: string; name?: string } = {};
      if (flockId) group.uid = flockId;
      if (flockName) group.name = flockName;
      device.groups = [group];
    }
    finding.device = device;
    observables.add("device.ip", OBSERVABLE_TYPE_ID.IpAddress, device.ip);
    observables.add("device.hostname", OBSERVABLE_TYPE_ID.Hostname, device.hostname);
    observables.add("device.uid", OBSERVABLE_TYPE_ID.DeviceUid, device.uid);
    observables.add("device.mac", OBSERVABLE_TYPE_ID.MacAddress, device.mac);
  }

  // Hosts that are neither an address nor a name (documentation placeholders, say) stay unmapped.
  if (srcHost !== undefined && src?.ip !== srcHost && src?.hostname !== srcHost) keep("src_host", srcHost);
  if (reverse !== undefined && src?.hostname !== reverse && !hostnameOf(reverse))
    keep("src_host_reverse", reverse);
  if (dstHost !== undefined && !dst) keep("dst_host", dstHost);
  const evidences: EvidenceOut[] = [];
  let actor: Actor | undefined;
  for (const event of events.length > 0 ? events : [undefined]) {
    const evidence: EvidenceOut = {};
    // A Canarytoken's event says where its hit came from when the incident does not.
    const eventSrc = src ?? (event ? endpoint(readText(event.src_host), undefined, undefined) : undefined);
    if (eventSrc) evidence.src_endpoint = eventSrc;
    if (dst) evidence.dst_endpoint = dst;
    if (event) {
      const userName = readText(event.USERNAME) ?? readText(event.USER);
      if (userName) {
        const user: User = { name: userName };
        const domain = readText(event.DOMAIN);
        if (domain) user.domain = domain;
        evidence.user = user;
        actor ??= { user };
      }
      const fileName = readText(event.FILENAME);
      if (fileName) evidence.file = { name: fileName, type_id: 1, type: FILE_TYPE[1] };
      const request = httpRequestOf(event);
      if (request) evidence.http_request = request;
      let data: Json | undefined;
      for (const name in event) {
        if (MAPPED_EVENT.has(name) || (name === "src_host" && eventSrc && !src)) continue;
        data ??= {};
        data[name] = event[name];
      }
      if (data) evidence.data = data;
    }
    // OCSF wants at least one artifact per evidence.
    if (
      evidence.src_endpoint ||
      dst ||
      evidence.user ||
      evidence.file ||
      evidence.http_request ||
      evidence.data
    ) {
      evidences.push(evidence);
    }
  }
  if (actor) finding.actor = actor;
  if (evidences.length > 0) {
    finding.evidences = evidences;
    for (let i = 0; i < evidences.length; i++) {
      const e = evidences[i]!;
      const at = `evidences[${i}]`;
      // The incident's endpoints are shared by its evidences: named once, at the first.
      if (i === 0 || e.src_endpoint !== evidences[0]!.src_endpoint) {
        observables.add(`${at}.src_endpoint.ip`, OBSERVABLE_TYPE_ID.IpAddress, e.src_endpoint?.ip);
        observables.add(`${at}.src_endpoint.hostname`, OBSERVABLE_TYPE_ID.Hostname, e.src_endpoint?.hostname);
      }
      if (i === 0) {
        observables.add(`${at}.dst_endpoint.ip`, OBSERVABLE_TYPE_ID.IpAddress, e.dst_endpoint?.ip);
        observables.add(`${at}.dst_endpoint.hostname`, OBSERVABLE_TYPE_ID.Hostname, e.dst_endpoint?.hostname);
      }
      observables.add(`${at}.user.name`, OBSERVABLE_TYPE_ID.UserName, e.user?.name);
      observables.add(`${at}.file.name`, OBSERVABLE_TYPE_ID.FileName, e.file?.name);
      const request = e.http_request;
      if (!request) continue;
      observables.add(`${at}.http_request.user_agent`, OBSERVABLE_TYPE_ID.HttpUserAgent, request.user_agent);
      // The name the client asked the Canary for. url.hostname is typed a hostname, so an
      // address typed into the browser is an IP observable at its Host header instead.
      const urlHost = request.url?.hostname;
      if (urlHost && isIP(urlHost) === 0)
        observables.add(`${at}.http_request.url.hostname`, OBSERVABLE_TYPE_ID.Hostname, urlHost);
      const headers = request.http_headers ?? [];
      for (let k = 0; k < headers.length; k++) {
        const name = headers[k]!.name;
        if (name.length !== 4 || name.toLowerCase() !== "host") continue;
        const value = hostOfHeader(headers[k]!.value);
        if (isIP(value) || hostnameOf(value))
          observables.add(`${at}.http_request.http_headers[${k}].value`, hostType(value), value);
      }
    }
  }
  if (observables.items.length > 0) finding.observables = observables.items;

  for (const name in listing) {
    if (!MAPPED_LISTING.has(name)) keep(name, listing[name]);
  }
  for (const name in flat) {
    if (!MAPPED_FLAT.has(name)) keep(name, flat[name]);
  }
  if (anyUnmapped) finding.unmapped = unmapped;
  finding.raw_data = rawData(record);
  return finding;
}
