import jsonata from "jsonata";
import { type Budget, boundedBuiltins, loadOriginals } from "./builtins.ts";
import type { ExpressionLimits } from "./limits.ts";
import { LinearRegExp } from "./linear-regex.ts";
import { mapValues } from "./mapping.ts";

/** One evaluation; `scope` is the JSON of the (projected) root. */
export type EvaluationJob =
  | { kind: "evaluate"; text: string; scope: string; limits: SoftLimits }
  | { kind: "map"; mapping: unknown; scope: string; limits: SoftLimits };

/** An evaluation as the thread receives it. */
export type EvaluationRequest = EvaluationJob & { id: number };

/** The limits an evaluation carries with it (the thread's memory is fixed when it starts). */
export type SoftLimits = Omit<ExpressionLimits, "memoryMb" | "graceMs">;

export interface EvaluationError {
  message: string;
  code?: string;
  position?: number;
  /** Where in a mapping the failing expression sits, e.g. `title` or `tags[2]`. */
  field?: string;
  /** The failing expression's text. */
  expression?: string;
}

/** The thread's answer: the result's JSON (absent for "no match"), or what went wrong. */
export type EvaluationReply =
  | { id: number; ok: true; json?: string }
  | { id: number; ok: false; error: EvaluationError };

interface Compiled {
  expression: jsonata.Expression;
  options: jsonata.JsonataOptions;
}

const CACHE_LIMIT = 2_000;

/**
 * Evaluates expressions under soft limits: JSONata's own timeout, depth and sequence guards, a
 * linear-time regex engine, bounded builtins and a size cap on results. Runs inside the expression
 * thread, one evaluation at a time; the thread's heap limit and the parent's deadline are the hard
 * stop behind these.
 */
export class SoftEvaluator {
  readonly #cache = new Map<string, Compiled>();
  #budget: Budget = { deadline: 0, timeoutMs: 0, depth: 0, sequence: 0, maxStringLength: 0 };
  readonly #builtins = boundedBuiltins(
    () => this.#budget,
    (text, depth) => this.#compileFresh(text, { depth, timeoutMs: this.#remaining() }).expression,
  );

  /** Prepares JSONata's builtins for delegation; call once before the first evaluation. */
  static async create(): Promise<SoftEvaluator> {
    await loadOriginals();
    return new SoftEvaluator();
  }

  async handle(request: EvaluationRequest): Promise<EvaluationReply> {
    const { limits } = request;
    this.#budget = {
      deadline: performance.now() + limits.timeoutMs,
      timeoutMs: limits.timeoutMs,
      depth: limits.depth,
      sequence: limits.sequence,
      maxStringLength: limits.maxStringLength,
    };
    let field: string | undefined;
    let expression: string | undefined;
    try {
      const scope = JSON.parse(request.scope) as unknown;
      let value: unknown;
      if (request.kind === "evaluate") {
        expression = request.text;
        value = await this.#evaluate(request.text, scope, limits);
      } else {
        value = await mapValues(request.mapping, (text, at) => {
          field = at;
          expression = text;
          return this.#evaluate(text, scope, limits);
        });
      }
      if (value === undefined) return { id: request.id, ok: true };
      const json = JSON.stringify(value) ?? "null";
      if (json.length > limits.maxResultBytes) {
        return this.#fail(request.id, {
          code: "R1005",
          message: `the result is ${json.length} bytes of JSON; the limit is ${limits.maxResultBytes}`,
          field,
          expression,
        });
      }
      return { id: request.id, ok: true, json };
    } catch (error) {
      const e = error as { code?: string; message?: string; position?: number };
      const code = typeof e?.code === "string" ? e.code : undefined;
      return this.#fail(request.id, {
        code,
        message:
          code === "D1012"
            ? `it ran longer than its time limit of ${limits.timeoutMs} ms`
            : code === "D1011"
              ? `it nested deeper than the limit of ${limits.depth} levels (recursion?)`
              : error instanceof RangeError
                ? `${error.message} (the evaluation ran out of room)`
                : String(e?.message ?? error),
        position: typeof e?.position === "number" ? e.position : undefined,
        field,
        expression,
      });
    }
  }

  #fail(id: number, error: EvaluationError): EvaluationReply {
    const clean = Object.fromEntries(Object.entries(error).filter(([, v]) => v !== undefined));
    return { id, ok: false, error: clean as unknown as EvaluationError };
  }

  #remaining(): number {
    return Math.max(1, Math.floor(this.#budget.deadline - performance.now()));
  }

  async #evaluate(text: string, scope: unknown, limits: SoftLimits): Promise<unknown> {
    const compiled = this.#compile(text, limits);
    // JSONata reads its options at each guard check; one evaluation runs at a time in this thread.
    compiled.options.timeout = this.#remaining();
    compiled.options.stack = limits.depth;
    compiled.options.sequence = limits.sequence;
    if (performance.now() >= this.#budget.deadline) throw { code: "D1012" };
    return compiled.expression.evaluate(scope);
  }

  #compile(text: string, limits: SoftLimits): Compiled {
    let compiled = this.#cache.get(text);
    if (compiled === undefined) {
      compiled = this.#compileFresh(text, { depth: limits.depth, timeoutMs: limits.timeoutMs });
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(text, compiled);
    }
    return compiled;
  }

  #compileFresh(text: string, bounds: { depth: number; timeoutMs: number }): Compiled {
    const options: jsonata.JsonataOptions = {
      timeout: bounds.timeoutMs,
      stack: bounds.depth,
      sequence: this.#budget.sequence,
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    };
    const expression = jsonata(text, options);
    for (const [name, { implementation, signature }] of Object.entries(this.#builtins))
      expression.registerFunction(name, implementation as never, signature);
    return { expression, options };
  }
}
