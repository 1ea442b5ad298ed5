import { Type } from "@sinclair/typebox";
import {
  AuthError,
  bearer,
  type Connector,
  defineConnector,
  type HttpResponse,
  NotFoundError,
  type Operation,
  type RampartError,
  UpstreamError,
  ValidationError,
} from "../sdk/index.ts";
import { apiOperations } from "./operations/api.ts";
import { assetOperations } from "./operations/assets.ts";
import { caseCoreOperations } from "./operations/case-core.ts";
import { caseOperations } from "./operations/cases.ts";
import { commentOperations } from "./operations/comments.ts";
import { customerOperations } from "./operations/customers.ts";
import { datastoreOperations } from "./operations/datastore.ts";
import { evidenceOperations } from "./operations/evidences.ts";
import { iocOperations } from "./operations/iocs.ts";
import { moduleOperations } from "./operations/modules.ts";
import { noteOperations } from "./operations/notes.ts";
import { referenceOperations } from "./operations/reference.ts";
import { taskOperations } from "./operations/tasks.ts";
import { timelineOperations } from "./operations/timeline.ts";
import { userOperations } from "./operations/users.ts";

interface Envelope {
  status: string;
  message?: unknown;
  data?: unknown;
}

function envelopeOf(body: unknown): Envelope | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const status = (body as Record<string, unknown>).status;
  return typeof status === "string" ? (body as Envelope) : undefined;
}

/** The first field IRIS complains about, and its first message (marshmallow nests lists and dicts). */
function firstFieldError(data: unknown, prefix = ""): { field: string; message: string } | undefined {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  for (const [key, value] of Object.entries(data)) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) {
      const text = value.find((v) => typeof v === "string");
      if (text !== undefined) return { field, message: text };
    }
    if (typeof value === "string") return { field, message: value };
    const nested = firstFieldError(value, field);
    if (nested) return nested;
  }
  return undefined;
}

// IRIS's ways of saying an object is not there (it answers 400 for them, not 404).
const MISSING =
  /not found|invalid .*\bid\b|not a valid .* for this case|invalid login|unable to get requested|parent node is invalid|invalid path node/i;
// Fields IRIS reports under another name than the one it takes.
const FIELD_ALIASES: Record<string, string> = { ioc_ioc_value: "ioc_value" };

/** IRIS's error envelope as a typed error: 400 → ValidationError naming the field, 401/403 → AuthError, 404 → NotFound. */
function irisError(status: number, body: Envelope, op: Operation): RampartError | undefined {
  const vendorMessage = typeof body.message === "string" ? body.message : "error";
  // Rules IRIS checks outside its schemas come as a bare list of messages, not per field.
  const listed = Array.isArray(body.data) ? body.data.filter((m): m is string => typeof m === "string") : [];
  const where = `dfir-iris.${op.name}`;
  const details = { vendorMessage, data: body.data };
  if (status === 401 || status === 403)
    return new AuthError(`${where}: HTTP ${status}: ${vendorMessage}`, { status, details });
  if (status === 404) return new NotFoundError(`${where}: ${vendorMessage}`, { status, details });
  // 410: an endpoint this IRIS release retired (IRIS 2.4's notes groups): another release's operation.
  if (status === 410)
    return new UpstreamError(`${where}: ${vendorMessage}`, { status, details, retryable: false });
  if (status === 400 || (status < 400 && body.status === "error")) {
    const first = firstFieldError(body.data);
    if (first) {
      const field = FIELD_ALIASES[first.field] ?? first.field;
      const said = vendorMessage ? `${vendorMessage}: ` : "";
      return new ValidationError(`${where}: ${said}${field}: ${first.message}`, {
        status,
        field,
        details: { vendorMessage, fields: body.data },
      });
    }
    const text = [vendorMessage, ...listed].filter(Boolean).join(": ");
    const missing = MISSING.test(text);
    if (status === 400 || missing || /invalid|cannot|already|must|missing/i.test(vendorMessage)) {
      const Ctor = missing ? NotFoundError : ValidationError;
      return new Ctor(`${where}: ${text}`, { status, details });
    }
    return new UpstreamError(`${where}: ${vendorMessage}`, { status, details, retryable: false });
  }
  return undefined;
}

/** Every JSON reply is `{status, message, data}`: give the caller `data`, or a typed error. */
function unwrap(res: HttpResponse, op: Operation): unknown {
  const type = res.headers["content-type"] ?? "";
  if (!type.includes("json")) return res.body;
  const body = envelopeOf(res.body);
  if (!body)
    throw new UpstreamError(`dfir-iris.${op.name}: reply is not an IRIS envelope`, {
      status: res.status,
      retryable: false,
    });
  const error = body.status === "error" ? irisError(res.status, body, op) : undefined;
  if (error) throw error;
  return body.data ?? [];
}

export const dfirIris: Connector = defineConnector({
  name: "dfir-iris",
  title: "DFIR-IRIS",
  description:
    "Collaborative incident response platform: open and work cases (assets, IOCs, timeline, tasks, notes, evidence, datastore) for analysts.",
  connection: Type.Object(
    {
      url: Type.String({ format: "uri", description: "IRIS base URL, e.g. https://iris.example.org" }),
      api_key: Type.String({
        minLength: 1,
        secret: true,
        description: "API key of an IRIS user (My settings → API Key)",
      }),
    },
    { additionalProperties: false },
  ),
  baseUrl: (config) => String(config.url).replace(/\/+$/, ""),
  auth: bearer({ key: "api_key" }),
  response: unwrap,
  test: { operation: "ping" },
  error: (res, op) => {
    const body = envelopeOf(res.body);
    return body ? irisError(res.status, body, op) : undefined;
  },
  operations: [
    ...apiOperations,
    ...caseCoreOperations,
    ...caseOperations,
    ...assetOperations,
    ...iocOperations,
    ...noteOperations,
    ...timelineOperations,
    ...taskOperations,
    ...evidenceOperations,
    ...datastoreOperations,
    ...commentOperations,
    ...moduleOperations,
    ...customerOperations,
    ...userOperations,
    ...referenceOperations,
  ],
});
