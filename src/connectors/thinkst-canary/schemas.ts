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

// The console sends almost every value as a string ("False", "1586249623", "-1", "" for
// nothing) but some as JSON types (`updated_id`, event timestamps, and every value in some
// endpoints' replies); the schemas accept both wherever a real reply has shown either.
const Text = Type.String();
const Flag = Type.Union([Type.String(), Type.Boolean()], { description: '"True"/"False" or a boolean' });
const Count = Type.Union([Type.String(), Type.Integer()], { description: "An integer, usually as a string" });
const Event = Type.Record(Type.String(), Type.Unknown());

/**
 * The flat incident: what `incident/fetch` returns (with its key in `id`) and what a listing
 * entry carries in `description` (without a key: the entry's `id` is the key).
 */
export const Incident = Type.Object(
  {
    id: Type.Optional(Text),
    acknowledged: Flag,
    created: Count,
    created_std: Type.Optional(Text),
    description: Text,
    dst_host: Type.Optional(Text),
    dst_port: Type.Optional(Count),
    events: Type.Optional(Type.Array(Event)),
    events_count: Type.Optional(Count),
    ip_address: Type.Optional(Text),
    ippers: Type.Optional(Text),
    local_time: Type.Optional(Text),
    logtype: Count,
    mac_address: Type.Optional(Text),
    memo: Type.Optional(Text),
    name: Type.Optional(Text),
    node_id: Type.Optional(Text),
    notified: Type.Optional(Flag),
    src_host: Type.Optional(Text),
    src_host_reverse: Type.Optional(Text),
    src_port: Type.Optional(Count),
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

/** One entry of an incident listing: the key, the change counter, and the flat incident. */
export const ListingEntry = Type.Object(
  {
    id: Type.String({ minLength: 1, description: "The incident key" }),
    hash_id: Type.Optional(Text),
    summary: Type.Optional(Text),
    updated: Type.Optional(Text),
    updated_id: Type.Integer({ description: "The console's change counter at this incident's last change" }),
    updated_std: Type.Optional(Text),
    updated_time: Type.Optional(Count),
    description: Incident,
  },
  { additionalProperties: true },
);

export const IncidentFeed = Type.Object(
  {
    feed: Type.String(),
    // null on the last page of a cursor walk.
    incidents: Type.Union([Type.Array(ListingEntry), Type.Null()]),
    max_updated_id: Type.Optional(Type.Integer()),
    cursor: Type.Optional(Cursor),
    updated: Type.Optional(Text),
    updated_std: Type.Optional(Text),
    updated_timestamp: Type.Optional(Type.Integer()),
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
