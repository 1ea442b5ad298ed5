import { base, en, Faker } from "@faker-js/faker";

/** Logtypes a Canary console reports, with the events each one carries. */
export const LOGTYPES: Record<string, { summary: string; port: number }> = {
  "2000": { summary: "FTP Login Attempt", port: 21 },
  "3001": { summary: "HTTP Login Attempt", port: 80 },
  "4002": { summary: "SSH Login Attempt", port: 22 },
  "5000": { summary: "Shared File Opened", port: 445 },
  "5003": { summary: "Host Port Scan", port: 0 },
  "6001": { summary: "Telnet Login Attempt", port: 23 },
  "8001": { summary: "MySQL Login Attempt", port: 3306 },
  "9001": { summary: "MSSQL Login Attempt", port: 1433 },
  "17000": { summary: "Canarytoken triggered", port: 80 },
};

export interface Node {
  node_id: string;
  name: string;
  flock_id: string;
  ip_address: string;
  mac_address: string;
}

export interface SimIncident {
  id: string;
  hash_id: string;
  logtype: string;
  node_id: string;
  flock_id: string;
  src_host: string;
  src_host_reverse: string;
  src_port: number;
  dst_host: string;
  dst_port: number;
  created: number;
  events: Array<Record<string, unknown>>;
  acknowledged: boolean;
  notified: boolean;
  memo: string;
  name: string;
  updated_id: number;
  updated_time: number;
}

/** The console's whole state: flocks, nodes, incidents and the change counter polling relies on. */
export class CanaryState {
  readonly faker: Faker;
  readonly flocks = [
    { flock_id: "flock:default", name: "Default Flock" },
    { flock_id: "flock:2b9c3a1e", name: "Datacenter" },
    { flock_id: "flock:7fe01d42", name: "Branch Offices" },
  ];
  nodes: Node[] = [];
  incidents = new Map<string, SimIncident>();
  lastUpdatedId = 0;
  now: () => number;

  constructor(seed: number, now: () => number = Date.now) {
    this.faker = new Faker({ locale: [en, base], seed });
    this.now = now;
    for (let i = 0; i < 8; i++) {
      this.nodes.push({
        node_id: this.faker.string.hexadecimal({ length: 16, casing: "lower", prefix: "" }),
        name: `${this.faker.helpers.arrayElement(["fileserver", "dc", "sql", "web", "vpn", "hr-share", "backup"])}-${this.faker.number.int({ min: 1, max: 40 })}`,
        flock_id: this.flocks[i % this.flocks.length]!.flock_id,
        ip_address: this.faker.internet.ipv4({ network: "private-a" }),
        mac_address: this.faker.internet.mac(),
      });
    }
  }

  /** Adds `count` new incidents spread over the last `spanS` seconds. */
  generate(count: number, spanS = 14 * 86_400): SimIncident[] {
    const created: SimIncident[] = [];
    const nowS = Math.floor(this.now() / 1000);
    for (let i = 0; i < count; i++) {
      const f = this.faker;
      const logtype = f.helpers.objectKey(LOGTYPES) as string;
      const node = f.helpers.arrayElement(this.nodes);
      const src = f.helpers.weightedArrayElement([
        { weight: 6, value: () => f.internet.ipv4({ network: "private-a" }) },
        { weight: 3, value: () => f.internet.ipv4() },
        { weight: 1, value: () => f.internet.ipv6() },
      ])();
      const time = nowS - f.number.int({ min: 0, max: spanS });
      const port = LOGTYPES[logtype]!.port;
      const hash = f.string.hexadecimal({ length: 32, casing: "lower", prefix: "" });
      const incident: SimIncident = {
        id: `incident:${LOGTYPES[logtype]!.summary.toLowerCase().replaceAll(" ", "")}:${hash.slice(0, 24)}:${src}:${time}`,
        hash_id: hash,
        logtype,
        node_id: node.node_id,
        flock_id: node.flock_id,
        src_host: src,
        src_host_reverse: f.helpers.maybe(() => f.internet.domainName(), { probability: 0.4 }) ?? "",
        src_port: port === 0 ? 0 : f.internet.port(),
        dst_host: node.ip_address,
        dst_port: port,
        created: time,
        events: this.#events(logtype, time),
        acknowledged: false,
        notified: f.datatype.boolean(),
        memo:
          logtype === "17000"
            ? f.helpers.arrayElement([
                "AWS keys on build server",
                "Payroll.xlsx in HR share",
                "Fake VPN config",
              ])
            : "",
        name: node.name,
        updated_id: 0,
        updated_time: time,
      };
      this.touch(incident);
      this.incidents.set(incident.id, incident);
      created.push(incident);
    }
    return created;
  }

