import { ValidationError } from "../../sdk/index.ts";
import type { OperationFile } from "../file/format.ts";
import type {
  MediaType,
  OpenApiDocument,
  OperationObject,
  Parameter,
  PathItem,
  SecurityRequirement,
} from "./document.ts";
import { type Notes, objectParts, toJsonSchema } from "./schema.ts";

type Schema = Record<string, unknown>;

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const OTHER_METHODS = ["head", "options", "trace"];
// application/json, or a vendor type with a +json suffix, either with parameters (`; version=1.0`).
const JSON_TYPE = /^application\/json\s*(;|$)|\+json\s*(;|$)/i;

/** Which operations to import: by operationId or by tag (either matching selects one); all when both are empty. */
export interface Selection {
  operationIds?: readonly string[];
  tags?: readonly string[];
}

export interface MappedOperations {
  operations: OperationFile[];
  /** The security requirements the selected operations declare (for documents with none at the top). */
  security: SecurityRequirement[];
}

/** The selected operations as connector-file operations; what cannot be carried over is noted, never dropped silently. */
export function mapOperations(api: OpenApiDocument, selection: Selection, notes: Notes): MappedOperations {
  const all: Array<{ method: string; path: string; op: OperationObject; item: PathItem }> = [];
  for (const [path, item] of Object.entries(api.paths ?? {})) {
    for (const method of [...METHODS, ...OTHER_METHODS]) {
      const op = item[method] as OperationObject | undefined;
      if (op) all.push({ method, path, op, item });
    }
  }
  checkSelection(
    all.map((e) => e.op),
    selection,
  );
  const chosen = all.filter(({ op }) => selected(op, selection));
  const operations: OperationFile[] = [];
  const security: SecurityRequirement[] = [];
  const names = new Set<string>();
  for (const { method, path, op, item } of chosen) {
    const label = `${method.toUpperCase()} ${path}${op.operationId ? ` (${op.operationId})` : ""}`;
    if (!(METHODS as readonly string[]).includes(method)) {
      notes.add(`${label} is not imported: connector operations use GET, POST, PUT, PATCH or DELETE`);
      continue;
    }
    const mapped = mapOperation(method, path, op, item.parameters ?? [], label, notes);
    if (!mapped) continue;
    let name = mapped.name;
    for (let n = 2; names.has(name); n++) name = `${mapped.name}${n}`;
    if (name !== mapped.name) notes.add(`${label}: named ${name}, as ${mapped.name} was taken`);
    names.add(name);
    operations.push({ ...mapped, name });
    if (op.security) security.push(...op.security);
    if (op.callbacks)
      notes.add(`${label}: callbacks are not imported (Rampart calls APIs; it does not receive them)`);
    if (op.security && api.security && JSON.stringify(op.security) !== JSON.stringify(api.security))
      notes.add(
        op.security.length === 0
          ? `${label} needs no credentials; the connection's are sent anyway`
          : `${label} asks for ${op.security.map((r) => Object.keys(r).join(" + ")).join(" or ")}; the connector uses the document's security for every operation`,
      );
  }
  if (api.webhooks && Object.keys(api.webhooks).length > 0)
    notes.add(`webhooks (${Object.keys(api.webhooks).join(", ")}) are not imported`);
  return { operations, security };
}

function checkSelection(ops: OperationObject[], selection: Selection): void {
  const ids = new Set(ops.map((op) => op.operationId).filter(Boolean));
  const tags = new Set(ops.flatMap((op) => op.tags ?? []));
  for (const id of selection.operationIds ?? [])
    if (!ids.has(id))
      throw new ValidationError(
        `--operation-id ${id}: no such operationId (there are: ${[...ids].join(", ") || "none"})`,
        {
          field: "operation-id",
        },
      );
  for (const tag of selection.tags ?? [])
    if (!tags.has(tag))
      throw new ValidationError(
        `--tag ${tag}: no operation has this tag (tags: ${[...tags].join(", ") || "none"})`,
        {
          field: "tag",
        },
      );
}

