import { isDeepStrictEqual } from "node:util";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Whether `actual` has everything `expected` lists: objects match on the keys `expected` names
 * (deeply), lists match item by item and must be as long, anything else must be equal.
 */
export function subsetMatches(actual: unknown, expected: unknown): boolean {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(expected).every(
      ([key, value]) => Object.hasOwn(actual, key) && subsetMatches(actual[key], value),
    );
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((value, i) => subsetMatches(actual[i], value))
    );
  }
  return isDeepStrictEqual(actual, expected);
}

/**
 * `actual` cut down to the keys `expected` names, so a diff of the two shows what differs and not
 * everything the test chose not to pin down. Keys `actual` lacks are left out.
 */
export function projectOnto(actual: unknown, expected: unknown): unknown {
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(expected)) {
      if (Object.hasOwn(actual, key)) out[key] = projectOnto(actual[key], expected[key]);
    }
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return actual.map((item, i) => (i < expected.length ? projectOnto(item, expected[i]) : item));
  }
  return actual;
}
