import type { FastifyReply, FastifyRequest } from "fastify";
import {
  createSimServer,
  listen,
  type Simulator,
  type SimulatorFactory,
  type SimulatorOptions,
} from "../sdk/sim/server.ts";
import { SEVERITIES } from "./schemas.ts";
import { LeenState, type SimAlert, type SimConnection } from "./sim-state.ts";

type Query = Record<string, string | string[] | undefined>;

/** One entry of a FastAPI/pydantic 422 body. */
interface Problem {
  type: string;
  loc: string[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/** An error reply as FastAPI writes it: `{"detail": …}`. */
class LeenError extends Error {
  readonly status: number;
  readonly detail: string | Problem[];
  constructor(status: number, detail: string | Problem[]) {
    super(typeof detail === "string" ? detail : "validation error");
    this.status = status;
    this.detail = detail;
  }
}

const TRUE = new Set(["true", "1", "yes", "on", "t", "y"]);
const FALSE = new Set(["false", "0", "no", "off", "f", "n"]);

/** Reads query parameters the way FastAPI does, collecting every problem before answering 422. */
class QueryReader {
  readonly problems: Problem[] = [];
  readonly #query: Query;

  constructor(query: Query) {
    this.#query = query;
  }

  raw(name: string): string | undefined {
    const value = this.#query[name];
    // FastAPI takes the last of repeated scalar parameters.
    return Array.isArray(value) ? value[value.length - 1] : value;
  }

  bool(name: string): boolean {
    const value = this.raw(name);
    if (value === undefined) return false;
    const lower = value.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    this.problems.push({
      type: "bool_parsing",
      loc: ["query", name],
      msg: "Input should be a valid boolean, unable to interpret input",
      input: value,
    });
    return false;
  }

  int(name: string, fallback: number, min: { gt?: number; ge?: number }): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(value.trim())) {
      this.problems.push({
        type: "int_parsing",
        loc: ["query", name],
        msg: "Input should be a valid integer, unable to parse string as an integer",
        input: value,
      });
      return fallback;
    }
    const n = Number(value);
    if (min.gt !== undefined && !(n > min.gt)) {
      this.problems.push({
        type: "greater_than",
        loc: ["query", name],
        msg: `Input should be greater than ${min.gt}`,
        input: value,
        ctx: { gt: min.gt },
      });
    } else if (min.ge !== undefined && !(n >= min.ge)) {
      this.problems.push({
        type: "greater_than_equal",
        loc: ["query", name],
        msg: `Input should be greater than or equal to ${min.ge}`,
        input: value,
        ctx: { ge: min.ge },
      });
    }
    return n;
  }

  /** ISO 8601 date or date-time; a time without an offset is read as UTC. */
  datetime(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === "") return undefined;
    const match =
      /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
        value.trim(),
      );
    const ms = match ? Date.parse(normalizeIso(match)) : Number.NaN;
    if (Number.isNaN(ms)) {
      this.problems.push({
        type: "datetime_from_date_parsing",
        loc: ["query", name],
        msg: "Input should be a valid datetime or date, invalid date format",
        input: value,
      });
      return undefined;
    }
    return ms;
  }

  valueError(name: string, message: string): void {
    this.problems.push({
      type: "value_error",
      loc: ["query", name],
      msg: `Value error, ${message}`,
      input: this.raw(name),
      ctx: { error: {} },
    });
  }

  done(): void {
    if (this.problems.length > 0) throw new LeenError(422, this.problems);
  }
}

