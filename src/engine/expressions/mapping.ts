/** The expression text of a mapping value, or undefined when the value is literal. */
export function expressionOf(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.startsWith("=") || value.startsWith("==")) return undefined;
  return value.slice(1).trim();
}

/** `input.tags[2]` */
export function dotted(path: Array<string | number>): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/**
 * Walks a mapping and replaces every `=` expression with what `evaluate` gives (undefined for no
 * match): in a list no match becomes null, in an object the field is left out, so optional inputs
 * stay optional; `==` escapes a literal leading `=`.
 */
export async function mapValues(
  value: unknown,
  evaluate: (text: string, field: string) => Promise<unknown>,
  path: Array<string | number> = [],
): Promise<unknown> {
  const text = expressionOf(value);
  if (text !== undefined) return evaluate(text, dotted(path));
  if (typeof value === "string") return value.startsWith("==") ? value.slice(1) : value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const v = await mapValues(item, evaluate, [...path, i]);
      out.push(v === undefined ? null : v);
    }
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const v = await mapValues(item, evaluate, [...path, key]);
      if (v !== undefined) Object.defineProperty(out, key, { value: v, enumerable: true, writable: true });
    }
    return out;
  }
  return value;
}

/** Every expression in a mapping with the field it sits in. */
export function* expressionsIn(
  value: unknown,
  path: Array<string | number> = [],
): Generator<[string, string]> {
  const text = expressionOf(value);
  if (text !== undefined) yield [text, dotted(path)];
  else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* expressionsIn(item, [...path, i]);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) yield* expressionsIn(item, [...path, key]);
  }
}
