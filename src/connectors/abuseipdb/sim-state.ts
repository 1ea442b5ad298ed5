import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { base, en, Faker } from "@faker-js/faker";

/** One report of an address, as AbuseIPDB keeps it. */
export interface SimReport {
  ip: string;
  reportedAt: number;
  comment: string;
  categories: number[];
  reporterId: number;
  reporterCountryCode: string;
  reporterCountryName: string;
}

/** What AbuseIPDB knows of an address besides its reports. */
export interface AddressFacts {
  countryCode: string;
  countryName: string;
  usageType: string;
  isp: string;
  domain: string;
  hostnames: string[];
  isTor: boolean;
}

const DAY = 86_400_000;
const USAGE = ["Data Center/Web Hosting/Transit", "Fixed Line ISP", "Commercial", "Mobile ISP", "Hosting"];
const COMMENTS: Record<number, string> = {
  14: "Port scan of 1-1024/tcp",
  15: "Web application attack: /wp-login.php probing",
  18: "Brute-force login attempts",
  21: "Web app exploit attempt (path traversal)",
  22: "sshd: Failed password for invalid user admin",
};

const regions = new Intl.DisplayNames(["en"], { type: "region" });

/** A country's English name from its ISO 3166 code. */
export function countryName(code: string): string {
  return regions.of(code) ?? code;
}

/** Private, loopback, link-local and other addresses AbuseIPDB treats as not public. */
export function isPublicAddress(ip: string): boolean {
  if (isIPv4(ip)) {
    const [a, b] = ip.split(".").map(Number) as [number, number];
    return !(
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  const lower = ip.toLowerCase();
  return isIPv6(ip) && lower !== "::1" && !/^f[cd]/.test(lower) && !lower.startsWith("fe80");
}

/** The whole simulated service: API keys, reports by address, whitelisted addresses and daily quotas. */
export class AbuseIpdbState {
  readonly faker: Faker;
  /** The API key of the simulator's account, and its reporter id. */
  readonly apiKey: string;
  readonly accountId = 41_237;
  readonly reports = new Map<string, SimReport[]>();
  readonly whitelisted = new Set(["8.8.8.8", "1.1.1.1", "9.9.9.9"]);
  /** Calls left today per endpoint; the free plan's limits. */
  readonly quota: Record<string, number> = {
    check: 1000,
    reports: 500,
    "check-block": 100,
    report: 1000,
    "clear-address": 1000,
    blacklist: 5,
  };
  readonly limits: Record<string, number> = { ...this.quota };
  readonly #seed: number;
  now: () => number;

  constructor(seed: number, now: () => number = Date.now) {
    this.#seed = seed;
    this.now = now;
    this.faker = new Faker({ locale: [en, base], seed });
    this.apiKey = this.faker.string.alphanumeric({ length: 80, casing: "lower" });
    this.generate(40);
  }

  /** New abusive addresses, each with a burst of reports over the past months. */
  generate(count: number): string[] {
    const f = this.faker;
    const added: string[] = [];
    while (added.length < count) {
      const ip = f.internet.ipv4();
      if (!isPublicAddress(ip) || this.reports.has(ip) || this.whitelisted.has(ip)) continue;
      const reports: SimReport[] = [];
      const reporters = f.number.int({ min: 1, max: 25 });
      for (let i = 0, n = f.number.int({ min: reporters, max: reporters * 3 }); i < n; i++) {
        const categories = f.helpers.arrayElements([14, 15, 18, 21, 22], { min: 1, max: 2 });
        const country = f.location.countryCode();
        reports.push({
          ip,
          reportedAt: this.now() - f.number.int({ min: 60_000, max: 300 * DAY }),
          comment: COMMENTS[categories[0]!] ?? "",
          categories,
          reporterId: f.number.int({ min: 1, max: reporters }),
          reporterCountryCode: country,
          reporterCountryName: countryName(country),
        });
      }
      this.reports.set(
        ip,
        reports.sort((a, b) => b.reportedAt - a.reportedAt),
      );
      added.push(ip);
    }
    return added;
  }

  /** An address's facts, the same on every call for the same address and seed. */
  facts(ip: string): AddressFacts {
    const seed = createHash("sha256").update(`${this.#seed}:${ip}`).digest().readUInt32BE(0);
    const f = new Faker({ locale: [en, base], seed });
    const domain = f.internet.domainName();
    const countryCode = f.location.countryCode();
    return {
      countryCode,
      countryName: countryName(countryCode),
      usageType: f.helpers.arrayElement(USAGE),
      isp: `${f.company.name()} ${f.helpers.arrayElement(["Networks", "Telecom", "Hosting", "Cloud"])}`,
      domain,
      hostnames: f.datatype.boolean() ? [`${f.internet.domainWord()}.${domain}`] : [],
      isTor: f.number.int({ min: 1, max: 20 }) === 1,
    };
  }

  /** Reports of an address within the last `days` days, newest first. */
  recent(ip: string, days: number): SimReport[] {
    const since = this.now() - days * DAY;
    return (this.reports.get(ip) ?? []).filter((r) => r.reportedAt >= since);
  }

  /** AbuseIPDB does not publish its formula; this one rises with distinct reporters and recency. */
  score(ip: string, days: number): number {
    if (this.whitelisted.has(ip) || !isPublicAddress(ip)) return 0;
    const recent = this.recent(ip, days);
    if (recent.length === 0) return 0;
    const distinct = new Set(recent.map((r) => r.reporterId)).size;
    const fresh = recent.filter((r) => r.reportedAt >= this.now() - 7 * DAY).length;
    return Math.min(100, Math.round(distinct * 9 + fresh * 4 + recent.length));
  }

  add(report: SimReport): void {
    const list = this.reports.get(report.ip) ?? [];
    list.unshift(report);
    this.reports.set(report.ip, list);
  }
}
