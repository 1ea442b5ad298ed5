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
    return this.#walk(value, 0) as T;
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (value === null || typeof value !== "object" || depth > 64) return value;
    if (Array.isArray(value)) return value.map((item) => this.#walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        SECRET_KEY.test(key) && typeof item === "string" && item !== ""
          ? REDACTED
          : this.#walk(item, depth + 1);
    }
    return out;
  }
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
