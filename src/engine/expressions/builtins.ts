import jsonata from "jsonata";
import { MAX_EXPRESSION_LENGTH } from "./limits.ts";

/** What bounded builtins need of the evaluation they run in. */
export interface Budget {
  /** `performance.now()` after which the evaluation has run out of time. */
  deadline: number;
  timeoutMs: number;
  depth: number;
  sequence: number;
  maxStringLength: number;
}

/** Compiles an expression for evaluation with every bounded builtin bound; `$eval` compiles through it too. */
export type Compiler = (text: string, depth: number) => jsonata.Expression;

interface Focus {
  environment: { base: { depth: number } };
  options?: { stack?: number };
  input: unknown;
  createSequence: () => unknown[];
}

type Implementation = (this: Focus, ...args: never[]) => unknown;
interface JsonataFunction {
  implementation: Implementation;
}

/** A JSONata error object; `populateMessage` keeps `message` for codes it does not know. */
function limitError(code: string, message: string): { code: string; message: string; stack?: string } {
  return { code, message, stack: new Error().stack };
}

let originals: Record<string, JsonataFunction> | undefined;

async function builtin(name: string): Promise<JsonataFunction> {
  return (await jsonata(`$${name}`).evaluate({})) as JsonataFunction;
}

/** Loads JSONata's own implementations that the bounded ones delegate to (once per thread). */
export async function loadOriginals(): Promise<void> {
  originals ??= {
    pad: await builtin("pad"),
    split: await builtin("split"),
    replace: await builtin("replace"),
  };
}

function original(name: string): Implementation {
  if (!originals) throw new Error("loadOriginals() must run before an evaluation");
  return originals[name]!.implementation;
}

/**
 * Builtins that replace JSONata's own where one call could take unbounded time or memory, plus
 * `$parseJson`. Each checks the size of what it would make before making it.
 */
export function boundedBuiltins(budget: () => Budget, compile: Compiler) {
  const tooLong = (fn: string, length: number) => {
    const { maxStringLength } = budget();
    if (length > maxStringLength)
      throw limitError(
        "R1001",
        `$${fn} would make a string of ${length} characters; the limit is ${maxStringLength}`,
      );
  };
  return {
    pad: {
      signature: "<s-ns?:s>",
      implementation(this: Focus, str: string | undefined, width: number, char?: string) {
        if (str === undefined) return undefined;
        tooLong("pad", Math.max(str.length, Math.abs(width)));
        return original("pad").call(this, str as never, width as never, char as never);
      },
    },
    join: {
      signature: "<a<s>s?:s>",
      implementation(strs: string[] | undefined, separator = "") {
        if (strs === undefined) return undefined;
        let length = Math.max(0, strs.length - 1) * separator.length;
        for (const s of strs) length += s.length;
        tooLong("join", length);
        return strs.join(separator);
      },
    },
    split: {
      signature: "<s-(sf)n?:a<s>>",
      async implementation(this: Focus, str: string | undefined, separator: unknown, limit?: number) {
        if (str === undefined) return undefined;
        const { sequence } = budget();
        const cap = limit === undefined ? sequence + 1 : Math.min(limit, sequence + 1);
        if (typeof separator === "string") {
          const parts = separator === "" ? str.length : occurrences(str, separator, cap) + 1;
          if (Math.min(parts, cap) > sequence)
            throw limitError("R1002", `$split would make more than ${sequence} parts`);
        }
        const parts = (await original("split").call(
          this,
          str as never,
          separator as never,
          cap as never,
        )) as string[];
        if (parts.length > sequence)
          throw limitError("R1002", `$split would make more than ${sequence} parts`);
        return limit === undefined ? parts : parts.slice(0, limit);
      },
    },
    replace: {
      signature: "<s-(sf)(sf)n?:s>",
      async implementation(
        this: Focus,
        str: string | undefined,
        pattern: unknown,
        replacement: unknown,
        limit?: number,
      ) {
        if (str === undefined) return undefined;
        if (typeof pattern === "string" && typeof replacement === "string" && pattern !== "") {
          const count = occurrences(str, pattern, limit ?? Number.POSITIVE_INFINITY);
          tooLong("replace", str.length + count * (replacement.length - pattern.length));
        }
        const result = (await original("replace").call(
          this,
          str as never,
          pattern as never,
          replacement as never,
          limit as never,
        )) as string;
        tooLong("replace", result.length);
        return result;
      },
    },
    distinct: {
      signature: "<x:x>",
      implementation(this: Focus, arr: unknown) {
        if (arr === undefined) return undefined;
        if (!Array.isArray(arr) || arr.length <= 1) return arr;
        // JSONata's own compares every item with every kept one; a canonical key is linear.
        const seen = new Set<string>();
        const out = (arr as { sequence?: boolean }).sequence ? this.createSequence() : [];
        for (const item of arr) {
          const key = canonical(item);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(item);
        }
        return out;
      },
    },
    eval: {
      signature: "<sx?:x>",
      async implementation(this: Focus, text: string | undefined, focus?: unknown) {
        if (text === undefined) return undefined;
        if (text.length > MAX_EXPRESSION_LENGTH)
          throw limitError(
            "R1003",
            `$eval was given ${text.length} characters; the limit is ${MAX_EXPRESSION_LENGTH}`,
          );
        const b = budget();
        // The inner evaluation gets what is left of the caller's depth and time, never a fresh budget.
        const depthLeft = (this.options?.stack ?? b.depth) - this.environment.base.depth;
        if (depthLeft <= 1) throw { code: "D1011", value: b.depth, stack: new Error().stack };
        if (performance.now() >= b.deadline)
          throw { code: "D1012", value: b.timeoutMs, stack: new Error().stack };
        let inner: jsonata.Expression;
        try {
          inner = compile(text, depthLeft - 1);
        } catch (error) {
          throw limitError(
            "D3120",
            `Syntax error in expression passed to function eval: ${messageOf(error)}`,
          );
        }
        return inner.evaluate(focus === undefined ? this.input : focus);
      },
    },
    parseJson: {
      signature: "<s-:x>",
      implementation(text: string | undefined) {
        if (text === undefined) return undefined;
        tooLong("parseJson", text.length);
        try {
          return JSON.parse(text);
        } catch (error) {
          throw limitError("R1004", `$parseJson was given text that is not JSON: ${messageOf(error)}`);
        }
      },
    },
  };
}

function occurrences(str: string, pattern: string, cap: number): number {
  let count = 0;
  for (let at = str.indexOf(pattern); at >= 0 && count < cap; at = str.indexOf(pattern, at + pattern.length))
    count++;
  return count;
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return `${typeof value}:${String(value)}`;
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

function messageOf(error: unknown): string {
  return String((error as { message?: unknown })?.message ?? error);
}
