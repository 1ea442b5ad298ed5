import { type TSchema, Type } from "@sinclair/typebox";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const literals = (values: readonly string[], description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  );

export const SEVERITIES = ["Unspecified", "Informational", "Low", "Medium", "High"] as const;
export const STATUSES = ["Unknown", "New", "InProgress", "Resolved"] as const;
/** Status values an update may set. */
export const SETTABLE_STATUSES = ["New", "InProgress", "Resolved"] as const;
export const CLASSIFICATIONS = ["TruePositive", "InformationalExpectedActivity", "FalsePositive"] as const;
export const DETERMINATIONS = [
  "MultiStagedAttack",
  "MaliciousUserActivity",
  "CompromisedAccount",
  "Malware",
  "Phishing",
  "UnwantedSoftware",
  "SecurityTesting",
  "LineOfBusinessApplication",
  "ConfirmedActivity",
  "NotMalicious",
  "InsufficientData",
  "Other",
] as const;
export const ENTITY_TYPES = ["User", "Process", "File", "Ip", "Url", "Registry"] as const;

/** An alert id as Defender issues it, e.g. `da637472900382838869_1364969609`. */
export const AlertId = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: "^[A-Za-z0-9_-]+$",
  description: "Alert id, e.g. da637472900382838869_1364969609",
});

const Time = Type.String({ description: "ISO-8601 UTC, 0 to 7 fractional digits" });

/**
 * What Defender's replies are known to hold, and no more: fields are optional (2019–2020 replies
 * lack mitreTechniques, investigationId, computerDnsName, evidence …), nullable fields accept
 * null, and integers may arrive as strings.
 */
const Int = Type.Union([Type.Integer(), Type.String({ pattern: "^-?\\d+$" })], {
  description: "An integer, or the same digits as a string",
});
const Maybe = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));

export const Evidence = Type.Object(
  {
    entityType: Type.String({ description: `One of ${ENTITY_TYPES.join(", ")} (more may appear)` }),
    evidenceCreationTime: Maybe(Time),
    sha1: Maybe(Type.String()),
    sha256: Maybe(Type.String()),
    fileName: Maybe(Type.String()),
    filePath: Maybe(Type.String()),
    processId: Maybe(Int),
    processCommandLine: Maybe(Type.String()),
    processCreationTime: Maybe(Time),
    parentProcessId: Maybe(Int),
    parentProcessCreationTime: Maybe(Time),
    parentProcessFileName: Maybe(Type.String()),
    parentProcessFilePath: Maybe(Type.String()),
    ipAddress: Maybe(Type.String()),
    url: Maybe(Type.String()),
    registryKey: Maybe(Type.String()),
    registryHive: Maybe(Type.String()),
    registryValueType: Maybe(Type.String()),
    registryValue: Maybe(Type.String()),
    registryValueName: Maybe(Type.String()),
    accountName: Maybe(Type.String()),
    domainName: Maybe(Type.String()),
    userSid: Maybe(Type.String()),
    aadUserId: Maybe(Type.String()),
    userPrincipalName: Maybe(Type.String()),
    detectionStatus: Maybe(Type.String()),
  },
  { additionalProperties: true },
);

export const Comment = Type.Object(
  { comment: Maybe(Type.String()), createdBy: Maybe(Type.String()), createdTime: Maybe(Time) },
  { additionalProperties: true },
);

const Account = (name: string) =>
  Type.Object(
    { [name]: Maybe(Type.String()), domainName: Maybe(Type.String()) },
    { additionalProperties: true },
  );

/** An object whose content no published reply shows (2019's legacy alertUser/alertFiles/…). */
const Opaque = Type.Object({}, { additionalProperties: true });

/** The MDE alert resource, as `GET /api/alerts` and `GET /api/alerts/{id}` return it. */
export const Alert = Type.Object(
  {
    id: Type.String(),
    incidentId: Maybe(Int),
    investigationId: Maybe(Int),
    assignedTo: Maybe(Type.String()),
    severity: Type.String({ description: SEVERITIES.join(" | ") }),
    status: Type.String({ description: STATUSES.join(" | ") }),
    classification: Maybe(Type.String()),
    determination: Maybe(Type.String()),
    investigationState: Maybe(Type.String()),
    detectionSource: Maybe(Type.String()),
    detectorId: Maybe(Type.String()),
    category: Maybe(Type.String({ description: 'A tactic name; older tenants send "null" as a string' })),
    threatFamilyName: Maybe(Type.String()),
    threatName: Maybe(Type.String()),
    title: Type.String(),
    description: Maybe(Type.String()),
    alertCreationTime: Time,
    firstEventTime: Maybe(Time),
    lastEventTime: Maybe(Time),
    lastUpdateTime: Maybe(Time),
    resolvedTime: Maybe(Time),
    machineId: Maybe(Type.String()),
    computerDnsName: Maybe(Type.String()),
    rbacGroupName: Maybe(Type.String()),
    aadTenantId: Maybe(Type.String()),
    mitreTechniques: Maybe(Type.Array(Type.String())),
    relatedUser: Maybe(Account("userName")),
    loggedOnUsers: Maybe(Type.Array(Account("accountName"))),
    comments: Maybe(Type.Array(Comment)),
    evidence: Maybe(Type.Array(Evidence)),
    alertUser: Maybe(Opaque),
    alertFiles: Maybe(Type.Array(Opaque)),
    alertDomains: Maybe(Type.Array(Opaque)),
    alertIps: Maybe(Type.Array(Opaque)),
  },
  { additionalProperties: true },
);

