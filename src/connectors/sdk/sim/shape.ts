/**
 * The shape of JSON records: every field path (`evidence[].sha1`) with the JSON types seen there.
 * Tests compare a simulator's records with real ones: same fields, same types.
 */
export type Shape = Map<string, Set<string>>;

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The union shape of `records`; paths under any of `ignore` (prefixes) are left out. */
export function shapeOf(records: readonly unknown[], ignore: readonly string[] = []): Shape {
  const shape: Shape = new Map();
  const walk = (value: unknown, path: string) => {
    if (
      ignore.some(
        (prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[]`),
      )
    )
      return;
    const types = shape.get(path) ?? new Set<string>();
    types.add(jsonType(value));
    shape.set(path, types);
    if (Array.isArray(value)) for (const item of value) walk(item, `${path}[]`);
    else if (value !== null && typeof value === "object")
      for (const [key, item] of Object.entries(value)) walk(item, path === "" ? key : `${path}.${key}`);
  };
  for (const record of records) walk(record, "");
  return shape;
}

/**
 * How `simulated` differs from `real`: a field one side has and the other never shows (inside
 * lists, only where both sides have items), or a type the simulator sends where the real records
 * send another. Null is how vendors say "nothing", so it matches any type.
 */
export function shapeDifferences(simulated: Shape, real: Shape): string[] {
  const problems: string[] = [];
  const hasItems = (shape: Shape, path: string) => shape.has(`${path}[]`);
  // A path inside a list is comparable only when both sides show items of that list.
  const comparable = (path: string) => {
    let at = path.indexOf("[]");
    while (at >= 0) {
      const list = path.slice(0, at);
      if (!hasItems(simulated, list) || !hasItems(real, list)) return false;
      at = path.indexOf("[]", at + 2);
    }
    return true;
  };
  // A field of an object the other side only ever sends as null cannot be compared either.
  const parentSeenAsObject = (shape: Shape, path: string) => {
    const dot = path.lastIndexOf(".");
    const bracket = path.lastIndexOf("[]");
    if (dot < 0 && bracket < 0) return true;
    const parent = dot > bracket ? path.slice(0, dot) : path.slice(0, bracket);
    const types = shape.get(parent);
    return types === undefined || types.has("object") || types.has("array");
  };
  for (const path of new Set([...simulated.keys(), ...real.keys()])) {
    if (path === "" || !comparable(path)) continue;
    const sim = simulated.get(path);
    const got = real.get(path);
    if (!got) {
      if (parentSeenAsObject(real, path))
        problems.push(`${path}: the simulator sends it, the real records never do`);
      continue;
    }
    if (!sim) {
      if (parentSeenAsObject(simulated, path))
        problems.push(`${path}: the real records have it, the simulator never sends it`);
      continue;
    }
    const simTypes = [...sim].filter((t) => t !== "null");
    const realTypes = [...got].filter((t) => t !== "null");
    if (simTypes.length === 0 || realTypes.length === 0) continue;
    const odd = simTypes.filter((t) => !realTypes.includes(t));
    if (odd.length > 0)
      problems.push(
        `${path}: the simulator sends ${odd.join(", ")}, the real records ${realTypes.join(", ")}`,
      );
  }
  return problems.sort();
}
