import { isIP } from "node:net";
import type { Static } from "@sinclair/typebox";
import {
  ACTIVITY_ID,
  type ActivityId,
  type Attack,
  DEVICE_TYPE,
  type DetectionFinding,
  type Device,
  detectionFinding,
  type Evidence,
  FILE_TYPE,
  type File,
  type Fingerprint,
  OBSERVABLE_TYPE_ID,
  observableList,
  type Process,
  type Product,
  rawData,
  SEVERITY_ID,
  type SeverityId,
  STATUS_ID,
  type StatusId,
  severityIdFromName,
  type Url,
  type User,
} from "../../ocsf/index.ts";
import { lookupTable } from "../../ocsf/lookup-table.ts";
import { readInteger, readText, readTime } from "../../ocsf/values.ts";
import { ValidationError } from "../sdk/errors.ts";
import type { Alert } from "./schemas.ts";

/** A Defender alert as `listAlerts` with `expandEvidence` returns it. */
export type DefenderAlert = Static<typeof Alert>;

type Json = Record<string, unknown>;
type ObservableList = ReturnType<typeof observableList>;

// OCSF attributes this mapping fills beyond the shared types in src/ocsf.
interface FileOut extends File {
  ext?: string;
  parent_folder?: string;
}
interface UserOut extends User {
  uid_alt?: string;
}
interface ProcessOut extends Process {
  path?: string;
  created_time?: number;
  file?: FileOut;
  parent_process?: ProcessOut;
}
interface EvidenceOut extends Evidence {
  user?: UserOut;
  file?: FileOut;
  process?: ProcessOut;
  reg_key?: { path: string };
}

const PRODUCT_NAME = "Microsoft Defender for Endpoint";
const VENDOR_NAME = "Microsoft";
const PORTAL = "https://security.microsoft.com/alerts/";
const ATTACK_URL = "https://attack.mitre.org";

const SEVERITIES: Readonly<Record<string, SeverityId>> = lookupTable({
  Unspecified: SEVERITY_ID.Unknown,
  Informational: SEVERITY_ID.Informational,
  Low: SEVERITY_ID.Low,
  Medium: SEVERITY_ID.Medium,
  High: SEVERITY_ID.High,
});

const STATUSES: Readonly<Record<string, StatusId>> = lookupTable({
  Unknown: STATUS_ID.Unknown,
  New: STATUS_ID.New,
  InProgress: STATUS_ID.InProgress,
  Resolved: STATUS_ID.Resolved,
});

/** Triage state as a finding activity: a resolved alert is closed, one being worked on updated. */
const ACTIVITIES: Readonly<Record<string, ActivityId>> = lookupTable({
  New: ACTIVITY_ID.Create,
  InProgress: ACTIVITY_ID.Update,
  Resolved: ACTIVITY_ID.Close,
});

/** OCSF verdict_id (incident profile) → verdict for Defender's classification. */
const VERDICT_CAPTION = { 1: "False Positive", 2: "True Positive", 5: "Benign", 6: "Test" } as const;
type VerdictId = keyof typeof VERDICT_CAPTION;
const VERDICTS: Readonly<Record<string, VerdictId>> = lookupTable({
  TruePositive: 2,
  FalsePositive: 1,
  // "Informational, expected activity": real, but not a threat.
  InformationalExpectedActivity: 5,
});

/** Defender alert categories that are MITRE ATT&CK enterprise tactics. */
const TACTICS: Readonly<Record<string, { uid: string; name: string }>> = lookupTable({
  Reconnaissance: { uid: "TA0043", name: "Reconnaissance" },
  ResourceDevelopment: { uid: "TA0042", name: "Resource Development" },
  InitialAccess: { uid: "TA0001", name: "Initial Access" },
  Execution: { uid: "TA0002", name: "Execution" },
  Persistence: { uid: "TA0003", name: "Persistence" },
  PrivilegeEscalation: { uid: "TA0004", name: "Privilege Escalation" },
  DefenseEvasion: { uid: "TA0005", name: "Defense Evasion" },
  CredentialAccess: { uid: "TA0006", name: "Credential Access" },
  Discovery: { uid: "TA0007", name: "Discovery" },
  LateralMovement: { uid: "TA0008", name: "Lateral Movement" },
  Collection: { uid: "TA0009", name: "Collection" },
  Exfiltration: { uid: "TA0010", name: "Exfiltration" },
  CommandAndControl: { uid: "TA0011", name: "Command and Control" },
  Impact: { uid: "TA0040", name: "Impact" },
});

