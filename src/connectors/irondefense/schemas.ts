import { type TSchema, Type } from "@sinclair/typebox";

/** Wire values of IronAPI enumerations, shared by the connector's schemas and the simulator. */
export const ALERT_STATUSES = ["STATUS_AWAITING_REVIEW", "STATUS_UNDER_REVIEW", "STATUS_CLOSED"] as const;
export const ANALYST_SEVERITIES = [
  "SEVERITY_UNDECIDED",
  "SEVERITY_BENIGN",
  "SEVERITY_SUSPICIOUS",
  "SEVERITY_MALICIOUS",
] as const;
export const ANALYST_EXPECTATIONS = ["EXP_UNKNOWN", "EXP_EXPECTED", "EXP_UNEXPECTED"] as const;
export const CATEGORIES = ["C2", "ACTION", "ACCESS", "RECON", "OTHER"] as const;
export const ALERT_ACTIONS = [
  "ANA_ALERT_CREATED",
  "ANA_ALERT_UPDATED",
  "ANA_WORKFLOW_CREATED",
  "ANA_WORKFLOW_UPDATED",
  "ANA_ALERT_DELETED",
  "ANA_NOTE_CREATED",
  "ANA_NOTE_UPDATED",
  "ANA_ALERT_EVENT_ADDED",
] as const;
export const EVENT_ACTIONS = [
  "ENA_EVENT_CREATED",
  "ENA_EVENT_RETRO_WHITELISTED",
  "ENA_EVENT_ADDED_TO_ALERT",
  "ENA_EVENT_DELETED",
  "ENA_EVENT_ALERT_UNDER_REVIEW",
  "ENA_EVENT_ALERT_CLOSED",
] as const;
export const DOME_CATEGORIES = [
  "DNC_PARTICIPANT_ADDED",
  "DNC_COMMENT_ADDED",
  "DNC_COMMUNITY_SEVERITY_CHANGED",
  "DNC_COMMUNITY_SEVERITY_MISMATCHED",
  "DNC_ENTERPRISE_SEVERITY_MISMATCHED",
  "DNC_SEVERITY_SUSPICIOUS",
  "DNC_SEVERITY_MALICIOUS",
  "DNC_JOINED_HIGH_RISK",
  "DNC_HIGH_COGNITIVE_SYSTEM_SCORE",
] as const;

/** Most notifications one Get*Notifications call may ask for. */
export const MAX_NOTIFICATIONS = 500;

const oneOf = (values: readonly string[], description: string) =>
  Type.Unsafe<string>({ type: "string", enum: [...values], description });

export const AlertStatus = oneOf(ALERT_STATUSES, "Alert status");
export const AnalystSeverity = oneOf(ANALYST_SEVERITIES, "Analyst severity rating");
export const AnalystExpectation = oneOf(ANALYST_EXPECTATIONS, "Whether the analyst expected the activity");
export const Category = oneOf(CATEGORIES, "Alert category");
export const SubCategory = Type.String({
  pattern: "^[A-Z0-9]+(_[A-Z0-9]+)*$",
  description: "Alert sub-category in upper snake case, e.g. DNS_TUNNELING",
});
export const Severity = Type.Integer({ minimum: 0, maximum: 1000, description: "Severity 0–1000" });
export const Uuid = (description: string) => Type.String({ format: "uuid", description });
export const Timestamp = (description: string) => Type.String({ format: "date-time", description });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * A 64-bit integer as IronAPI's protobuf-JSON sends it: a string of digits (`"1014890"`); a
 * number is accepted too, as protobuf-JSON readers do.
 */
export const Int64 = Type.Union([Type.String({ pattern: "^-?\\d+$" }), Type.Integer()], {
  description: "64-bit integer, sent as a string of digits",
});

export const TimeRange = (what: string) =>
  Type.Object(
    {
      start: Timestamp(`Earliest ${what} (RFC 3339)`),
      end: Timestamp(`Latest ${what} (RFC 3339)`),
    },
    { additionalProperties: false, description: `Only alerts whose ${what} lies in this range` },
  );

/** `constraint` of the listing calls: paging by offset and limit. */
export const Constraint = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, description: "Most results returned" })),
    offset: Type.Optional(Type.Integer({ minimum: 0, description: "Results to skip" })),
  },
  { additionalProperties: false },
);

export const ConstraintReply = Type.Object(
  { limit: Type.Optional(Int64), offset: Type.Optional(Int64), total: Type.Optional(Int64) },
  { additionalProperties: true },
);

export const ShareWithIronDome = Type.Boolean({
  default: false,
  description: "Also share the comment with the IronDome communities the enterprise belongs to",
});

/**
 * An alert as GetAlerts and alert notifications carry it, with the fields the vendor's own clients
 * read. IronAPI's protobuf-JSON sends every field, defaults included (a published event shows `""`
 * and `false`), so they are required; `event_count` may be an int64 string, and
 * `aggregation_criteria` has no type any contract fixes.
 */
