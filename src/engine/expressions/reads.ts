import type jsonata from "jsonata";

/**
 * What an expression reads of its root: `true` for all of it, or the names it reads and, below
 * each, what it reads of that value. Only the part of a scope an expression can reach is sent to
 * the evaluation thread; anything the analysis cannot follow reads the whole root.
 */
export type ReadSet = true | Map<string, ReadSet>;

// JSONata's typings miss node types its parser makes (path, bind, apply, sort, regex, filter).
type Node = { type: string } & Record<string, unknown>;

// Builtins that take the context as their first argument when fewer arguments are given, and whose
// first parameter accepts an object (the root is always one): called so at the root, they read it all.
// The others (`<s-…>`, `<n-…>`) refuse an object context with the same error on any root.
const CONTEXT_OBJECT_PARAMS: Record<string, number> = {
  string: 1,
  boolean: 1,
  not: 1,
  keys: 1,
  spread: 1,
  clone: 1,
  lookup: 2,
  sift: 2,
  each: 2,
};

const BUILTINS = new Set(
  (
    "sum count max min average string substring substringBefore substringAfter lowercase uppercase " +
    "length trim pad match contains replace split join formatNumber formatBase formatInteger " +
    "parseInteger number floor ceil round abs sqrt power random boolean not map zip filter single " +
    "reduce sift keys lookup append exists spread merge reverse each error assert type sort shuffle " +
    "distinct base64encode base64decode encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl " +
    "eval toMillis fromMillis clone now millis parseJson"
  ).split(" "),
);

/** The read set of a parsed expression. */
export function readsOf(ast: jsonata.ExprNode): ReadSet {
  const reads: Map<string, ReadSet> = new Map();
  try {
    visit(ast as Node, true, reads);
  } catch (error) {
    if (error === WHOLE) return true;
    throw error;
  }
  return reads;
}

const WHOLE = Symbol("whole root");

function whole(): never {
  throw WHOLE;
}

function add(reads: Map<string, ReadSet>, path: string[]): void {
  let level = reads;
  for (let i = 0; i < path.length; i++) {
    const name = path[i]!;
    const existing = level.get(name);
    if (existing === true) return;
    if (i === path.length - 1) {
      level.set(name, true);
      return;
    }
    let next = existing;
    if (next === undefined) {
      next = new Map();
      level.set(name, next);
    }
    level = next;
  }
}

// Properties of a step other than these make it more than a plain name lookup.
const PLAIN_STEP_KEYS = new Set(["type", "value", "position"]);

function isPlainName(step: Node): boolean {
  return step.type === "name" && Object.keys(step).every((k) => PLAIN_STEP_KEYS.has(k));
}

function visit(node: Node | undefined, atRoot: boolean, reads: Map<string, ReadSet>): void {
  if (node === undefined || node === null || typeof node !== "object") return;
  // Anything hung on a node that filters, groups, sorts or binds works on the node's items.
  for (const key of ["stages", "predicate"] as const) {
    const stages = node[key] as Node[] | undefined;
    if (Array.isArray(stages)) for (const stage of stages) visit(stage.expr as Node, false, reads);
  }
  if (node.group) visitGroup(node.group as Node, reads);
  // Tuple streams (`@$x` keeps the context where it was, so later steps may read the root again).
  if (node.focus !== undefined || node.index !== undefined || node.tuple) whole();
  switch (node.type) {
    case "path":
      visitPath(node, atRoot, reads);
      return;
    case "name":
      if (atRoot) add(reads, [String(node.value)]);
      return;
    case "variable":
      if (node.value === "$") whole(); // $$, the root itself
      if (node.value === "" && atRoot) whole(); // $, the context, here the root
      return;
    case "wildcard":
    case "descendant":
      if (atRoot) whole();
      return;
    case "parent":
    case "transform":
      whole();
      return;
    case "string":
    case "number":
    case "value":
    case "regex":
    case "operator":
      return;
    case "function":
    case "partial": {
      const procedure = node.procedure as Node;
      const args = (node.arguments as Node[] | undefined) ?? [];
      if (procedure?.type === "variable") {
        const name = String(procedure.value);
        if (name === "eval") whole();
        // A function held in a variable of the playbook's own may be one of those builtins.
        const params = CONTEXT_OBJECT_PARAMS[name] ?? (BUILTINS.has(name) ? 0 : 2);
        if (atRoot && args.length < params) whole();
      } else visit(procedure, atRoot, reads);
      for (const arg of args) visit(arg, atRoot, reads);
      return;
    }
    case "lambda":
      // A lambda evaluates against the input where it is defined.
      if (node.signature !== undefined) whole();
      visit(node.body as Node, atRoot, reads);
      return;
    case "bind": {
      const lhs = node.lhs as Node;
      // Rebinding a builtin's name (`$string := $keys`) would hide a context read from the list above.
      if (lhs?.type === "variable" && BUILTINS.has(String(lhs.value))) whole();
      visit(node.rhs as Node, atRoot, reads);
      return;
    }
    case "apply":
    case "binary":
      visit(node.lhs as Node, atRoot, reads);
      visit(node.rhs as Node, atRoot, reads);
      return;
    case "condition":
      visit(node.condition as Node, atRoot, reads);
      visit(node.then as Node, atRoot, reads);
      visit(node.else as Node, atRoot, reads);
      return;
    case "block":
      for (const e of (node.expressions as Node[] | undefined) ?? []) visit(e, atRoot, reads);
      return;
    case "unary":
      if (node.value === "-") {
        visit(node.expression as Node, atRoot, reads);
        return;
      }
      if (node.value === "[") {
        for (const e of (node.expressions as Node[] | undefined) ?? []) visit(e, atRoot, reads);
        return;
      }
      if (node.value === "{") {
        for (const [key, value] of (node.lhs as unknown as Array<[Node, Node]>) ?? []) {
          visit(key, atRoot, reads);
          visit(value, atRoot, reads);
        }
        return;
      }
      whole();
      return;
    case "sort":
      for (const term of (node.terms as Array<{ expression: Node }> | undefined) ?? [])
        visit(term.expression, false, reads);
      return;
    default:
      whole();
      return;
  }
}

