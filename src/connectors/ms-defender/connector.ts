import { type TSchema, Type } from "@sinclair/typebox";
import {
  type Config,
  type Connector,
  defineConnector,
  defineOperation,
  type Operation,
  oauth2ClientCredentials,
  ValidationError,
} from "../sdk/index.ts";
import { ODataError, parseFilter } from "./odata.ts";
import {
  Alert,
  AlertIdInput,
  AlertList,
  DomainList,
  FileList,
  IpList,
  ListAlertsInput,
  MachineEntity,
  UpdateAlertInput,
  UserEntity,
} from "./schemas.ts";

export const DEFAULT_API_URL = "https://api.securitycenter.microsoft.com";
export const DEFAULT_LOGIN_URL = "https://login.microsoftonline.com";
/**
 * The API's resource identifier in Entra ID, whatever host serves it: geographic hosts
 * (eu.api.security.microsoft.com) and proxies answer for the same resource, and Entra refuses a
 * scope named after them.
 */
export const DEFAULT_SCOPE = "https://api.securitycenter.microsoft.com/.default";

const trim = (url: string) => url.replace(/\/+$/, "");
const apiUrl = (config: Config) => trim(String(config.api_url ?? DEFAULT_API_URL));
const loginUrl = (config: Config) => trim(String(config.login_url ?? DEFAULT_LOGIN_URL));

type ListInput = {
  filter?: string;
  status?: string;
  severity?: string;
  updatedSince?: string;
  createdSince?: string;
  top?: number;
  skip?: number;
  expandEvidence?: boolean;
};

/** The `$filter` a listing sends: the caller's own filter ANDed with the convenience fields. */
export function buildFilter(input: ListInput): string | undefined {
  const parts: string[] = [];
  if (input.filter) parts.push(`(${input.filter})`);
  if (input.status) parts.push(`status eq '${input.status}'`);
  if (input.severity) parts.push(`severity eq '${input.severity}'`);
  if (input.updatedSince) parts.push(`lastUpdateTime ge ${new Date(input.updatedSince).toISOString()}`);
  if (input.createdSince) parts.push(`alertCreationTime ge ${new Date(input.createdSince).toISOString()}`);
  return parts.length > 0 ? parts.join(" and ") : undefined;
}

const related = (name: string, title: string, path: string, output: TSchema, description: string) =>
  defineOperation({
    name,
    title,
    description,
    method: "GET",
    path,
    input: AlertIdInput,
    output,
  });

const operations: Operation[] = [
  defineOperation({
    name: "listAlerts",
    title: "List Alerts",
    description:
      "Alerts of the tenant, filtered with OData ($filter) and paged with $top/$skip; every page's @odata.nextLink is followed when paging.",
    method: "GET",
    path: "/alerts",
    input: ListAlertsInput,
    output: AlertList,
    check: (input) => {
      if (input.filter !== undefined) {
        try {
          parseFilter(input.filter);
        } catch (error) {
          if (error instanceof ODataError)
            throw new ValidationError(`input.filter is not a valid $filter: ${error.message}`, {
              field: "filter",
            });
          throw error;
        }
      }
    },
    request: (input, req) => {
      const filter = buildFilter(input);
      req.query = {
        $filter: filter,
        $top: input.top,
        $skip: input.skip,
        $expand: input.expandEvidence ? "evidence" : undefined,
      };
      return req;
    },
    paginate: { style: "next-link", items: "value", nextLink: "@odata.nextLink" },
  }),
  related("getAlert", "Get Alert", "/alerts/{id}", Alert, "One alert by its id (404 if it does not exist)."),
  related(
    "getAlertIps",
    "Get Alert IPs",
    "/alerts/{id}/ips",
    IpList,
    "The IP addresses related to an alert (each as {id: address}).",
  ),
  related(
    "getAlertDomains",
    "Get Alert Domains",
    "/alerts/{id}/domains",
    DomainList,
    "The domains related to an alert (each as {host}).",
  ),
  related(
    "getAlertFiles",
    "Get Alert Files",
    "/alerts/{id}/files",
    FileList,
    "The files related to an alert, with hashes, prevalence and signer.",
  ),
  related(
    "getAlertUser",
    "Get Alert User",
    "/alerts/{id}/user",
    UserEntity,
    "The user related to an alert (404 when the alert has none).",
  ),
  related(
    "getAlertMachine",
    "Get Alert Machine",
    "/alerts/{id}/machine",
    MachineEntity,
    "The device the alert was raised on.",
  ),
  defineOperation({
    name: "updateAlert",
    title: "Update Alert",
    description:
      "Change an alert's status, classification, determination or owner, and/or add a comment; returns the updated alert.",
    method: "PATCH",
    path: "/alerts/{id}",
    input: UpdateAlertInput,
    output: Alert,
    check: (input) => {
      const fields = ["status", "assignedTo", "classification", "determination", "comment"] as const;
      if (!fields.some((key) => input[key] !== undefined)) {
        throw new ValidationError(`input needs at least one of ${fields.join(", ")}`, { field: "status" });
      }
    },
  }),
];

/** Defender's error body is `{"error": {"code", "message", "target"}}`. */
function errorMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const error = (body as { error?: unknown }).error;
  if (error && typeof error === "object") {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === "string") return typeof code === "string" ? `${code}: ${message}` : message;
  }
  return undefined;
}

export const msDefender: Connector = defineConnector({
  name: "ms-defender",
  title: "Microsoft Defender for Endpoint",
  description:
    "Defender for Endpoint alerts: list and fetch them, their related IPs, domains, files, user and device, and triage them.",
  connection: Type.Object(
    {
      tenant_id: Type.String({
        minLength: 1,
        pattern: "^[A-Za-z0-9.-]+$",
        description: "Directory (tenant) id of the Entra ID tenant, a GUID or its domain",
      }),
      client_id: Type.String({
        format: "uuid",
        description: "Application (client) id of the app registration",
      }),
      client_secret: Type.String({
        minLength: 1,
        secret: true,
        description: "Client secret value of the app",
      }),
      api_url: Type.Optional(
        Type.String({
          format: "uri",
          description: `Defender API root (default ${DEFAULT_API_URL}; geo hosts such as https://eu.api.security.microsoft.com or a proxy work too, and do not change the scope)`,
        }),
      ),
      scope: Type.Optional(
        Type.String({
          pattern: "^\\S+/\\.default$",
          description: `OAuth2 scope: the API's resource identifier with /.default (default ${DEFAULT_SCOPE}; https://api.security.microsoft.com/.default is the same API)`,
        }),
      ),
      login_url: Type.Optional(
        Type.String({ format: "uri", description: `Entra ID authority (default ${DEFAULT_LOGIN_URL})` }),
      ),
    },
    { additionalProperties: false },
  ),
  baseUrl: (config) => `${apiUrl(config)}/api`,
  auth: oauth2ClientCredentials({
    tokenUrl: (config) =>
      `${loginUrl(config)}/${encodeURIComponent(String(config.tenant_id))}/oauth2/v2.0/token`,
    scope: (config) => String(config.scope ?? DEFAULT_SCOPE),
    clientIdKey: "client_id",
    clientSecretKey: "client_secret",
  }),
  errorMessage,
  // The alerts API allows 100 calls a minute (and 1500 an hour) per app.
  resilience: { rateLimit: { limit: 100, intervalMs: 60_000 } },
  operations,
});