const collection = <T extends TSchema>(item: T) =>
  Type.Object(
    {
      "@odata.context": Type.String(),
      value: Type.Array(item),
      "@odata.nextLink": Type.Optional(Type.String()),
    },
    { additionalProperties: true },
  );

export const AlertList = collection(Alert);

export const IpList = collection(
  Type.Object({ id: Type.String({ description: "The IP address" }) }, { additionalProperties: true }),
);

export const DomainList = collection(Type.Object({ host: Type.String() }, { additionalProperties: true }));

export const FileInfo = Type.Object(
  {
    sha1: Maybe(Type.String()),
    sha256: Maybe(Type.String()),
    md5: Maybe(Type.String()),
    globalPrevalence: Maybe(Int),
    globalFirstObserved: Maybe(Time),
    globalLastObserved: Maybe(Time),
    size: Maybe(Int),
    fileType: Maybe(Type.String()),
    isPeFile: Maybe(Type.Boolean()),
    filePublisher: Maybe(Type.String()),
    fileProductName: Maybe(Type.String()),
    signer: Maybe(Type.String()),
    issuer: Maybe(Type.String()),
    signerHash: Maybe(Type.String()),
    isValidCertificate: Maybe(Type.Boolean()),
    determinationType: Maybe(Type.String()),
    determinationValue: Maybe(Type.String()),
  },
  { additionalProperties: true },
);

export const FileList = collection(FileInfo);

export const UserEntity = Type.Object(
  {
    "@odata.context": Type.Optional(Type.String()),
    id: Type.String(),
    accountName: Maybe(Type.String()),
    accountDomain: Maybe(Type.String()),
    accountSid: Maybe(Type.String()),
    firstSeen: Maybe(Time),
    lastSeen: Maybe(Time),
    mostPrevalentMachineId: Maybe(Type.String()),
    leastPrevalentMachineId: Maybe(Type.String()),
    logonTypes: Maybe(Type.String()),
    logOnMachinesCount: Maybe(Int),
    isDomainAdmin: Maybe(Type.Boolean()),
    isOnlyNetworkUser: Maybe(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const MachineEntity = Type.Object(
  {
    "@odata.context": Type.Optional(Type.String()),
    id: Type.String(),
    computerDnsName: Maybe(Type.String()),
    firstSeen: Maybe(Time),
    lastSeen: Maybe(Time),
    osPlatform: Maybe(Type.String()),
    osProcessor: Maybe(Type.String()),
    version: Maybe(Type.String()),
    lastIpAddress: Maybe(Type.String()),
    lastExternalIpAddress: Maybe(Type.String()),
    osBuild: Maybe(Int),
    healthStatus: Maybe(Type.String()),
    deviceValue: Maybe(Type.String()),
    rbacGroupName: Maybe(Type.String()),
    riskScore: Maybe(Type.String()),
    exposureLevel: Maybe(Type.String()),
    aadDeviceId: Maybe(Type.String()),
    machineTags: Maybe(Type.Array(Type.String())),
    ipAddresses: Maybe(
      Type.Array(
        Type.Object(
          {
            ipAddress: Maybe(Type.String()),
            macAddress: Maybe(Type.String()),
            operationalStatus: Maybe(Type.String()),
          },
          { additionalProperties: true },
        ),
      ),
    ),
  },
  { additionalProperties: true },
);

export const AlertIdInput = Type.Object({ id: AlertId }, { additionalProperties: false });

const DateTimeInput = (description: string) => Type.String({ format: "date-time", description });

export const ListAlertsInput = Type.Object(
  {
    filter: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4000,
        description:
          "OData $filter, e.g. \"lastUpdateTime ge 2024-01-01T00:00:00Z and severity eq 'High'\"; ANDed with the fields below",
      }),
    ),
    status: Type.Optional(literals(STATUSES, "Only alerts with this status")),
    severity: Type.Optional(literals(SEVERITIES, "Only alerts with this severity")),
    updatedSince: Type.Optional(DateTimeInput("Only alerts whose lastUpdateTime is at or after this time")),
    createdSince: Type.Optional(
      DateTimeInput("Only alerts whose alertCreationTime is at or after this time"),
    ),
    top: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: "$top: page size (max 10000)" }),
    ),
    skip: Type.Optional(Type.Integer({ minimum: 0, description: "$skip: alerts to skip" })),
    expandEvidence: Type.Optional(Type.Boolean({ description: "$expand=evidence: include each evidence" })),
  },
  { additionalProperties: false },
);

export const UpdateAlertInput = Type.Object(
  {
    id: AlertId,
    status: Type.Optional(literals(SETTABLE_STATUSES, "New status")),
    assignedTo: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: "Owner of the alert (e.g. an email)" }),
    ),
    classification: Type.Optional(literals(CLASSIFICATIONS, "Classification")),
    determination: Type.Optional(literals(DETERMINATIONS, "Determination")),
    comment: Type.Optional(
      Type.String({ minLength: 1, maxLength: 10_000, description: "Comment added to the alert" }),
    ),
  },
  { additionalProperties: false },
);
