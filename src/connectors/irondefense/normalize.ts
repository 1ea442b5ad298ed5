import { BlockList, isIP } from "node:net";
import type { Static } from "@sinclair/typebox";
import {
  ACTIVITY_ID,
  type ActivityId,
  ANALYTIC_TYPE,
  type Attack,
  CONFIDENCE,
  type ConfidenceId,
  DEVICE_TYPE,
  type DetectionFinding,
  type Device,
  detectionFinding,
  type Evidence,
  type FindingInfo,
  type NetworkEndpoint,
  OBSERVABLE_TYPE_ID,
  type Observable,
  observableList,
  type Product,
  rawData,
  SEVERITY_ID,
  type SeverityId,
  STATUS,
  STATUS_ID,
  type StatusId,
} from "../../ocsf/index.ts";
import { lookupTable } from "../../ocsf/lookup-table.ts";
import { readInteger, readNumber, readText, readTime } from "../../ocsf/values.ts";
import { ValidationError } from "../sdk/errors.ts";
import type { Alert, Event } from "./schemas.ts";

/** An alert as GetAlerts (and alert notifications) carry it. */
export type IronDefenseAlert = Static<typeof Alert> & Record<string, unknown>;
/** An event as GetEvents carries it. */
export type IronDefenseEvent = Static<typeof Event> & Record<string, unknown>;

/** What the alert source hands the normalizer: the alert and the events fetched with it. */
export interface IronDefenseAlertRecord {
  alert: IronDefenseAlert;
  events: IronDefenseEvent[];
}

// OCSF 1.8.0 attributes this mapping fills beyond the shared types in src/ocsf.
interface KeyValue {
  name: string;
  value: string;
}
interface EndpointOut extends NetworkEndpoint {
  owner?: { name: string };
}
interface EvidenceOut extends Evidence {
  src_endpoint?: EndpointOut;
  dst_endpoint?: EndpointOut;
  connection_info?: { direction_id: number; direction: string };
  query?: { hostname: string };
}
type FindingOut = DetectionFinding & {
  finding_info: FindingInfo & { tags?: KeyValue[] };
  evidences?: EvidenceOut[];
  risk_score?: number;
  src_url?: string;
  verdict_id?: number;
  verdict?: string;
};

const PRODUCT: Product = { name: "IronDefense", vendor_name: "IronNet" };

/**
 * IronDefense scores alerts 0–1000. Bands (lower bound inclusive): 0–99 Informational,
 * 100–399 Low, 400–699 Medium, 700–899 High, 900–1000 Critical. Anything else is Unknown.
 */
export function severityIdOf(value: unknown): SeverityId {
  // protobuf-JSON may send any integer as a string.
  const score = readNumber(value);
  if (score === undefined || score < 0 || score > 1000) return SEVERITY_ID.Unknown;
  if (score >= 900) return SEVERITY_ID.Critical;
  if (score >= 700) return SEVERITY_ID.High;
  if (score >= 400) return SEVERITY_ID.Medium;
  if (score >= 100) return SEVERITY_ID.Low;
  return SEVERITY_ID.Informational;
}

const STATUSES: Readonly<Record<string, StatusId>> = lookupTable({
  STATUS_AWAITING_REVIEW: STATUS_ID.New,
  STATUS_UNDER_REVIEW: STATUS_ID.InProgress,
  STATUS_CLOSED: STATUS_ID.Resolved,
});
const STATUS_TEXT: Readonly<Record<string, string>> = lookupTable({
  STATUS_AWAITING_REVIEW: "Awaiting review",
  STATUS_UNDER_REVIEW: "Under review",
  STATUS_CLOSED: "Closed",
});

/** The analyst's rating as the finding's verdict (incident profile); undecided gives none. */
const VERDICTS: Readonly<Record<string, { id: number; caption: string; text: string }>> = lookupTable({
  SEVERITY_BENIGN: { id: 5, caption: "Benign", text: "benign" },
  SEVERITY_SUSPICIOUS: { id: 4, caption: "Suspicious", text: "suspicious" },
  SEVERITY_MALICIOUS: { id: 2, caption: "True Positive", text: "malicious" },
});
const EXPECTATION_TEXT: Readonly<Record<string, string>> = lookupTable({
  EXP_EXPECTED: "expected activity",
  EXP_UNEXPECTED: "unexpected activity",
});

