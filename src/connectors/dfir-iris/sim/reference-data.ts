/** Stock reference data of a fresh IRIS install (a representative part of its IOC types). */

export const PERMISSIONS = {
  standard_user: 1,
  server_administrator: 2,
  alerts_read: 4,
  alerts_write: 8,
  alerts_delete: 16,
  search_across_cases: 32,
  customers_read: 64,
  customers_write: 128,
  case_templates_read: 256,
  case_templates_write: 512,
  activities_read: 1024,
  all_activities_read: 2048,
} as const;
export type PermissionName = keyof typeof PERMISSIONS;

export const FULL_PERMISSIONS = Object.values(PERMISSIONS).reduce((a, b) => a | b, 0);
export const ANALYST_PERMISSIONS =
  PERMISSIONS.standard_user |
  PERMISSIONS.alerts_read |
  PERMISSIONS.alerts_write |
  PERMISSIONS.search_across_cases |
  PERMISSIONS.customers_read |
  PERMISSIONS.activities_read;

/** Case access levels (a bit each). */
export const ACCESS = { deny_all: 1, read_only: 2, full_access: 4 } as const;

export const ASSET_TYPES: Array<[name: string, description: string, icon: string]> = [
  ["Account", "Generic Account", "user.png"],
  ["Firewall", "Firewall", "firewall.png"],
  ["Linux - Server", "Linux server", "server.png"],
  ["Linux - Computer", "Linux computer", "desktop.png"],
  ["Linux Account", "Linux Account", "user.png"],
  ["Mac - Computer", "Mac computer", "desktop.png"],
  ["Phone - Android", "Android Phone", "phone.png"],
  ["Phone - IOS", "Apple Phone", "phone.png"],
  ["Windows - Computer", "Standard Windows Computer", "windows_desktop.png"],
  ["Windows - Server", "Standard Windows Server", "windows_server.png"],
  ["Windows - DC", "Domain Controller", "windows_server.png"],
  ["Router", "Router", "router.png"],
  ["Switch", "Switch", "switch.png"],
  ["VPN", "VPN", "vpn.png"],
  ["WAF", "WAF", "firewall.png"],
  ["Windows Account - Local", "Windows Account - Local", "user.png"],
  ["Windows Account - Local - Admin", "Windows Account - Local - Admin", "user.png"],
  ["Windows Account - AD", "Windows Account - AD", "user.png"],
  ["Windows Account - AD - Admin", "Windows Account - AD - Admin", "user.png"],
  ["Windows Account - AD - krbtgt", "Windows Account - AD - krbtgt", "user.png"],
  ["Windows Account - AD - Service", "Windows Account - AD - krbtgt", "user.png"],
];

const hex = (n: number) => [`[a-f0-9]{${n}}`, `${n} hexadecimal characters`] as const;
const fileHex = (n: number) => [`.+\\|[a-f0-9]{${n}}`, `filename|${n} hexadecimal characters`] as const;

