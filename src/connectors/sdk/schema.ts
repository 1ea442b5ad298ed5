import { createRequire } from "node:module";
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from "ajv";
import { ValidationError } from "./errors.ts";

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

function toValidationError(errors: ErrorObject[], what: string): ValidationError {
  const error = errors[0];
  if (!error) return new ValidationError(`${what} is invalid`);
  let field = error.instancePath.replace(/^\//, "").replaceAll("/", ".");
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required") field = join(field, String(params.missingProperty));
  if (error.keyword === "additionalProperties") field = join(field, String(params.additionalProperty));
  const where = field ? `${what}.${field}` : what;
  const message = describe(error);
  return new ValidationError(`${where} ${message}`, {
    field: field || undefined,
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