function visitGroup(group: Node, reads: Map<string, ReadSet>): void {
  for (const [key, value] of (group.lhs as unknown as Array<[Node, Node]>) ?? []) {
    visit(key, false, reads);
    visit(value, false, reads);
  }
}

function visitPath(node: Node, atRoot: boolean, reads: Map<string, ReadSet>): void {
  const steps = (node.steps as Node[] | undefined) ?? [];
  if (steps.some((s) => s.focus !== undefined || s.index !== undefined || s.tuple)) whole();
  if (node.group) visitGroup(node.group as Node, reads);
  if (steps.length === 0) return;
  const first = steps[0]!;
  let start = 0;
  let fromRoot = atRoot;
  if (first.type === "variable" && first.value === "$" && isPlainVariable(first)) {
    // `$$.a.b`: a path from the root wherever it is written.
    start = 1;
    fromRoot = true;
    if (steps.length === 1) whole();
  } else if (first.type === "variable" && first.value === "" && atRoot && isPlainVariable(first)) {
    start = 1;
    if (steps.length === 1) whole();
  }
  if (fromRoot && steps[start]?.type === "name") {
    const names: string[] = [];
    let i = start;
    for (; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.type !== "name") break;
      names.push(String(step.value));
      if (!isPlainName(step)) {
        i++;
        break;
      }
    }
    add(reads, names);
    // Whatever hangs on the names walked (filters on the last one) works on their items.
    for (let j = start; j < i; j++) visitStepParts(steps[j]!, reads);
    for (let j = i; j < steps.length; j++) visit(steps[j], false, reads);
    return;
  }
  if (start === 0) visit(first, atRoot, reads);
  for (let j = Math.max(start, 1); j < steps.length; j++) visit(steps[j], false, reads);
}

function visitStepParts(step: Node, reads: Map<string, ReadSet>): void {
  for (const key of ["stages", "predicate"] as const) {
    const stages = step[key] as Node[] | undefined;
    if (Array.isArray(stages)) for (const stage of stages) visit(stage.expr as Node, false, reads);
  }
  if (step.group) visitGroup(step.group as Node, reads);
}

function isPlainVariable(step: Node): boolean {
  return Object.keys(step).every((k) => PLAIN_STEP_KEYS.has(k));
}

/** The part of `root` an expression with these reads can see (the same object when it reads all). */
export function project(root: unknown, reads: ReadSet): unknown {
  if (reads === true || root === null || typeof root !== "object" || Array.isArray(root)) return root;
  const out: Record<string, unknown> = {};
  for (const [name, below] of reads) {
    if (!Object.hasOwn(root, name)) continue;
    const value = (root as Record<string, unknown>)[name];
    Object.defineProperty(out, name, {
      value: below === true ? value : project(value, below),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Both read sets together. */
export function mergeReads(a: ReadSet, b: ReadSet): ReadSet {
  if (a === true || b === true) return true;
  const out = new Map(a);
  for (const [name, below] of b) {
    const mine = out.get(name);
    out.set(name, mine === undefined ? below : mergeReads(mine, below));
  }
  return out;
}