const CATEGORY_LABEL: Readonly<Record<string, string>> = lookupTable({
  C2: "C2",
  ACTION: "Action",
  ACCESS: "Access",
  RECON: "Recon",
  OTHER: "Other",
});
const ACRONYMS = new Set([
  "DNS",
  "HTTP",
  "HTTPS",
  "SMB",
  "SSH",
  "RDP",
  "NTLM",
  "LDAP",
  "TLS",
  "SSL",
  "IRC",
  "IP",
]);

const ATTACK_URL = "https://attack.mitre.org";
const C2 = { uid: "TA0011", name: "Command and Control" };
const CREDENTIAL_ACCESS = { uid: "TA0006", name: "Credential Access" };
const DISCOVERY = { uid: "TA0007", name: "Discovery" };

/**
 * IronDefense alerts carry no MITRE ATT&CK data. Only where the analytic's name says unambiguously
 * which technique it detects is one given; the C2 category alone is the Command and Control tactic.
 */
const TECHNIQUES: Readonly<
  Record<string, { tactic: typeof C2; technique: typeof C2; sub_technique?: typeof C2 }>
> = lookupTable({
  DNS_TUNNELING: {
    tactic: C2,
    technique: { uid: "T1071", name: "Application Layer Protocol" },
    sub_technique: { uid: "T1071.004", name: "DNS" },
  },
  DOMAIN_GENERATION_ALGORITHM: {
    tactic: C2,
    technique: { uid: "T1568", name: "Dynamic Resolution" },
    sub_technique: { uid: "T1568.002", name: "Domain Generation Algorithms" },
  },
  SSH_BRUTE_FORCE: { tactic: CREDENTIAL_ACCESS, technique: { uid: "T1110", name: "Brute Force" } },
  RDP_BRUTE_FORCE: { tactic: CREDENTIAL_ACCESS, technique: { uid: "T1110", name: "Brute Force" } },
  PORT_SCANNING: { tactic: DISCOVERY, technique: { uid: "T1046", name: "Network Service Discovery" } },
});

/**
 * Addresses inside an enterprise: RFC 1918, CGNAT, loopback, link-local, IPv6 ULA. `internal`
 * checks a dotted quad by hand (a BlockList check costs ten times more) and asks this list about
 * IPv6 addresses, IPv4-mapped ones included.
 */
const INTERNAL = new BlockList();
INTERNAL.addSubnet("10.0.0.0", 8, "ipv4");
INTERNAL.addSubnet("172.16.0.0", 12, "ipv4");
INTERNAL.addSubnet("192.168.0.0", 16, "ipv4");
INTERNAL.addSubnet("100.64.0.0", 10, "ipv4");
INTERNAL.addSubnet("127.0.0.0", 8, "ipv4");
INTERNAL.addSubnet("169.254.0.0", 16, "ipv4");
INTERNAL.addSubnet("fc00::", 7, "ipv6");
INTERNAL.addSubnet("fe80::", 10, "ipv6");
INTERNAL.addAddress("::1", "ipv6");

const DIRECTIONS = { 0: "Unknown", 1: "Inbound", 2: "Outbound", 3: "Lateral" } as const;

/** Alert fields the mapping consumes; every other non-empty field goes to `unmapped`. */
const MAPPED_ALERT = new Set([
  "id",
  "category",
  "sub_category",
  "severity",
  "status",
  "analyst_severity",
  "analyst_expectation",
  "analytic_version",
  "created",
  "updated",
  "event_count",
  "first_event_start_time",
  "last_event_end_time",
  "raw_data_formats",
  "vue_url",
]);
/** Event fields mapped into an evidence; the rest of the event stays in `evidences[i].data`. */
const MAPPED_EVENT = new Set([
  "id",
  "alert_id",
  "src_ip",
  "dst_ip",
  "dst_port",
  "app_domains",
  "primary_app_protocol",
  "url",
  "src_entity_attribute",
  "src_entity_attribute_type",
  "dst_entity_attribute",
  "dst_entity_attribute_type",
]);

const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;

/** A value's text; "" for blanks and anything that is not a scalar. */
const text = (value: unknown): string => readText(value) ?? "";

/** Epoch milliseconds of an RFC 3339 time (or an epoch number); undefined for an empty or unreadable one. */
const ms = readTime;

