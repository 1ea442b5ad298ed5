import { type CompiledExpression, clip, compileExpression } from "./expressions/compile.ts";
import { ExpressionError } from "./expressions/error.ts";
import { type EvaluationJob, type EvaluationReply, SoftEvaluator } from "./expressions/evaluator.ts";
import { DEFAULT_EXPRESSION_LIMITS, type ExpressionLimits } from "./expressions/limits.ts";
import { expressionOf, expressionsIn, mapValues } from "./expressions/mapping.ts";
import { ExpressionPool } from "./expressions/pool.ts";
import { mergeReads, project, type ReadSet } from "./expressions/reads.ts";

export { ExpressionError } from "./expressions/error.ts";
export type { ExpressionLimits } from "./expressions/limits.ts";

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

/** Where an evaluation happens, for its error: `step "enrich"`, field `input`. */
export interface Where {
  step?: string;
  field?: string;
}

export interface ExpressionsOptions {
  limits?: Partial<ExpressionLimits>;
  /** Threads to evaluate on; default one pool shared by the process (its own when `memoryMb` differs). */
  pool?: ExpressionPool;
}

let shared: ExpressionPool | undefined;
let inline: Promise<SoftEvaluator> | undefined;
let inlineTail: Promise<unknown> = Promise.resolve();

/**
 * The one expression language of playbooks: JSONata, compiled once, evaluated safely (no eval).
 * Mapping values follow one convention: a string starting with `=` is an expression, `==` escapes a
 * literal leading `=`, everything else is literal.
 *
 * Evaluation happens on expression threads (expressions/pool.ts), bounded in time and memory as a
 * whole: soft limits inside (JSONata's guards, a linear-time regex engine, bounded builtins, a result
 * cap), and behind them a heap limit and a deadline at which the thread is stopped by force. Only the
 * part of the scope an expression reads is sent there.
 */
export class Expressions {
  readonly #cache = new Map<string, CompiledExpression>();
  readonly #limits: ExpressionLimits;
  readonly #pool: ExpressionPool;
  readonly #ownPool: boolean;

  constructor(options: ExpressionsOptions = {}) {
    this.#limits = { ...DEFAULT_EXPRESSION_LIMITS, ...options.limits };
    if (options.pool) {
      this.#pool = options.pool;
      this.#ownPool = false;
    } else if (this.#limits.memoryMb === DEFAULT_EXPRESSION_LIMITS.memoryMb) {
      shared ??= new ExpressionPool({ memoryMb: DEFAULT_EXPRESSION_LIMITS.memoryMb });
      this.#pool = shared;
      this.#ownPool = false;
    } else {
      this.#pool = new ExpressionPool({ memoryMb: this.#limits.memoryMb });
      this.#ownPool = true;
    }
  }

  /** Parses and checks (and caches) an expression; throws ExpressionError when it cannot run. */
  compile(text: string): CompiledExpression {
    const cached = this.#cache.get(text);
    if (cached) return cached;
    const compiled = compileExpression(text);
    if (this.#cache.size >= 5_000) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(text, compiled);
    return compiled;
  }

  /** Evaluates one expression over the scope; `undefined` (no match) becomes null. */
  async evaluate(text: string, scope: Scope, where: Where = {}): Promise<unknown> {
    const compiled = this.#compileAt(text, where);
    if (compiled.path) {
      const found = lookUp(scope, compiled.path);
      if (found !== NOT_PLAIN) return this.#copied(found, text, where) ?? null;
    }
    const reply = await this.#run(
      {
        kind: "evaluate",
        text,
        scope: JSON.stringify(project(scope, compiled.reads)) ?? "null",
        limits: this.#limits,
      },
      compiled.trivial,
    );
    if (!reply.ok) throw failure(reply.error, text, where);
    return reply.json === undefined ? null : JSON.parse(reply.json);
  }

