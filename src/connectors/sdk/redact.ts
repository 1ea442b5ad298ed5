export const REDACTED = "[REDACTED]";

const SECRET_KEY = /pass(word|wd)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key/i;

/** Whether a field's name says it holds a secret (its value is hidden wherever it is shown). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Knows every secret of one connection (configured and obtained at run time, such as
 * session tokens) and removes them from anything that leaves the SDK: errors, logs, records.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  // Built on first use after a change: one alternation of every secret, longest first, so a secret
  // that contains another is hidden whole, then the opening of every long secret, so one cut short
  // (a vendor echoing "token abcd1234…") is hidden as far as it goes. Strings shorter than the
  // shortest secret or opening are not scanned.
  #matcher: RegExp | undefined;
  #openings = new Map<string, string[]>();
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
      this.#shortest = Math.min(this.#shortest, form.length < PREFIX_FROM ? form.length : PREFIX_LENGTH);
      this.#matcher = undefined;
    }
  }

  get size(): number {
    return this.#secrets.size;
  }

  text(value: string): string {
    if (value.length < this.#shortest) return value;
    const matcher = this.#compile();
    matcher.lastIndex = 0;
    let out = "";
    let from = 0;
    for (let match = matcher.exec(value); match !== null; match = matcher.exec(value)) {
      let end = match.index + match[0].length;
      for (const secret of this.#openings.get(match[0]) ?? []) {
        let reach = match.index + PREFIX_LENGTH;
        while (
          reach < value.length &&
          reach - match.index < secret.length &&
          value[reach] === secret[reach - match.index]
        )
          reach++;
        end = Math.max(end, reach);
      }
      out += value.slice(from, match.index) + REDACTED;
      from = end;
      matcher.lastIndex = end;
    }
    return from === 0 ? value : out + value.slice(from);
  }

  /** `value` with secret values replaced and values under secret-looking keys hidden (copied only where changed). */
  value<T>(value: T): T {
    return redactAll(value, [this]);
  }

  #compile(): RegExp {
    if (this.#matcher) return this.#matcher;
    this.#openings = new Map();
    for (const secret of this.#secrets) {
      if (secret.length < PREFIX_FROM) continue;
      const opening = secret.slice(0, PREFIX_LENGTH);
      this.#openings.set(opening, [...(this.#openings.get(opening) ?? []), secret]);
    }
    const whole = [...this.#secrets].sort((a, b) => b.length - a.length);
    this.#matcher = new RegExp([...whole, ...this.#openings.keys()].map(escapeRegExp).join("|"), "g");
    return this.#matcher;
  }
}

/**
 * Secrets this long (tokens, API keys) are also hidden when only their first PREFIX_LENGTH characters
 * or more appear. Shorter ones (passwords) are not: their openings are too likely to be ordinary words.
 */
const PREFIX_FROM = 16;
const PREFIX_LENGTH = 12;

/**
 * `value` with the redactors' secret values replaced wherever they occur, and nothing else changed:
 * for data (step inputs and outputs, run records), where a vendor's field named `password` is
 * evidence, not a secret of Rampart's. Copied only where something was hidden.
 */
export function redactSecretValues<T>(value: T, redactors: readonly Redactor[]): T {
  return redactWalk(value, redactors, false);
}

/**
 * `value` redacted by several redactors at once (a run with several connections), in one walk: each
 * string passed through every redactor's secrets, values under secret-looking keys hidden. Objects
 * and arrays are copied only where something was hidden; an untouched value is returned as is.
 */
export function redactAll<T>(value: T, redactors: readonly Redactor[]): T {
  return redactWalk(value, redactors, true);
}

function redactWalk<T>(value: T, redactors: readonly Redactor[], byKey: boolean): T {
  const active = redactors.filter((r) => r.size > 0);
  if (active.length === 0 && !byKey) return value;
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
      const hidden = byKey && typeof entry === "string" && entry !== "" && SECRET_KEY.test(key);
      const safe = hidden ? REDACTED : walk(entry, depth + 1);
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

/**
 * Every value in `config` whose schema property is marked `secret: true`, in nested objects too
 * (an auth block inside the config) and in each branch of `anyOf`/`oneOf`/`allOf`.
 */
export function secretsOf(schema: SecretSchema, config: unknown): string[] {
  const values: string[] = [];
  const walk = (node: SecretSchema | undefined, value: unknown, depth: number) => {
    if (!node || value === null || typeof value !== "object" || depth > 16) return;
    for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])])
      walk(branch, value, depth + 1);
    for (const [key, property] of Object.entries(node.properties ?? {}) as [string, SecretSchema][]) {
      const entry = (value as Record<string, unknown>)[key];
      if (property.secret && typeof entry === "string") values.push(entry);
      else walk(property, entry, depth + 1);
    }
  };
  walk(schema, config, 0);
  return [...new Set(values)];
}

/** The parts of a JSON Schema `secretsOf` reads. */
export interface SecretSchema {
  secret?: boolean;
  properties?: object;
  anyOf?: SecretSchema[];
  oneOf?: SecretSchema[];
  allOf?: SecretSchema[];
}
