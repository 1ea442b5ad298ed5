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
