// Ids and captions of the OCSF 1.8.0 enums Rampart's normalizers use. enums.test.ts checks every
// entry against the shipped schema bundle, so a typo or a schema change fails the tests.

export const OCSF_VERSION = "1.8.0";

export const DETECTION_FINDING = {
  class_uid: 2004,
  class_name: "Detection Finding",
  category_uid: 2,
  category_name: "Findings",
} as const;

/** Detection Finding activity_id → activity_name. */
export const ACTIVITY = { 0: "Unknown", 1: "Create", 2: "Update", 3: "Close", 99: "Other" } as const;
export type ActivityId = keyof typeof ACTIVITY;
export const ACTIVITY_ID = { Unknown: 0, Create: 1, Update: 2, Close: 3, Other: 99 } as const;

/** severity_id → severity. */
export const SEVERITY = {
  0: "Unknown",
  1: "Informational",
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
  6: "Fatal",
  99: "Other",
} as const;
export type SeverityId = keyof typeof SEVERITY;
export const SEVERITY_ID = {
  Unknown: 0,
  Informational: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
  Fatal: 6,
  Other: 99,
} as const;

/** Detection Finding status_id → status. */
export const STATUS = {
  0: "Unknown",
  1: "New",
  2: "In Progress",
  3: "Suppressed",
  4: "Resolved",
  5: "Archived",
  6: "Deleted",
  99: "Other",
} as const;
export type StatusId = keyof typeof STATUS;
export const STATUS_ID = {
  Unknown: 0,
  New: 1,
  InProgress: 2,
  Suppressed: 3,
  Resolved: 4,
  Archived: 5,
  Deleted: 6,
  Other: 99,
} as const;

/** confidence_id → confidence. */
export const CONFIDENCE = { 0: "Unknown", 1: "Low", 2: "Medium", 3: "High", 99: "Other" } as const;
export type ConfidenceId = keyof typeof CONFIDENCE;

/** observable.type_id → observable.type. */
export const OBSERVABLE_TYPE = {
  0: "Unknown",
  1: "Hostname",
  2: "IP Address",
  3: "MAC Address",
  4: "User Name",
  5: "Email Address",
  6: "URL String",
  7: "File Name",
  8: "Hash",
  9: "Process Name",
  10: "Resource UID",
  11: "Port",
  12: "Subnet",
  13: "Command Line",
  14: "Country",
  15: "Process ID",
  16: "HTTP User-Agent",
  17: "CWE Object: uid",
  18: "CVE Object: uid",
  19: "User Credential ID",
  20: "Endpoint",
  21: "User",
  22: "Email",
  23: "Uniform Resource Locator",
  24: "File",
  25: "Process",
  26: "Geo Location",
  27: "Container",
  28: "Registry Key",
  29: "Registry Value",
  30: "Fingerprint",
  31: "User Object: uid",
  32: "Group Object: name",
  33: "Group Object: uid",
  34: "Account Object: name",
  35: "Account Object: uid",
  36: "Script Content",
  37: "Serial Number",
  38: "Resource Details Object: name",
  39: "Process Entity Object: uid",
  40: "Email Object: subject",
  41: "Email Object: uid",
  42: "Message UID",
  43: "Registry Value Object: name",
  44: "Advisory Object: uid",
  45: "File Path",
  46: "Registry Key Path",
  47: "Device Object: uid",
  48: "Network Endpoint Object: uid",
  99: "Other",
} as const;
export type ObservableTypeId = keyof typeof OBSERVABLE_TYPE;
export const OBSERVABLE_TYPE_ID = {
  Hostname: 1,
  IpAddress: 2,
  MacAddress: 3,
  UserName: 4,
  EmailAddress: 5,
  UrlString: 6,
  FileName: 7,
  Hash: 8,
  ProcessName: 9,
  ResourceUid: 10,
  Port: 11,
  Subnet: 12,
  CommandLine: 13,
  Country: 14,
  ProcessId: 15,
  HttpUserAgent: 16,
  Endpoint: 20,
  User: 21,
  UniformResourceLocator: 23,
  File: 24,
  Process: 25,
  Fingerprint: 30,
  UserUid: 31,
  FilePath: 45,
  DeviceUid: 47,
  NetworkEndpointUid: 48,
  Other: 99,
} as const;

/** device.type_id → device.type (network_endpoint.type_id shares the list). */
export const DEVICE_TYPE = {
  0: "Unknown",
  1: "Server",
  2: "Desktop",
  3: "Laptop",
  4: "Tablet",
  5: "Mobile",
  6: "Virtual",
  7: "IOT",
  8: "Browser",
  9: "Firewall",
  10: "Switch",
  11: "Hub",
  12: "Router",
  13: "IDS",
  14: "IPS",
  15: "Load Balancer",
  99: "Other",
} as const;
export type DeviceTypeId = keyof typeof DEVICE_TYPE;

/** analytic.type_id → analytic.type (the first entries; enums.test.ts checks them). */
export const ANALYTIC_TYPE = {
  0: "Unknown",
  1: "Rule",
  2: "Behavioral",
  3: "Statistical",
  4: "Learning (ML/DL)",
  5: "Fingerprinting",
  6: "Tagging",
  7: "Keyword Match",
  99: "Other",
} as const;
export type AnalyticTypeId = keyof typeof ANALYTIC_TYPE;

/** file.type_id → file.type (the common entries). */
export const FILE_TYPE = { 0: "Unknown", 1: "Regular File", 2: "Folder", 99: "Other" } as const;
export type FileTypeId = keyof typeof FILE_TYPE;
