import { KNOWN_FORMATS } from "../file/formats.ts";
import type { Schema } from "./document.ts";

/** Which side of the wire a schema describes: readOnly fields leave inputs, writeOnly fields leave outputs. */
export type Direction = "input" | "output";

/** What converting schemas could not carry over, each said once. */
export class Notes {
  readonly #lines = new Set<string>();

  add(line: string): void {
    this.#lines.add(line);
  }

  list(): string[] {
    return [...this.#lines];
  }
}

// OpenAPI keywords with no JSON Schema meaning for validation.
const DROPPED = new Set([
  "discriminator",
  "xml",
  "externalDocs",
  "example",
  "nullable",
  "deprecated",
  "$schema",
  "$id",
  "$defs",
  "definitions",
]);

/**
 * An OpenAPI 3.0/3.1 Schema Object (already dereferenced, so possibly circular) as a plain JSON
 * Schema the SDK's validator takes: `nullable` becomes a null type, boolean exclusive bounds
 * become numbers, unknown formats and OpenAPI-only keywords go, a schema met again inside itself
 * becomes `{}` (and is noted).
 */
export function toJsonSchema(schema: unknown, direction: Direction, notes: Notes, where: string): Schema {
  const stack: unknown[] = [];
  const walk = (node: unknown, depth: number): unknown => {
    if (node === true || node === false) return node;
    if (node === null || typeof node !== "object" || Array.isArray(node)) return {};
    if (stack.includes(node) || depth > 32) {
      const name = typeof (node as Schema).title === "string" ? ` ${(node as Schema).title}` : "";
      notes.add(`${where}: a schema${name} contains itself; its nested levels are not checked`);
      return {};
    }
    stack.push(node);
    const source = node as Schema;
    const out: Schema = {};
    for (const [key, value] of Object.entries(source)) {
      if (DROPPED.has(key) || key.startsWith("x-")) continue;
      switch (key) {
        case "properties": {
          const properties: Record<string, unknown> = {};
          for (const [name, property] of Object.entries(value as Record<string, Schema>)) {
            if (direction === "input" && property?.readOnly === true) continue;
            if (direction === "output" && property?.writeOnly === true) continue;
            properties[name] = walk(property, depth + 1);
          }
          out.properties = properties;
          break;
        }
        case "items":
        case "additionalProperties":
        case "not":
        case "contains":
        case "propertyNames":
        case "if":
        case "then":
        case "else":
          out[key] = walk(value, depth + 1);
          break;
        case "allOf":
        case "anyOf":
        case "oneOf":
        case "prefixItems":
          out[key] = (value as unknown[]).map((item) => walk(item, depth + 1));
          break;
        case "patternProperties":
        case "dependentSchemas":
          out[key] = Object.fromEntries(
            Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v, depth + 1)]),
          );
          break;
        case "format":
          if (typeof value === "string" && KNOWN_FORMATS.has(value)) out.format = value;
          else
            notes.add(
              `format "${String(value)}" is not one Rampart validates; such values are checked as plain ${String(source.type ?? "values")}`,
            );
          break;
        case "exclusiveMinimum":
        case "exclusiveMaximum": {
          // OpenAPI 3.0 (JSON Schema draft 4): a boolean beside minimum/maximum.
          const bound = key === "exclusiveMinimum" ? "minimum" : "maximum";
          if (value === true && typeof source[bound] === "number") out[key] = source[bound];
          else if (typeof value === "number") out[key] = value;
          break;
        }
        case "minimum":
        case "maximum": {
          const exclusive = key === "minimum" ? source.exclusiveMinimum : source.exclusiveMaximum;
          if (exclusive !== true) out[key] = value;
          break;
        }
        case "required": {
          // A required field removed for this direction is not required either.
          const kept = (value as string[]).filter((name) => {
            const property = (source.properties as Record<string, Schema> | undefined)?.[name];
            return !(
              (direction === "input" && property?.readOnly === true) ||
              (direction === "output" && property?.writeOnly === true)
            );
          });
          if (kept.length > 0) out.required = kept;
          break;
        }
        case "readOnly":
        case "writeOnly":
          break;
        default:
          out[key] = value;
      }
    }
    stack.pop();
    if (source.nullable !== true) return out;
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    if (typeof out.type === "string") out.type = [out.type, "null"];
    else if (Array.isArray(out.type)) out.type = [...new Set([...(out.type as string[]), "null"])];
    else return { anyOf: [out, { type: "null" }] };
    return out;
  };
  return walk(schema, 0) as Schema;
}

/** An object schema's properties and required names, through `allOf` (the common way to extend one). */
export function objectParts(
  schema: Schema,
): { properties: Record<string, Schema>; required: string[]; open: boolean } | undefined {
  const parts = [schema, ...((schema.allOf as Schema[] | undefined) ?? [])];
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  let object = false;
  let open = false;
  for (const part of parts) {
    if (part.type === "object" || part.properties) object = true;
    Object.assign(properties, part.properties ?? {});
    required.push(...((part.required as string[] | undefined) ?? []));
    if (part.additionalProperties !== undefined && part.additionalProperties !== false) open = true;
  }
  if (!object) return undefined;
  return { properties, required: [...new Set(required)], open };
}
