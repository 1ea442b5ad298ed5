import type jsonata from "jsonata";

// JSONata's typings miss node types its parser makes (path, bind, apply, sort, regex, filter).
type Node = { type: string } & Record<string, unknown>;

// Builtins whose work and whose result are at most proportional to their arguments.
const LINEAR_BUILTINS = new Set(
  (
    "exists count boolean not number string length lowercase uppercase trim substring substringBefore " +
    "substringAfter contains type abs floor ceil round sum max min average keys lookup append reverse parseJson"
  ).split(" "),
);
const OPERATORS = new Set(["=", "!=", "<", "<=", ">", ">=", "and", "or", "+", "-", "*", "/", "%", "&", "in"]);
const STEP_KEYS = new Set(["type", "value", "position", "stages"]);

/**
 * True for expressions that only look up paths, filter, compare, compute, concatenate, build lists
 * and objects, and call builtins whose cost is linear in their arguments: no function of their own,
 * no recursion, no regular expression, no range, no `$eval`. Such an expression cannot run long
 * between two of JSONata's own time checks, so it is evaluated in the caller's thread; any other goes
 * to an expression thread that can be stopped by force.
 */
export function isTrivial(ast: jsonata.ExprNode): boolean {
  let nodes = 0;
  const ok = (node: Node | undefined): boolean => {
    if (node === undefined || node === null) return true;
    if (++nodes > 200) return false;
    switch (node.type) {
      case "string":
      case "number":
      case "value":
        return true;
      case "name":
        return plainStep(node);
      case "variable":
        return (node.value === "" || node.value === "$") && plainStep(node);
      case "path":
        return (
          node.group === undefined &&
          node.keepSingletonArray === undefined &&
          ((node.steps as Node[]) ?? []).every(
            (s) => (s.type === "name" || s.type === "variable" || s.type === "string") && ok(s),
          )
        );
      case "binary":
        return OPERATORS.has(String(node.value)) && ok(node.lhs as Node) && ok(node.rhs as Node);
      case "condition":
        return ok(node.condition as Node) && ok(node.then as Node) && ok(node.else as Node);
      case "unary":
        if (node.value === "-") return ok(node.expression as Node);
        if (node.value === "[") return ((node.expressions as Node[]) ?? []).every(ok);
        if (node.value === "{")
          return ((node.lhs as unknown as Array<[Node, Node]>) ?? []).every(([k, v]) => ok(k) && ok(v));
        return false;
      case "function": {
        const procedure = node.procedure as Node;
        return (
          procedure?.type === "variable" &&
          LINEAR_BUILTINS.has(String(procedure.value)) &&
          ((node.arguments as Node[]) ?? []).every(ok)
        );
      }
      default:
        return false;
    }
  };
  const plainStep = (node: Node): boolean =>
    Object.keys(node).every((k) => STEP_KEYS.has(k)) &&
    ((node.stages as Node[] | undefined) ?? []).every(
      (stage) => stage.type === "filter" && ok(stage.expr as Node),
    );
  return ok(ast as Node);
}
