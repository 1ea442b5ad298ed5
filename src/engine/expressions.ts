import jsonata from "jsonata";

/** What every expression sees: the playbook's inputs, earlier steps' results, the alert, the loop item. */
export interface Scope {
  inputs: unknown;
  steps: Record<string, StepView>;
  alert?: unknown;
  item?: unknown;
  index?: number;
}

/** One finished step as expressions see it: `steps.<id>.output`, `.status`, `.error`. */
export interface StepView {
  output: unknown;
  status?: number;
  error?: unknown;
  state: "succeeded" | "failed";
}

/** An expression that does not parse or fails while it is evaluated; `expression` is its text. */
export class ExpressionError extends Error {
  readonly expression: string;
  readonly position?: number;

  constructor(message: string, expression: string, position?: number) {
    super(message);
    this.expression = expression;
    this.position = position;
  }

  override get name(): string {
    return "ExpressionError";
  }
}

// Limits keep a runaway expression (deep recursion, huge ranges) from stalling a worker.
const LIMITS = { timeout: 2_000, stack: 500, sequence: 1_000_000 };

/**
 * The one expression language of playbooks: JSONata, compiled once, evaluated safely (no eval).
 * Mapping values follow one convention: a string starting with `=` is an expression, `==` escapes a
 * literal leading `=`, everything else is literal.
 */
export class Expressions {
  readonly #cache = new Map<string, jsonata.Expression>();

  /** Compiles (and caches) an expression; throws ExpressionError on a syntax error. */
  compile(text: string): jsonata.Expression {
    const cached = this.#cache.get(text);
    if (cached) return cached;
    let compiled: jsonata.Expression;
    try {
      compiled = jsonata(text, LIMITS);
    } catch (error) {
      const e = error as jsonata.JsonataError;
      throw new ExpressionError(
        `expression "${text}" does not parse: ${e.message}${e.position ? ` (at character ${e.position})` : ""}`,
        text,
        e.position,
      );
    }
    this.#cache.set(text, compiled);
    return compiled;
  }

  /** Evaluates one expression over the scope; `undefined` (no match) becomes null. */
  async evaluate(text: string, scope: Scope): Promise<unknown> {
    return normalize(await this.#evaluateRaw(text, scope));
  }

  async #evaluateRaw(text: string, scope: Scope): Promise<unknown> {
    const compiled = this.compile(text);
    try {
      return await compiled.evaluate(scope);
    } catch (error) {
      if (error instanceof ExpressionError) throw error;
      const e = error as jsonata.JsonataError;
      throw new ExpressionError(`expression "${text}" failed: ${e.message}`, text, e.position);
    }
  }

  /** Walks a mapping (objects, arrays, scalars) and replaces every `=` expression with its value. */
  async map(value: unknown, scope: Scope): Promise<unknown> {
    const text = expressionOf(value);
    if (text !== undefined) return this.evaluate(text, scope);
    if (typeof value === "string") return unescapeLiteral(value);
    if (Array.isArray(value)) return Promise.all(value.map((item) => this.map(item, scope)));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        // A field whose expression matches nothing is left out, so optional inputs stay optional.
        const text = expressionOf(item);
        if (text === undefined) out[key] = await this.map(item, scope);
        else {
          const raw = await this.#evaluateRaw(text, scope);
          if (raw !== undefined) out[key] = normalize(raw);
        }
      }
      return out;
    }
    return value;
  }
}

/** The expression text of a mapping value, or undefined when the value is literal. */
export function expressionOf(value: unknown): string | undefined {
  if (typeof value !== "string" || !value.startsWith("=") || value.startsWith("==")) return undefined;
  return value.slice(1).trim();
}

/** True when a mapping holds no expression anywhere, so it can be checked when the playbook loads. */
export function isLiteral(value: unknown): boolean {
  if (expressionOf(value) !== undefined) return false;
  if (Array.isArray(value)) return value.every(isLiteral);
  if (value !== null && typeof value === "object") return Object.values(value).every(isLiteral);
  return true;
}

/** A literal mapping with its `==` escapes undone. */
export function literalValue(value: unknown): unknown {
  if (typeof value === "string") return unescapeLiteral(value);
  if (Array.isArray(value)) return value.map(literalValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalValue(v)]));
  }
  return value;
}

/** Fields that are always expressions (`when`, `items`, `expression`) may carry the `=` or not. */
export function bareExpression(text: string): string {
  return text.startsWith("=") && !text.startsWith("==") ? text.slice(1).trim() : text.trim();
}

function unescapeLiteral(value: string): string {
  return value.startsWith("==") ? value.slice(1) : value;
}

// JSONata returns sequences as arrays with extra flags and `undefined` for no match; keep plain JSON.
// A value that already is plain JSON (a path into an earlier step's output, typically) is returned as
// is rather than copied: step values are never mutated once recorded, so sharing them is safe.
function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "function") return null;
  if (isPlainJson(value, 0)) return value;
  return JSON.parse(JSON.stringify(value) ?? "null");
}

function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || depth > 100) return false;
  if (Array.isArray(value)) {
    // JSONata's sequences carry flags (`sequence`, `keepSingleton`, …) as extra own keys.
    if (Object.getPrototypeOf(value) !== Array.prototype || Object.keys(value).length !== value.length)
      return false;
    for (const item of value) if (!isPlainJson(item, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}
