import { Type } from "@sinclair/typebox";
import type { HttpRequest } from "../../sdk/index.ts";
import { CustomAttributes, Event, Id, IdList, ObjectState, obj, Tags, Text, Timeline } from "../schemas.ts";
import { irisOp } from "./define.ts";
import { findTimelineEvent } from "./find.ts";

const eventId = { event_id: Id("Event ID") };
const eventFields = {
  event_raw: Type.Optional(Text("Raw data of the event (log line, etc.)")),
  event_source: Type.Optional(Text("Where the event was seen")),
  event_in_summary: Type.Optional(Type.Boolean({ description: "Show the event in the summary" })),
  event_in_graph: Type.Optional(Type.Boolean({ description: "Show the event in the graph" })),
  event_color: Type.Optional(Text("Colour, e.g. #1572E899 (IRIS blanks colours it does not offer)")),
  event_sync_iocs_assets: Type.Optional(
    Type.Boolean({ description: "Link the event's IOCs to its assets as well" }),
  ),
  event_tags: Type.Optional(Tags),
  event_content: Type.Optional(Text("Description of the event")),
  parent_event_id: Type.Optional(Id("Event this one belongs under (IRIS 2.4)")),
  custom_attributes: Type.Optional(CustomAttributes),
};
const EventDate = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?$",
  description: "Date of the event, YYYY-MM-DDTHH:MM:SS(.ffffff)",
});
const EventTz = Type.String({ pattern: "^[+-]\\d{2}:\\d{2}$", description: "Time zone, e.g. +00:00" });
const EventTitle = Type.String({ minLength: 2, description: "Title of the event" });

/** IRIS parses event_date with "%Y-%m-%dT%H:%M:%S.%f": the fraction is required, so it is added when missing. */
function withFraction(_input: Record<string, unknown>, req: HttpRequest): HttpRequest | undefined {
  if (req.body?.kind !== "json") return undefined;
  const body = req.body.value as Record<string, unknown>;
  if (typeof body.event_date === "string" && !body.event_date.includes("."))
    body.event_date = `${body.event_date}.000000`;
  return undefined;
}
const CategoryId = Id("Event category ID");

/** Filter fields of the advanced timeline filter; values in a list are ORed, fields are ANDed. */
const TimelineQuery = Type.Object(
  {
    asset: Type.Optional(Type.Array(Type.String(), { description: "Asset names" })),
    asset_id: Type.Optional(Type.Array(Type.Integer(), { description: "Asset IDs" })),
    event_id: Type.Optional(Type.Array(Type.Integer(), { description: "Event IDs" })),
    ioc: Type.Optional(Type.Array(Type.String(), { description: "IOC values" })),
    ioc_id: Type.Optional(Type.Array(Type.Integer(), { description: "IOC IDs" })),
    tag: Type.Optional(Type.Array(Type.String(), { description: "Tags (substring)" })),
    description: Type.Optional(Type.Array(Type.String(), { description: "Content (substring)" })),
    category: Type.Optional(Type.Array(Type.String(), { description: "Category names" })),
    raw: Type.Optional(Type.Array(Type.String(), { description: "Raw data (substring)" })),
    title: Type.Optional(Type.Array(Type.String(), { description: "Title (substring)" })),
    source: Type.Optional(Type.Array(Type.String(), { description: "Source (substring)" })),
    startDate: Type.Optional(Type.Array(Type.String(), { description: "Earliest event date" })),
    endDate: Type.Optional(Type.Array(Type.String(), { description: "Latest event date" })),
    flag: Type.Optional(Type.Array(Type.String(), { description: "'true' for flagged events only" })),
  },
  { additionalProperties: false, description: "Filter; sent as the JSON query parameter q" },
);

