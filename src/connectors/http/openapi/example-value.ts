import type { Schema } from "./document.ts";

const BY_FORMAT: Record<string, unknown> = {
  "date-time": "2026-11-20T09:30:00Z",
  date: "2026-11-20",
  time: "09:30:00Z",
  uri: "https://example.test/resource",
  url: "https://example.test/resource",
  email: "analyst@example.test",
  hostname: "host.example.test",
  ipv4: "192.0.2.10",
  ipv6: "2001:db8::10",
  uuid: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  byte: "cmFtcGFydA==",
};

/**
 * A value that satisfies a JSON or OpenAPI schema: its example when it has one, else built from
 * type, enum, format and bounds, with every required field (and, with `full`, every field).
 * Simulators answer with it; tests call operations with it.
 */
export function exampleValue(schema: unknown, options: { full?: boolean } = {}): unknown {
  const seen: unknown[] = [];
  const build = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== "object" || seen.includes(node) || depth > 8) return undefined;
    const s = node as Schema;
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
    if (s.const !== undefined) return s.const;
    if (Array.isArray(s.enum)) return s.enum.find((v) => v !== null) ?? s.enum[0];
    if (s.default !== undefined) return s.default;
    seen.push(node);
    try {
      for (const key of ["allOf", "anyOf", "oneOf"] as const) {
        const branches = s[key] as unknown[] | undefined;
        if (!branches?.length) continue;
        if (key !== "allOf")
          return build(branches.find((b) => (b as Schema).type !== "null") ?? branches[0], depth + 1);
        const merged = branches.map((b) => build(b, depth + 1)).filter((v) => v && typeof v === "object");
        return Object.assign({}, ...merged, build({ ...s, allOf: undefined }, depth + 1) ?? {});
      }
      const type = Array.isArray(s.type)
        ? (s.type as string[]).find((t) => t !== "null")
        : (s.type as string | undefined);
      switch (type ?? (s.properties ? "object" : s.items ? "array" : undefined)) {
        case "object": {
          const out: Record<string, unknown> = {};
          const required = new Set((s.required as string[] | undefined) ?? []);
          for (const [name, property] of Object.entries((s.properties as Record<string, Schema>) ?? {})) {
            if (!options.full && !required.has(name) && depth > 0) continue;
            const value = build(property, depth + 1);
            if (value !== undefined) out[name] = value;
          }
          return out;
        }
        case "array": {
          const item = build(s.items, depth + 1);
          const count = Math.max(1, Number(s.minItems ?? 1));
          return item === undefined ? [] : Array.from({ length: count }, () => item);
        }
        case "integer":
        case "number": {
          const min =
            typeof s.minimum === "number"
              ? s.minimum
              : typeof s.exclusiveMinimum === "number"
                ? s.exclusiveMinimum + 1
                : 1;
          return type === "integer" ? Math.ceil(min) : min + 0.5;
        }
        case "boolean":
          return true;
        case "string": {
          const byFormat = BY_FORMAT[String(s.format)];
          if (byFormat !== undefined) return byFormat;
          const text = "sample-value-text".padEnd(Number(s.minLength ?? 0), "x");
          return text.slice(0, Number(s.maxLength ?? text.length));
        }
        case "null":
          return null;
        default:
          return type === undefined && !s.properties ? "sample" : {};
      }
    } finally {
      seen.pop();
    }
  };
  return build(schema, 0);
}
