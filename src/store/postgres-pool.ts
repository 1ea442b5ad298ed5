import pg from "pg";
import { ValidationError } from "../core/errors.ts";

/** `postgres://…` or `postgresql://…`: the URL names a PostgreSQL database. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url.trim());
}

/** The URL with its password replaced, for messages: a URL given on a command line must never leak its secret. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable database URL)";
  }
}

/** Checks a database URL given by a user (`--database`, `$RAMPART_DATABASE_URL`); `field` names where it came from. */
export function checkDatabaseUrl(url: string, field: string): string {
  const trimmed = url.trim();
  if (!isPostgresUrl(trimmed)) {
    throw new ValidationError(`${field} must be a postgres:// or postgresql:// URL`, { field });
  }
  try {
    const parsed = new URL(trimmed);
    if (!parsed.hostname && !parsed.searchParams.get("host")) throw new Error("no host");
  } catch {
    throw new ValidationError(`${field} is not a valid URL (postgres://user:password@host:port/database)`, {
      field,
    });
  }
  return trimmed;
}

const INT8 = 20;

/**
 * PostgreSQL returns `bigint` as text (it may exceed 2^53). Rampart's bigints are epoch milliseconds
 * and counts, which SQLite returns as numbers: read them as numbers too, refusing one that would not
 * be exact rather than rounding it.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`a bigint column holds ${text}, beyond 2^53`);
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8 && format !== "binary"
      ? parseInt8
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** A pool of connections to the URL's database, with Rampart's type mapping. */
export function openPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types, application_name: "rampart" });
  // An idle client's connection dropping (a server restart) must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  return pool;
}
