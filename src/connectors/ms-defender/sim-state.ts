import { createHmac } from "node:crypto";
import { base, en, Faker } from "@faker-js/faker";

/** What kinds of evidence a template's alerts carry. */
type EvidenceKind = "User" | "Process" | "File" | "Ip" | "Url";

interface Template {
  title: string;
  category: string;
  mitre: string[];
  detectionSource: string;
  threatFamilyName?: string;
  evidence: EvidenceKind[];
  description: string;
}

/** Alert kinds a Defender tenant sees, with the evidence each one carries. */
const TEMPLATES: Template[] = [
  {
    title: "Suspicious PowerShell command line",
    category: "Execution",
    mitre: ["T1059.001", "T1105"],
    detectionSource: "WindowsDefenderAtp",
    evidence: ["Process", "File", "User", "Url"],
    description: "A suspicious PowerShell command line downloaded and ran content from the internet.",
  },
  {
    title: "Connection to a custom network indicator",
    category: "CommandAndControl",
    mitre: ["T1071.001"],
    detectionSource: "CustomerTI",
    evidence: ["Ip", "Url", "Process"],
    description: "A device connected to an address listed in the organization's custom indicators.",
  },
  {
    title: "'Mimikatz' credential theft tool",
    category: "CredentialAccess",
    mitre: ["T1003.001"],
    detectionSource: "WindowsDefenderAv",
    threatFamilyName: "Mimikatz",
    evidence: ["File", "Process", "User"],
    description: "A credential theft tool was detected; it can read passwords and hashes from memory.",
  },
  {
    title: "Suspicious 'Meterpreter' behavior was detected",
    category: "SuspiciousActivity",
    mitre: ["T1064", "T1085", "T1220"],
    detectionSource: "WindowsDefenderAv",
    threatFamilyName: "Meterpreter",
    evidence: ["Process", "Ip", "User"],
    description: "Behavior typical of the Meterpreter payload was observed, including a reverse connection.",
  },
  {
    title: "Ransomware behavior detected in the file system",
    category: "Ransomware",
    mitre: ["T1486", "T1490"],
    detectionSource: "WindowsDefenderAtp",
    threatFamilyName: "LockBit",
    evidence: ["File", "Process", "User"],
    description: "Many files were encrypted and shadow copies deleted in a short time.",
  },
  {
    title: "Suspicious connection blocked by network protection",
    category: "CommandAndControl",
    mitre: ["T1071", "T1568"],
    detectionSource: "WindowsDefenderSmartScreen",
    evidence: ["Url", "Ip", "Process"],
    description: "Network protection blocked a connection to a domain with a poor reputation.",
  },
  {
    title: "Anomalous account lookups",
    category: "Discovery",
    mitre: ["T1087.002", "T1069.002"],
    detectionSource: "WindowsDefenderAtp",
    evidence: ["User", "Process"],
    description:
      "A process enumerated domain accounts and groups in a way attackers do during reconnaissance.",
  },
  {
    title: "Suspicious scheduled task",
    category: "Persistence",
    mitre: ["T1053.005"],
    detectionSource: "WindowsDefenderAtp",
    evidence: ["Process", "File", "User"],
    description: "A scheduled task was created that runs a binary from a user-writable folder.",
  },
  {
    title: "Low-reputation arbitrary code executed by signed executable",
    category: "DefenseEvasion",
    mitre: ["T1218.011"],
    detectionSource: "WindowsDefenderAtp",
    evidence: ["Process", "File", "User"],
    description: "A Microsoft-signed binary loaded low-reputation code to hide its execution.",
  },
  {
    title: "Possible lateral movement using Remote Desktop",
    category: "LateralMovement",
    mitre: ["T1021.001"],
    detectionSource: "WindowsDefenderAtp",
    evidence: ["Ip", "User"],
    description: "An account signed in over RDP from a device it does not usually use.",
  },
  {
    title: "User accessed a link in a phishing email",
    category: "InitialAccess",
    mitre: ["T1566.002"],
    detectionSource: "MTP",
    evidence: ["Url", "User", "Ip"],
    description: "A user opened a link that was later identified as phishing.",
  },
  {
    title: "Possible data exfiltration over DNS",
    category: "Exfiltration",
    mitre: ["T1048.003"],
    detectionSource: "WindowsDefenderAtp",
    evidence: ["Process", "Ip", "Url"],
    description: "Unusually long DNS queries suggest data being smuggled out of the network.",
  },
  {
    title: "Potentially unwanted application detected",
    category: "UnwantedSoftware",
    mitre: [],
    detectionSource: "WindowsDefenderAv",
    threatFamilyName: "BrowseFox",
    evidence: ["File"],
    description: "Software that may degrade performance or show unwanted ads was found.",
  },
  {
    title: "Custom detection: rare process contacting external host",
    category: "SuspiciousActivity",
    mitre: ["T1071"],
    detectionSource: "CustomDetection",
    evidence: ["Process", "Ip"],
    description: "A custom detection rule matched a rarely seen process making an outbound connection.",
  },
];

