/** The JSON Schema `format`s Rampart's validator knows (ajv-formats); any other is refused in a connector file. */
export const KNOWN_FORMATS = new Set([
  "date",
  "time",
  "date-time",
  "iso-time",
  "iso-date-time",
  "duration",
  "uri",
  "uri-reference",
  "uri-template",
  "url",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "regex",
  "uuid",
  "json-pointer",
  "json-pointer-uri-fragment",
  "relative-json-pointer",
  "byte",
  "int32",
  "int64",
  "float",
  "double",
  "password",
  "binary",
]);

/** Paths (within `schema`) of every `format` the validator does not know. */
export function unknownFormats(
  schema: unknown,
  at: Array<string | number> = [],
): Array<Array<string | number>> {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => unknownFormats(item, [...at, i]));
  if (schema === null || typeof schema !== "object") return [];
  const found: Array<Array<string | number>> = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === "format" && typeof value === "string" && !KNOWN_FORMATS.has(value)) found.push([...at, key]);
    else if (key !== "const" && key !== "enum" && key !== "default" && key !== "examples")
      found.push(...unknownFormats(value, [...at, key]));
  }
  return found;
}
