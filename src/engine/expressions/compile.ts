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
  return { text, reads: readsOf(ast), trivial: isTrivial(ast) };
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