/** Type prefixes of Microsoft's malware names (`Type:Platform/Family`) → OCSF malware classification. */
const MALWARE_TYPES: Readonly<Record<string, { id: number; caption: string }>> = lookupTable({
  Adware: { id: 1, caption: "Adware" },
  Backdoor: { id: 2, caption: "Backdoor" },
  DDoS: { id: 5, caption: "DDOS" },
  TrojanDownloader: { id: 6, caption: "Downloader" },
  TrojanDropper: { id: 7, caption: "Dropper" },
  Ransom: { id: 10, caption: "Ransomware" },
  RemoteAccess: { id: 11, caption: "Remote-Access-Trojan" },
  Rogue: { id: 14, caption: "Rogue-Security-Software" },
  Spyware: { id: 17, caption: "Spyware" },
  TrojanSpy: { id: 17, caption: "Spyware" },
  Trojan: { id: 18, caption: "Trojan" },
  Virus: { id: 19, caption: "Virus" },
  Worm: { id: 22, caption: "Worm" },
});

const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;
const EMAIL = /^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$/;
const HOSTNAME = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** Alert fields the mapping always consumes; every other non-empty field goes to `unmapped`. */
const MAPPED = new Set([
  "id",
  "title",
  "description",
  "severity",
  "status",
  "category",
  "detectionSource",
  "detectorId",
  "threatName",
  "alertCreationTime",
  "firstEventTime",
  "lastEventTime",
  "lastUpdateTime",
  "machineId",
  "computerDnsName",
  "rbacGroupName",
  "aadTenantId",
  "assignedTo",
  "mitreTechniques",
  "evidence",
]);

/** Evidence fields mapped into OCSF objects per entity type; the rest (non-null) stays in `data`. */
const MAPPED_EVIDENCE_FIELDS: Readonly<Record<string, readonly string[]>> = lookupTable({
  User: ["accountName", "domainName", "userSid", "aadUserId", "userPrincipalName"],
  Ip: ["ipAddress"],
  Url: ["url"],
  File: ["fileName", "filePath", "sha1", "sha256"],
  Process: [
    "fileName",
    "filePath",
    "sha1",
    "sha256",
    "processId",
    "processCommandLine",
    "processCreationTime",
    "parentProcessId",
    "parentProcessCreationTime",
    "parentProcessFileName",
    "parentProcessFilePath",
  ],
  Registry: ["registryKey", "registryHive"],
});
/** The same as sets, made once: `evidenceOf` asks them about every field of every row. */
const MAPPED_EVIDENCE: Readonly<Record<string, ReadonlySet<string>>> = lookupTable(
  Object.fromEntries(Object.entries(MAPPED_EVIDENCE_FIELDS).map(([type, fields]) => [type, new Set(fields)])),
);
const NOTHING_MAPPED: ReadonlySet<string> = new Set();
/** A User row whose userPrincipalName is no e-mail address keeps it in `data`. */
const MAPPED_USER_WITHOUT_UPN: ReadonlySet<string> = new Set(
  MAPPED_EVIDENCE_FIELDS.User!.filter((key) => key !== "userPrincipalName"),
);
/** A Process row without a process id maps only its executable, as a file. */
const MAPPED_FILE_OF_PROCESS: ReadonlySet<string> = new Set(["fileName", "filePath", "sha1", "sha256"]);

// The shared lenient readers: null, "" and white space are absent, integers may arrive as strings.
const str = readText;
const int = readInteger;
/** Epoch milliseconds of a Defender timestamp (ISO 8601 with up to 7 fractional digits, extra ones dropped). */
const ms = readTime;

/** `C:\Windows\System32` + `cmd.exe`, with the folder's own separator. */
function joinPath(folder: string | undefined, name: string): string {
  if (!folder) return name;
  const sep = folder.includes("\\") || !folder.includes("/") ? "\\" : "/";
  return folder.endsWith(sep) ? `${folder}${name}` : `${folder}${sep}${name}`;
}

function hashes(row: Json): Fingerprint[] {
  const list: Fingerprint[] = [];
  const sha1 = str(row.sha1);
  const sha256 = str(row.sha256);
  if (sha1) list.push({ algorithm_id: 2, algorithm: "SHA-1", value: sha1 });
  if (sha256) list.push({ algorithm_id: 3, algorithm: "SHA-256", value: sha256 });
  return list;
}

