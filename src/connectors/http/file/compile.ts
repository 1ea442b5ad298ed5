import type { TObject, TSchema } from "@sinclair/typebox";
import {
  type Connector,
  defineConnector,
  defineOperation,
  dig,
  type HttpRequest,
  type Operation,
} from "../../sdk/index.ts";
import { strategyOf } from "../auth-spec.ts";
import { statusMatcher } from "../statuses.ts";
import { renderTemplate } from "../template.ts";
import type { ResolvedSchemas } from "./check.ts";
import type { ConnectorFile, OperationFile } from "./format.ts";

/** The connector a checked connector file describes, built with defineConnector like any other. */
export function connectorOf(file: ConnectorFile, resolved: ResolvedSchemas): Connector {
  const unwrap = file.response?.unwrap;
  const errorPath = file.errorMessage;
  return defineConnector({
    name: file.name,
    title: file.title,
    description: file.description ?? file.title,
    connection: resolved.connection as unknown as TObject,
    baseUrl: (config) => renderTemplate(file.baseUrl, config, "baseUrl"),
    auth: strategyOf(file.auth ?? { type: "none" }),
    response: unwrap ? (res) => dig(res.body, unwrap) : undefined,
    errorMessage: errorPath ? (body) => messageAt(body, errorPath) : undefined,
    resilience: file.resilience,
    allowedOrigins: file.allowedOrigins
      ? (config) => file.allowedOrigins!.map((origin) => renderTemplate(origin, config, "allowedOrigins"))
      : undefined,
    operations: file.operations.map((op, i) => operationOf(op, resolved.inputs[i]!, resolved.outputs[i]!)),
    test: file.test,
  });
}

function operationOf(
  op: OperationFile,
  input: Record<string, unknown>,
  output: Record<string, unknown>,
): Operation {
  const unwrap = op.response?.unwrap;
  const success = op.success ? statusMatcher(op.success) : undefined;
  return defineOperation({
    name: op.name,
    title: op.title,
    description: op.description ?? op.title,
    method: op.method,
    path: op.path,
    input: input as unknown as TSchema,
    output: output as unknown as TSchema,
    query: op.query,
    body: op.body,
    paginate: op.paginate as Operation["paginate"],
    success: success ? (status) => success(status) : undefined,
    response: unwrap ? (body) => dig(body, unwrap) : undefined,
    request:
      op.headers || op.contentType
        ? (values, req) => withHeaders(op, values as Record<string, unknown>, req)
        : undefined,
  });
}

/** Moves the header fields out of the query or body into headers, and sets a JSON body's own content type. */
function withHeaders(op: OperationFile, input: Record<string, unknown>, req: HttpRequest): HttpRequest {
  const body = req.body && req.body.kind !== "raw" ? (req.body.value as Record<string, unknown>) : undefined;
  for (const name of op.headers ?? []) {
    const value = input[name];
    delete req.query[name];
    if (body) delete body[name];
    if (value !== undefined && value !== null) req.headers[name.toLowerCase()] = String(value);
  }
  if (op.contentType && req.body?.kind === "json")
    req.body = { kind: "raw", value: JSON.stringify(req.body.value), contentType: op.contentType };
  return req;
}

function messageAt(body: unknown, path: string): string | undefined {
  const value = dig(body, path);
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