export const IOC_TYPES: Array<[name: string, description: string, validation?: readonly [string, string]]> = [
  ["AS", "Autonomous system"],
  ["aba-rtn", "ABA routing transit number"],
  ["account", "Account of any type"],
  ["anonymised", "Anonymised value - described with the anonymisation object via a relationship"],
  ["attachment", "Attachment with external information"],
  ["authentihash", "Authenticode executable signature hash", hex(64)],
  ["btc", "Bitcoin Address"],
  ["campaign-id", "Associated campaign ID"],
  ["campaign-name", "Associated campaign name"],
  ["cookie", "HTTP cookie as often stored on the user web client"],
  ["domain", "A domain name used in the malware"],
  ["domain|ip", "A domain name and its IP address (as found in DNS lookup) separated by a |"],
  ["email", "An e-mail address"],
  ["email-attachment", "File name of the email attachment."],
  ["email-dst", "The destination email address. Used to describe the recipient when describing an e-mail."],
  ["email-src", "The source email address. Used to describe the sender when describing an e-mail."],
  ["email-subject", "The subject of the email"],
  ["filename", "Filename"],
  ["filename|md5", "A filename and an md5 hash separated by a |", fileHex(32)],
  ["filename|sha1", "A filename and an sha1 hash separated by a |", fileHex(40)],
  ["filename|sha256", "A filename and an sha256 hash separated by a |", fileHex(64)],
  ["git-commit-id", "A git commit ID.", hex(40)],
  ["hostname", "A full host/dnsname of an attacker"],
  ["hostname|port", "Hostname and port number separated by a |"],
  ["imphash", "Import hash - a hash created based on the imports in the sample.", hex(32)],
  ["ip-any", "A source or destination IP address of the attacker or C&C server"],
  ["ip-dst", "A destination IP address of the attacker or C&C server"],
  ["ip-dst|port", "IP destination and port number separated by a |"],
  ["ip-src", "A source IP address of the attacker"],
  ["ip-src|port", "IP source and port number separated by a |"],
  ["ja3-fingerprint-md5", "JA3 is a method for creating SSL/TLS client fingerprints.", hex(32)],
  ["jarm-fingerprint", "JARM is a method for creating SSL/TLS server fingerprints.", hex(62)],
  ["mac-address", "Mac address"],
  ["md5", "A checksum in md5 format", hex(32)],
  ["mutex", "Mutex, use the format \\BaseNamedObjects<Mutex>"],
  ["named pipe", "Named pipe, use the format .\\pipe<PipeName>"],
  ["regkey", "Registry key or value"],
  ["regkey|value", "Registry value + data separated by |"],
  ["sha1", "A checksum in sha1 format", hex(40)],
  ["sha224", "A checksum in sha-224 format", hex(56)],
  ["sha256", "A checksum in sha256 format", hex(64)],
  ["sha512", "A checksum in sha512 format", hex(128)],
  ["ssdeep", "A checksum in ssdeep format"],
  ["url", "url"],
  ["user-agent", "The user-agent used by the malware in the HTTP request."],
  ["vulnerability", "A reference to the vulnerability used in the exploit"],
  ["windows-service-name", "A windows service name."],
  ["yara", "Yara signature"],
  ["other", "Other attribute"],
];

export const TLPS: Array<[name: string, bscolor: string]> = [
  ["red", "danger"],
  ["amber", "warning"],
  ["green", "success"],
  ["clear", "black"],
  ["amber+strict", "warning"],
];

export const TASK_STATUSES: Array<[name: string, bscolor: string]> = [
  ["To do", "danger"],
  ["In progress", "warning"],
  ["On hold", "muted"],
  ["Done", "success"],
  ["Canceled", "muted"],
];

/** Case states, by id (Open is 3, Closed 9). */
export const CASE_STATES = [
  "Unspecified",
  "In progress",
  "Open",
  "Containment",
  "Eradication",
  "Recovery",
  "Post-Incident",
  "Reporting",
  "Closed",
];

/** Alert statuses (IRIS 2.4), by id, with their descriptions. */
export const ALERT_STATUSES: Array<[name: string, description: string]> = [
  ["Unspecified", "Unspecified"],
  ["New", "Alert is new and unassigned"],
  ["Assigned", "Alert is assigned to a user and pending investigation"],
  ["In progress", "Alert is being investigated"],
  ["Pending", "Alert is in a pending state"],
  ["Closed", "Alert closed, no action taken"],
  ["Merged", "Alert merged into an existing case"],
  ["Escalated", "Alert converted to a new case"],
];

/** The objects custom attributes are defined for, with the names IRIS shows. */
export const ATTRIBUTE_OBJECTS: Array<[attributeFor: string, displayName: string]> = [
  ["ioc", "IOC"],
  ["event", "Events"],
  ["asset", "Assets"],
  ["task", "Tasks"],
  ["note", "Notes"],
  ["evidence", "Evidences"],
  ["case", "Cases"],
  ["client", "Customers"],
];

export const ANALYSIS_STATUSES = ["Unspecified", "To be done", "Started", "Pending", "Canceled", "Done"];

