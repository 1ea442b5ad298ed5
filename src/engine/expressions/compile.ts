import jsonata from "jsonata";
import { ExpressionError } from "./error.ts";
import { MAX_EXPRESSION_LENGTH } from "./limits.ts";
import { compileLinear } from "./linear-regex.ts";
import { type ReadSet, readsOf } from "./reads.ts";
import { isTrivial } from "./trivial.ts";

/** A parsed, checked expression: its text, what it reads of its root, and whether it may run inline. */
export interface CompiledExpression {
  text: string;
  reads: ReadSet;
  /** Cheap enough (see trivial.ts) to be evaluated in the caller's thread. */
  trivial: boolean;
  /** The field names of a plain path (`steps.get_alerts.output.value`): no filter, index, sort, wildcard or group. */
  path?: string[];
}

/**
 * Parses an expression and checks what evaluation would refuse later: its length, and regular
 * expressions the linear-time engine cannot run (backreferences, lookahead). Throws ExpressionError.
 */
export function compileExpression(text: string): CompiledExpression {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `expression is ${text.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`,
      text,
    );
  }
  let ast: jsonata.ExprNode;
  try {
    ast = jsonata(text).ast();
  } catch (error) {
    const e = error as jsonata.JsonataError;
    const message = e instanceof RangeError ? "it is nested too deeply" : e.message;
    throw new ExpressionError(
      `expression "${clip(text)}" does not parse: ${message}${e.position ? ` (at character ${e.position})` : ""}`,
      text,
      e.position,
      e.code,
    );
  }
  checkRegexes(ast, text);
  const compiled: CompiledExpression = { text, reads: readsOf(ast), trivial: isTrivial(ast) };
  const path = plainPath(ast);
  if (path) compiled.path = path;
  return compiled;
}

const PATH_KEYS = new Set(["type", "steps"]);
const NAME_KEYS = new Set(["type", "value", "position"]);

function plainPath(ast: jsonata.ExprNode): string[] | undefined {
  const node = ast as { type: string; steps?: Array<Record<string, unknown>> };
  if (node.type !== "path" || !Object.keys(node).every((k) => PATH_KEYS.has(k))) return undefined;
  const steps = node.steps ?? [];
  const plain = steps.every(
    (step) =>
      step.type === "name" &&
      typeof step.value === "string" &&
      Object.keys(step).every((k) => NAME_KEYS.has(k)),
  );
  return plain && steps.length > 0 ? steps.map((step) => step.value as string) : undefined;
}

function checkRegexes(ast: jsonata.ExprNode, text: string): void {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    if (node instanceof RegExp) {
      try {
        compileLinear(node);
      } catch (error) {
        throw new ExpressionError(
          `expression "${clip(text)}": the regular expression /${node.source}/ cannot run in linear time (${(error as Error).message}); backreferences and lookahead are not supported`,
          text,
        );
      }
      continue;
    }
    for (const value of Object.values(node)) stack.push(value);
  }
}

/** An expression's text cut for a message. */
export function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
