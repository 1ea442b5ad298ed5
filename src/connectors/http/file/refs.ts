import type { Segment } from "./source.ts";

const LOCAL = /^#\/\$defs\/([^/]+)$/;

/**
 * A schema with every `$ref: "#/$defs/<name>"` replaced by a copy of that definition (its own refs
 * inlined too), so each operation's schemas stand alone. A missing, non-local or recursive ref is
 * reported at the `$ref` itself, where it is written in the file.
 */
export function inlineRefs(
  schema: unknown,
  defs: Record<string, unknown>,
  where: Segment[],
  report: (path: Segment[], message: string) => void,
): unknown {
  const walk = (node: unknown, at: Segment[], stack: string[]): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...at, i], stack));
    if (node === null || typeof node !== "object") return node;
    const record = node as Record<string, unknown>;
    if (typeof record.$ref === "string") {
      const { $ref, ...siblings } = record;
      const name = LOCAL.exec($ref)?.[1];
      const here = [...at, "$ref"];
      if (name === undefined) {
        report(here, `$ref "${$ref}" is not supported: refer to this file's own $defs, as "#/$defs/<name>"`);
        return {};
      }
      if (!(name in defs)) {
        const known = Object.keys(defs).join(", ") || "none";
        report(here, `$ref "${$ref}" names no schema under $defs (defined: ${known})`);
        return {};
      }
      if (stack.includes(name)) {
        report(
          here,
          `$ref "${$ref}" refers back to itself (${[...stack, name].join(" → ")}); connector files cannot hold recursive schemas`,
        );
        return {};
      }
      const inlined = walk(defs[name], ["$defs", name], [...stack, name]) as Record<string, unknown>;
      return { ...inlined, ...(walk(siblings, at, stack) as Record<string, unknown>) };
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) out[key] = walk(value, [...at, key], stack);
    return out;
  };
  return walk(schema, where, []);
}