/** DNS_TUNNELING → "DNS Tunneling". */
export function label(name: string): string {
  let out = "";
  let start = 0;
  while (start <= name.length) {
    let end = name.indexOf("_", start);
    if (end < 0) end = name.length;
    if (end > start) {
      const word = name.slice(start, end);
      if (out !== "") out += " ";
      out += ACRONYMS.has(word) ? word : word.charAt(0) + word.slice(1).toLowerCase();
    }
    start = end + 1;
  }
  return out;
}

/** A port, as a number or (protobuf-JSON int64) a string such as "53". */
function port(value: unknown): number | undefined {
  const n = readInteger(value);
  return n !== undefined && n > 0 && n <= 65535 ? n : undefined;
}

const ip = (value: unknown): string | undefined => {
  const s = text(value);
  return s !== "" && isIP(s) !== 0 ? s : undefined;
};

/** Whether an IP address (a valid one) is inside the enterprise. */
function internal(address: string): boolean {
  if (address.includes(":")) return INTERNAL.check(address, "ipv6");
  // A dotted quad (isIP said so): its first two octets.
  let i = 0;
  let a = 0;
  for (let c = address.charCodeAt(0); c !== 46; c = address.charCodeAt(++i)) a = a * 10 + c - 48;
  if (a === 10 || a === 127) return true;
  if (a !== 172 && a !== 192 && a !== 100 && a !== 169) return false;
  let b = 0;
  for (let c = address.charCodeAt(++i); c !== 46; c = address.charCodeAt(++i)) b = b * 10 + c - 48;
  if (a === 172) return b >= 16 && b <= 31;
  if (a === 192) return b === 168;
  if (a === 100) return b >= 64 && b <= 127;
  return b === 254;
}

/** Outbound, inbound or lateral from which side is inside the enterprise. */
function direction(src: string | undefined, dst: string | undefined): 0 | 1 | 2 | 3 {
  if (src === undefined || dst === undefined) return 0;
  const srcIn = internal(src);
  const dstIn = internal(dst);
  if (srcIn && dstIn) return 3;
  if (srcIn) return 2;
  if (dstIn) return 1;
  return 0;
}

/** The holder IronDefense learnt for an IP from entity records (hostname, username or MAC). */
function applyEntity(endpoint: EndpointOut, type: unknown, value: unknown): void {
  const v = text(value);
  if (v === "") return;
  const t = text(type);
  if (t === "hostname" && HOSTNAME.test(v)) endpoint.hostname = v;
  else if (t === "username") endpoint.owner = { name: v };
  else if (t === "mac_address" && MAC.test(v)) endpoint.mac = v;
}

function evidenceOf(event: IronDefenseEvent, alert: IronDefenseAlert): EvidenceOut {
  const evidence: EvidenceOut = {};
  const uid = text(event.id);
  if (uid !== "") evidence.uid = uid;
  const srcIp = ip(event.src_ip);
  const dstIp = ip(event.dst_ip);
  const src: EndpointOut = {};
  if (srcIp) src.ip = srcIp;
  applyEntity(src, event.src_entity_attribute_type, event.src_entity_attribute);
  const dst: EndpointOut = {};
  if (dstIp) dst.ip = dstIp;
  const dstPort = port(event.dst_port);
  if (dstPort !== undefined) dst.port = dstPort;
  const app = text(event.primary_app_protocol);
  if (app !== "") dst.svc_name = app;
  applyEntity(dst, event.dst_entity_attribute_type, event.dst_entity_attribute);
  const domains: string[] = [];
  if (Array.isArray(event.app_domains)) {
    for (const name of event.app_domains) {
      const d = text(name);
      if (d !== "") domains.push(d);
    }
  }
  const domain = domains.find((d) => HOSTNAME.test(d));
  // A DNS analytic's domain is what was queried (the destination is the resolver); otherwise
  // it is the name of the server talked to.
  if (domain !== undefined && app.toUpperCase() === "DNS") evidence.query = { hostname: domain };
  else if (domain !== undefined && dst.hostname === undefined) dst.hostname = domain;
  if (src.ip || src.hostname || src.owner || src.mac) evidence.src_endpoint = src;
  if (dst.ip || dst.hostname || dst.svc_name) evidence.dst_endpoint = dst;
  const way = direction(srcIp, dstIp);
  if (srcIp && dstIp) evidence.connection_info = { direction_id: way, direction: DIRECTIONS[way] };
  const url = text(event.url);
  if (url !== "" && URL.canParse(url)) evidence.url = { url_string: url };

  // Made up front: filled in one pass, it is cheaper than asking on every field whether it exists.
  const data: Record<string, unknown> = {};
  let hasData = false;
  for (const key in event) {
    const value = event[key];
    if (MAPPED_EVENT.has(key) || value === "" || value == null) continue;
    if ((key === "category" || key === "sub_category") && value === alert[key]) continue;
    data[key] = value;
    hasData = true;
  }
  if (domains.length > 1 || (domains.length === 1 && domain === undefined)) {
    data.app_domains = domains;
    hasData = true;
  }
  if (hasData) evidence.data = data;
  return evidence;
}

