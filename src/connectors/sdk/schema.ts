import { createRequire } from "node:module";
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from "ajv";
import { ValidationError } from "./errors.ts";
import { isSecretKey } from "./redact.ts";

// ajv and ajv-formats are CommonJS whose default exports do not survive ESM interop cleanly.
const require = createRequire(import.meta.url);
const Ajv = require("ajv").default as new (options: Options) => AjvClass;
const addFormats = require("ajv-formats").default as (ajv: AjvClass) => void;

export type JsonSchema = Record<string, unknown>;

/** One validator for the whole process; compiled schemas are cached by identity. */
export class SchemaValidator {
  readonly #ajv = new Ajv({ allErrors: false, strict: false, useDefaults: true, coerceTypes: false });
  readonly #cache = new WeakMap<object, ValidateFunction>();

  constructor() {
    addFormats(this.#ajv);
    this.#ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });
  }

  compile(schema: JsonSchema): ValidateFunction {
    const cached = this.#cache.get(schema);
    if (cached) return cached;
    const fn = this.#ajv.compile(schema);
    this.#cache.set(schema, fn);
    return fn;
  }

  /** Validates (applying schema defaults in place) and throws a ValidationError naming the field. */
  assert<T>(schema: JsonSchema, value: unknown, what: string): T {
    const validate = this.compile(schema);
    if (!validate(value)) throw toValidationError(validate.errors ?? [], what);
    return value as T;
  }
}

export const schemas = new SchemaValidator();

/** One place where a vendor's reply differs from the operation's output schema. */
export interface OutputMismatch {
  /** Where in the output, e.g. `value[3].incidentId`; "" is the whole reply. */
  path: string;
  /** What the schema expects there, e.g. `integer or null`. */
  expected: string;
  /** What the reply holds there, e.g. `string "1126093"`, or `nothing` for a missing field. */
  got: string;
  /** How many other places (the same field of other list items) differ the same way; listed once. */
  more?: number;
}

/** Most mismatches one reply reports; the same one repeated over a list's items counts once. */
const MAX_MISMATCHES = 50;

/**
 * Checks vendor replies against output schemas without touching them (no defaults applied): a
 * fast yes/no first, and only for a reply that fails, every place it differs, described.
 */
export class OutputValidator {
  readonly #fast = newAjv({ allErrors: false });
  readonly #verbose = newAjv({ allErrors: true, verbose: true });
  readonly #cache = new WeakMap<object, { fast: ValidateFunction; verbose?: ValidateFunction }>();

  /** Every place `value` differs from `schema` (empty when it matches), the same mismatch over list items once. */
  mismatches(schema: JsonSchema, value: unknown): OutputMismatch[] {
    let compiled = this.#cache.get(schema);
    if (!compiled) {
      compiled = { fast: this.#fast.compile(schema) };
      this.#cache.set(schema, compiled);
    }
    if (compiled.fast(value)) return [];
    compiled.verbose ??= this.#verbose.compile(schema);
    compiled.verbose(value);
    return collapse(mismatchesOf(compiled.verbose.errors ?? [], value));
  }
}

export const outputs = new OutputValidator();

/** `value[0].incidentId: expected integer or null, got string "7" (and 99 more at value[*].incidentId)`. */
export function formatMismatch(mismatch: OutputMismatch, prefix = "output"): string {
  const where =
    mismatch.path === "" ? prefix : `${prefix}${mismatch.path.startsWith("[") ? "" : "."}${mismatch.path}`;
  const more = mismatch.more ? ` (and ${mismatch.more} more like it at ${patternOf(mismatch.path)})` : "";
  return `${where}: expected ${mismatch.expected}, got ${mismatch.got}${more}`;
}

function newAjv(options: Options): AjvClass {
  const ajv = new Ajv({ strict: false, useDefaults: false, coerceTypes: false, ...options });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "secret", schemaType: "boolean" });
  return ajv;
}

interface Finding {
  pointer: string[];
  kind: "type" | "const" | "union" | "other";
  expected: string;
  /** Schema path of the keyword, to tell a union's own branches from deeper failures. */
  schemaPath: string;
  missing?: boolean;
}

function mismatchesOf(errors: ErrorObject[], root: unknown): OutputMismatch[] {
  const findings: Finding[] = errors.map(findingOf);
  const byPointer = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = f.pointer.join("/");
    const list = byPointer.get(key) ?? [];
    list.push(f);
    byPointer.set(key, list);
  }
  const keys = [...byPointer.keys()];
  const out: OutputMismatch[] = [];
  for (const [key, list] of byPointer) {
    const unions = list.filter((f) => f.kind === "union");
    // A union whose value fails only deeper inside one branch: the other branches' complaints here are noise.
    const deeper = keys.some((other) => other !== key && (key === "" ? true : other.startsWith(`${key}/`)));
    if (unions.length > 0 && deeper) continue;
    const own = list.filter((f) => f.kind !== "union");
    if (own.length === 0) continue;
    const types = [...new Set(own.filter((f) => f.kind === "type").map((f) => f.expected))];
    const consts = [...new Set(own.filter((f) => f.kind === "const").map((f) => f.expected))];
    const others = [...new Set(own.filter((f) => f.kind === "other").map((f) => f.expected))];
    const parts = [
      ...types,
      ...(consts.length === 1 ? consts : consts.length > 1 ? [`one of ${consts.join(", ")}`] : []),
      ...others,
    ];
    const pointer = list[0]!.pointer;
    const value = resolve(root, pointer);
    out.push({
      path: pathOf(pointer),
      expected: parts.join(" or "),
      got: own.some((f) => f.missing)
        ? "nothing"
        : describeValue(value.found ? value.value : undefined, pointer.at(-1)),
    });
  }
  return out;
}