/** A file from a name and its folder (Defender's `filePath` is the folder); undefined without a name. */
function fileOf(
  name: string | undefined,
  folder: string | undefined,
  fingerprints: Fingerprint[] = [],
): FileOut | undefined {
  if (!name) return undefined;
  const file: FileOut = { name, type_id: 1, type: FILE_TYPE[1], path: joinPath(folder, name) };
  const dot = name.lastIndexOf(".");
  if (dot > 0 && dot < name.length - 1) file.ext = name.slice(dot + 1);
  if (folder) file.parent_folder = folder;
  if (fingerprints.length > 0) file.hashes = fingerprints;
  return file;
}

function urlOf(text: string): Url {
  const url: Url = { url_string: text };
  try {
    const parsed = new URL(text);
    url.scheme = parsed.protocol.replace(/:$/, "");
    if (parsed.hostname) url.hostname = parsed.hostname.replace(/^\[|\]$/g, "");
    if (parsed.port) url.port = Number(parsed.port);
    if (parsed.pathname) url.path = parsed.pathname;
    if (parsed.search) url.query_string = parsed.search.slice(1);
  } catch {
    // Url evidence is sometimes a bare host name rather than a URL.
    if (HOSTNAME.test(text)) url.hostname = text;
  }
  return url;
}

/** A user from Defender's account fields; undefined when there is neither a name nor an id. */
function userOf(name: string | undefined, domain: string | undefined, row: Json = {}): UserOut | undefined {
  const user: UserOut = {};
  if (name) user.name = name;
  if (domain) user.domain = domain;
  const sid = str(row.userSid);
  if (sid) user.uid = sid;
  const aad = str(row.aadUserId);
  if (aad) user.uid_alt = aad;
  const upn = str(row.userPrincipalName);
  if (upn && EMAIL.test(upn)) user.email_addr = upn;
  return user.name === undefined && user.uid === undefined ? undefined : user;
}

function processOf(row: Json): ProcessOut | undefined {
  const pid = int(row.processId);
  if (pid === undefined) return undefined;
  const name = str(row.fileName);
  const folder = str(row.filePath);
  const process: ProcessOut = { pid };
  if (name) {
    process.name = name;
    process.path = joinPath(folder, name);
  }
  const cmd = str(row.processCommandLine);
  if (cmd) process.cmd_line = cmd;
  const created = ms(row.processCreationTime);
  if (created !== undefined) process.created_time = created;
  const file = fileOf(name, folder, hashes(row));
  if (file) process.file = file;
  const parentPid = int(row.parentProcessId);
  if (parentPid !== undefined) {
    const parent: ProcessOut = { pid: parentPid };
    const parentName = str(row.parentProcessFileName);
    const parentFolder = str(row.parentProcessFilePath);
    if (parentName) {
      parent.name = parentName;
      parent.path = joinPath(parentFolder, parentName);
      parent.file = fileOf(parentName, parentFolder);
    }
    const parentCreated = ms(row.parentProcessCreationTime);
    if (parentCreated !== undefined) parent.created_time = parentCreated;
    process.parent_process = parent;
  }
  return process;
}

