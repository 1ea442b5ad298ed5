import { Type } from "@sinclair/typebox";

/** An incident key as the console issues it, e.g. `incident:telnetloginattempt:3f9c...:10.0.0.5:1586260854`. */
export const IncidentKey = Type.String({ minLength: 1, description: "A valid incident key" });

export const BulkFilters = {
  flock_id: Type.Optional(Type.String({ minLength: 1, description: "Only incidents of this flock" })),
  node_id: Type.Optional(
    Type.String({ minLength: 1, description: "Only incidents of this Canary node (not with src_host)" }),
  ),
  src_host: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Only incidents from this source IP address (not with node_id)",
    }),
  ),
  older_than: Type.Optional(
    Type.String({
      pattern: "^[0-9]+[hdw]$",
      description: 'Only incidents older than this period: "[quantity][h|d|w]", e.g. 1h, 3d, 1w',
    }),
  ),
  filter_str: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Matches source IP, Canary name, token name, node id, reverse lookup",
    }),
  ),
  filter_logtypes: Type.Optional(
    Type.String({ pattern: "^[0-9]+(,[0-9]+)*$", description: "Comma-separated logtype codes" }),
  ),
};

export const SingleAction = Type.Object({
  action: Type.String(),
  key: Type.String(),
  result: Type.Literal("success"),
});

export const BulkAction = Type.Object({
  action: Type.String(),
  keys: Type.Array(Type.String()),
  result: Type.Literal("success"),
});

/** The flat incident of `incident/fetch` and of listing entries' `description`; values are mostly strings. */
export const Incident = Type.Object(
  {
    id: Type.String(),
    acknowledged: Type.String(),
    created: Type.String(),
    description: Type.String(),
    logtype: Type.String(),
    node_id: Type.String(),
    src_host: Type.String(),
    events: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    events_count: Type.String(),
  },
  { additionalProperties: true },
);

export const Cursor = Type.Object(
  {
    next: Type.Union([Type.String(), Type.Null()]),
    next_link: Type.Union([Type.String(), Type.Null()]),
    prev: Type.Union([Type.String(), Type.Null()]),
    prev_link: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

export const IncidentFeed = Type.Object(
  {
    feed: Type.String(),
    incidents: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          hash_id: Type.String(),
          summary: Type.String(),
          updated_id: Type.Integer(),
          description: Incident,
        },
        { additionalProperties: true },
      ),
    ),
    max_updated_id: Type.Optional(Type.Integer()),
    cursor: Type.Optional(Cursor),
    result: Type.Literal("success"),
  },
  { additionalProperties: true },
);

export const ListingQuery = {
  node_id: Type.Optional(Type.String({ minLength: 1, description: "Only incidents of this node" })),
  flock_id: Type.Optional(Type.String({ minLength: 1, description: "Only incidents of this flock" })),
  incidents_since: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "Only incidents whose updated_id is greater (use the previous max_updated_id)",
    }),
  ),
  newer_than: Type.Optional(
    Type.String({
      pattern: "^\\d{4}-\\d{2}-\\d{2}-\\d{2}:\\d{2}:\\d{2}$",
      description: "Created after yyyy-mm-dd-hh:mm:ss",
    }),
  ),
  older_than: Type.Optional(
    Type.String({
      pattern: "^\\d{4}-\\d{2}-\\d{2}-\\d{2}:\\d{2}:\\d{2}$",
      description: "Created before yyyy-mm-dd-hh:mm:ss",
    }),
  ),
  event_limit: Type.Optional(Type.Integer({ minimum: 0, description: "Most events returned per incident" })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 2500, description: "Page size; switches on cursor paging" }),
  ),
  cursor: Type.Optional(
    Type.String({ minLength: 1, description: "Cursor of the page to fetch (from cursor.next)" }),
  ),
  shrink: Type.Optional(Type.Boolean({ description: "De-duplicate entries (default true)" })),
  tz: Type.Optional(Type.String({ minLength: 1, description: "pytz timezone name for *_std fields" })),
};
