import { type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import {
  type Connector,
  defineConnector,
  defineOperation,
  loginToken,
  type Operation,
  ValidationError,
} from "../sdk/index.ts";
import {
  Acknowledged,
  Alert,
  AlertStatus,
  AnalystExpectation,
  AnalystSeverity,
  Category,
  Constraint,
  ConstraintReply,
  ContextTable,
  DomeNotification,
  Event,
  IronDomeInformation,
  MAX_NOTIFICATIONS,
  NotificationsInput,
  Severity,
  ShareWithIronDome,
  SubCategory,
  TimeRange,
  Timestamp,
  Uuid,
} from "./schemas.ts";

const strict = (properties: TProperties): TObject => Type.Object(properties, { additionalProperties: false });

const AlertId = Uuid("ID of the IronDefense alert");

/** The ranges of GetAlerts that filter on a timestamp. */
const ALERT_TIME_RANGES = [
  "created",
  "updated",
  "first_event_created",
  "last_event_created",
  "first_event_start_time",
  "last_event_end_time",
] as const;

const list = (item: TSchema, description: string) =>
  Type.Optional(Type.Array(item, { minItems: 1, description: `${description} (any of them)` }));

function checkOrder(start: string | undefined, end: string | undefined, field: string): void {
  if (start !== undefined && end !== undefined && Date.parse(start) > Date.parse(end))
    throw new ValidationError(`input.${field} is later than its end`, { field });
}

function checkAlertFilters(input: Record<string, unknown>): void {
  const severity = input.severity as { lower_bound: number; upper_bound: number } | undefined;
  if (severity && severity.lower_bound > severity.upper_bound) {
    throw new ValidationError("input.severity.lower_bound is greater than upper_bound", {
      field: "severity.lower_bound",
    });
  }
  for (const key of ALERT_TIME_RANGES) {
    const range = input[key] as { start: string; end: string } | undefined;
    checkOrder(range?.start, range?.end, `${key}.start`);
  }
}

/** A JWT's `exp` claim as an RFC 3339 time, without ever returning the token itself. */
function tokenExpiry(token: string | undefined): string | null {
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? new Date(claims.exp * 1000).toISOString() : null;
  } catch {
    return null;
  }
}

const write = (
  name: string,
  title: string,
  description: string,
  properties: TProperties,
  check?: (input: Record<string, unknown>) => void,
): Operation =>
  defineOperation({
    name,
    title,
    description,
    method: "POST",
    path: `/${name}`,
    input: strict(properties),
    output: Acknowledged,
    check,
  });

const notifications = (
  name: string,
  title: string,
  description: string,
  items: string,
  item: TSchema,
): Operation =>
  defineOperation({
    name,
    title,
    description: `${description} Each notification is handed to this user once; pages() drains the queue.`,
    method: "POST",
    path: `/${name}`,
    input: NotificationsInput,
    output: Type.Object({ [items]: Type.Array(item) }, { additionalProperties: true }),
    // Bounded so a feed that keeps filling cannot hold one poll forever; the next poll carries on.
    paginate: { style: "drain", items, limitParam: "limit", pageSize: MAX_NOTIFICATIONS, maxPages: 100 },
  });