export const Alert = Type.Object(
  {
    id: Type.String(),
    category: Type.String(),
    sub_category: Type.String(),
    severity: Type.Integer(),
    status: Type.String(),
    analyst_severity: Type.String(),
    analyst_expectation: Type.String(),
    created: Type.String(),
    updated: Type.String(),
    event_count: Int64,
    first_event_created: Type.String(),
    last_event_created: Type.String(),
    first_event_start_time: Type.String(),
    last_event_end_time: Type.String(),
    raw_data_formats: Type.Array(Type.String()),
    aggregation_criteria: Type.Unknown({ description: "Not fixed by any contract" }),
    vue_url: Type.String(),
  },
  { additionalProperties: true },
);

/** An event as GetEvents, GetEvent and event notifications carry it (int64 port and byte counts are strings on the wire). */
export const Event = Type.Object(
  {
    id: Type.String(),
    alert_id: Type.String(),
    category: Type.String(),
    sub_category: Type.String(),
    severity: Type.Integer(),
    confidence: Type.Number(),
    created: Type.String(),
    updated: Type.String(),
    start_time: Type.String(),
    end_time: Type.String(),
    iron_dome_shared_time: Nullable(Type.String()),
    is_whitelisted: Type.Boolean(),
    is_blacklisted: Type.Boolean(),
    src_ip: Type.String(),
    dst_ip: Type.String(),
    dst_port: Int64,
    app_domains: Type.Array(Type.String()),
    primary_app_protocol: Nullable(Type.String()),
    secondary_app_protocol: Nullable(Type.String()),
    bytes_in: Int64,
    bytes_out: Int64,
    total_bytes: Int64,
    url: Nullable(Type.String()),
    raw_data_formats: Type.Array(Type.String()),
    src_entity_attribute: Type.String(),
    src_entity_attribute_type: Type.String(),
    dst_entity_attribute: Type.String(),
    dst_entity_attribute_type: Type.String(),
    vue_url: Type.String(),
  },
  { additionalProperties: true },
);

/** One typed cell of a context table: exactly one of string/long/double/bool/ip/app/trans values. */
export const ContextCell = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
);

export const ContextTable = Type.Object(
  {
    name: Type.String(),
    columns: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          values: Type.Array(Type.Object({ data: Type.Array(ContextCell) }, { additionalProperties: true })),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

export const DomeNotification = Type.Object(
  {
    id: Int64,
    category: Type.String(),
    created: Type.String(),
    dome_tags: Type.Array(Type.String()),
    alert_ids: Type.Array(Type.String()),
  },
  { additionalProperties: true },
);

const ParticipationCounts = Type.Object(
  {
    malicious_count: Type.Integer(),
    suspicious_count: Type.Integer(),
    benign_count: Type.Integer(),
    whitelisted_count: Type.Integer(),
    comments_count: Type.Integer(),
    activity_count: Type.Integer(),
    resource_owner: Type.Boolean(),
    first_seen: Type.String(),
    last_seen: Type.String(),
  },
  { additionalProperties: true },
);

export const IronDomeInformation = Type.Object(
  {
    correlations: Type.Array(
      Type.Object(
        {
          dome_tag: Type.String(),
          correlations: Type.Array(
            Type.Object(
              { enterprise_correlations: Type.Integer(), community_correlations: Type.Integer() },
              { additionalProperties: true },
            ),
          ),
        },
        { additionalProperties: true },
      ),
    ),
    correlation_participation: Type.Array(
      Type.Object(
        {
          dome_tag: Type.String(),
          behavior: Nullable(ParticipationCounts),
          domain: Nullable(ParticipationCounts),
          ip: Nullable(ParticipationCounts),
        },
        { additionalProperties: true },
      ),
    ),
    community_comments: Type.Array(
      Type.Object(
        {
          created: Type.String(),
          comment: Type.String(),
          dome_tags: Type.Array(Type.String()),
          enterprise: Type.Boolean(),
          self: Type.Boolean(),
        },
        { additionalProperties: true },
      ),
    ),
    cognitive_system_score: Type.Integer(),
    dome_notifications: Type.Array(DomeNotification),
  },
  { additionalProperties: true },
);

/** Write calls answer 200 with an empty (or near-empty) JSON object. */
export const Acknowledged = Type.Object({}, { additionalProperties: true });

export const NotificationsInput = Type.Object(
  {
    limit: Type.Integer({
      minimum: 1,
      maximum: MAX_NOTIFICATIONS,
      default: 200,
      description: `Most notifications handed over by this call (1–${MAX_NOTIFICATIONS}); each is delivered once`,
    }),
  },
  { additionalProperties: false },
);