/** With no events to hand, the alert's aggregation criteria (`src_ip=…,app_domain=…`) still name its endpoints. */
function evidenceFromCriteria(criteria: string): EvidenceOut | undefined {
  const pairs = new Map<string, string>();
  for (const part of criteria.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) pairs.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const evidence: EvidenceOut = {};
  const srcIp = ip(pairs.get("src_ip"));
  if (srcIp) evidence.src_endpoint = { ip: srcIp };
  const dstIp = ip(pairs.get("dst_ip"));
  const domain = pairs.get("app_domain");
  if (dstIp || (domain && HOSTNAME.test(domain))) {
    const dst: EndpointOut = {};
    if (dstIp) dst.ip = dstIp;
    if (domain && HOSTNAME.test(domain)) dst.hostname = domain;
    evidence.dst_endpoint = dst;
  }
  return evidence.src_endpoint || evidence.dst_endpoint ? evidence : undefined;
}

/** The observables of one endpoint of evidence `i`: its IP, hostname, MAC and owner. */
function addEndpoint(
  observables: { add(name: string, type_id: Observable["type_id"], value: string | undefined): void },
  i: number,
  side: "src_endpoint" | "dst_endpoint",
  endpoint: EndpointOut,
): void {
  if (endpoint.ip) observables.add(`evidences[${i}].${side}.ip`, OBSERVABLE_TYPE_ID.IpAddress, endpoint.ip);
  if (endpoint.hostname)
    observables.add(`evidences[${i}].${side}.hostname`, OBSERVABLE_TYPE_ID.Hostname, endpoint.hostname);
  if (endpoint.mac)
    observables.add(`evidences[${i}].${side}.mac`, OBSERVABLE_TYPE_ID.MacAddress, endpoint.mac);
  if (endpoint.owner?.name)
    observables.add(`evidences[${i}].${side}.owner.name`, OBSERVABLE_TYPE_ID.UserName, endpoint.owner.name);
}

/**
 * Maps one IronDefense alert, with the events fetched for it, to an OCSF 1.8.0 Detection
 * Finding. Pure: the same input always gives the same finding and is left untouched. The
 * mapping, field by field, is written up in docs/ocsf.md ("IronDefense").
 */
