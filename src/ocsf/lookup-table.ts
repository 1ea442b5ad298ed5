/**
 * A table looked up with vendor-supplied keys: without a prototype, so a key such as
 * "constructor" or "__proto__" finds nothing instead of an Object.prototype member.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