export const ironDefense: Connector = defineConnector({
  name: "irondefense",
  title: "IronNet IronDefense",
  description:
    "IronDefense network detection (IronAPI): query, rate, comment on and progress alerts and their events, read IronDome correlations, ingest alert/event/dome notifications once each, report bad activity and feed entity records.",
  connection: Type.Object(
    {
      url: Type.String({
        format: "uri",
        pattern: "^https?://",
        description:
          "Appliance URL https://host:port (IronAPI listens on 6942 by default); /IronApi is added",
      }),
      username: Type.String({
        minLength: 1,
        description:
          "IronVue user with Access IronAPI, View Alert, Edit Alert and Manage Threat Intelligence Rules",
      }),
      password: Type.String({ minLength: 1, secret: true, description: "That user's password" }),
    },
    { additionalProperties: false },
  ),
  baseUrl: (config) => `${String(config.url).replace(/\/+$/, "")}/IronApi`,
  // Basic on Login, JWT from the `auth-token` reply header, then Bearer; one re-login on a 401.
  auth: loginToken({
    login: { method: "POST", path: "/Login", usernameKey: "username", passwordKey: "password", body: {} },
    token: { header: "auth-token" },
  }),
  errorMessage: (body) =>
    body && typeof body === "object" && typeof (body as { msg?: unknown }).msg === "string"
      ? (body as { msg: string }).msg
      : undefined,
  operations: [
    defineOperation({
      name: "Login",
      title: "Login",
      description:
        "Log in with the connection's username and password. The JWT the appliance returns is kept by the connection for later calls and never returned; the output says when it expires.",
      method: "POST",
      path: "/Login",
      input: strict({}),
      output: Type.Object({
        logged_in: Type.Boolean(),
        token_expires_at: Type.Union([Type.String(), Type.Null()]),
      }),
      response: (_body, res) => ({
        logged_in: true,
        token_expires_at: tokenExpiry(res.headers["auth-token"]),
      }),
    }),
    defineOperation({
      name: "GetAlerts",
      title: "Get Alerts",
      description:
        "Alerts matching the filters (every filter optional; values within one filter are ORed), paged by constraint.limit/offset.",
      method: "POST",
      path: "/GetAlerts",
      input: strict({
        alert_id: list(AlertId, "Alert IDs"),
        category: list(Category, "Categories"),
        sub_category: list(SubCategory, "Sub-categories"),
        status: list(AlertStatus, "Statuses"),
        analyst_severity: list(AnalystSeverity, "Analyst severities"),
        analyst_expectation: list(AnalystExpectation, "Analyst expectations"),
        analytic_version: list(Type.String({ minLength: 1 }), "Analytic versions"),
        severity: Type.Optional(
          strict({
            lower_bound: Severity,
            upper_bound: Severity,
          }),
        ),
        ...Object.fromEntries(ALERT_TIME_RANGES.map((key) => [key, Type.Optional(TimeRange(key))])),
        sort: Type.Optional(
          Type.String({ minLength: 1, description: "Field to sort by; prefix with - for descending" }),
        ),
        constraint: Type.Optional(Constraint),
      }),
      output: Type.Object(
        { alerts: Type.Array(Alert), constraint: ConstraintReply },
        { additionalProperties: true },
      ),
      check: checkAlertFilters,
      paginate: {
        style: "offset",
        items: "alerts",
        limitParam: "constraint.limit",
        offsetParam: "constraint.offset",
        pageSize: 100,
      },
    }),
    defineOperation({
      name: "GetEvents",
      title: "Get Events",
      description: "The events of one alert, without their context tables; paged by constraint.limit/offset.",
      method: "POST",
      path: "/GetEvents",
      input: strict({ alert_id: AlertId, constraint: Type.Optional(Constraint) }),
      output: Type.Object(
        { events: Type.Array(Event), constraint: ConstraintReply },
        { additionalProperties: true },
      ),
      paginate: {
        style: "offset",
        items: "events",
        limitParam: "constraint.limit",
        offsetParam: "constraint.offset",
        pageSize: 100,
      },
    }),
    defineOperation({
      name: "GetEvent",
      title: "Get Event",
      description: "One event with its context tables (flows, statistics of the analytic that raised it).",
      method: "POST",
      path: "/GetEvent",
      input: strict({ event_id: Uuid("ID of the IronDefense event") }),
      output: Type.Object(
        { event: Event, context: Type.Array(ContextTable) },
        { additionalProperties: true },
      ),
    }),
    write(
      "CommentOnAlert",
      "Comment on Alert",
      "Add a comment to an alert, optionally shared with IronDome.",
      {
        alert_id: AlertId,
        comment: Type.String({ minLength: 1, description: "The comment" }),
        share_comment_with_irondome: ShareWithIronDome,
      },
    ),
    write(
      "RateAlert",
      "Rate Alert",
      "Rate an alert during triage: analyst severity and whether the activity was expected.",
      {
        alert_id: AlertId,
        analyst_severity: AnalystSeverity,
        analyst_expectation: AnalystExpectation,
        comment: Type.Optional(Type.String({ description: "Why the alert was rated so" })),
        share_comment_with_irondome: ShareWithIronDome,
      },
    ),
    write("SetAlertStatus", "Set Alert Status", "Move an alert through the review process.", {
      alert_id: AlertId,
      status: AlertStatus,
      comment: Type.Optional(Type.String({ description: "Why the status changed" })),
      share_comment_with_irondome: ShareWithIronDome,
    }),
    defineOperation({
      name: "GetAlertIronDomeInformation",
      title: "Get Alert IronDome Information",
      description:
        "Community IronDome correlations of an alert: correlations, participation, community comments, cognitive system score and dome notifications.",
      method: "POST",
      path: "/GetAlertIronDomeInformation",
      input: strict({ alert_id: AlertId }),
      output: IronDomeInformation,
    }),
    notifications(
      "GetAlertNotifications",
      "Get Alert Notifications",
      "Alert notifications (ANA_*) not yet delivered to this user.",
      "alert_notifications",
      Type.Object(
        { alert_action: Type.String(), alert: Type.Union([Alert, Type.Null()]) },
        { additionalProperties: true },
      ),
    ),
    notifications(
      "GetEventNotifications",
      "Get Event Notifications",
      "Event notifications (ENA_*) not yet delivered to this user.",
      "event_notifications",
      Type.Object(
        { event_action: Type.String(), event: Type.Union([Event, Type.Null()]) },
        { additionalProperties: true },
      ),
    ),
    notifications(
      "GetDomeNotifications",
      "Get Dome Notifications",
      "IronDome notifications (DNC_*) not yet delivered to this user.",
      "dome_notifications",
      DomeNotification,
    ),
    write(
      "ReportObservedBadActivity",
      "Report Observed Bad Activity",
      "Submit an IP and/or domain seen doing bad things: creates a Threat Intelligence Rule used for event/alert creation and IronDome correlation.",
      {
        name: Type.String({ minLength: 1, description: "Name of the Threat Intelligence Rule to create" }),
        description: Type.String({ description: "What was observed" }),
        ip: Type.Optional(
          Type.Union([Type.String({ format: "ipv4" }), Type.String({ format: "ipv6" })], {
            description: "IPv4 or IPv6 address of the bad endpoint",
          }),
        ),
        domain: Type.Optional(Type.String({ format: "hostname", minLength: 1, description: "Bad domain" })),
        activity_start_time: Timestamp("Start of the observed activity (RFC 3339)"),
        activity_end_time: Timestamp("End of the observed activity (RFC 3339)"),
      },
      (input) => {
        if (input.ip === undefined && input.domain === undefined)
          throw new ValidationError("input.ip or input.domain is required", { field: "ip" });
        checkOrder(
          input.activity_start_time as string,
          input.activity_end_time as string,
          "activity_start_time",
        );
      },
    ),
    // No public client documents this body; this DHCP-lease shape is Rampart's own design.
    write(
      "UpdateEntityRecord",
      "Update Entity Record",
      "Send IP lease information (which host, MAC or user held an IP and when) from a source of entity information such as DHCP.",
      {
        ip: Type.Union([Type.String({ format: "ipv4" }), Type.String({ format: "ipv6" })], {
          description: "The leased IPv4 or IPv6 address",
        }),
        hostname: Type.Optional(
          Type.String({ format: "hostname", minLength: 1, description: "Lease holder" }),
        ),
        mac_address: Type.Optional(
          Type.String({
            pattern: "^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$",
            description: "MAC address of the lease holder",
          }),
        ),
        username: Type.Optional(Type.String({ minLength: 1, description: "User logged on to the host" })),
        lease_start_time: Timestamp("Start of the lease (RFC 3339)"),
        lease_end_time: Timestamp("End of the lease (RFC 3339)"),
        source: Type.Optional(
          Type.String({ minLength: 1, description: "Where the record comes from, e.g. dhcp" }),
        ),
      },
      (input) => {
        if (input.hostname === undefined && input.mac_address === undefined && input.username === undefined)
          throw new ValidationError("input needs hostname, mac_address or username", { field: "hostname" });
        checkOrder(input.lease_start_time as string, input.lease_end_time as string, "lease_start_time");
      },
    ),
  ],
});