const INVESTIGATION_STATES = [
  "Queued",
  "Running",
  "PendingApproval",
  "SuccessfullyRemediated",
  "Benign",
  "PartiallyRemediated",
  "TerminatedBySystem",
  "UnsupportedAlertType",
];
const DETERMINATIONS_FOR: Record<string, string[]> = {
  TruePositive: ["MultiStagedAttack", "MaliciousUserActivity", "CompromisedAccount", "Malware", "Phishing"],
  InformationalExpectedActivity: ["SecurityTesting", "LineOfBusinessApplication", "ConfirmedActivity"],
  FalsePositive: ["NotMalicious", "InsufficientData", "Other"],
};
const PROCESSES = [
  { name: "powershell.exe", path: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0" },
  { name: "rundll32.exe", path: "C:\\Windows\\System32" },
  { name: "cmd.exe", path: "C:\\Windows\\System32" },
  { name: "mshta.exe", path: "C:\\Windows\\System32" },
  { name: "schtasks.exe", path: "C:\\Windows\\System32" },
  { name: "svch0st.exe", path: "C:\\Users\\Public" },
  { name: "update.exe", path: "C:\\ProgramData\\Updater" },
];
const ANALYST_NOTES = [
  "Isolated the device while we check the other hosts of this user.",
  "Known admin script, confirmed with the owner.",
  "Blocked the indicator at the proxy; reimage scheduled.",
  "Same activity as last week's incident, linking them.",
  "Password reset done, user informed.",
];
const PARENTS = ["explorer.exe", "winword.exe", "outlook.exe", "services.exe", "wmiprvse.exe"];

export const ALL_ROLES = [
  "Alert.Read.All",
  "Alert.ReadWrite.All",
  "Ip.Read.All",
  "URL.Read.All",
  "File.Read.All",
  "User.Read.All",
  "Machine.Read.All",
];

export interface SimApp {
  clientId: string;
  secret: string;
  displayName: string;
  roles: string[];
}

export interface IssuedToken {
  clientId: string;
  roles: string[];
  expiresAt: number;
}

export type Json = Record<string, unknown>;

/** One alert plus what its related-entity endpoints answer. */
export interface SimAlert {
  /** The alert as the API sends it; 2019 alerts have no `evidence` (and published ones may lack `comments`). */
  alert: Json & { id: string; evidence?: Json[]; comments?: Json[] };
  createdMs: number;
  ips: string[];
  domains: string[];
  fileSha1s: string[];
  userId: string | null;
}

/** `2021-01-26T20:33:57.7220239Z`: Defender's event and creation times carry 7 fractional digits. */
function ticksIso(ms: number, extra: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(extra).padStart(4, "0")}Z`;
}

/**
 * `2021-01-26T20:33:59.2Z`, `2019-09-01T13:13:29.0566667Z`: lastUpdateTime and evidenceCreationTime
 * are SQL `datetime` values (steps of 1/300 s) printed with 7 digits and trailing zeros cut, so they
 * carry 0 to 7 fractional digits.
 */
export function datetimeIso(ms: number): string {
  const second = Math.floor(ms / 1000) * 1000;
  const steps = Math.floor(((ms - second) * 3) / 10);
  const fraction = String(Math.round((steps * 10_000_000) / 300))
    .padStart(7, "0")
    .replace(/0+$/, "");
  return `${new Date(second).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}

/** Fields of current alerts that 2019 tenants did not send. */
const CURRENT_ONLY = [
  "detectorId",
  "threatName",
  "computerDnsName",
  "rbacGroupName",
  "aadTenantId",
  "mitreTechniques",
  "relatedUser",
  "evidence",
];

/** A whole Defender tenant: its apps, devices, users, files and alerts, and the tokens it issued. */
export class DefenderState {
  readonly faker: Faker;
  readonly now: () => number;
  readonly tenantId: string;
  readonly domain: string;
  readonly netbios: string;
  readonly apps: SimApp[];
  readonly machines = new Map<
    string,
    Json & { id: string; computerDnsName: string; rbacGroupName: string }
  >();
  readonly users = new Map<string, Json & { id: string; accountName: string; accountDomain: string }>();
  readonly userDetails = new Map<string, { sid: string; aadUserId: string; upn: string }>();
  readonly files = new Map<string, Json & { sha1: string; sha256: string }>();
  readonly fileNames = new Map<string, { fileName: string; filePath: string }>();
  readonly alerts = new Map<string, SimAlert>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly tokenRequests = { total: 0, issued: 0, refused: 0 };
  readonly quota = new Map<
    string,
    { minute: number; minuteCount: number; hour: number; hourCount: number }
  >();
  unauthorizedReplies = 0;
  /** An older tenant: alerts in the 2019 shape (see `DefenderSimulatorOptions.legacyTenant`). */
  readonly legacy: boolean;
  readonly #signingKey: string;

  constructor(seed: number, now: () => number = Date.now, options: { legacy?: boolean } = {}) {
    this.legacy = options.legacy === true;
    const f = new Faker({ locale: [en, base], seed });
    this.faker = f;
    this.now = now;
    this.tenantId = f.string.uuid();
    const company =
      f.company
        .buzzNoun()
        .toLowerCase()
        .replace(/[^a-z]/g, "") || "contoso";
    this.domain = `${company}.com`;
    this.netbios = company.toUpperCase().slice(0, 15);
    this.#signingKey = f.string.alphanumeric(32);
    const secret = () => `${f.string.alphanumeric(3)}8Q~${f.string.alphanumeric(34)}`;
    this.apps = [
      { clientId: f.string.uuid(), secret: secret(), displayName: "Rampart SOAR", roles: [...ALL_ROLES] },
      {
        clientId: f.string.uuid(),
        secret: secret(),
        displayName: "SIEM export (read-only)",
        roles: ["Alert.Read.All", "Ip.Read.All"],
      },
    ];
    const groups = ["Workstations", "Servers", "Finance", "Engineering", "Executives"];
    for (let i = 0; i < 14; i++) this.#addMachine(f.helpers.arrayElement(groups));
    for (let i = 0; i < 18; i++) this.#addUser();
  }

  #iso(ms: number): string {
    return ticksIso(ms, this.faker.number.int({ min: 0, max: 9999 }));
  }

  #addMachine(group: string): void {
    const f = this.faker;
    const platform = f.helpers.weightedArrayElement([
      { weight: 5, value: { os: "Windows11", version: "23H2", build: 22631 } },
      { weight: 4, value: { os: "Windows10", version: "22H2", build: 19045 } },
      { weight: 2, value: { os: "WindowsServer2022", version: "21H2", build: 20348 } },
      { weight: 1, value: { os: "WindowsServer2019", version: "1809", build: 17763 } },
      { weight: 1, value: { os: "Linux", version: "22.04", build: 0 } },
    ]);
    const prefix = platform.os.startsWith("WindowsServer") ? "srv" : platform.os === "Linux" ? "lnx" : "wks";
    const name = `${prefix}-${f.word
      .noun()
      .toLowerCase()
      .replace(/[^a-z]/g, "")}${f.number.int({ min: 1, max: 99 })}`;
    const mac = f.internet.mac({ separator: "" }).toUpperCase();
    const lastIp = f.internet.ipv4({ network: "private-a" });
    const nowMs = this.now();
    const id = f.string.hexadecimal({ length: 40, casing: "lower", prefix: "" });
    this.machines.set(id, {
      id,
      computerDnsName: `${name}.${this.domain}`,
      firstSeen: this.#iso(nowMs - f.number.int({ min: 90, max: 900 }) * 86_400_000),
      lastSeen: this.#iso(nowMs - f.number.int({ min: 0, max: 36 }) * 3_600_000),
      osPlatform: platform.os,
      osProcessor: "x64",
      version: platform.version,
      lastIpAddress: lastIp,
      lastExternalIpAddress: f.internet.ipv4(),
      agentVersion: `10.8${f.number.int({ min: 600, max: 799 })}.${platform.build || 22000}.${f.number.int({ min: 1000, max: 9999 })}`,
      osBuild: platform.build || null,
      healthStatus: f.helpers.weightedArrayElement([
        { weight: 8, value: "Active" },
        { weight: 1, value: "Inactive" },
        { weight: 1, value: "ImpairedCommunication" },
      ]),
      deviceValue: f.helpers.weightedArrayElement([
        { weight: 6, value: "Normal" },
        { weight: 1, value: "High" },
        { weight: 1, value: "Low" },
      ]),
      rbacGroupId: rbacGroupId(group),
      rbacGroupName: group,
      riskScore: f.helpers.arrayElement(["None", "Low", "Medium", "High"]),
      exposureLevel: f.helpers.arrayElement(["Low", "Medium", "High"]),
      isAadJoined: platform.os.startsWith("Windows1"),
      aadDeviceId: platform.os.startsWith("Windows1") ? f.string.uuid() : null,
      machineTags: f.helpers.arrayElements(["VIP", "PCI", "Pilot", "Kiosk", "Legacy"], { min: 0, max: 2 }),
      ipAddresses: [
        { ipAddress: lastIp, macAddress: mac, type: "Ethernet", operationalStatus: "Up" },
        { ipAddress: f.internet.ipv6(), macAddress: mac, type: "Ethernet", operationalStatus: "Up" },
      ],
    });
  }

  #addUser(): void {
    const f = this.faker;
    const first = f.person.firstName();
    const last = f.person.lastName();
    const accountName = `${first[0]}${last}`.toLowerCase().replace(/[^a-z]/g, "");
    const id = `${this.netbios.toLowerCase()}\\${accountName}`;
    if (this.users.has(id)) return;
    const machineIds = [...this.machines.keys()];
    const nowMs = this.now();
    const sid = `S-1-5-21-${f.number.int({ min: 10_000_000, max: 99_999_999 })}-${f.number.int({ min: 1_000_000_000, max: 1_999_999_999 })}-${f.number.int({ min: 100_000_000, max: 999_999_999 })}-${f.number.int({ min: 1100, max: 99_999 })}`;
    this.users.set(id, {
      id,
      accountName,
      accountDomain: this.netbios.toLowerCase(),
      accountSid: sid,
      firstSeen: `${new Date(nowMs - f.number.int({ min: 30, max: 400 }) * 86_400_000).toISOString().slice(0, 19)}Z`,
      lastSeen: `${new Date(nowMs - f.number.int({ min: 0, max: 72 }) * 3_600_000).toISOString().slice(0, 19)}Z`,
      mostPrevalentMachineId: f.helpers.arrayElement(machineIds),
      leastPrevalentMachineId: f.helpers.arrayElement(machineIds),
      logonTypes: f.helpers.arrayElement([
        "Interactive",
        "Network",
        "RemoteInteractive",
        "Interactive, Network",
      ]),
      logOnMachinesCount: f.number.int({ min: 1, max: 6 }),
      isDomainAdmin: f.datatype.boolean({ probability: 0.1 }),
      isOnlyNetworkUser: f.datatype.boolean({ probability: 0.1 }),
    });
    this.userDetails.set(id, {
      sid,
      aadUserId: f.string.uuid(),
      upn: `${first}.${last}@${this.domain}`.toLowerCase().replace(/[^a-z0-9.@-]/g, ""),
    });
  }

  #file(name: string, path: string, malicious: boolean): string {
    const f = this.faker;
    const sha1 = f.string.hexadecimal({ length: 40, casing: "lower", prefix: "" });
    const signed = !malicious && f.datatype.boolean({ probability: 0.7 });
    const firstSeen = this.now() - f.number.int({ min: 1, max: 700 }) * 86_400_000;
    this.files.set(sha1, {
      sha1,
      sha256: f.string.hexadecimal({ length: 64, casing: "lower", prefix: "" }),
      md5: f.string.hexadecimal({ length: 32, casing: "lower", prefix: "" }),
      globalPrevalence: malicious
        ? f.number.int({ min: 1, max: 40 })
        : f.number.int({ min: 1000, max: 9_000_000 }),
      globalFirstObserved: this.#iso(firstSeen),
      globalLastObserved: this.#iso(this.now() - f.number.int({ min: 0, max: 48 }) * 3_600_000),
      size: f.number.int({ min: 8_192, max: 12_000_000 }),
      fileType: null,
      isPeFile: /\.(exe|dll|sys)$/i.test(name),
      filePublisher: signed ? "Microsoft Corporation" : null,
      fileProductName: signed ? "Microsoft® Windows® Operating System" : null,
      signer: signed ? "Microsoft Windows" : null,
      issuer: signed ? "Microsoft Windows Production PCA 2011" : null,
      signerHash: signed ? f.string.hexadecimal({ length: 40, casing: "lower", prefix: "" }) : null,
      isValidCertificate: signed ? true : null,
      determinationType: malicious ? "Malware" : "Unknown",
      determinationValue: malicious
        ? f.helpers.arrayElement(["Trojan:Win32/Wacatac", "HackTool:Win32/Mimikatz", "Ransom:Win32/LockBit"])
        : null,
    });
    this.fileNames.set(sha1, { fileName: name, filePath: path });
    return sha1;
  }

  /** Adds `count` alerts raised over the last `spanDays` days. */
  generate(count: number, spanDays = 30): SimAlert[] {
    const f = this.faker;
    const created: SimAlert[] = [];
    const machineIds = [...this.machines.keys()];
    const userIds = [...this.users.keys()];
    for (let n = 0; n < count; n++) {
      const t = f.helpers.arrayElement(TEMPLATES);
      const machine = this.machines.get(f.helpers.arrayElement(machineIds))!;
      const userId = f.datatype.boolean({ probability: 0.85 }) ? f.helpers.arrayElement(userIds) : null;
      const user = userId ? this.users.get(userId)! : undefined;
      const createdMs = this.now() - f.number.int({ min: 60_000, max: spanDays * 86_400_000 });
      const firstEvent = createdMs - f.number.int({ min: 5_000, max: 600_000 });
      const lastEvent = firstEvent + f.number.int({ min: 0, max: 4_000 });
      const status = f.helpers.weightedArrayElement([
        { weight: 5, value: "New" },
        { weight: 3, value: "InProgress" },
        { weight: 2, value: "Resolved" },
      ]);
      const severity = f.helpers.weightedArrayElement([
        { weight: 1, value: "Informational" },
        { weight: 3, value: "Low" },
        { weight: 4, value: "Medium" },
        { weight: 2, value: "High" },
      ]);
      const classification =
        status === "Resolved"
          ? f.helpers.arrayElement(Object.keys(DETERMINATIONS_FOR))
          : (f.helpers.maybe(() => "TruePositive", { probability: 0.15 }) ?? null);
      const determination =
        status === "Resolved" && classification
          ? f.helpers.arrayElement(DETERMINATIONS_FOR[classification]!)
          : null;
      const updatedMs = Math.min(this.now(), createdMs + f.number.int({ min: 1_000, max: 3 * 3_600_000 }));
      const evidence: Json[] = [];
      const ips: string[] = [];
      const domains: string[] = [];
      const fileSha1s: string[] = [];
      const evidenceTime = datetimeIso(createdMs + f.number.int({ min: 200, max: 1_500 }));
      for (const kind of t.evidence) {
        if (kind === "User" && user) {
          const details = this.userDetails.get(user.id)!;
          evidence.push(
            evidenceOf("User", evidenceTime, {
              accountName: user.accountName,
              domainName: this.netbios,
              userSid: details.sid,
              aadUserId: details.aadUserId,
              userPrincipalName: details.upn,
            }),
          );
        } else if (kind === "Process" || kind === "File") {
          const proc = kind === "Process" ? f.helpers.arrayElement(PROCESSES) : undefined;
          const name =
            proc?.name ??
            f.helpers.arrayElement([
              `${f.word.noun().toLowerCase()}.dll`,
              `${f.word.verb().toLowerCase()}.exe`,
              "invoice.docm",
              "payload.ps1",
            ]);
          const path =
            proc?.path ??
            f.helpers.arrayElement(["c:\\temp", "C:\\Users\\Public\\Downloads", "C:\\ProgramData"]);
          const sha1 = this.#file(
            name,
            path,
            kind === "File" || path.includes("Public") || path.includes("ProgramData"),
          );
          fileSha1s.push(sha1);
          const file = this.files.get(sha1)!;
          const extra: Json = {
            sha1,
            sha256: file.sha256,
            fileName: name,
            filePath: path,
            detectionStatus: f.helpers.arrayElement(["Detected", "Blocked", "Prevented"]),
          };
          if (proc) {
            const cmd =
              proc.name === "powershell.exe"
                ? `powershell.exe -nop -w hidden -enc ${Buffer.from(f.lorem.words(4)).toString("base64")}`
                : `${proc.name} ${f.system.filePath().replaceAll("/", "\\")}`;
            const parent = f.helpers.arrayElement(PARENTS);
            Object.assign(extra, {
              processId: f.number.int({ min: 400, max: 20_000 }),
              processCommandLine: cmd,
              processCreationTime: this.#iso(firstEvent),
              parentProcessId: f.number.int({ min: 400, max: 20_000 }),
              parentProcessCreationTime: this.#iso(firstEvent - 30_000),
              parentProcessFileName: parent,
              parentProcessFilePath:
                parent === "services.exe" || parent === "wmiprvse.exe"
                  ? "C:\\Windows\\System32"
                  : "C:\\Program Files\\Microsoft Office\\root\\Office16",
            });
          }
          evidence.push(evidenceOf(kind, evidenceTime, extra));
        } else if (kind === "Ip") {
          const count = f.number.int({ min: 1, max: 3 });
          for (let i = 0; i < count; i++) {
            const ip = f.helpers.weightedArrayElement([
              { weight: 3, value: () => f.internet.ipv4() },
              { weight: 1, value: () => f.internet.ipv6() },
            ])();
            if (ips.includes(ip)) continue;
            ips.push(ip);
            evidence.push(evidenceOf("Ip", evidenceTime, { ipAddress: ip, detectionStatus: null }));
          }
        } else if (kind === "Url") {
          const host = f.helpers.weightedArrayElement([
            { weight: 3, value: () => f.internet.domainName() },
            {
              weight: 1,
              value: () =>
                `${f.string.alphanumeric({ length: 10, casing: "lower" })}.${f.helpers.arrayElement(["xyz", "top", "ru", "click"])}`,
            },
          ])();
          if (!domains.includes(host)) domains.push(host);
          evidence.push(
            evidenceOf("Url", evidenceTime, {
              url: `https://${host}/${f.system.commonFileName("php")}`,
              detectionStatus: null,
            }),
          );
        }
      }
      const ticks =
        (BigInt(createdMs) + 62_135_596_800_000n) * 10_000n + BigInt(f.number.int({ min: 0, max: 9999 }));
      const id = `da${ticks}_${f.number.int({ min: -2_147_483_648, max: 2_147_483_647 })}`;
      const alert: SimAlert["alert"] = {
        id,
        incidentId: f.number.int({ min: 1000, max: 99_999 }),
        investigationId:
          f.helpers.maybe(() => f.number.int({ min: 100_000, max: 999_999 }), { probability: 0.6 }) ?? null,
        assignedTo: status === "New" ? null : `${f.person.firstName().toLowerCase()}@${this.domain}`,
        severity,
        status,
        classification,
        determination,
        investigationState: f.helpers.arrayElement(INVESTIGATION_STATES),
        detectionSource: t.detectionSource,
        detectorId: f.string.uuid(),
        category: t.category,
        threatFamilyName: t.threatFamilyName ?? null,
        threatName: t.threatFamilyName
          ? `${t.category === "Ransomware" ? "Ransom" : "Trojan"}:Win32/${t.threatFamilyName}`
          : null,
        title: t.title,
        description: t.description,
        alertCreationTime: this.#iso(createdMs),
        firstEventTime: this.#iso(firstEvent),
        lastEventTime: this.#iso(lastEvent),
        lastUpdateTime: datetimeIso(updatedMs),
        resolvedTime: status === "Resolved" ? this.#iso(updatedMs) : null,
        machineId: machine.id,
        computerDnsName: machine.computerDnsName,
        rbacGroupName: machine.rbacGroupName,
        aadTenantId: this.tenantId,
        mitreTechniques: [...t.mitre],
        relatedUser: user ? { userName: user.accountName, domainName: this.netbios } : null,
        comments: [],
        evidence,
      };
      // Triaged alerts often carry a note from whoever works them.
      if (alert.assignedTo && f.datatype.boolean({ probability: 0.4 })) {
        alert.comments!.push({
          comment: f.helpers.arrayElement(ANALYST_NOTES),
          createdBy: alert.assignedTo,
          createdTime: this.#iso(Math.min(this.now(), updatedMs)),
        });
      }
      if (this.legacy) this.#legacyShape(alert);
      const entry: SimAlert = { alert, createdMs, ips, domains, fileSha1s, userId };
      this.alerts.set(id, entry);
      created.push(entry);
    }
    return created;
  }

  /** Rewrites a current alert into what a 2019 tenant sent (the related-entity endpoints still answer). */
  #legacyShape(alert: SimAlert["alert"]): void {
    for (const key of CURRENT_ONLY) delete alert[key];
    if (alert.detectionSource === "CustomerTI") {
      alert.category = "null";
      alert.investigationState = "UnsupportedAlertType";
      alert.investigationId = null;
    }
    const comments = alert.comments;
    delete alert.comments;
    Object.assign(alert, { alertUser: null, comments, alertFiles: [], alertDomains: [], alertIps: [] });
  }

  /** Adds an alert exactly as given (a published record); its IP and Url evidence feed `/ips` and `/domains`. */
  load(raw: unknown): SimAlert {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      throw new TypeError("an alert must be a JSON object");
    const alert = structuredClone(raw) as SimAlert["alert"];
    if (typeof alert.id !== "string" || !/^[A-Za-z0-9_-]+$/.test(alert.id))
      throw new TypeError("an alert needs a string id of letters, digits, _ and -");
    const evidence = Array.isArray(alert.evidence) ? alert.evidence : [];
    const strings = (kind: string, key: string) =>
      evidence.filter((e) => e.entityType === kind && typeof e[key] === "string").map((e) => String(e[key]));
    const created = Date.parse(String(alert.alertCreationTime));
    const entry: SimAlert = {
      alert,
      createdMs: Number.isNaN(created) ? this.now() : created,
      ips: [...new Set(strings("Ip", "ipAddress"))],
      domains: [...new Set(strings("Url", "url").map((url) => URL.parse(url)?.hostname ?? url))],
      fileSha1s: [],
      userId: null,
    };
    this.alerts.set(alert.id, entry);
    return entry;
  }

  /** An Entra ID v2 access token: a JWT signed by the simulator, carrying the app's roles. */
  issueToken(app: SimApp, audience: string, lifetimeS: number): string {
    const nowS = Math.floor(this.now() / 1000);
    const header = { typ: "JWT", alg: "HS256" };
    const payload = {
      aud: audience,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat: nowS,
      nbf: nowS,
      exp: nowS + lifetimeS,
      appid: app.clientId,
      app_displayname: app.displayName,
      roles: app.roles,
      tid: this.tenantId,
      oid: this.faker.string.uuid(),
      ver: "1.0",
    };
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const unsigned = `${part(header)}.${part(payload)}`;
    const signature = createHmac("sha256", this.#signingKey).update(unsigned).digest("base64url");
    const token = `${unsigned}.${signature}`;
    this.tokens.set(token, {
      clientId: app.clientId,
      roles: app.roles,
      expiresAt: this.now() + lifetimeS * 1000,
    });
    return token;
  }

  /** Every token issued so far stops working (the `expire-tokens` fault). */
  expireTokens(): number {
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, this.now());
    return this.tokens.size;
  }

  /** Applies an update the way `PATCH /api/alerts/{id}` does; bumps lastUpdateTime. */
  update(entry: SimAlert, changes: Record<string, string>, author: string): void {
    const alert = entry.alert;
    const nowIso = this.#iso(this.now());
    if (changes.status !== undefined && changes.status !== alert.status) {
      alert.status = changes.status;
      alert.resolvedTime = changes.status === "Resolved" ? nowIso : null;
    }
    for (const key of ["assignedTo", "classification", "determination"]) {
      if (changes[key] !== undefined) alert[key] = changes[key];
    }
    if (changes.comment !== undefined) {
      alert.comments ??= [];
      alert.comments.push({ comment: changes.comment, createdBy: author, createdTime: nowIso });
    }
    alert.lastUpdateTime = datetimeIso(this.now());
  }
}

function rbacGroupId(name: string): number {
  return ["Workstations", "Servers", "Finance", "Engineering", "Executives"].indexOf(name) + 101;
}

const EVIDENCE_FIELDS = [
  "sha1",
  "sha256",
  "fileName",
  "filePath",
  "processId",
  "processCommandLine",
  "processCreationTime",
  "parentProcessId",
  "parentProcessCreationTime",
  "parentProcessFileName",
  "parentProcessFilePath",
  "ipAddress",
  "url",
  "registryKey",
  "registryHive",
  "registryValueType",
  "registryValue",
  "accountName",
  "domainName",
  "userSid",
  "aadUserId",
  "userPrincipalName",
  "detectionStatus",
];

/** Evidence rows carry every field, null where it does not apply, as the API returns them. */
function evidenceOf(entityType: string, time: string, values: Json): Json {
  const row: Json = { entityType, evidenceCreationTime: time };
  for (const key of EVIDENCE_FIELDS) row[key] = values[key] ?? null;
  return row;
}