  /** Walks a mapping (objects, arrays, scalars) and replaces every `=` expression with its value. */
  async map(value: unknown, scope: Scope, where: Where = {}): Promise<unknown> {
    if (isLiteral(value)) return literalValue(value);
    let reads: ReadSet = new Map();
    let trivial = true;
    const paths = new Map<string, string[] | undefined>();
    for (const [text, field] of expressionsIn(value)) {
      const compiled = this.#compileAt(text, { ...where, field: join(where.field, field) });
      reads = mergeReads(reads, compiled.reads);
      trivial &&= compiled.trivial;
      paths.set(text, compiled.path);
    }
    if ([...paths.values()].every((path) => path !== undefined)) {
      const direct = await this.#mapPaths(value, paths as Map<string, string[]>, scope, where);
      if (direct !== NOT_PLAIN) return direct;
    }
    const reply = await this.#run(
      {
        kind: "map",
        mapping: value,
        scope: JSON.stringify(project(scope, reads)) ?? "null",
        limits: this.#limits,
      },
      trivial,
    );
    if (!reply.ok) throw failure(reply.error, reply.error.expression ?? "", where);
    return reply.json === undefined ? null : JSON.parse(reply.json);
  }

  /**
   * A mapping of plain paths only, looked up here: JSONata returns what such a path finds through
   * objects as it is, so only the copy (below) is needed, not two JSON round trips through the
   * evaluator. NOT_PLAIN when some path crosses a list or a scalar, where JSONata's mapping over
   * sequences applies: the evaluator then does it all.
   */
  async #mapPaths(
    value: unknown,
    paths: Map<string, string[]>,
    scope: Scope,
    where: Where,
  ): Promise<unknown> {
    let plain = true;
    const mapped = await mapValues(value, async (text) => {
      const found = lookUp(scope, paths.get(text)!);
      if (found === NOT_PLAIN) plain = false;
      return found === NOT_PLAIN ? undefined : found;
    });
    if (!plain) return NOT_PLAIN;
    return this.#copied(mapped, "", where) ?? null;
  }

  /**
   * What the evaluator would hand back for a value found in the scope: a copy through JSON, so the
   * result shares nothing with the run's records, under the same cap on its size.
   */
  #copied(value: unknown, text: string, where: Where): unknown {
    if (value === undefined) return undefined;
    const json = JSON.stringify(value) ?? "null";
    if (json.length > this.#limits.maxResultBytes) {
      throw failure(
        {
          code: "R1005",
          message: `the result is ${json.length} bytes of JSON; the limit is ${this.#limits.maxResultBytes}`,
        },
        text,
        where,
      );
    }
    return JSON.parse(json);
  }

  /** Stops the threads of a pool this instance made for itself (the shared one stays). */
  close(): void {
    if (this.#ownPool) this.#pool.close();
  }

  // Trivial expressions (paths, comparisons, linear builtins) run here under the soft limits alone:
  // a round trip to a thread would cost more than they do. Every other goes to a thread.
  async #run(job: EvaluationJob, trivial: boolean): Promise<EvaluationReply> {
    if (!trivial) return this.#pool.run(job, this.#limits);
    inline ??= SoftEvaluator.create();
    const evaluator = await inline;
    // One evaluation at a time, as on a thread: the evaluator's budget belongs to the one running.
    const reply = inlineTail.then(() => evaluator.handle({ ...job, id: 0 }));
    inlineTail = reply;
    return reply;
  }

  #compileAt(text: string, where: Where): CompiledExpression {
    try {
      return this.compile(text);
    } catch (error) {
      if (error instanceof ExpressionError && (where.step || where.field)) {
        throw new ExpressionError(`${label(where)}: ${error.message}`, text, error.position, error.code);
      }
      throw error;
    }
  }
}

const NOT_PLAIN = Symbol("not a plain lookup");

/** The value at `path` through plain objects only; undefined when a field is missing. */
function lookUp(scope: Scope, path: string[]): unknown {
  let at: unknown = scope;
  for (const name of path) {
    if (at === null || typeof at !== "object" || Array.isArray(at)) return NOT_PLAIN;
    if (!Object.hasOwn(at, name)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

function failure(
  error: { message: string; code?: string; position?: number; field?: string },
  text: string,
  where: Where,
): ExpressionError {
  const field = join(where.field, error.field);
  const at = label({ step: where.step, field });
  const message = `${at ? `${at}: ` : ""}expression "${clip(text)}" failed: ${error.message}`;
  return new ExpressionError(message, text, error.position, error.code);
}

function label(where: Where): string {
  const parts: string[] = [];
  if (where.step) parts.push(`step "${where.step}"`);
  if (where.field) parts.push(where.field);
  return parts.join(", ");
}

function join(base: string | undefined, sub: string | undefined): string | undefined {
  if (!sub) return base;
  if (!base) return sub;
  return sub.startsWith("[") ? `${base}${sub}` : `${base}.${sub}`;
}

export { expressionOf } from "./expressions/mapping.ts";

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