/** One Defender evidence row as an OCSF evidence; fields it does not map stay in `data`. */
function evidenceOf(row: Json): EvidenceOut | undefined {
  const type = str(row.entityType) ?? "Unknown";
  const evidence: EvidenceOut = { name: type };
  let mapped = MAPPED_EVIDENCE[type] ?? NOTHING_MAPPED;
  if (type === "User") {
    const user = userOf(str(row.accountName), str(row.domainName), row);
    if (user) evidence.user = user;
    else mapped = NOTHING_MAPPED;
    if (user && user.email_addr === undefined) mapped = MAPPED_USER_WITHOUT_UPN;
  } else if (type === "Ip") {
    const ip = str(row.ipAddress);
    // Defender's Ip evidence is the remote address of the device's network activity.
    if (ip && isIP(ip) !== 0) evidence.dst_endpoint = { ip };
    else mapped = NOTHING_MAPPED;
  } else if (type === "Url") {
    const url = str(row.url);
    if (url) evidence.url = urlOf(url);
  } else if (type === "File") {
    const file = fileOf(str(row.fileName), str(row.filePath), hashes(row));
    if (file) evidence.file = file;
    else mapped = NOTHING_MAPPED;
  } else if (type === "Process") {
    const process = processOf(row);
    if (process) evidence.process = process;
    else {
      // Without a process id OCSF has no process; the executable is still a file.
      const file = fileOf(str(row.fileName), str(row.filePath), hashes(row));
      if (file) evidence.file = file;
      mapped = file ? MAPPED_FILE_OF_PROCESS : NOTHING_MAPPED;
    }
  } else if (type === "Registry") {
    const key = str(row.registryKey);
    const hive = str(row.registryHive);
    if (key) evidence.reg_key = { path: hive && !key.startsWith(hive) ? `${hive}\\${key}` : key };
    else mapped = NOTHING_MAPPED;
  }
  let data: Json | undefined;
  for (const key in row) {
    const value = row[key];
    if (value === null || value === "" || key === "entityType" || mapped.has(key)) continue;
    data ??= {};
    data[key] = value;
  }
  if (data) evidence.data = data;
  // Only the name: nothing of the row mapped.
  return data === undefined && Object.keys(evidence).length === 1 ? undefined : evidence;
}

function attacksOf(
  techniques: unknown[],
  category: string | undefined,
): { attacks: Attack[]; unparsed: unknown[] } {
  const attacks: Attack[] = [];
  const unparsed: unknown[] = [];
  for (const technique of techniques) {
    if (typeof technique !== "string" || !TECHNIQUE.test(technique)) {
      unparsed.push(technique);
      continue;
    }
    const dot = technique.indexOf(".");
    const parent = dot < 0 ? technique : technique.slice(0, dot);
    const attack: Attack = { technique: { uid: parent, src_url: `${ATTACK_URL}/techniques/${parent}/` } };
    if (dot >= 0) {
      const sub = technique.slice(dot + 1);
      attack.sub_technique = { uid: technique, src_url: `${ATTACK_URL}/techniques/${parent}/${sub}/` };
    }
    attacks.push(attack);
  }
  const tactic = category ? TACTICS[category] : undefined;
  // The category is the alert's tactic, not necessarily every technique's, so it stands on its own.
  if (tactic) attacks.push({ tactic: { ...tactic, src_url: `${ATTACK_URL}/tactics/${tactic.uid}/` } });
  return { attacks, unparsed };
}

function malwareOf(threatName: string | undefined, family: string | undefined) {
  const name = threatName ?? family;
  if (!name) return undefined;
  const type = threatName?.includes(":") ? threatName.slice(0, threatName.indexOf(":")) : undefined;
  // Other (99) carries Microsoft's own type word as its caption; known types take OCSF's caption.
  const known =
    type === undefined ? { id: 0, caption: "Unknown" } : (MALWARE_TYPES[type] ?? { id: 99, caption: type });
  return { name, classification_ids: [known.id], classifications: [known.caption], provider: PRODUCT_NAME };
}

/** The observables of a file: its name, path and hashes. */
function addFile(observables: ObservableList, path: string, file: FileOut): void {
  if (file.name) observables.add(`${path}.name`, OBSERVABLE_TYPE_ID.FileName, file.name);
  if (file.path) observables.add(`${path}.path`, OBSERVABLE_TYPE_ID.FilePath, file.path);
  const hashes = file.hashes;
  if (hashes) {
    for (let j = 0; j < hashes.length; j++) {
      if (hashes[j]!.value)
        observables.add(`${path}.hashes[${j}].value`, OBSERVABLE_TYPE_ID.Hash, hashes[j]!.value);
    }
  }
}

/**
 * Maps one Defender for Endpoint alert (with its evidence) to an OCSF 1.8.0 Detection Finding.
 * Pure: the same alert always gives the same finding. The mapping is written up in docs/ocsf.md.
 */
