import { Type } from "@sinclair/typebox";
import {
  AuthError,
  apiKey,
  type Connector,
  defineConnector,
  defineOperation,
  NotFoundError,
  type Operation,
  UpstreamError,
  ValidationError,
} from "../sdk/index.ts";
import {
  BulkAction,
  BulkFilters,
  Incident,
  IncidentFeed,
  IncidentKey,
  ListingQuery,
  SingleAction,
} from "./schemas.ts";

const single = (
  name: string,
  title: string,
  method: "POST" | "DELETE",
  path: string,
  description: string,
): Operation =>
  defineOperation({
    name,
    title,
    description,
    method,
    path,
    body: "form",
    // Acknowledging, unacknowledging or deleting an incident twice leaves it as once: safe to resend.
    idempotent: true,
    input: Type.Object({ incident: IncidentKey }, { additionalProperties: false }),
    output: SingleAction,
  });

/** The console's rules for bulk filters, checked before anything is sent. */
function checkBulkFilters(input: Record<string, unknown>): void {
  const filters = Object.keys(BulkFilters).filter((key) => input[key] !== undefined);
  if (filters.length === 0) {
    throw new ValidationError(`input needs at least one filter: ${Object.keys(BulkFilters).join(", ")}`, {
      field: "flock_id",
    });
  }
  if (input.node_id !== undefined && input.src_host !== undefined) {
    throw new ValidationError("input.node_id and input.src_host cannot be used together", {
      field: "src_host",
    });
  }
}

const bulk = (
  name: string,
  title: string,
  method: "POST" | "DELETE",
  path: string,
  description: string,
  extra = {},
): Operation =>
  defineOperation({
    name,
    title,
    description,
    method,
    path,
    body: "form",
    idempotent: true,
    input: Type.Object({ ...BulkFilters, ...extra }, { additionalProperties: false }),
    output: BulkAction,
    check: checkBulkFilters,
  });

const feed = (name: string, title: string, path: string, description: string): Operation =>
  defineOperation({
    name,
    title,
    description,
    method: "GET",
    path,
    input: Type.Object(ListingQuery, { additionalProperties: false }),
    output: IncidentFeed,
    paginate: {
      style: "cursor",
      items: "incidents",
      cursorParam: "cursor",
      nextCursor: "cursor.next",
      pageSize: { param: "limit", value: 500 },
    },
  });

/** Canary answers errors as `{"result": "error", "message": ...}`, sometimes with HTTP 200. */
function unwrap(res: { status: number; body: unknown }): unknown {
  const body = res.body as Record<string, unknown> | null;
  if (body && typeof body === "object" && body.result === "error") {
    const message = `thinkst-canary: ${String(body.message ?? "error")}`;
    const text = String(body.message ?? "");
    if (/auth_token|unauthori[sz]ed|permission/i.test(text))
      throw new AuthError(message, { status: res.status });
    if (/not found/i.test(text)) throw new NotFoundError(message, { status: res.status });
    if (/invalid|cannot|required|must/i.test(text))
      throw new ValidationError(message, { status: res.status });
    throw new UpstreamError(message, { status: res.status, retryable: false });
  }
  return res.body;
}

export const thinkstCanary: Connector = defineConnector({
  name: "thinkst-canary",
  title: "Thinkst Canary",
  description:
    "Canary honeypots and Canarytokens: fetch, acknowledge and delete the incidents a Canary console raises.",
  connection: Type.Object(
    {
      url: Type.String({ format: "uri", description: "Console URL, e.g. https://1234abcd.canary.tools" }),
      auth_token: Type.String({
        minLength: 1,
        secret: true,
        description: "API auth token (Admin or Analyst for actions)",
      }),
    },
    { additionalProperties: false },
  ),
  baseUrl: (config) => `${String(config.url).replace(/\/+$/, "")}/api/v1`,
  auth: apiKey({ key: "auth_token", in: "header", name: "x-canary-auth-token" }),
  response: unwrap,
  test: { operation: "ping" },
  operations: [
    single(
      "acknowledgeIncident",
      "Acknowledge Incident",
      "POST",
      "/incident/acknowledge",
      "Acknowledge a specified incident.",
    ),
    single(
      "unacknowledgeIncident",
      "Unacknowledge Incident",
      "POST",
      "/incident/unacknowledge",
      "Unacknowledge a specified incident.",
    ),
    single("deleteIncident", "Delete Incident", "DELETE", "/incident/delete", "Delete a specified incident."),
    defineOperation({
      name: "fetchIncident",
      title: "Fetch Incident",
      description: "Retrieve a specified incident by its key or its hash.",
      method: "GET",
      path: "/incident/fetch",
      input: Type.Object(
        {
          incident: Type.Optional(IncidentKey),
          hash_id: Type.Optional(Type.String({ minLength: 1, description: "A valid incident hash" })),
          extended_details: Type.Optional(Type.Boolean({ description: "Return all incident fields" })),
          tz: Type.Optional(
            Type.String({ minLength: 1, description: "pytz timezone name for *_std fields" }),
          ),
        },
        { additionalProperties: false },
      ),
      output: Type.Object({ incident: Incident, result: Type.Literal("success") }),
      check: (input) => {
        if (input.incident === undefined && input.hash_id === undefined) {
          throw new ValidationError("input.incident or input.hash_id is required", { field: "incident" });
        }
      },
    }),
    bulk(
      "acknowledgeIncidents",
      "Acknowledge Multiple Incidents",
      "POST",
      "/incidents/acknowledge",
      "Acknowledge every incident matching the filters.",
    ),
    bulk(
      "unacknowledgeIncidents",
      "Unacknowledge Multiple Incidents",
      "POST",
      "/incidents/unacknowledge",
      "Unacknowledge every incident matching the filters.",
    ),
    bulk(
      "deleteIncidents",
      "Delete Multiple Incidents",
      "DELETE",
      "/incidents/delete",
      "Delete acknowledged incidents matching the filters (and unacknowledged ones with include_unacknowledged).",
      {
        include_unacknowledged: Type.Optional(
          Type.Boolean({ description: "Also delete unacknowledged incidents" }),
        ),
      },
    ),
    feed(
      "listAllIncidents",
      "List All Incidents",
      "/incidents/all",
      "Every incident; poll with incidents_since = the last max_updated_id.",
    ),
    feed(
      "listUnacknowledgedIncidents",
      "List Unacknowledged Incidents",
      "/incidents/unacknowledged",
      "Incidents not yet acknowledged.",
    ),
    feed(
      "listAcknowledgedIncidents",
      "List Acknowledged Incidents",
      "/incidents/acknowledged",
      "Incidents already acknowledged.",
    ),
    defineOperation({
      name: "ping",
      title: "Ping",
      description: "Check that the console answers and the token is accepted.",
      method: "GET",
      path: "/ping",
      input: Type.Object({}, { additionalProperties: false }),
      output: Type.Object({ result: Type.Literal("success") }),
    }),
  ],
});