function findingOf(error: ErrorObject): Finding {
  const pointer =
    error.instancePath === "" ? [] : error.instancePath.slice(1).split("/").map(unescapePointer);
  const params = error.params as Record<string, unknown>;
  const base = { pointer, schemaPath: error.schemaPath };
  switch (error.keyword) {
    case "type":
      return { ...base, kind: "type", expected: [params.type].flat().join(" or ") };
    case "const":
      return { ...base, kind: "const", expected: JSON.stringify(params.allowedValue) };
    case "enum":
      return {
        ...base,
        kind: "const",
        expected: (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", "),
      };
    case "anyOf":
    case "oneOf":
      return { ...base, kind: "union", expected: "" };
    case "required": {
      const name = String(params.missingProperty);
      const property = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)
        ?.properties?.[name];
      return {
        ...base,
        pointer: [...pointer, name],
        kind: "other",
        expected: describeSchema(property),
        missing: true,
      };
    }
    case "additionalProperties":
      return {
        ...base,
        pointer: [...pointer, String(params.additionalProperty)],
        kind: "other",
        expected: "no such field",
      };
    case "format":
      return { ...base, kind: "other", expected: `${String(params.format)} string` };
    case "pattern":
      return { ...base, kind: "other", expected: `string matching ${String(params.pattern)}` };
    default:
      return { ...base, kind: "other", expected: `a value that ${error.message ?? "matches the schema"}` };
  }
}

/** A schema in a few words: `integer or null`, `array`, `"HIGH"`. */
function describeSchema(schema: unknown): string {
  if (schema === null || typeof schema !== "object") return "a value";
  const s = schema as {
    type?: unknown;
    const?: unknown;
    enum?: unknown[];
    anyOf?: unknown[];
    oneOf?: unknown[];
  };
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (s.type !== undefined) return [s.type].flat().join(" or ");
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union)) return [...new Set(union.map(describeSchema))].join(" or ");
  return "a value";
}

/** A value in a few words; a value under a secret-looking key shows its type only. */
function describeValue(value: unknown, key: string | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object") return "object";
  if (key !== undefined && isSecretKey(key)) return typeof value;
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function resolve(root: unknown, pointer: string[]): { found: boolean; value: unknown } {
  let value = root;
  for (const key of pointer) {
    if (value === null || typeof value !== "object" || !(key in value))
      return { found: false, value: undefined };
    value = (value as Record<string, unknown>)[key];
  }
  return { found: true, value };
}

function unescapePointer(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** `value[0].incidentId`, `["@odata.context"]` for keys that are not identifiers. */
function pathOf(pointer: string[]): string {
  let path = "";
  for (const key of pointer) {
    if (/^\d+$/.test(key)) path += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(key)) path += path === "" ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path;
}

function patternOf(path: string): string {
  return path.replace(/\[\d+\]/g, "[*]");
}

/** The same mismatch at the same field of many list items becomes one entry with a count. */
function collapse(mismatches: OutputMismatch[]): OutputMismatch[] {
  const seen = new Map<string, OutputMismatch>();
  for (const m of mismatches) {
    const key = `${patternOf(m.path)}\u0000${m.expected}\u0000${m.got.split(" ")[0]}`;
    const first = seen.get(key);
    if (first) first.more = (first.more ?? 0) + 1;
    else if (seen.size < MAX_MISMATCHES) seen.set(key, { ...m });
  }
  return [...seen.values()];
}

function toValidationError(errors: ErrorObject[], what: string): ValidationError {
  const error = errors[0];
  if (!error) return new ValidationError(`${what} is invalid`, { field: what });
  let field = error.instancePath.replace(/^\//, "").replaceAll("/", ".");
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") field = join(field, String(params.missingProperty));
  if (error.keyword === "additionalProperties") field = join(field, String(params.additionalProperty));
  const where = field ? `${what}.${field}` : what;
  const message = describe(error);
  return new ValidationError(`${where} ${message}`, {
    field: field || what,
    details: { keyword: error.keyword },
  });
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return "is required";
    case "additionalProperties":
      return "is not an allowed field";
    case "enum":
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return error.message ?? "is invalid";
  }
}
