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

const Time = Type.String({ description: "ISO-8601 UTC, up to 7 fractional digits" });

export const Evidence = Type.Object(
  {
    entityType: Type.String({ description: `One of ${ENTITY_TYPES.join(", ")} (more may appear)` }),
    evidenceCreationTime: Nullable(Time),
    sha1: Nullable(Type.String()),
    sha256: Nullable(Type.String()),
    fileName: Nullable(Type.String()),
    filePath: Nullable(Type.String()),
    processId: Nullable(Type.Integer()),
    processCommandLine: Nullable(Type.String()),
    processCreationTime: Nullable(Time),
    parentProcessId: Nullable(Type.Integer()),
    parentProcessCreationTime: Nullable(Time),
    parentProcessFileName: Nullable(Type.String()),
    parentProcessFilePath: Nullable(Type.String()),
    ipAddress: Nullable(Type.String()),
    url: Nullable(Type.String()),
    registryKey: Nullable(Type.String()),
    registryHive: Nullable(Type.String()),
    registryValueType: Nullable(Type.String()),
    registryValue: Nullable(Type.String()),
    accountName: Nullable(Type.String()),
    domainName: Nullable(Type.String()),
    userSid: Nullable(Type.String()),
    aadUserId: Nullable(Type.String()),
    userPrincipalName: Nullable(Type.String()),
    detectionStatus: Nullable(Type.String()),
  },
  { additionalProperties: true },
);

export const Comment = Type.Object(
  { comment: Type.String(), createdBy: Nullable(Type.String()), createdTime: Time },
  { additionalProperties: true },
);

/** The MDE alert resource, as `GET /api/alerts` and `GET /api/alerts/{id}` return it. */
export const Alert = Type.Object(
  {
    id: Type.String(),
    incidentId: Nullable(Type.Integer()),
    investigationId: Nullable(Type.Integer()),
    assignedTo: Nullable(Type.String()),
    severity: Type.String({ description: SEVERITIES.join(" | ") }),
    status: Type.String({ description: STATUSES.join(" | ") }),
    classification: Nullable(Type.String()),
    determination: Nullable(Type.String()),
    investigationState: Nullable(Type.String()),
    detectionSource: Nullable(Type.String()),
    detectorId: Type.Optional(Nullable(Type.String())),
    category: Nullable(Type.String()),
    threatFamilyName: Nullable(Type.String()),
    threatName: Type.Optional(Nullable(Type.String())),
    title: Type.String(),
    description: Nullable(Type.String()),
    alertCreationTime: Time,
    firstEventTime: Nullable(Time),
    lastEventTime: Nullable(Time),
    lastUpdateTime: Time,
    resolvedTime: Nullable(Time),
    machineId: Nullable(Type.String()),
    computerDnsName: Nullable(Type.String()),
    rbacGroupName: Nullable(Type.String()),
    aadTenantId: Nullable(Type.String()),
    mitreTechniques: Type.Array(Type.String()),
    relatedUser: Nullable(
      Type.Object({ userName: Type.String(), domainName: Type.String() }, { additionalProperties: true }),
    ),
    loggedOnUsers: Type.Optional(
      Type.Array(
        Type.Object(
          { accountName: Type.String(), domainName: Type.String() },
          { additionalProperties: true },
        ),
      ),
    ),
    comments: Type.Array(Comment),
    evidence: Type.Array(Evidence),
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
    sha1: Nullable(Type.String()),
    sha256: Nullable(Type.String()),
    md5: Nullable(Type.String()),
    globalPrevalence: Nullable(Type.Integer()),
    globalFirstObserved: Nullable(Time),
    globalLastObserved: Nullable(Time),
    size: Nullable(Type.Integer()),
    fileType: Nullable(Type.String()),
    isPeFile: Nullable(Type.Boolean()),
    filePublisher: Nullable(Type.String()),
    fileProductName: Nullable(Type.String()),
    signer: Nullable(Type.String()),
    issuer: Nullable(Type.String()),
    signerHash: Nullable(Type.String()),
    isValidCertificate: Nullable(Type.Boolean()),
    determinationType: Nullable(Type.String()),
    determinationValue: Nullable(Type.String()),
  },
  { additionalProperties: true },
);

export const FileList = collection(FileInfo);

export const UserEntity = Type.Object(
  {
    "@odata.context": Type.Optional(Type.String()),
    id: Type.String(),
    accountName: Type.String(),
    accountDomain: Type.String(),
    accountSid: Nullable(Type.String()),
    firstSeen: Nullable(Time),
    lastSeen: Nullable(Time),
    mostPrevalentMachineId: Nullable(Type.String()),
    leastPrevalentMachineId: Nullable(Type.String()),
    logonTypes: Nullable(Type.String()),
    logOnMachinesCount: Nullable(Type.Integer()),
    isDomainAdmin: Nullable(Type.Boolean()),
    isOnlyNetworkUser: Nullable(Type.Boolean()),
  },
  { additionalProperties: true },
);

export const MachineEntity = Type.Object(
  {
    "@odata.context": Type.Optional(Type.String()),
    id: Type.String(),
    computerDnsName: Nullable(Type.String()),
    firstSeen: Nullable(Time),
    lastSeen: Nullable(Time),
    osPlatform: Nullable(Type.String()),
    osProcessor: Nullable(Type.String()),
    version: Nullable(Type.String()),
    lastIpAddress: Nullable(Type.String()),
    lastExternalIpAddress: Nullable(Type.String()),
    osBuild: Nullable(Type.Integer()),
    healthStatus: Nullable(Type.String()),
    deviceValue: Nullable(Type.String()),
    rbacGroupName: Nullable(Type.String()),
    riskScore: Nullable(Type.String()),
    exposureLevel: Nullable(Type.String()),
    aadDeviceId: Nullable(Type.String()),
    machineTags: Type.Array(Type.String()),
    ipAddresses: Type.Array(
      Type.Object(
        { ipAddress: Type.String(), macAddress: Nullable(Type.String()), operationalStatus: Type.String() },
        { additionalProperties: true },
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
