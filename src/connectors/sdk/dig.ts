/** Reads a dotted path; a key that itself contains dots (`@odata.nextLink`) is matched whole first. */
export function dig(value: unknown, path: string): unknown {
  if (value !== null && typeof value === "object" && path in value)
    return (value as Record<string, unknown>)[path];
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
