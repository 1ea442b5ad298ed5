import { schemas } from "../../sdk/index.ts";
import { authFields } from "../auth-spec.ts";
import { placeholders } from "../template.ts";
import type { ConnectorFile, OperationFile } from "./format.ts";
import { unknownFormats } from "./formats.ts";
import { inlineRefs } from "./refs.ts";
import { dotted, type Segment } from "./source.ts";

type At = (path: Segment[], message: string, onKey?: boolean) => void;
type Schema = Record<string, unknown>;

/** A file's schemas with its `$defs` refs inlined: what the connector is built from. */
export interface ResolvedSchemas {
  connection: Schema;
  inputs: Schema[];
  outputs: Schema[];
}

const EMPTY_INPUT: Schema = { type: "object", properties: {}, additionalProperties: false };

/** Inlines every `$ref` of the connection and operation schemas, reporting bad refs where they are written. */
export function resolveSchemas(file: ConnectorFile, at: At): ResolvedSchemas {
  const defs = file.$defs ?? {};
  const inline = (schema: Schema, where: Segment[]) => inlineRefs(schema, defs, where, at) as Schema;
  return {
    connection: inline(file.connection, ["connection"]),
    inputs: file.operations.map((op, i) => inline(op.input ?? EMPTY_INPUT, ["operations", i, "input"])),
    outputs: file.operations.map((op, i) => inline(op.output ?? {}, ["operations", i, "output"])),
  };
}

/** What checking a file needs besides the file: names in use, and a JSON Schema meta-validator. */
export interface CheckContext {
  /** Connector names already defined, each with what defines it. */
  taken: ReadonlyMap<string, string>;
  /** Why a schema is not a valid JSON Schema, or undefined when it is. */
  schemaProblem(schema: Schema): string | undefined;
}

/** The semantic rules the file's JSON Schema cannot say; every break is reported where it is written. */
export function checkFile(
  file: ConnectorFile,
  resolved: ResolvedSchemas,
  at: At,
  context: CheckContext,
): void {
  const owner = context.taken.get(file.name);
  if (owner) at(["name"], `connector "${file.name}" is already defined (${owner}); pick another name`);
  const fields = propertiesOf(resolved.connection);
  const checkSchema = (schema: Schema, where: Segment[], options: { object: boolean }) =>
    checkOneSchema(schema, where, at, options, context);
  checkSchema(resolved.connection, ["connection"], { object: true });
  const needField = (template: string, where: Segment[], what: string) => {
    for (const name of placeholders(template))
      if (!fields[name])
        at(where, `${what} uses {${name}}, which is not a connection field (${known(fields)})`);
  };
  needField(file.baseUrl, ["baseUrl"], "baseUrl");
  if (placeholders(file.baseUrl).length === 0 && !/^https?:\/\/[^/]/.test(file.baseUrl))
    at(["baseUrl"], "baseUrl must be an http(s) URL or use a connection field, e.g. {url}/api/v2");
  file.allowedOrigins?.forEach((origin, i) => {
    needField(origin, ["allowedOrigins", i], "allowedOrigins");
  });
  if (file.auth) checkAuth(file, fields, at, needField);
  const seen = new Map<string, number>();
  file.operations.forEach((op, i) => {
    const previous = seen.get(op.name);
    if (previous !== undefined)
      at(
        ["operations", i, "name"],
        `operation name "${op.name}" is used twice (also operations[${previous}])`,
      );
    else seen.set(op.name, i);
    checkSchema(resolved.inputs[i]!, ["operations", i, "input"], { object: true });
    checkSchema(resolved.outputs[i]!, ["operations", i, "output"], { object: false });
    checkOperation(op, resolved.inputs[i]!, ["operations", i], at);
  });
  if (file.test) {
    const index = file.operations.findIndex((op) => op.name === file.test!.operation);
    if (index < 0) {
      at(["test", "operation"], `test operation "${file.test.operation}" is not one of the operations`);
    } else {
      try {
        schemas.assert(resolved.inputs[index]!, structuredClone(file.test.input ?? {}), "input");
      } catch (error) {
        const field = (error as { field?: string }).field;
        at(["test", "input", ...(field ? field.split(".") : [])], `test ${(error as Error).message}`);
      }
    }
  }
}