export function normalizeDefenderAlert(alert: DefenderAlert): DetectionFinding {
  const raw = alert as unknown as Json;
  if (typeof raw !== "object" || raw === null)
    throw new ValidationError("a Defender alert must be a JSON object");
  const id = str(alert.id);
  if (id === undefined) throw new ValidationError("the Defender alert has no id");
  const title = str(alert.title) ?? `Defender alert ${id}`;
  // Older tenants say "no category" with the string "null".
  const category = str(alert.category) === "null" ? undefined : str(alert.category);
  const created = ms(alert.alertCreationTime);
  const updated = ms(alert.lastUpdateTime);
  const firstEvent = ms(alert.firstEventTime);
  const lastEvent = ms(alert.lastEventTime);
  const severityWord = str(alert.severity);
  const statusWord = str(alert.status);
  const severityId =
    severityWord === undefined
      ? SEVERITY_ID.Unknown
      : (SEVERITIES[severityWord] ?? severityIdFromName(severityWord.toLowerCase()));
  const statusId = statusWord === undefined ? STATUS_ID.Unknown : (STATUSES[statusWord] ?? STATUS_ID.Other);
  const techniques = Array.isArray(alert.mitreTechniques) ? alert.mitreTechniques : [];
  const { attacks, unparsed } = attacksOf(techniques, category);

  const finding = detectionFinding({
    activity_id: (statusWord && ACTIVITIES[statusWord]) || ACTIVITY_ID.Create,
    time: created ?? updated ?? firstEvent ?? 0,
    severity_id: severityId,
    status_id: statusId,
    product: { name: PRODUCT_NAME, vendor_name: VENDOR_NAME },
    profiles: ["host", "incident"],
    finding_info: { uid: id, title, src_url: `${PORTAL}${encodeURIComponent(id)}` },
  });
  // Words OCSF has no id for keep the vendor's word as the caption of Other (99).
  if (severityId === SEVERITY_ID.Other) finding.severity = severityWord!;
  if (statusId === STATUS_ID.Other) finding.status = statusWord!;
  if (statusWord) finding.status_code = statusWord;
  finding.is_alert = true;

  const info = finding.finding_info;
  const description = str(alert.description);
  if (description) info.desc = description;
  if (category) info.types = [category];
  if (created !== undefined) info.created_time = created;
  if (updated !== undefined) info.modified_time = updated;
  if (firstEvent !== undefined) info.first_seen_time = firstEvent;
  if (lastEvent !== undefined) info.last_seen_time = lastEvent;
  const detectorId = str(alert.detectorId);
  info.analytic = detectorId
    ? { type_id: 0, type: "Unknown", uid: detectorId, name: title }
    : { type_id: 0, type: "Unknown", name: title };
  if (alert.detectionSource === "CustomDetection") {
    info.analytic.type_id = 1;
    info.analytic.type = "Rule";
  }
  if (attacks.length > 0) info.attacks = attacks;

  const metadata = finding.metadata;
  const detectionSource = str(alert.detectionSource);
  if (detectionSource)
    (metadata.product as Product & { feature?: { name: string } }).feature = { name: detectionSource };
  if (typeof alert.alertCreationTime === "string") metadata.original_time = alert.alertCreationTime;
  const tenant = str(alert.aadTenantId);
  if (tenant) metadata.tenant_uid = tenant;

  const computer = str(alert.computerDnsName);
  const machineId = str(alert.machineId);
  const message = computer ? `${title} on ${computer}` : title;
  finding.message = message;

  const observables = observableList();
  if (computer || machineId) {
    const device: Device & { groups?: Array<{ name: string }> } = { type_id: 0, type: DEVICE_TYPE[0] };
    if (machineId) device.uid = machineId;
    if (computer) {
      device.hostname = computer;
      const dot = computer.indexOf(".");
      device.name = dot > 0 ? computer.slice(0, dot) : computer;
      if (dot > 0) device.domain = computer.slice(dot + 1);
    }
    const group = str(alert.rbacGroupName);
    if (group) device.groups = [{ name: group }];
    finding.device = device;
    observables.add("device.hostname", OBSERVABLE_TYPE_ID.Hostname, device.hostname);
    observables.add("device.uid", OBSERVABLE_TYPE_ID.DeviceUid, device.uid);
  }

  const rawEvidence = Array.isArray(alert.evidence) ? (alert.evidence as unknown[]) : [];
  const evidences: EvidenceOut[] = [];
  for (const row of rawEvidence) {
    if (row === null || typeof row !== "object") continue;
    const evidence = evidenceOf(row as Json);
    if (evidence) evidences.push(evidence);
  }

  // Consumed only when mapped: relatedUser (when it names a user) and classification (when known).
  let relatedUserMapped = false;
  let classificationMapped = false;
  const related = alert.relatedUser;
  if (related && typeof related === "object") {
    const name = str(related.userName);
    const domain = str(related.domainName);
    // The User evidence of the same account carries its SID, Entra id and UPN.
    const match = evidences.find(
      (e) =>
        e.user?.name !== undefined &&
        e.user.name.toLowerCase() === name?.toLowerCase() &&
        (e.user.domain ?? "").toLowerCase() === (domain ?? "").toLowerCase(),
    );
    const user = match?.user ? { ...match.user } : userOf(name, domain);
    if (user) {
      relatedUserMapped = true;
      finding.actor = { user };
      observables.add("actor.user.name", OBSERVABLE_TYPE_ID.UserName, user.name);
      observables.add("actor.user.uid", OBSERVABLE_TYPE_ID.UserUid, user.uid);
      observables.add("actor.user.email_addr", OBSERVABLE_TYPE_ID.EmailAddress, user.email_addr);
    }
  }

  const assignedTo = str(alert.assignedTo);
  if (assignedTo) {
    const assignee: User = { name: assignedTo };
    if (EMAIL.test(assignedTo)) assignee.email_addr = assignedTo;
    (finding as Json).assignee = assignee;
  }
  const classification = str(alert.classification);
  let verdictId = classification ? VERDICTS[classification] : undefined;
  if (verdictId === 5 && alert.determination === "SecurityTesting") verdictId = 6;
  if (verdictId !== undefined) {
    classificationMapped = true;
    const out = finding as Json;
    out.verdict_id = verdictId;
    out.verdict = VERDICT_CAPTION[verdictId];
  }

  const malware = malwareOf(str(alert.threatName), str(alert.threatFamilyName));
  if (malware) (finding as Json).malware = [malware];

  if (evidences.length > 0) {
    finding.evidences = evidences;
    // Paths are spelt out only for the values there are (every value here is a string or absent).
    for (let i = 0; i < evidences.length; i++) {
      const e = evidences[i]!;
      const at = `evidences[${i}]`;
      if (e.dst_endpoint?.ip)
        observables.add(`${at}.dst_endpoint.ip`, OBSERVABLE_TYPE_ID.IpAddress, e.dst_endpoint.ip);
      if (e.url) {
        if (e.url.url_string)
          observables.add(`${at}.url.url_string`, OBSERVABLE_TYPE_ID.UrlString, e.url.url_string);
        if (e.url.hostname)
          observables.add(`${at}.url.hostname`, OBSERVABLE_TYPE_ID.Hostname, e.url.hostname);
      }
      const user = e.user;
      if (user) {
        if (user.name) observables.add(`${at}.user.name`, OBSERVABLE_TYPE_ID.UserName, user.name);
        if (user.uid) observables.add(`${at}.user.uid`, OBSERVABLE_TYPE_ID.UserUid, user.uid);
        if (user.email_addr)
          observables.add(`${at}.user.email_addr`, OBSERVABLE_TYPE_ID.EmailAddress, user.email_addr);
      }
      const process = e.process;
      if (process?.name) observables.add(`${at}.process.name`, OBSERVABLE_TYPE_ID.ProcessName, process.name);
      if (process?.parent_process?.name)
        observables.add(
          `${at}.process.parent_process.name`,
          OBSERVABLE_TYPE_ID.ProcessName,
          process.parent_process.name,
        );
      if (e.file) addFile(observables, `${at}.file`, e.file);
      if (process?.file) addFile(observables, `${at}.process.file`, process.file);
      if (e.reg_key?.path) observables.add(`${at}.reg_key.path`, 46, e.reg_key.path);
    }
  }
  if (observables.items.length > 0) finding.observables = observables.items;

  let unmapped: Json | undefined;
  for (const key in raw) {
    const value = raw[key];
    if (value === null || value === undefined || value === "") continue;
    if (
      MAPPED.has(key) ||
      (key === "relatedUser" && relatedUserMapped) ||
      (key === "classification" && classificationMapped)
    )
      continue;
    if (Array.isArray(value) && value.length === 0) continue;
    unmapped ??= {};
    unmapped[key] = value;
  }
  if (malware && str(alert.threatName) === undefined) delete unmapped?.threatFamilyName;
  if (unparsed.length > 0) {
    unmapped ??= {};
    unmapped.mitreTechniques = unparsed;
  }
  if (unmapped) finding.unmapped = unmapped;
  finding.raw_data = rawData(alert);
  return finding;
}