/** The case timeline: events linked to assets and IOCs. */
export const timelineOperations = [
  irisOp({
    name: "listTimelineEventsByAsset",
    title: "Filter the timeline by asset (deprecated)",
    description: "Events that involve one asset. Deprecated by IRIS: use filterTimeline.",
    method: "GET",
    path: "/case/timeline/events/list/filter/{asset_id}",
    fields: { asset_id: Type.Integer({ minimum: 0, description: "Asset ID (0: every event)" }) },
    output: Timeline,
  }),
  irisOp({
    name: "filterTimeline",
    title: "Filter the timeline through a query",
    description: "Events matching a filter of fields (ANDed) and values (ORed).",
    method: "GET",
    path: "/case/timeline/advanced-filter",
    fields: { q: TimelineQuery },
    output: Timeline,
  }),
  irisOp({
    name: "listTimelineEvents",
    title: "Fetch all the events of the timeline",
    description: "Every event of the case timeline, in date order.",
    method: "GET",
    path: "/case/timeline/events/list",
    output: Timeline,
  }),
  irisOp({
    name: "getTimelineState",
    title: "Fetch the state of the timeline",
    description: "The timeline's change counter and last update.",
    method: "GET",
    path: "/case/timeline/state",
    output: ObjectState,
  }),
  irisOp({
    name: "addTimelineEvent",
    find: findTimelineEvent,
    title: "Create a timeline event",
    description:
      "Create a new event in the timeline, linked to assets and IOCs of the case (ids of other cases are left out).",
    method: "POST",
    path: "/case/timeline/events/add",
    fields: {
      event_title: EventTitle,
      event_date: EventDate,
      event_category_id: CategoryId,
      event_tz: Type.Optional(
        Type.String({
          pattern: EventTz.pattern,
          default: "+00:00",
          description: "Time zone (default +00:00)",
        }),
      ),
      event_assets: Type.Optional(
        Type.Array(Type.Integer({ minimum: 1 }), {
          default: [],
          description: "IDs of the case assets involved",
        }),
      ),
      event_iocs: Type.Optional(
        Type.Array(Type.Integer({ minimum: 1 }), {
          default: [],
          description: "IDs of the case IOCs involved",
        }),
      ),
      ...eventFields,
    },
    request: withFraction,
    output: Event,
  }),
  irisOp({
    name: "updateTimelineEvent",
    title: "Update a timeline event",
    description:
      "Replace an event of the timeline: IRIS requires its title, date, zone, category, assets and IOCs every time (fetch it first to keep them); optional fields left out keep their value.",
    method: "POST",
    path: "/case/timeline/events/update/{event_id}",
    fields: {
      ...eventId,
      event_title: EventTitle,
      event_date: EventDate,
      event_tz: EventTz,
      event_category_id: CategoryId,
      event_assets: IdList("IDs of the case assets involved (the full list)"),
      event_iocs: IdList("IDs of the case IOCs involved (the full list)"),
      ...eventFields,
    },
    request: withFraction,
    output: Event,
  }),
  irisOp({
    name: "flagTimelineEvent",
    // A GET that toggles: sent twice, it unflags.
    idempotent: false,
    title: "Flag or unflag a timeline event",
    description: "Toggle the flag of an event; the message says which way it went.",
    method: "GET",
    path: "/case/timeline/events/flag/{event_id}",
    fields: eventId,
    output: obj({ event_id: Type.Integer(), event_is_flagged: Type.Boolean() }),
  }),
  irisOp({
    name: "duplicateTimelineEvent",
    // A GET that makes a copy each time.
    idempotent: false,
    title: "Duplicate a timeline event",
    description: "Copy an event with its category, assets and IOCs; its title gets a [DUPLICATED] prefix.",
    method: "GET",
    path: "/case/timeline/events/duplicate/{event_id}",
    fields: eventId,
    output: Event,
  }),
  irisOp({
    name: "getTimelineEvent",
    title: "Fetch a timeline event",
    description: "Return an event of the timeline with its asset and IOC links.",
    method: "GET",
    path: "/case/timeline/events/{event_id}",
    fields: eventId,
    output: Event,
  }),
  irisOp({
    name: "deleteTimelineEvent",
    title: "Delete a timeline event",
    description: "Delete an event and its comments from the timeline.",
    method: "POST",
    path: "/case/timeline/events/delete/{event_id}",
    fields: eventId,
  }),
];