  /** Every change moves the incident to the end of the change feed (`incidents_since`). */
  touch(incident: SimIncident): void {
    incident.updated_id = ++this.lastUpdatedId;
    incident.updated_time = Math.max(incident.created, Math.floor(this.now() / 1000));
  }

  #events(logtype: string, start: number): Array<Record<string, unknown>> {
    const f = this.faker;
    const count = f.number.int({ min: 1, max: 4 });
    return Array.from({ length: count }, (_, i) => {
      const timestamp = start + i * f.number.int({ min: 1, max: 20 });
      const base = { timestamp, timestamp_std: stdTime(timestamp) };
      switch (logtype) {
        case "5000":
          return {
            ...base,
            FILENAME: f.system.fileName(),
            USER: f.internet.username(),
            DOMAIN: "CORP",
            SHARENAME: "share",
          };
        case "5003":
          return { ...base, PORTS: f.helpers.arrayElements([22, 23, 80, 443, 445, 3389], 3).join(",") };
        case "17000":
          return { ...base, useragent: f.internet.userAgent(), type: "http" };
        case "3001":
          return {
            ...base,
            USERNAME: f.internet.username(),
            PASSWORD: f.internet.password(),
            PATH: "/login",
            USERAGENT: f.internet.userAgent(),
          };
        default:
          return {
            ...base,
            USERNAME: f.internet.username(),
            PASSWORD: f.internet.password(),
            TERMSIZE: "91x44",
            TERMTYPE: "XTERM-256COLOR",
          };
      }
    });
  }
}

/** "2020-04-07 12:00:54 UTC+0000" in the given IANA zone; throws RangeError for an unknown zone. */
export function stdTime(epochS: number, tz = "UTC"): string {
  if (tz === "UTC") {
    // The common case, without Intl: an ISO string already holds these digits.
    const date = new Date(epochS * 1000);
    const year = date.getUTCFullYear();
    if (year >= 1000 && year <= 9999) {
      const iso = date.toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC+0000`;
    }
  }
  const parts = Object.fromEntries(
    formatterFor(tz)
      .formatToParts(new Date(epochS * 1000))
      .map((p) => [p.type, p.value]),
  );
  const offset =
    parts.timeZoneName === "GMT" ? "+0000" : String(parts.timeZoneName).replace("GMT", "").replace(":", "");
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${tz === "UTC" ? "UTC" : tz}${offset}`;
}

// Building a DateTimeFormat costs far more than using one, and listings format every incident.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    });
    formatters.set(tz, formatter);
  }
  return formatter;
}

/** The flat incident the console returns (`incident/fetch`, listing `description`): values as strings. */
export function flatIncident(
  incident: SimIncident,
  options: { eventLimit?: number; tz?: string } = {},
): Record<string, unknown> {
  const { eventLimit, tz } = options;
  const events = (eventLimit === undefined ? incident.events : incident.events.slice(0, eventLimit)).map(
    (event) => (tz ? { ...event, timestamp_std: stdTime(Number(event.timestamp), tz) } : event),
  );
  return {
    acknowledged: incident.acknowledged ? "True" : "False",
    created: String(incident.created),
    created_std: stdTime(incident.created, tz),
    description: LOGTYPES[incident.logtype]!.summary,
    dst_host: incident.dst_host,
    dst_port: String(incident.dst_port),
    events,
    events_count: String(incident.events.length),
    id: incident.id,
    ip_address: "",
    ippers: "",
    local_time: stdTime(incident.created).slice(0, 19),
    logtype: incident.logtype,
    mac_address: "",
    memo: incident.memo,
    name: incident.name,
    node_id: incident.node_id,
    notified: incident.notified ? "True" : "False",
    src_host: incident.src_host,
    src_host_reverse: incident.src_host_reverse,
    src_port: String(incident.src_port),
  };
}
