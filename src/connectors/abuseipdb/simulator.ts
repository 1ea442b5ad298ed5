import { isIP, isIPv4 } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { createSimServer, listen, type Simulator, type SimulatorOptions } from "../sdk/sim/server.ts";
import { AbuseIpdbState, countryName, isPublicAddress, type SimReport } from "./sim-state.ts";

type Params = Record<string, string | undefined>;

/** An API error as AbuseIPDB words it: `{"errors": [{detail, status, source?: {parameter}}]}`. */
class AbuseError extends Error {
  readonly status: number;
  readonly parameter?: string;
  readonly headers: Record<string, string>;
  constructor(status: number, detail: string, parameter?: string, headers: Record<string, string> = {}) {
    super(detail);
    this.status = status;
    this.parameter = parameter;
    this.headers = headers;
  }
}

const errorBody = (status: number, detail: string, parameter?: string) => ({
  errors: [{ detail, status, ...(parameter ? { source: { parameter } } : {}) }],
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");

function ipParam(p: Params, name: string): string {
  const value = p[name];
  if (value === undefined || value === "")
    throw new AbuseError(422, `The ${name === "ip" ? "ip" : "ip address"} field is required.`, name);
  if (!isIP(value))
    throw new AbuseError(
      422,
      "The ip address must be a valid IPv4 or IPv6 address (e.g. 8.8.8.8 or 2001:4860:4860::8888).",
      name,
    );
  return value;
}

function intParam(
  p: Params,
  name: string,
  fallback: number,
  min: number,
  max: number,
  words: string,
): number {
  const raw = p[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new AbuseError(422, `The ${words} must be between ${min} and ${max}.`, name);
  return value;
}

const toInt = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

/** Starts a stateful AbuseIPDB API v2 on loopback: keys, quotas, reports that change later checks. */
export async function startAbuseIpdbSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  let state = new AbuseIpdbState(seed);
  const { app, faults } = createSimServer({
    errorBody: (status, message) => errorBody(status, message),
    state: () => ({
      apiKey: state.apiKey,
      quota: state.quota,
      addresses: [...state.reports.entries()].map(([ip, reports]) => ({
        ip,
        reports: reports.length,
        score: state.score(ip, 30),
      })),
    }),
    reset: () => {
      state = new AbuseIpdbState(seed);
    },
    generate: (count) => state.generate(count),
  });
  // The day's calls used up: every endpoint answers 429 until the quota resets.
  faults.onInject("exhaust-quota", () => {
    for (const key of Object.keys(state.quota)) state.quota[key] = 0;
  });

  const route = (
    method: "GET" | "POST" | "DELETE",
    endpoint: string,
    handler: (p: Params, req: FastifyRequest) => unknown,
  ) => {
    app.route({
      method,
      url: `/api/v2/${endpoint}`,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          if (req.headers.key !== state.apiKey)
            throw new AbuseError(
              401,
              "Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.",
            );
          const limit = state.limits[endpoint]!;
          const resetAt = Math.ceil(state.now() / 86_400_000) * 86_400;
          const quotaHeaders = {
            "x-ratelimit-limit": String(limit),
            "x-ratelimit-remaining": String(Math.max(0, state.quota[endpoint]! - 1)),
            "x-ratelimit-reset": String(resetAt),
          };
          if (state.quota[endpoint]! <= 0)
            throw new AbuseError(
              429,
              `Daily rate limit of ${limit} requests exceeded for this endpoint. See response headers for additional details.`,
              undefined,
              { ...quotaHeaders, "retry-after": String(resetAt - Math.floor(state.now() / 1000)) },
            );
          state.quota[endpoint]!--;
          const body =
            req.body && typeof req.body === "object" && !Buffer.isBuffer(req.body)
              ? (req.body as Params)
              : {};
          const result = handler({ ...(req.query as Params), ...body }, req);
          return reply.headers(quotaHeaders).send(result);
        } catch (error) {
          if (!(error instanceof AbuseError)) throw error;
          return reply
            .code(error.status)
            .headers(error.headers)
            .send(errorBody(error.status, error.message, error.parameter));
        }
      },
    });
  };

  const reportView = (r: SimReport) => ({
    reportedAt: iso(r.reportedAt),
    comment: r.comment,
    categories: r.categories,
    reporterId: r.reporterId,
    reporterCountryCode: r.reporterCountryCode,
    reporterCountryName: r.reporterCountryName,
  });

  route("GET", "check", (p) => {
    const ip = ipParam(p, "ipAddress");
    const days = intParam(p, "maxAgeInDays", 30, 1, 365, "max age in days");
    const verbose = p.verbose !== undefined;
    const recent = state.recent(ip, days);
    const open = isPublicAddress(ip);
    const facts = open ? state.facts(ip) : undefined;
    return {
      data: {
        ipAddress: ip,
        isPublic: open,
        ipVersion: isIPv4(ip) ? 4 : 6,
        isWhitelisted: open ? state.whitelisted.has(ip) : null,
        abuseConfidenceScore: state.score(ip, days),
        countryCode: facts?.countryCode ?? null,
        ...(verbose ? { countryName: facts?.countryName ?? null } : {}),
        usageType: facts?.usageType ?? "Reserved",
        isp: facts?.isp ?? "Private IP Address LAN",
        domain: facts?.domain ?? null,
        hostnames: facts?.hostnames ?? [],
        isTor: facts?.isTor ?? false,
        totalReports: recent.length,
        numDistinctUsers: new Set(recent.map((r) => r.reporterId)).size,
        lastReportedAt: recent[0] ? iso(recent[0].reportedAt) : null,
        ...(verbose ? { reports: recent.map(reportView) } : {}),
      },
    };
  });

  route("GET", "reports", (p, req) => {
    const ip = ipParam(p, "ipAddress");
    const days = intParam(p, "maxAgeInDays", 30, 1, 365, "max age in days");
    const page = intParam(p, "page", 1, 1, 1_000_000, "page");
    const perPage = intParam(p, "perPage", 25, 1, 100, "per page");
    const recent = state.recent(ip, days);
    const lastPage = Math.max(1, Math.ceil(recent.length / perPage));
    const link = (n: number) =>
      `http://${req.headers.host}/api/v2/reports?ipAddress=${encodeURIComponent(ip)}&maxAgeInDays=${days}&page=${n}&perPage=${perPage}`;
    const results = recent.slice((page - 1) * perPage, page * perPage).map(reportView);
    return {
      data: {
        total: recent.length,
        page,
        count: results.length,
        perPage,
        lastPage,
        nextPageUrl: page < lastPage ? link(page + 1) : null,
        previousPageUrl: page > 1 ? link(page - 1) : null,
        results,
      },
    };
  });

  route("GET", "check-block", (p) => {
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(p.network ?? "");
    if (!match || !isIPv4(match[1]!) || Number(match[2]) > 32)
      throw new AbuseError(
        422,
        "The network must be a valid IPv4 network in CIDR notation (e.g. 127.0.0.1/24).",
        "network",
      );
    const bits = Number(match[2]);
    if (bits < 16)
      throw new AbuseError(422, "The network size is larger than your plan allows (/16 at most).", "network");
    const days = intParam(p, "maxAgeInDays", 30, 1, 365, "max age in days");
    const size = 2 ** (32 - bits);
    const first = Math.floor(toInt(match[1]!) / size) * size;
    const last = first + size - 1;
    const reported = [...state.reports.keys()]
      .filter((ip) => isIPv4(ip) && toInt(ip) >= first && toInt(ip) <= last)
      .map((ip) => ({ ip, recent: state.recent(ip, days) }))
      .filter((a) => a.recent.length > 0);
    return {
      data: {
        networkAddress: toIp(first),
        netmask: toIp(2 ** 32 - size),
        minAddress: toIp(Math.min(first + 1, last)),
        maxAddress: toIp(Math.max(last - 1, first)),
        numPossibleHosts: Math.max(0, size - 2),
        addressSpaceDesc: isPublicAddress(toIp(first)) ? "Internet" : "Private Use",
        reportedAddress: reported.map(({ ip, recent }) => ({
          ipAddress: ip,
          numReports: recent.length,
          mostRecentReport: iso(recent[0]!.reportedAt),
          abuseConfidenceScore: state.score(ip, days),
          countryCode: state.facts(ip).countryCode,
        })),
      },
    };
  });

  route("POST", "report", (p) => {
    const ip = ipParam(p, "ip");
    const categories = (p.categories ?? "").split(",").filter(Boolean).map(Number);
    if (categories.length === 0) throw new AbuseError(422, "The categories field is required.", "categories");
    if (categories.some((c) => !Number.isInteger(c) || c < 1 || c > 23))
      throw new AbuseError(422, `The category "${p.categories}" is not valid.`, "categories");
    if (!isPublicAddress(ip))
      throw new AbuseError(422, `You can't report the IP address ${ip} because it is not public.`, "ip");
    const mine = (state.reports.get(ip) ?? []).find((r) => r.reporterId === state.accountId);
    if (mine && mine.reportedAt > state.now() - 15 * 60_000)
      throw new AbuseError(
        429,
        `You can only report the same IP address (\`${ip}\`) once in 15 minutes.`,
        "ip",
        {
          "retry-after": String(Math.ceil((mine.reportedAt + 15 * 60_000 - state.now()) / 1000)),
        },
      );
    const at = p.timestamp ? Date.parse(p.timestamp) : state.now();
    if (Number.isNaN(at))
      throw new AbuseError(422, "The timestamp is not a valid ISO 8601 date.", "timestamp");
    state.add({
      ip,
      reportedAt: state.now(),
      comment: (p.comment ?? "").slice(0, 1024),
      categories,
      reporterId: state.accountId,
      reporterCountryCode: "US",
      reporterCountryName: countryName("US"),
    });
    return { data: { ipAddress: ip, abuseConfidenceScore: state.score(ip, 30) } };
  });

  route("DELETE", "clear-address", (p) => {
    const ip = ipParam(p, "ipAddress");
    const reports = state.reports.get(ip) ?? [];
    const kept = reports.filter((r) => r.reporterId !== state.accountId);
    state.reports.set(ip, kept);
    return { data: { numReportsDeleted: reports.length - kept.length } };
  });

  route("GET", "blacklist", (p) => {
    const minimum = intParam(p, "confidenceMinimum", 100, 25, 100, "confidence minimum");
    const limit = intParam(p, "limit", 10_000, 1, 500_000, "limit");
    const only = p.onlyCountries?.split(",");
    const except = p.exceptCountries?.split(",");
    const version = p.ipVersion === undefined ? undefined : Number(p.ipVersion);
    const data = [...state.reports.keys()]
      .map((ip) => ({ ip, score: state.score(ip, 30), country: state.facts(ip).countryCode }))
      .filter((a) => a.score >= minimum)
      .filter((a) => !only || only.includes(a.country))
      .filter((a) => !except?.includes(a.country))
      .filter((a) => version === undefined || (version === 4) === isIPv4(a.ip))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((a) => ({
        ipAddress: a.ip,
        countryCode: a.country,
        abuseConfidenceScore: a.score,
        lastReportedAt: iso(state.reports.get(a.ip)![0]!.reportedAt),
      }));
    return { meta: { generatedAt: iso(state.now()) }, data };
  });

  const url = await listen(app, options);
  return {
    connector: "abuseipdb",
    url,
    config: { url, api_key: state.apiKey },
    faults,
    close: () => app.close(),
  };
}
