/**
 * The slice of OData v4 `$filter` the Defender alerts API accepts: comparisons of the documented
 * filterable properties joined by and/or/not and parentheses. The connector parses a caller's filter
 * with it before sending; the simulator parses and evaluates with it.
 */

export type Comparison = "eq" | "ne" | "gt" | "ge" | "lt" | "le";
export type Literal = string | number | boolean | null | { datetime: number; text: string };

export type FilterNode =
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "not"; expr: FilterNode }
  | { kind: "cmp"; field: string; op: Comparison; value: Literal }
  | { kind: "in"; field: string; values: Literal[] };

type FieldType = "datetime" | "int" | "string";

/** The properties `GET /api/alerts` can filter on, by canonical name. */
export const FILTERABLE: Record<string, FieldType> = {
  alertCreationTime: "datetime",
  lastUpdateTime: "datetime",
  lastEventTime: "datetime",
  incidentId: "int",
  investigationId: "int",
  id: "string",
  assignedTo: "string",
  detectionSource: "string",
  status: "string",
  severity: "string",
  category: "string",
};

/** Closed value sets OData rejects other values for. */
export const ENUM_FIELDS: Record<string, readonly string[]> = {
  status: ["Unknown", "New", "InProgress", "Resolved"],
  severity: ["Unspecified", "Informational", "Low", "Medium", "High"],
};

export class ODataError extends Error {}

const canonical = new Map(Object.keys(FILTERABLE).map((name) => [name.toLowerCase(), name]));
const COMPARISONS = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;

type Token =
  | { type: "str"; value: string }
  | { type: "word"; value: string }
  | { type: "punct"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ type: "punct", value: ch });
      i++;
    } else if (ch === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new ODataError("unterminated string literal");
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ type: "str", value });
    } else {
      const match = /^[A-Za-z0-9_.:+-]+/.exec(text.slice(i));
      if (!match) throw new ODataError(`unexpected character '${ch}' at position ${i}`);
      tokens.push({ type: "word", value: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

/** Parses a `$filter` expression; throws ODataError saying what is wrong. */
export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peekWord = (word: string) => {
    const t = tokens[pos];
    return t?.type === "word" && t.value.toLowerCase() === word;
  };
  const expectPunct = (value: string) => {
    const t = tokens[pos];
    if (t?.type !== "punct" || t.value !== value)
      throw new ODataError(`expected '${value}' ${t ? `but found '${t.value}'` : "at the end"}`);
    pos++;
  };

  const literal = (field: string): Literal => {
    const t = tokens[pos++];
    if (!t || t.type === "punct") throw new ODataError(`a value is missing after ${field}`);
    const type = FILTERABLE[field]!;
    if (t.type === "word" && t.value.toLowerCase() === "null") return null;
    if (type === "datetime") {
      if (t.type !== "word" || !DATETIME.test(t.value) || Number.isNaN(Date.parse(t.value)))
        throw new ODataError(`${field} must be compared with a DateTimeOffset such as 2024-01-31T00:00:00Z`);
      return { datetime: Date.parse(t.value), text: t.value };
    }
    if (type === "int") {
      if (t.type !== "word" || !/^-?\d+$/.test(t.value))
        throw new ODataError(`${field} must be compared with an integer`);
      return Number(t.value);
    }
    if (t.type !== "str") throw new ODataError(`${field} must be compared with a quoted string`);
    const allowed = ENUM_FIELDS[field];
    if (allowed && !allowed.includes(t.value))
      throw new ODataError(`'${t.value}' is not a valid ${field}; use one of ${allowed.join(", ")}`);
    return t.value;
  };

  const primary = (): FilterNode => {
    const t = tokens[pos];
    if (!t) throw new ODataError("the expression ends too early");
    if (t.type === "punct" && t.value === "(") {
      pos++;
      const inner = or();
      expectPunct(")");
      return inner;
    }
    if (t.type !== "word") throw new ODataError(`expected a property name but found '${t.value}'`);
    const field = canonical.get(t.value.toLowerCase());
    if (!field) {
      throw new ODataError(
        `property '${t.value}' cannot be filtered on; use one of ${Object.keys(FILTERABLE).join(", ")}`,
      );
    }
    pos++;
    const opToken = tokens[pos++];
    const op = opToken?.type === "word" ? opToken.value.toLowerCase() : "";
    if (op === "in") {
      expectPunct("(");
      const values = [literal(field)];
      while (tokens[pos]?.type === "punct" && tokens[pos]!.value === ",") {
        pos++;
        values.push(literal(field));
      }
      expectPunct(")");
      return { kind: "in", field, values };
    }
    if (!COMPARISONS.has(op))
      throw new ODataError(`expected an operator (eq, ne, gt, ge, lt, le, in) after ${field}`);
    const value = literal(field);
    if (typeof value === "string" && op !== "eq" && op !== "ne")
      throw new ODataError(`${field} can only be compared with eq or ne`);
    return { kind: "cmp", field, op: op as Comparison, value };
  };

  const unary = (): FilterNode => {
    if (peekWord("not")) {
      pos++;
      return { kind: "not", expr: unary() };
    }
    return primary();
  };
  const and = (): FilterNode => {
    let left = unary();
    while (peekWord("and")) {
      pos++;
      left = { kind: "and", left, right: unary() };
    }
    return left;
  };
  const or = (): FilterNode => {
    let left = and();
    while (peekWord("or")) {
      pos++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };

  if (tokens.length === 0) throw new ODataError("the filter is empty");
  const tree = or();
  if (pos < tokens.length) throw new ODataError(`unexpected '${tokens[pos]!.value}'`);
  return tree;
}

function comparable(value: unknown, literal: Literal): [unknown, unknown] {
  if (literal !== null && typeof literal === "object") {
    return [typeof value === "string" ? Date.parse(value) : value, literal.datetime];
  }
  return [value, literal];
}

function compare(value: unknown, op: Comparison, literal: Literal): boolean {
  const [a, b] = comparable(value, literal);
  if (op === "eq") return a === b || (a === undefined && b === null);
  if (op === "ne") return !(a === b || (a === undefined && b === null));
  if (a === null || a === undefined || b === null) return false;
  const x = a as number;
  const y = b as number;
  if (op === "gt") return x > y;
  if (op === "ge") return x >= y;
  if (op === "lt") return x < y;
  return x <= y;
}

/** True when the record (read by canonical property name) satisfies the filter. */
export function matchesFilter(node: FilterNode, get: (field: string) => unknown): boolean {
  switch (node.kind) {
    case "and":
      return matchesFilter(node.left, get) && matchesFilter(node.right, get);
    case "or":
      return matchesFilter(node.left, get) || matchesFilter(node.right, get);
    case "not":
      return !matchesFilter(node.expr, get);
    case "in":
      return node.values.some((value) => compare(get(node.field), "eq", value));
    case "cmp":
      return compare(get(node.field), node.op, node.value);
  }
}