function normalizeIso(m: RegExpExecArray): string {
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "0", zone] = m;
  let offset = zone ?? "Z";
  if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${frac.padEnd(3, "0").slice(0, 3)}${offset.toUpperCase()}`;
}

/** Where a keyset cursor points, and the first page's filters it carries. */
interface CursorState {
  k: number[];
  d: "next" | "prev";
  q: Record<string, string>;
}

const encodeCursor = (c: CursorState) => Buffer.from(JSON.stringify(c)).toString("base64url");
function decodeCursor(value: string): CursorState {
  try {
    const c = JSON.parse(Buffer.from(value, "base64url").toString()) as CursorState;
    if (!Array.isArray(c.k) || !c.k.every(Number.isFinite) || (c.d !== "next" && c.d !== "prev"))
      throw new Error("shape");
    if (typeof c.q !== "object" || c.q === null) throw new Error("shape");
    return c;
  } catch {
    throw new LeenError(422, [
      { type: "value_error", loc: ["query", "cursor"], msg: "Value error, invalid cursor", input: value },
    ]);
  }
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

interface Listing<T> {
  /** Extra query parameters this listing reads (kept in the cursor). */
  filters: string[];
  /** The connection's rows after the listing's own filters, each with its sort key, in order. */
  rows(c: SimConnection, q: QueryReader): Array<{ key: number[]; item: T }>;
}

/** One page in offset or cursor mode, with Leen's envelope for each. */
function pageOf<T>(c: SimConnection, listing: Listing<T>, reader: QueryReader): Record<string, unknown> {
  const cursorMode = reader.bool("enableCursor");
  const limit = reader.int("limit", 100, { gt: 0 });
  const offset = reader.int("offset", 0, { ge: 0 });
  const excludeTotal = reader.bool("excludeTotal");
  const cursorText = cursorMode ? reader.raw("cursor") : undefined;
  if (cursorText !== undefined && reader.raw("updatedSince") !== undefined) {
    throw new LeenError(
      422,
      "updatedSince cannot be used together with cursor; send it on the first request only",
    );
  }
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  // Past the first page the cursor, not the request, says what is being listed.
  const effective = cursor ? new QueryReader(cursor.q) : reader;
  const rows = listing.rows(c, effective);
  if (effective !== reader) reader.problems.push(...effective.problems);
  reader.done();
  if (!cursorMode) {
    const items = rows.slice(offset, offset + limit).map((r) => r.item);
    return { count: items.length, total: excludeTotal ? null : rows.length, items };
  }
  let start = 0;
  let end = Math.min(rows.length, limit);
  if (cursor?.d === "next") {
    start = rows.findIndex((r) => compareKeys(r.key, cursor.k) > 0);
    if (start < 0) start = rows.length;
    end = Math.min(rows.length, start + limit);
  } else if (cursor?.d === "prev") {
    end = rows.findIndex((r) => compareKeys(r.key, cursor.k) >= 0);
    if (end < 0) end = rows.length;
    start = Math.max(0, end - limit);
  }
  const chosen = rows.slice(start, end);
  const carried: Record<string, string> = cursor?.q ?? {};
  if (!cursor) {
    for (const name of ["updatedSince", ...listing.filters]) {
      const value = reader.raw(name);
      if (value !== undefined) carried[name] = value;
    }
  }
  const last = chosen[chosen.length - 1];
  const first = chosen[0];
  return {
    count: chosen.length,
    items: chosen.map((r) => r.item),
    next_cursor: end < rows.length && last ? encodeCursor({ k: last.key, d: "next", q: carried }) : null,
    previous_cursor: start > 0 && first ? encodeCursor({ k: first.key, d: "prev", q: carried }) : null,
  };
}

/** Lowest to highest criticality; OTHER says nothing of criticality, so it ranks just above UNKNOWN. */
const CRITICALITY: Record<number, number> = { 0: 0, 99: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7 };

const SEVERITY_IDS = new Map(Object.entries(SEVERITIES).map(([id, caption]) => [caption, Number(id)]));

function alertListing(state: () => LeenState): Listing<Record<string, unknown>> {
  return {
    filters: ["sort", "severity"],
    rows(c, q) {
      const sort = q.raw("sort") ?? "severity:asc";
      if (!["severity", "severity:asc", "severity:desc"].includes(sort))
        q.valueError("sort", "sort must be severity:asc or severity:desc");
      const desc = sort === "severity:desc";
      const since = q.datetime("updatedSince");
      let wanted: Set<number> | undefined;
      const filter = q.raw("severity");
      if (filter !== undefined && filter.trim() !== "") {
        wanted = new Set();
        for (const part of filter.split(",")) {
          const id = SEVERITY_IDS.get(part.trim().toUpperCase());
          if (id === undefined) {
            q.valueError(
              "severity",
              `unknown severity '${part.trim()}'; use ${[...SEVERITY_IDS.keys()].join(", ")}`,
            );
          } else wanted.add(id);
        }
      }
      const keyOf = (a: SimAlert) => {
        const rank = CRITICALITY[a.finding.severity_id as number] ?? 0;
        return [desc ? -rank : rank, a.seq];
      };
      return state()
        .alerts.filter(
          (a) =>
            a.connectionId === c.id &&
            (since === undefined || a.updatedAt >= since) &&
            (wanted === undefined || wanted.has(a.finding.severity_id as number)),
        )
        .map((a) => ({ key: keyOf(a), item: a.finding }))
        .sort((x, y) => compareKeys(x.key, y.key));
    },
  };
}

function entityListing<T extends { last_updated_at: string }>(of: (c: SimConnection) => T[]): Listing<T> {
  return {
    filters: [],
    rows(c, q) {
      const since = q.datetime("updatedSince");
      return of(c)
        .map((item, i) => ({ key: [i], item }))
        .filter((r) => since === undefined || Date.parse(r.item.last_updated_at) >= since);
    },
  };
}

export interface LeenSimulatorOptions extends SimulatorOptions {
  /**
   * Adds a fifth connection (account "Acme Security") whose findings other products wrote as OCSF:
   * Okta System Log (1.3.0) and AWS Security Hub (1.1.0) shapes, title-case severity captions,
   * `message: null` at times. On unless set to false: Rampart's Leen source and normalizer take
   * these shapes as they take Leen's own.
   */
  foreignFindings?: boolean;
}

/** Starts a stateful Leen tenant on loopback: two accounts, four IDP connections, their alerts. */
export async function startLeenSimulator(options: LeenSimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const fresh = () => new LeenState(seed, Date.now, { foreignFindings: options.foreignFindings ?? true });
  let state = fresh();
  const summary = (a: SimAlert) => ({
    uid: (a.finding.finding_info as { uid: string }).uid,
    connection_id: a.connectionId,
    severity_id: a.finding.severity_id,
    severity: a.finding.severity,
    activity_id: a.finding.activity_id,
    modified_time: a.updatedAt,
  });

  const { app, faults } = createSimServer({
    errorBody: (_status, message) => ({ detail: message }),
    state: () => ({
      accounts: state.accounts.map((a) => ({ name: a.name, api_key: a.apiKey })),
      connections: state.connections.map((c) => ({
        id: c.id,
        account: c.account,
        idp: c.idp,
        foreign: c.foreign === true,
        tenant: c.tenant,
        alerts: state.alerts.filter((a) => a.connectionId === c.id).length,
        groups: c.groups.length,
        applications: c.applications.length,
      })),
      alerts: state.alerts.map(summary),
    }),
    reset: () => {
      state = fresh();
    },
    generate: (count) => state.generate(count).map(summary),
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ detail: "Not Found" }));

  /** Both headers must be present, the key known, and the connection one of the key's account. */
  const authorize = (req: FastifyRequest): SimConnection => {
    const key = req.headers["x-api-key"];
    const connectionId = req.headers["x-connection-id"];
    if (typeof key !== "string" || key === "" || typeof connectionId !== "string" || connectionId === "")
      throw new LeenError(401, "Not authenticated");
    const account = state.accounts.find((a) => a.apiKey === key);
    if (!account) throw new LeenError(401, "Invalid API key");
    const connection = state.connection(connectionId);
    if (!connection || connection.account !== account.name)
      throw new LeenError(403, "Connection not found or not accessible with this API key");
    return connection;
  };

  const route = <T>(path: string, listing: Listing<T>) => {
    app.get(`/v1${path}`, async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const connection = authorize(req);
        return pageOf(connection, listing, new QueryReader(req.query as Query));
      } catch (error) {
        if (error instanceof LeenError) return reply.code(error.status).send({ detail: error.detail });
        throw error;
      }
    });
  };
  route(
    "/idp/alerts",
    alertListing(() => state),
  );
  route(
    "/idp/groups",
    entityListing((c) => c.groups),
  );
  route(
    "/idp/applications",
    entityListing((c) => c.applications),
  );

  // A vendor-side change to one alert (re-scored, updated, closed), so updatedSince polling can be exercised.
  app.post("/__sim/alerts/update", async (req, reply) => {
    const body = (req.body ?? {}) as { uid?: unknown; severity?: unknown; activity?: unknown };
    if (typeof body.uid !== "string")
      return reply.code(400).send({ error: "body must be {uid, severity?, activity?: update|close}" });
    if (body.severity !== undefined && !SEVERITY_IDS.has(String(body.severity)))
      return reply
        .code(400)
        .send({ error: `severity must be one of ${[...SEVERITY_IDS.keys()].join(", ")}` });
    if (body.activity !== undefined && body.activity !== "update" && body.activity !== "close")
      return reply.code(400).send({ error: "activity must be update or close" });
    const updated = state.update(body.uid, {
      severity: body.severity as string | undefined,
      activity: body.activity as "update" | "close" | undefined,
    });
    if (!updated) return reply.code(404).send({ error: `no alert ${body.uid}` });
    return { updated: summary(updated) };
  });

  // Findings exactly as given (published records, say), stored now on a connection (default the first).
  app.post("/__sim/alerts", async (req, reply) => {
    const body = (req.body ?? {}) as { connection_id?: unknown; alerts?: unknown };
    const connection =
      body.connection_id === undefined ? state.connections[0] : state.connection(String(body.connection_id));
    if (!connection) return reply.code(404).send({ error: `no connection ${String(body.connection_id)}` });
    if (!Array.isArray(body.alerts) || body.alerts.length === 0)
      return reply.code(400).send({ error: "body must be {connection_id?, alerts: [finding, …]}" });
    try {
      return { loaded: body.alerts.map((finding) => summary(state.load(connection, finding))) };
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });

  const url = await listen(app, options);
  const home = state.connections[0]!;
  return {
    connector: "leen",
    url,
    config: {
      url: `${url}/v1`,
      api_key: state.accounts.find((a) => a.name === home.account)!.apiKey,
      connection_id: home.id,
    },
    faults,
    close: () => app.close(),
  };
}

export const leenSimulator: SimulatorFactory = { connector: "leen", start: startLeenSimulator };