function selected(op: OperationObject, selection: Selection): boolean {
  const ids = selection.operationIds ?? [];
  const tags = selection.tags ?? [];
  if (ids.length === 0 && tags.length === 0) return true;
  return (
    (op.operationId !== undefined && ids.includes(op.operationId)) ||
    (op.tags ?? []).some((t) => tags.includes(t))
  );
}

function mapOperation(
  method: string,
  path: string,
  op: OperationObject,
  shared: Parameter[],
  label: string,
  notes: Notes,
): OperationFile | undefined {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const query: string[] = [];
  const headers: string[] = [];
  let template = path;
  const byKey = new Map<string, Parameter>();
  for (const p of [...shared, ...(op.parameters ?? [])]) byKey.set(`${p.in}:${p.name}`, p);
  for (const p of byKey.values()) {
    const where = `${label}: ${p.in} parameter ${p.name}`;
    if (p.in === "cookie") {
      notes.add(`${where} is not imported: connectors send no cookies`);
      continue;
    }
    if (p.in === "header" && /^(authorization|content-type|content-length)$/i.test(p.name)) {
      notes.add(`${where} is left to the connector (auth and body encoding set it)`);
      continue;
    }
    if (!p.schema) {
      notes.add(`${where} is described by content, not a schema: not imported`);
      if (p.required || p.in === "path")
        return skip(label, notes, `its ${p.in} parameter ${p.name} could not be imported`);
      continue;
    }
    const schema = toJsonSchema(p.schema, "input", notes, where);
    if (p.in === "query" && isObject(schema)) {
      notes.add(
        `${where} is an object (${p.style ?? "form"} style): not imported, as connectors send query values as text`,
      );
      if (p.required) return skip(label, notes, `its required query parameter ${p.name} is an object`);
      continue;
    }
    if (p.description && schema.description === undefined) schema.description = p.description;
    if (p.deprecated) schema.description = `${schema.description ?? ""} (deprecated)`.trim();
    let field = p.name;
    if (p.in === "path") {
      field = identifier(p.name, "param");
      template = template.replaceAll(`{${p.name}}`, `{${field}}`);
    }
    if (properties[field]) {
      notes.add(`${where} has the name of another input field: not imported`);
      continue;
    }
    properties[field] = schema;
    if (p.in === "path" || p.required) required.push(field);
    if (p.in === "query" && method !== "get" && method !== "delete") query.push(field);
    if (p.in === "header") headers.push(field);
  }
  const out: OperationFile = {
    name: operationName(method, path, op),
    title:
      (op.summary ?? humanize(operationName(method, path, op))).trim() +
      (op.deprecated ? " (deprecated)" : ""),
    method: method.toUpperCase() as OperationFile["method"],
    path: template,
  };
  const description = (op.description ?? op.summary)?.trim();
  if (description) out.description = description;
  let open = false;
  if (op.requestBody?.content) {
    const body = mapBody(op, label, notes);
    if (body === "skip") return undefined;
    if (body) {
      for (const [name, schema] of Object.entries(body.parts.properties)) {
        if (properties[name]) {
          notes.add(`${label}: body field ${name} has the name of a parameter: not imported`);
          continue;
        }
        properties[name] = schema;
        if (op.requestBody.required && body.parts.required.includes(name)) required.push(name);
      }
      open = body.parts.open;
      if (body.kind !== "json") out.body = body.kind;
      if (body.contentType) out.contentType = body.contentType;
    }
  }
  out.input = {
    type: "object",
    additionalProperties: open,
    ...(required.length > 0 ? { required } : {}),
    properties,
  };
  if (query.length > 0) out.query = query;
  if (headers.length > 0) out.headers = headers;
  out.output = mapOutput(op, label, notes);
  out.success = ["2xx"];
  return out;
}