function checkAuth(
  file: ConnectorFile,
  fields: Record<string, Schema>,
  at: At,
  needField: (template: string, where: Segment[], what: string) => void,
): void {
  const auth = file.auth!;
  for (const { field, secret, where } of authFields(auth)) {
    const property = fields[field];
    if (!property)
      at(["auth", ...where], `auth reads "${field}", which is not a connection field (${known(fields)})`);
    else if (secret && property.secret !== true)
      at(
        ["connection", "properties", field],
        `connection field "${field}" holds a credential (auth ${where.join(".")}): mark it secret: true so it is encrypted and redacted`,
      );
  }
  const templates = (spec: typeof auth, where: Segment[]): void => {
    if (spec.type === "oauth2-client-credentials") {
      needField(spec.tokenUrl, [...where, "tokenUrl"], "auth.tokenUrl");
      if (spec.scope) needField(spec.scope, [...where, "scope"], "auth.scope");
      if (spec.audience) needField(spec.audience, [...where, "audience"], "auth.audience");
    }
    if (spec.type === "all-of")
      spec.strategies.forEach((s, i) => {
        templates(s, [...where, "strategies", i]);
      });
  };
  templates(auth, ["auth"]);
}

function checkOperation(op: OperationFile, input: Schema, where: Segment[], at: At): void {
  const fields = propertiesOf(input);
  const required = new Set(Array.isArray(input.required) ? (input.required as string[]) : []);
  for (const name of [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
    if (!fields[name])
      at([...where, "path"], `path placeholder {${name}} is not a field of the input (${known(fields)})`);
    else if (!required.has(name))
      at(
        [...where, "input", "required"],
        `input field "${name}" fills the path's {${name}}, so it must be required`,
      );
  }
  const listed = (list: string[] | undefined, key: string) =>
    list?.forEach((name, j) => {
      if (!fields[name])
        at(
          [...where, key, j],
          `${key} names "${name}", which is not a field of the input (${known(fields)})`,
        );
    });
  listed(op.query, "query");
  listed(op.headers, "headers");
  const bodyless = op.method === "GET" || op.method === "DELETE";
  if (op.body && op.body !== "none" && bodyless)
    at([...where, "body"], `${op.method} sends its fields in the query; body applies to POST, PUT and PATCH`);
  if (op.contentType && (bodyless || (op.body ?? "json") !== "json"))
    at([...where, "contentType"], "contentType applies to a JSON body (POST, PUT or PATCH with body json)");
  const paginate = op.paginate as Record<string, unknown> | undefined;
  if (paginate) {
    const params: Array<[string, unknown]> = [
      ["limitParam", paginate.limitParam],
      ["offsetParam", paginate.offsetParam],
      ["cursorParam", paginate.cursorParam],
      ["pageSize", (paginate.pageSize as { param?: string } | undefined)?.param],
    ];
    for (const [key, value] of params) {
      if (typeof value !== "string") continue;
      const field = value.split(".")[0]!;
      if (!fields[field])
        at(
          [...where, "paginate", key],
          `paginate.${key} "${value}" is not a field of the input (${known(fields)})`,
        );
    }
  }
}

function checkOneSchema(
  schema: Schema,
  where: Segment[],
  at: At,
  options: { object: boolean },
  context: CheckContext,
): void {
  if (options.object && (schema.type !== "object" || typeof (schema.properties ?? {}) !== "object"))
    at(where, `${dotted(where)} must be a JSON Schema of type "object" with the fields under properties`);
  for (const path of unknownFormats(schema))
    at(
      [...where, ...path],
      `format "${String(pick(schema, path))}" is not one Rampart validates (use uri, date-time, ipv4, uuid…)`,
    );
  const problem = context.schemaProblem(schema);
  if (problem) at(where, `${dotted(where)} is not a valid JSON Schema: ${problem}`);
}

function propertiesOf(schema: Schema): Record<string, Schema> {
  const properties = schema.properties;
  return properties !== null && typeof properties === "object" ? (properties as Record<string, Schema>) : {};
}

function known(fields: Record<string, unknown>): string {
  const names = Object.keys(fields);
  return names.length > 0 ? `fields: ${names.join(", ")}` : "it has no fields";
}

function pick(value: unknown, path: Segment[]): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown>)?.[key];
  return current;
}
