export const REDACTED = "[REDACTED]";

const SECRET_KEY = /pass(word|wd)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key/i;

/**
 * Knows every secret of one connection (configured and obtained at run time, such as
 * session tokens) and removes them from anything that leaves the SDK: errors, logs, records.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret value; very short values are ignored so redaction cannot shred ordinary text. */
  add(secret: unknown): void {
    if (typeof secret !== "string" || secret.length < 4) return;
    this.#secrets.add(secret);
    // Secrets also travel encoded: in Basic headers, query strings and form bodies.
    this.#secrets.add(encodeURIComponent(secret));
    this.#secrets.add(Buffer.from(secret).toString("base64"));
  }

  get size(): number {
    return this.#secrets.size;
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Deep copy with secret values replaced and values under secret-looking keys hidden. */
  value<T>(value: T): T {
    return redactAll(value, [this]);
  }
}

/**
 * `value` redacted by several redactors at once (a run with several connections): one deep copy,
 * each string passed through every redactor's secrets, values under secret-looking keys hidden.
 */
export function redactAll<T>(value: T, redactors: readonly Redactor[]): T {
  const active = redactors.filter((r) => r.size > 0);
  const text = (s: string) => {
    let out = s;
    for (const r of active) out = r.text(out);
    return out;
  };
  const walk = (item: unknown, depth: number): unknown => {
    if (typeof item === "string") return active.length === 0 ? item : text(item);
    if (item === null || typeof item !== "object" || depth > 64) return item;
    if (Array.isArray(item)) return item.map((entry) => walk(entry, depth + 1));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(item)) {
      const entry = (item as Record<string, unknown>)[key];
      out[key] =
        typeof entry === "string" && entry !== "" && SECRET_KEY.test(key) ? REDACTED : walk(entry, depth + 1);
    }
    return out;
  };
  return walk(value, 0) as T;
}

/** Every value in `config` whose schema property is marked `secret: true`. */
export function secretsOf(schema: { properties?: object }, config: unknown): string[] {
  if (config === null || typeof config !== "object") return [];
  const values: string[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {}) as [string, { secret?: boolean }][]) {
    const value = (config as Record<string, unknown>)[key];
    if (property.secret && typeof value === "string") values.push(value);
  }
  return values;
}
