import pg from "pg";

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
