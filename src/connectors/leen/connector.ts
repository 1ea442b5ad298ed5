import { type TObject, type TProperties, Type } from "@sinclair/typebox";
import {
  allOf,
  apiKey,
  type Connector,
  defineConnector,
  defineOperation,
  type Operation,
  type PaginationSpec,
  ValidationError,
} from "../sdk/index.ts";
import { AlertQuery, IdpAlert, IdpApplication, IdpGroup, ListingQuery, page } from "./schemas.ts";

export const DEFAULT_URL = "https://api.leen.dev/v1";
const PAGE_SIZE = 100;

/**
 * Leen pages a listing by offset unless `enableCursor` is set; `client.pages()` follows
 * whichever mode the input asks for. A cursor carries the first page's `updatedSince`,
 * and Leen refuses the two together, so later pages drop it.
 */
function paging(input: { enableCursor?: boolean }): PaginationSpec {
  return input.enableCursor === true
    ? {
        style: "cursor",
        items: "items",
        cursorParam: "cursor",
        nextCursor: "next_cursor",
        pageSize: { param: "limit", value: PAGE_SIZE },
        firstPageOnly: ["updatedSince"],
      }
    : { style: "offset", items: "items", limitParam: "limit", offsetParam: "offset", pageSize: PAGE_SIZE };
}

/** Leen's pagination rules, checked before anything is sent. */
function checkPaging(input: Record<string, unknown>): void {
  if (input.cursor !== undefined && input.enableCursor !== true) {
    throw new ValidationError("input.cursor needs input.enableCursor: true", { field: "cursor" });
  }
  if (input.cursor !== undefined && input.updatedSince !== undefined) {
    throw new ValidationError(
      "input.updatedSince cannot be sent with input.cursor (the cursor already carries it)",
      { field: "updatedSince" },
    );
  }
  if (input.enableCursor === true && input.offset !== undefined) {
    throw new ValidationError("input.offset is for offset paging, not with enableCursor", {
      field: "offset",
    });
  }
}

const listing = (
  name: string,
  title: string,
  path: string,
  description: string,
  query: TProperties,
  item: TObject,
): Operation =>
  defineOperation({
    name,
    title,
    description,
    method: "GET",
    path,
    input: Type.Object(query, { additionalProperties: false }),
    output: page(item),
    check: checkPaging,
    paginate: paging,
  });

/** FastAPI error bodies: `{"detail": "text"}` or `{"detail": [{loc, msg}, …]}` for 422. */
function errorMessage(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return detail;
  if (!Array.isArray(detail)) return undefined;
  return detail
    .map((d: { loc?: unknown[]; msg?: unknown }) => {
      const where = Array.isArray(d.loc) ? d.loc.slice(1).join(".") : "";
      return where ? `${where}: ${String(d.msg)}` : String(d.msg);
    })
    .join("; ");
}

export const leen: Connector = defineConnector({
  name: "leen",
  title: "Leen",
  description:
    "Leen unified security API: identity-provider alerts (Okta, Entra ID, Google Workspace …) as OCSF Detection Findings, and IDP groups and applications.",
  connection: Type.Object(
    {
      url: Type.Optional(
        Type.String({
          format: "uri",
          default: DEFAULT_URL,
          description: `API base URL including /v1 (default ${DEFAULT_URL}; EU: https://api.eu-c1.leen.dev/v1)`,
        }),
      ),
      api_key: Type.String({ minLength: 1, secret: true, description: "Leen API key (X-API-KEY)" }),
      connection_id: Type.String({
        minLength: 1,
        description: "Connection id of the IDP integration to read (X-CONNECTION-ID)",
      }),
    },
    { additionalProperties: false },
  ),
  baseUrl: (config) => String(config.url ?? DEFAULT_URL),
  auth: allOf(
    apiKey({ key: "api_key", in: "header", name: "x-api-key" }),
    apiKey({ key: "connection_id", in: "header", name: "x-connection-id" }),
  ),
  errorMessage,
  operations: [
    listing(
      "listIdpAlerts",
      "List IDP Alerts",
      "/idp/alerts",
      "All IDP alerts of the connection as OCSF Detection Findings, sorted by severity (severity:asc by default); offset or cursor paging, updatedSince, severity filter.",
      AlertQuery,
      IdpAlert,
    ),
    listing(
      "listIdpGroups",
      "List IDP Groups",
      "/idp/groups",
      "All IDP groups of the connection.",
      ListingQuery,
      IdpGroup,
    ),
    listing(
      "listIdpApplications",
      "List IDP Applications",
      "/idp/applications",
      "All IDP applications of the connection.",
      ListingQuery,
      IdpApplication,
    ),
  ],
});