export function normalizeIronDefenseAlert(
  alert: IronDefenseAlert,
  given: readonly IronDefenseEvent[] | null = [],
): FindingOut {
  // A record whose events are missing or odd still maps from its alert.
  const events: IronDefenseEvent[] = [];
  if (Array.isArray(given)) for (const e of given) if (typeof e === "object" && e !== null) events.push(e);
  if (typeof alert !== "object" || alert === null)
    throw new ValidationError("an IronDefense alert must be a JSON object");
  if (text(alert.id) === "") throw new ValidationError("the IronDefense alert has no id");
  const category = text(alert.category);
  const subCategory = text(alert.sub_category);
  const categoryLabel = CATEGORY_LABEL[category] ?? label(category);
  const subLabel = label(subCategory);
  const title =
    categoryLabel && subLabel
      ? `${categoryLabel}: ${subLabel}`
      : subLabel || categoryLabel || "IronDefense alert";
  const rawStatus = text(alert.status);
  const statusId: StatusId = STATUSES[rawStatus] ?? (rawStatus === "" ? STATUS_ID.Unknown : STATUS_ID.Other);

  const created = ms(alert.created);
  const updated = ms(alert.updated);
  let firstSeen = ms(alert.first_event_start_time);
  let lastSeen = ms(alert.last_event_end_time);
  let bestConfidence: number | undefined;
  for (const event of events) {
    const start = ms(event.start_time);
    const end = ms(event.end_time);
    if (start !== undefined && (firstSeen === undefined || start < firstSeen)) firstSeen = start;
    if (end !== undefined && (lastSeen === undefined || end > lastSeen)) lastSeen = end;
    const confidence = readNumber(event.confidence);
    if (confidence !== undefined) bestConfidence = Math.max(bestConfidence ?? 0, confidence);
  }
  const time = created ?? updated ?? firstSeen ?? 0;

  // A closed alert closes the finding; one never touched since it was raised is its creation;
  // every other state is an update (reviewed, rated, commented, grown).
  const activity: ActivityId =
    statusId === STATUS_ID.Resolved
      ? ACTIVITY_ID.Close
      : created !== undefined && created === updated && statusId === STATUS_ID.New
        ? ACTIVITY_ID.Create
        : ACTIVITY_ID.Update;

  const analytic = subCategory
    ? { type_id: 2 as const, type: ANALYTIC_TYPE[2], uid: subCategory, name: subLabel }
    : { type_id: 2 as const, type: ANALYTIC_TYPE[2], name: title };
  const finding = detectionFinding({
    activity_id: activity,
    time,
    severity_id: severityIdOf(alert.severity),
    status_id: statusId,
    product: PRODUCT,
    profiles: ["incident"],
    finding_info: { uid: text(alert.id), title, analytic },
  }) as FindingOut;
  if (statusId === STATUS_ID.Other) finding.status = rawStatus;
  const info = finding.finding_info;
  const analyticOut = info.analytic as typeof analytic & { category?: string; version?: string };
  if (category) analyticOut.category = categoryLabel;
  if (text(alert.analytic_version)) analyticOut.version = text(alert.analytic_version);
  info.types =
    categoryLabel && subLabel
      ? [categoryLabel, subLabel]
      : categoryLabel
        ? [categoryLabel]
        : subLabel
          ? [subLabel]
          : [];
  if (created !== undefined) info.created_time = created;
  if (updated !== undefined) info.modified_time = updated;
  if (firstSeen !== undefined) info.first_seen_time = firstSeen;
  if (lastSeen !== undefined) info.last_seen_time = lastSeen;
  const vueUrl = text(alert.vue_url);
  if (vueUrl !== "" && URL.canParse(vueUrl)) {
    info.src_url = vueUrl;
    finding.src_url = vueUrl;
  }
  const formats: string[] = [];
  if (Array.isArray(alert.raw_data_formats))
    for (const format of alert.raw_data_formats) if (text(format)) formats.push(text(format));
  if (formats.length > 0) info.data_sources = formats;
  const known = TECHNIQUES[subCategory];
  const attack: Attack | undefined = known
    ? {
        tactic: { ...known.tactic, src_url: `${ATTACK_URL}/tactics/${known.tactic.uid}/` },
        technique: { ...known.technique, src_url: `${ATTACK_URL}/techniques/${known.technique.uid}/` },
        ...(known.sub_technique
          ? {
              sub_technique: {
                ...known.sub_technique,
                src_url: `${ATTACK_URL}/techniques/${known.sub_technique.uid.replace(".", "/")}/`,
              },
            }
          : {}),
      }
    : category === "C2"
      ? { tactic: { ...C2, src_url: `${ATTACK_URL}/tactics/${C2.uid}/` } }
      : undefined;
  if (attack) info.attacks = [attack];

  // The analyst's triage: severity rating → verdict, both raw values kept as tags.
  const analystSeverity = text(alert.analyst_severity);
  const analystExpectation = text(alert.analyst_expectation);
  const verdict = VERDICTS[analystSeverity];
  if (verdict) {
    finding.verdict_id = verdict.id;
    finding.verdict = verdict.caption;
  }
  const tags: KeyValue[] = [];
  if (analystSeverity) tags.push({ name: "analyst_severity", value: analystSeverity });
  if (analystExpectation) tags.push({ name: "analyst_expectation", value: analystExpectation });
  if (tags.length > 0) info.tags = tags;
  const expectation = EXPECTATION_TEXT[analystExpectation];
  const rating =
    verdict && expectation ? `${verdict.text}, ${expectation}` : (verdict?.text ?? expectation ?? "");
  finding.status_code = rawStatus || undefined;
  if (finding.status_code === undefined) delete finding.status_code;
  finding.status_detail = `${STATUS_TEXT[rawStatus] ?? (rawStatus || "No status")}${rating ? `; rated ${rating}` : "; not rated"}`;

  const score = readInteger(alert.severity);
  if (score !== undefined) finding.risk_score = score;
  if (bestConfidence !== undefined) {
    const score = Math.round(Math.min(1, Math.max(0, bestConfidence)) * 100);
    const id: ConfidenceId = score >= 70 ? 3 : score >= 40 ? 2 : 1;
    finding.confidence_score = score;
    finding.confidence_id = id;
    finding.confidence = CONFIDENCE[id];
  }
  finding.is_alert = true;
  const eventCount = readInteger(alert.event_count);
  if (eventCount !== undefined && eventCount >= 0) finding.count = eventCount;
  if (firstSeen !== undefined) finding.start_time = firstSeen;
  if (lastSeen !== undefined) finding.end_time = lastSeen;
  if (subCategory) finding.metadata.event_code = subCategory;
  if (text(alert.created)) finding.metadata.original_time = text(alert.created);
  if (updated !== undefined) finding.metadata.uid = `${text(alert.id)}:${updated}`;

  const evidences: EvidenceOut[] = [];
  for (const event of events) evidences.push(evidenceOf(event, alert));
  if (evidences.length === 0) {
    const fallback = evidenceFromCriteria(text(alert.aggregation_criteria));
    if (fallback) evidences.push(fallback);
  }
  const kept: EvidenceOut[] = [];
  for (const e of evidences)
    if (e.src_endpoint || e.dst_endpoint || e.query || e.url || e.data || e.connection_info) kept.push(e);
  // The alert's subject: the internal host its events come from.
  const subject = kept.find((e) => e.src_endpoint?.ip && internal(e.src_endpoint.ip))?.src_endpoint;
  if (subject?.ip) {
    const device: Device = { type_id: 0, type: DEVICE_TYPE[0], ip: subject.ip };
    if (subject.hostname) device.hostname = subject.hostname;
    if (subject.mac) device.mac = subject.mac;
    finding.device = device;
  }

  const observables = observableList();
  observables.add("device.ip", OBSERVABLE_TYPE_ID.IpAddress, finding.device?.ip);
  observables.add("device.hostname", OBSERVABLE_TYPE_ID.Hostname, finding.device?.hostname);
  observables.add("device.mac", OBSERVABLE_TYPE_ID.MacAddress, finding.device?.mac);
  for (let i = 0; i < kept.length; i++) {
    const e = kept[i]!;
    // Paths are spelt out only for the values there are.
    if (e.src_endpoint) addEndpoint(observables, i, "src_endpoint", e.src_endpoint);
    if (e.dst_endpoint) addEndpoint(observables, i, "dst_endpoint", e.dst_endpoint);
    if (e.query?.hostname)
      observables.add(`evidences[${i}].query.hostname`, OBSERVABLE_TYPE_ID.Hostname, e.query.hostname);
    if (e.url?.url_string)
      observables.add(`evidences[${i}].url.url_string`, OBSERVABLE_TYPE_ID.UrlString, e.url.url_string);
  }
  if (kept.length > 0) finding.evidences = kept;
  if (observables.items.length > 0) finding.observables = observables.items;

  const source = finding.device?.ip ?? kept[0]?.src_endpoint?.ip;
  const target = kept[0]?.dst_endpoint?.hostname ?? kept[0]?.query?.hostname ?? kept[0]?.dst_endpoint?.ip;
  const where = `${source ? ` from ${source}` : ""}${target ? ` to ${target}` : ""}`;
  finding.message = `${title}${where} (severity ${text(alert.severity) || "unknown"})`;
  const count = finding.count ?? events.length;
  info.desc = `IronDefense ${categoryLabel || "alert"} analytic ${subCategory || "(unnamed)"} raised ${count} event${count === 1 ? "" : "s"}${where}. ${STATUS_TEXT[rawStatus] ?? STATUS[statusId]}${rating ? `, rated ${rating}` : ""}.`;

  let unmapped: Record<string, unknown> | undefined;
  for (const key in alert) {
    const value = alert[key];
    if (MAPPED_ALERT.has(key) || value === "" || value == null) continue;
    unmapped ??= {};
    unmapped[key] = value;
  }
  if (unmapped) finding.unmapped = unmapped;
  finding.raw_data = rawData(alert);
  return finding;
}
