export const REDACTED = "[REDACTED]";

const SECRET_KEY = /pass(word|wd)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key/i;

/**
 * Knows every secret of one connection (configured and obtained at run time, such as
 * session tokens) and removes them from anything that leaves the SDK: errors, logs, records.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  // Built on first use after a change: one alternation of every secret, longest first, so a secret
  // that contains another is hidden whole. Strings shorter than the shortest secret are not scanned.
  #matcher: RegExp | undefined;
  #shortest = Number.POSITIVE_INFINITY;

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Registers a secret value; very short values are ignored so redaction cannot shred ordinary text. */
  add(secret: unknown): void {
    if (typeof secret !== "string" || secret.length < 4) return;
    // Secrets also travel encoded: in Basic headers, query strings and form bodies.
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")]) {
      if (this.#secrets.has(form)) continue;
      this.#secrets.add(form);
      this.#shortest = Math.min(this.#shortest, form.length);
      this.#matcher = undefined;
    }
  }

  get size(): number {
    return this.#secrets.size;
  }

  text(value: string): string {
    if (value.length < this.#shortest) return value;
    this.#matcher ??= new RegExp(
      [...this.#secrets]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join("|"),
      "g",
    );
    return value.replace(this.#matcher, REDACTED);
  }

  /** `value` with secret values replaced and values under secret-looking keys hidden (copied only where changed). */
  value<T>(value: T): T {
    return redactAll(value, [this]);
  }
}

/**
 * `value` redacted by several redactors at once (a run with several connections), in one walk: each
 * string passed through every redactor's secrets, values under secret-looking keys hidden. Objects
 * and arrays are copied only where something was hidden; an untouched value is returned as is.
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
    if (Array.isArray(item)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < item.length; i++) {
        const entry: unknown = item[i];
        const safe = walk(entry, depth + 1);
        if (safe !== entry && out === undefined) out = item.slice(0, i);
        if (out !== undefined) out.push(safe);
      }
      return out ?? item;
    }
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(item);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const entry = (item as Record<string, unknown>)[key];
      const safe =
        typeof entry === "string" && entry !== "" && SECRET_KEY.test(key) ? REDACTED : walk(entry, depth + 1);
      if (safe !== entry && out === undefined) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = (item as Record<string, unknown>)[keys[j]!];
      }
      if (out !== undefined) out[key] = safe;
    }
    return out ?? item;
  };
  return walk(value, 0) as T;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
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