function mapBody(
  op: OperationObject,
  label: string,
  notes: Notes,
):
  | {
      kind: "json" | "form" | "multipart";
      contentType?: string;
      parts: NonNullable<ReturnType<typeof objectParts>>;
    }
  | undefined
  | "skip" {
  const content = op.requestBody!.content!;
  const types = Object.keys(content);
  const pick =
    types.find((t) => /^application\/json$/i.test(t)) ??
    types.find((t) => JSON_TYPE.test(t)) ??
    types.find((t) => /^application\/x-www-form-urlencoded/i.test(t)) ??
    types.find((t) => /^multipart\/form-data/i.test(t));
  if (!pick) {
    notes.add(
      `${label}: request body ${types.join(", ")} is not imported (connector files send JSON, form or multipart bodies)`,
    );
    return op.requestBody!.required ? skipBody(label, notes, "its required body cannot be sent") : undefined;
  }
  for (const other of types.filter((t) => t !== pick))
    notes.add(`${label}: request body ${other} is not used; the connector sends ${pick}`);
  const schema = toJsonSchema(
    (content[pick] as MediaType).schema ?? {},
    "input",
    notes,
    `${label} request body`,
  );
  const parts = objectParts(schema);
  if (!parts) {
    notes.add(
      `${label}: request body is not an object (connector files send an object's fields as the body)`,
    );
    return op.requestBody!.required ? skipBody(label, notes, "its body is not an object") : undefined;
  }
  const kind = /form-urlencoded/i.test(pick) ? "form" : /multipart/i.test(pick) ? "multipart" : "json";
  if (kind === "multipart" && Object.values(parts.properties).some((p) => p.format === "binary"))
    notes.add(`${label}: multipart file fields are sent as text fields`);
  return {
    kind,
    contentType: kind === "json" && !/^application\/json$/i.test(pick) ? pick : undefined,
    parts,
  };
}

function mapOutput(op: OperationObject, label: string, notes: Notes): Schema {
  const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2(\d\d|XX)$/i.test(code));
  if (success.length === 0) {
    notes.add(`${label}: no 2xx response is described; the output is not checked`);
    return {};
  }
  const schemas: Schema[] = [];
  let textual = false;
  for (const [code, response] of success) {
    const types = Object.keys(response.content ?? {});
    const json = types.find((t) => JSON_TYPE.test(t));
    if (json) {
      const schema = (response.content![json] as MediaType).schema;
      if (schema) schemas.push(toJsonSchema(schema, "output", notes, `${label} response ${code}`));
    } else if (types.length > 0) textual = true;
    for (const other of types.filter((t) => t !== json && json !== undefined))
      notes.add(`${label}: response ${code} ${other} is not described in the output (only ${json} is)`);
  }
  if (textual && schemas.length === 0) {
    notes.add(`${label}: its 2xx replies are not JSON; they come back as text and are not checked`);
    return {};
  }
  const distinct = [...new Map(schemas.map((s) => [JSON.stringify(s), s])).values()];
  if (distinct.length === 0) return {};
  return distinct.length === 1 ? distinct[0]! : { anyOf: distinct };
}

function skip(label: string, notes: Notes, why: string): undefined {
  notes.add(`${label} is not imported: ${why}`);
  return undefined;
}

function skipBody(label: string, notes: Notes, why: string): "skip" {
  skip(label, notes, why);
  return "skip";
}

function isObject(schema: Schema): boolean {
  return schema.type === "object" || (schema.properties !== undefined && schema.type === undefined);
}

/** The operation's name: its operationId as an identifier, else method and path (`getRulesById`). */
function operationName(method: string, path: string, op: OperationObject): string {
  if (op.operationId) return identifier(op.operationId, "operation");
  const words = path
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? `by ${param[1]}` : segment;
    });
  return identifier([method, ...words].join(" "), "operation");
}

/** A name as an identifier: kept when it is one, else its words in camelCase (`list-rules` → `listRules`). */
function identifier(name: string, fallback: string): string {
  if (/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return name;
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const camel = words
    .map((w, i) =>
      i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1),
    )
    .join("");
  return /^[A-Za-z]/.test(camel) ? camel : `${fallback}${camel.charAt(0).toUpperCase()}${camel.slice(1)}`;
}

function humanize(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replaceAll("_", " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
