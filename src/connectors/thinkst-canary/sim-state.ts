import { base, en, Faker } from "@faker-js/faker";

type Json = Record<string, unknown>;

/** Logtypes a Canary console reports: the summary it gives them and the port the service listens on. */
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
  "17012": { summary: "Canarytoken triggered", port: 80 },
};

/** Canarytoken logtypes: a token's hit, not a touch of a Canary on the network. */
const TOKENS = new Set(["17000", "17012"]);

export interface Node {
  node_id: string;
  name: string;
  flock_id: string;
  ip_address: string;
  mac_address: string;
}

/**
 * One incident of the console. The fields the console filters on and changes are modelled; the
 * rest of its flat incident is kept in `wire` exactly as the console renders it (strings).
 */
export interface SimIncident {
  id: string;
  hash_id?: string;
  summary: string;
  logtype: string;
  node_id: string;
  flock_id: string;
  src_host: string;
  src_host_reverse: string;
  name: string;
  memo: string;
  created: number;
  events: Json[];
  acknowledged: boolean;
  updated_id: number;
  updated_time: number;
  /** The flat incident's fields in the console's order; acknowledged and events are rendered from the model. */
  wire: Json;
  /** Listing-entry fields of a loaded incident that the console does not derive. */
  entryExtra?: Json;
  /** A loaded entry the model cannot read (no flat incident): served exactly as it was given. */
  verbatim?: Json;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string =>
  typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);

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
  #loaded = 0;

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
      const token = TOKENS.has(logtype);
      const node = f.helpers.arrayElement(this.nodes);
      const src = f.helpers.weightedArrayElement([
        { weight: 6, value: () => f.internet.ipv4({ network: "private-a" }) },
        { weight: 3, value: () => f.internet.ipv4() },
        { weight: 1, value: () => f.internet.ipv6() },
      ])();
      const time = nowS - f.number.int({ min: 0, max: spanS });
      const { summary, port } = LOGTYPES[logtype]!;
      const hash = f.string.hexadecimal({ length: 32, casing: "lower", prefix: "" });
      // An AWS API key token is triggered through AWS: the console knows no source address.
      const srcHost = logtype === "17012" ? "" : src;
      const reverse = token
        ? ""
        : (f.helpers.maybe(() => f.internet.domainName(), { probability: 0.4 }) ?? "");
      const memo = token
        ? f.helpers.arrayElement(["AWS keys on build server", "Payroll.xlsx in HR share", "Fake VPN config"])
        : "";
      const events = this.#events(logtype, time, node, srcHost);
      const flock = this.flocks.find((fl) => fl.flock_id === node.flock_id)!;
      // Keys in the console's (alphabetical) order; acknowledged and events are rendered from the model.
      const wire: Json = {
        acknowledged: "False",
        created: String(time),
        created_std: stdTime(time),
        description: summary,
        dst_host: node.ip_address,
        dst_port: String(port),
        events,
        events_count: String(events.length),
      };
      // Honeypot incidents carry the Canary's own interface (empty when the console has none on record).
      const known = f.datatype.boolean({ probability: 0.7 });
      if (!token) {
        wire.ip_address = known ? node.ip_address : "";
        wire.ippers = "";
      }
      wire.local_time = token ? `${stdTime(time).slice(0, 19)} (UTC)` : stdTime(time - 9).slice(0, 19);
      wire.logtype = logtype;
      if (!token) wire.mac_address = known ? node.mac_address : "";
      if (token) wire.memo = memo;
      wire.name = token ? "N/A" : node.name;
      wire.node_id = node.node_id;
      wire.flock_id = node.flock_id;
      wire.flock_name = flock.name;
      wire.notified = f.datatype.boolean() ? "True" : "False";
      wire.src_host = srcHost;
      if (!token) wire.src_host_reverse = reverse;
      wire.src_port = token || port === 0 ? "0" : String(f.internet.port());
      const incident: SimIncident = {
        id: `incident:${summary.toLowerCase().replaceAll(" ", "")}:${hash.slice(0, 24)}:${srcHost}:${time}`,
        hash_id: hash,
        summary,
        logtype,
        node_id: node.node_id,
        flock_id: node.flock_id,
        src_host: srcHost,
        src_host_reverse: reverse,
        name: String(wire.name),
        memo,
        created: time,
        events,
        acknowledged: false,
        updated_id: 0,
        updated_time: time,
        wire,
      };
      this.touch(incident);
      this.incidents.set(incident.id, incident);
      created.push(incident);
    }
    return created;
  }

  /**
   * Loads listing entries as the console would serve them (a real console's records, say): the
   * fields it filters on and changes are read from each, the rest is served as given. An entry
   * with the key of an existing incident replaces it, as a change would. An entry without a flat
   * incident object is kept and served verbatim, malformed as it is.
   */
  load(entries: readonly Json[]): SimIncident[] {
    return entries.map((entry) => {
      const flat = isObject(entry.description) ? entry.description : undefined;
      const given = typeof entry.id === "string" && entry.id !== "" ? entry.id : undefined;
      const id = given ?? `sim:loaded:${++this.#loaded}`;
      const rawUpdatedId = entry.updated_id;
      const updatedId =
        typeof rawUpdatedId === "number" &&
        Number.isInteger(rawUpdatedId) &&
        rawUpdatedId > this.lastUpdatedId
          ? rawUpdatedId
          : this.lastUpdatedId + 1;
      this.lastUpdatedId = updatedId;
      const f = flat ?? {};
      const created = Number(f.created);
      const updated = Number(entry.updated_time);
      const {
        description: _d,
        id: _id,
        hash_id,
        summary,
        updated: _u,
        updated_id: _ui,
        updated_std: _us,
        updated_time: _ut,
        ...entryExtra
      } = entry;
      const { acknowledged, events } = f;
      const wire = { ...f };
      const incident: SimIncident = {
        id,
        summary: textOf(summary ?? f.description),
        logtype: textOf(f.logtype),
        node_id: textOf(f.node_id),
        flock_id: textOf(f.flock_id) || "flock:default",
        src_host: textOf(f.src_host),
        src_host_reverse: textOf(f.src_host_reverse),
        name: textOf(f.name),
        memo: textOf(f.memo),
        created: Number.isFinite(created) ? created : 0,
        events: Array.isArray(events) ? events.filter(isObject) : [],
        acknowledged: acknowledged === true || textOf(acknowledged).toLowerCase() === "true",
        updated_id: updatedId,
        updated_time: Number.isFinite(updated) ? updated : Number.isFinite(created) ? created : 0,
        wire,
      };
      if (typeof hash_id === "string") incident.hash_id = hash_id;
      if (Object.keys(entryExtra).length > 0) incident.entryExtra = entryExtra;
      if (!flat || given === undefined) incident.verbatim = entry;
      this.incidents.set(id, incident);
      return incident;
    });
  }

  /** Every change moves the incident to the end of the change feed (`incidents_since`). */
  touch(incident: SimIncident): void {
    incident.updated_id = ++this.lastUpdatedId;
    incident.updated_time = Math.max(incident.created, Math.floor(this.now() / 1000));
    // A changed entry is rendered from the model from now on.
    delete incident.verbatim;
  }

  #events(logtype: string, start: number, node: Node, srcHost: string): Json[] {
    const f = this.faker;
    const count = TOKENS.has(logtype) ? 1 : f.number.int({ min: 1, max: 4 });
    const userAgent = f.internet.userAgent();
    return Array.from({ length: count }, (_, i) => {
      const timestamp = start + i * f.number.int({ min: 1, max: 20 });
      const at = { timestamp, timestamp_std: stdTime(timestamp) };
      const login = { PASSWORD: f.internet.password(), USERNAME: f.internet.username() };
      switch (logtype) {
        case "2000":
          return { ...login, ...at };
        case "3001":
          return {
            // The Host the browser asked for: the Canary's address or the name it goes by.
            HOSTNAME: f.datatype.boolean() ? node.ip_address : node.name,
            METHOD: "POST",
            ...login,
            PATH: "/index.html",
            RESPONSE: 200,
            SKIN: "nasLogin",
            USERAGENT: userAgent,
            ...at,
          };
        case "4002":
          return {
            LOCALVERSION: "SSH-2.0-OpenSSH_5.1p1 Debian-4",
            ...login,
            REMOTEVERSION: f.helpers.arrayElement(["SSH-2.0-OpenSSH_7.9", "SSH-2.0-libssh2_1.10.1_DEV"]),
            ...at,
          };
        case "5000":
          return {
            DOMAIN: "CORP",
            FILENAME: f.system.fileName(),
            SHARENAME: "share",
            USER: f.internet.username(),
            ...at,
          };
        case "5003":
          return { PORTS: f.helpers.arrayElements([22, 23, 80, 443, 445, 3389], 3).join(","), ...at };
        case "8001":
          return { CLIENT_HASH: null, ...login, SALT: f.string.alphanumeric(20), ...at };
        case "17000": {
          const tokenHost = `${f.string.alphanumeric({ length: 25, casing: "lower" })}.canarytokens.com`;
          return {
            canarytoken: f.string.alphanumeric({ length: 25, casing: "lower" }),
            dst_port: 80,
            event_name: "",
            headers: {
              Accept: "*/*",
              "Accept-Encoding": "gzip, deflate",
              Connection: "close",
              Host: tokenHost,
              "User-Agent": userAgent,
            },
            src_host: srcHost,
            ...at,
            type: "http",
            url: `http://${tokenHost}/static/${f.string.alphanumeric(12)}/index.html`,
          };
        }
        case "17012":
          return {
            canarytoken: f.string.alphanumeric({ length: 25, casing: "lower" }),
            dst_port: 80,
            event_name: "",
            headers: {
              Accept: "*/*",
              "Accept-Encoding": "gzip, deflate",
              Connection: "close",
              "User-Agent": "",
            },
            src_host: "",
            ...at,
            type: "aws-id",
          };
        default:
          return { ...login, TERMSIZE: "91x44", TERMTYPE: "XTERM-256COLOR", ...at };
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

/**
 * The flat incident as the console renders it (a listing entry's `description`; `incident/fetch`
 * adds the key as `id`): values as strings, events as recorded. `tz` re-renders the *_std times.
 */
export function flatIncident(
  incident: SimIncident,
  options: { eventLimit?: number; tz?: string } = {},
): Json {
  const { eventLimit, tz } = options;
  const events = (eventLimit === undefined ? incident.events : incident.events.slice(0, eventLimit)).map(
    (event) => (tz ? { ...event, timestamp_std: stdTime(Number(event.timestamp), tz) } : event),
  );
  // Spread first: a key keeps its place in the wire order, its value comes from the model.
  const flat: Json = { ...incident.wire, acknowledged: incident.acknowledged ? "True" : "False", events };
  if (tz && flat.created_std !== undefined) flat.created_std = stdTime(incident.created, tz);
  return flat;
}

/** A listing entry (`incidents/all` and the other feeds): the key, the change counter, the flat incident. */
export function listingEntry(
  incident: SimIncident,
  options: { eventLimit?: number; tz?: string } = {},
): Json {
  if (incident.verbatim) return incident.verbatim;
  const entry: Json = { description: flatIncident(incident, options) };
  if (incident.hash_id !== undefined) entry.hash_id = incident.hash_id;
  entry.id = incident.id;
  entry.summary = incident.summary;
  entry.updated = new Date(incident.updated_time * 1000).toUTCString();
  entry.updated_id = incident.updated_id;
  entry.updated_std = stdTime(incident.updated_time, options.tz);
  entry.updated_time = String(incident.updated_time);
  return incident.entryExtra ? { ...entry, ...incident.entryExtra } : entry;
}