export const EVENT_CATEGORIES = [
  "Unspecified",
  "Legitimate",
  "Remediation",
  "Initial Access",
  "Execution",
  "Persistence",
  "Privilege Escalation",
  "Defense Evasion",
  "Credential Access",
  "Discovery",
  "Lateral Movement",
  "Collection",
  "Command and Control",
  "Exfiltration",
  "Impact",
];

export const COMPROMISE_STATUSES: Array<[value: number, name: string]> = [
  [0, "To be determined"],
  [1, "Compromised"],
  [2, "Not compromised"],
  [3, "Unknown"],
];

/** Case outcome statuses: IRIS names them from its enum, so they differ between 2.0 and 2.4. */
export const OUTCOME_STATUSES: Record<"2.0" | "2.4", Array<[value: number, name: string]>> = {
  "2.4": [
    [0, "Unknown"],
    [1, "False positive"],
    [2, "True positive with impact"],
    [3, "Not applicable"],
    [4, "True positive without impact"],
  ],
  "2.0": [
    [0, "Other"],
    [1, "False positive"],
    [2, "True positive"],
    [3, "Not applicable"],
  ],
};

/** MISP classification taxonomy entries IRIS ships as case classifications (the common part). */
export const CASE_CLASSIFICATIONS: Array<[name: string, expanded: string, description: string]> = [
  ["abusive-content:spam", "Abusive-Content: Spam", "Unsolicited bulk e-mail"],
  [
    "malicious-code:virus",
    "Malicious-Code: Virus",
    "Software that is intentionally included for harmful purposes",
  ],
  ["malicious-code:worm", "Malicious-Code: Worm", "Self-propagating malicious software"],
  ["malicious-code:ransomware", "Malicious-Code: Ransomware", "Encrypts data and asks for a ransom"],
  [
    "malicious-code:trojan-malware",
    "Malicious-Code: Trojan-Malware",
    "Malicious software disguised as legitimate",
  ],
  [
    "information-gathering:scanner",
    "Information-Gathering: Scanner",
    "Attacks that send requests to a system to discover weaknesses",
  ],
  [
    "information-gathering:social-engineering",
    "Information-Gathering: Social-Engineering",
    "Gathering information from a human being",
  ],
  [
    "intrusion-attempts:exploit-known-vuln",
    "Intrusion-Attempts: Exploit-Known-Vuln",
    "An attempt to compromise a system by exploiting a known vulnerability",
  ],
  [
    "intrusion-attempts:login-attempts",
    "Intrusion-Attempts: Login-Attempts",
    "Multiple brute-force login attempts",
  ],
  [
    "intrusions:privileged-account-compromise",
    "Intrusions: Privileged-Account-Compromise",
    "Compromise of a privileged account",
  ],
  [
    "intrusions:unprivileged-account-compromise",
    "Intrusions: Unprivileged-Account-Compromise",
    "Compromise of an unprivileged account",
  ],
  ["availability:dos", "Availability: Dos", "Denial of Service attack"],
  [
    "information-content-security:unauthorised-information-access",
    "Information-Content-Security: Unauthorised-Information-Access",
    "Unauthorised access to information",
  ],
  [
    "fraud:phishing",
    "Fraud: Phishing",
    "Masquerading as another entity to persuade the user to reveal credentials",
  ],
  ["vulnerable:vulnerable-system", "Vulnerable: Vulnerable-System", "A system that is vulnerable"],
  ["other:other", "Other: Other", "All incidents which do not fit in one of the given categories"],
  ["test:test", "Test: Test", "Meant for testing"],
];

/** Modules registered on a fresh install and the manual hooks they offer, per object type. */
export const MODULES: Array<{ module_name: string; hooks: Array<[type: string, ui_name: string]> }> = [
  {
    module_name: "iris_check_module",
    hooks: ["ioc", "asset", "note", "event", "task", "evidence", "case"].map((t) => [t, `Check ${t}`]),
  },
  {
    module_name: "iris_vt_module",
    hooks: [
      ["ioc", "Get VT insight"],
      ["asset", "Get VT insight"],
    ],
  },
  { module_name: "iris_misp_module", hooks: [["ioc", "Get MISP insight"]] },
];
