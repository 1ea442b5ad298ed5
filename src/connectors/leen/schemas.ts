import { Type } from "@sinclair/typebox";

/** OCSF severity captions as Leen writes them (upper case), by `severity_id`. */
export const SEVERITIES: Record<number, string> = {
  0: "UNKNOWN",
  1: "INFORMATIONAL",
  2: "LOW",
  3: "MEDIUM",
  4: "HIGH",
  5: "CRITICAL",
  6: "FATAL",
  99: "OTHER",
};

/** Detection Finding activities: `type_uid = 2004 * 100 + activity_id`. */
export const ACTIVITIES: Record<number, string> = {
  0: "Unknown",
  1: "Create",
  2: "Update",
  3: "Close",
  99: "Other",
};

const captions = Object.values(SEVERITIES).join("|");

/** Query parameters every Leen v1 listing shares (offset or cursor paging, `updatedSince`, total). */
export const ListingQuery = {
  enableCursor: Type.Optional(
    Type.Boolean({ description: "Cursor (keyset) paging instead of offset paging (default false)" }),
  ),
  updatedSince: Type.Optional(
    Type.String({
      format: "date-time",
      description:
        "Only items updated since this time, e.g. 2021-01-01T00:00:00+00:00; in cursor mode send it on the first page only",
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, description: "Page size (default 100)" })),
  offset: Type.Optional(
    Type.Integer({ minimum: 0, description: "Start index of the page, offset mode only (default 0)" }),
  ),
  excludeTotal: Type.Optional(
    Type.Boolean({ description: "Skip counting: `total` comes back null (offset mode)" }),
  ),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      description: "next_cursor or previous_cursor of an earlier page (needs enableCursor)",
    }),
  ),
};

export const AlertQuery = {
  sort: Type.Optional(
    Type.Union([Type.Literal("severity"), Type.Literal("severity:asc"), Type.Literal("severity:desc")], {
      description: "severity:asc (lowest to highest criticality, the default) or severity:desc",
    }),
  ),
  ...ListingQuery,
  severity: Type.Optional(
    Type.String({
      pattern: `^(${captions})(,(${captions}))*$`,
      description: `Severity filter, comma separated: ${Object.values(SEVERITIES).join(", ")}`,
    }),
  ),
};

const Int = Type.Integer();
const Str = Type.String();
const Open = { additionalProperties: true };
const Maybe = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

/** `[Hh][Ii][Gg][Hh]`: a caption in any case, as JSON Schema patterns have no case-insensitive flag. */
const anyCase = (word: string) =>
  [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c)).join("");

/**
 * One IDP alert: an OCSF Detection Finding (class 2004) as Leen returns it. The fields
 * Rampart relies on are required; everything else passes through untouched. Leen documents
 * upper-case severity captions, but findings other products wrote as OCSF carry OCSF's own
 * (`High`), so any case is accepted; optional text may be null (`message: null`).
 */
export const IdpAlert = Type.Object(
  {
    time: Int,
    activity_id: Int,
    activity_name: Maybe(Str),
    category_name: Maybe(Str),
    category_uid: Type.Literal(2),
    class_name: Maybe(Str),
    class_uid: Type.Literal(2004),
    enrichments: Type.Optional(Type.Array(Type.Object({}, Open))),
    evidences: Type.Optional(Type.Array(Type.Object({}, Open))),
    finding_info: Type.Object({ title: Str, uid: Str }, Open),
    message: Maybe(Str),
    metadata: Type.Object({ product: Type.Object({}, Open), version: Str }, Open),
    resources: Type.Optional(Type.Array(Type.Object({}, Open))),
    severity: Type.String({
      pattern: `^(${Object.values(SEVERITIES).map(anyCase).join("|")})$`,
      description: `${Object.values(SEVERITIES).join(" | ")}, in any case`,
    }),
    severity_id: Type.Union(Object.keys(SEVERITIES).map((id) => Type.Literal(Number(id)))),
    type_name: Maybe(Str),
    type_uid: Type.Union([200400, 200401, 200402, 200403, 200499].map((uid) => Type.Literal(uid))),
  },
  Open,
);

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);

/** Both reply models in one: offset pages carry `total`, cursor pages `next_cursor`/`previous_cursor`. */
export const page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object(
    {
      count: Type.Integer({ minimum: 0, description: "Items in this page" }),
      items: Type.Array(item),
      total: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
      next_cursor: Type.Optional(Nullable(Type.String())),
      previous_cursor: Type.Optional(Nullable(Type.String())),
    },
    Open,
  );

export const IdpGroup = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Str,
    types: Type.Array(Str),
    description: Type.Union([Str, Type.Null()]),
    vendor_id: Str,
    vendor_created_at: Type.Union([Str, Type.Null()]),
    last_membership_updated_at: Type.Union([Str, Type.Null()]),
    last_updated_at: Str,
    is_deleted: Type.Boolean(),
  },
  Open,
);

export const IdpApplication = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    name: Str,
    labels: Type.Array(Str),
    vendor_id: Str,
    version: Type.Union([Str, Type.Null()]),
    vendor_status: Type.Union([Str, Type.Null()]),
    vendor_created_at: Type.Union([Str, Type.Null()]),
    last_updated_at: Str,
    is_deleted: Type.Boolean(),
  },
  Open,
);
