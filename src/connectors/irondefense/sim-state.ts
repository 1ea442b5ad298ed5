import { base, en, Faker } from "@faker-js/faker";
import {
  ALERT_STATUSES,
  ANALYST_EXPECTATIONS,
  ANALYST_SEVERITIES,
  type CATEGORIES,
  type DOME_CATEGORIES,
} from "./schemas.ts";

type Category = (typeof CATEGORIES)[number];
type DomeCategory = (typeof DOME_CATEGORIES)[number];
type Json = Record<string, unknown>;

/** How one analytic's traffic looks: the port, protocols and whether it involves domains. */
interface Analytic {
  category: Category;
  port: number;
  app: string | null;
  trans: "TCP" | "UDP";
  domains: boolean;
  table?: "dns" | "beacon" | "auth" | "scan" | "transfer";
}

/** Sub-categories by analytic (IronNet's full list is private; these follow its upper-snake naming). */
export const ANALYTICS: Record<string, Analytic> = {
  DNS_TUNNELING: { category: "C2", port: 53, app: "DNS", trans: "UDP", domains: true, table: "dns" },
  BEACONING: { category: "C2", port: 443, app: "TLS", trans: "TCP", domains: true, table: "beacon" },
  DOMAIN_GENERATION_ALGORITHM: { category: "C2", port: 53, app: "DNS", trans: "UDP", domains: true },
  HTTP_TUNNELING: { category: "C2", port: 80, app: "HTTP", trans: "TCP", domains: true, table: "beacon" },
  DATA_EXFILTRATION: {
    category: "ACTION",
    port: 443,
    app: "TLS",
    trans: "TCP",
    domains: true,
    table: "transfer",
  },
  LARGE_OUTBOUND_TRANSFER: {
    category: "ACTION",
    port: 22,
    app: "SSH",
    trans: "TCP",
    domains: false,
    table: "transfer",
  },
  SMB_SUSPICIOUS_FILE_TRANSFER: { category: "ACTION", port: 445, app: "SMB", trans: "TCP", domains: false },
  SSH_BRUTE_FORCE: { category: "ACCESS", port: 22, app: "SSH", trans: "TCP", domains: false, table: "auth" },
  RDP_BRUTE_FORCE: {
    category: "ACCESS",
    port: 3389,
    app: "RDP",
    trans: "TCP",
    domains: false,
    table: "auth",
  },
  NTLM_CREDENTIAL_ABUSE: {
    category: "ACCESS",
    port: 445,
    app: "SMB",
    trans: "TCP",
    domains: false,
    table: "auth",
  },
  PORT_SCANNING: { category: "RECON", port: 0, app: null, trans: "TCP", domains: false, table: "scan" },
  INTERNAL_HOST_DISCOVERY: {
    category: "RECON",
    port: 0,
    app: null,
    trans: "UDP",
    domains: false,
    table: "scan",
  },
  LDAP_ENUMERATION: { category: "RECON", port: 389, app: "LDAP", trans: "TCP", domains: false },
  THREAT_INTEL_RULE_MATCH: { category: "OTHER", port: 443, app: "TLS", trans: "TCP", domains: true },
  TLS_INVALID_CERTIFICATE: { category: "OTHER", port: 8443, app: "TLS", trans: "TCP", domains: true },
  UNUSUAL_PROTOCOL: { category: "OTHER", port: 6667, app: "IRC", trans: "TCP", domains: false },
};

const DOME_TAGS = [
  "energy",
  "financial-services",
  "healthcare",
  "utilities",
  "defense-industrial",
  "state-local",
];
const ANALYTIC_VERSIONS = ["5.3.0", "5.4.1", "5.5.0"];

export const PERMISSIONS = {
  api: "Access IronAPI",
  view: "View Alert",
  edit: "Edit Alert",
  tir: "Manage Threat Intelligence Rules",
} as const;

export interface SimUser {
  username: string;
  password: string;
  permissions: string[];
  logins: number;
  /** Read positions in the notification logs: each notification is handed to a user once. */
  positions: { alert: number; event: number; dome: number };
}

export interface Note {
  created: string;
  author: string;
  comment: string;
  shared: boolean;
}

export interface SimAlert {
  wire: Json & { id: string; severity: number; status: string; updated: string };
  eventIds: string[];
  notes: Note[];
  /** Has the alert had a status or rating set yet (first change is ANA_WORKFLOW_CREATED). */
  workflow: boolean;
  dome: {
    tags: string[];
    correlations: Json[];
    participation: Json[];
    comments: Json[];
    score: number;
  };
}

export interface SimEvent {
  wire: Json & { id: string; alert_id: string; src_ip: string; dst_ip: string; start_time: string };
  context: Json[];
}

export interface ThreatIntelRule {
  id: string;
  name: string;
  description: string;
  ip: string | null;
  domain: string | null;
  activity_start_time: string;
  activity_end_time: string;
  created: string;
  created_by: string;
}

export interface EntityRecord {
  ip: string;
  hostname: string | null;
  mac_address: string | null;
  username: string | null;
  lease_start_time: string;
  lease_end_time: string;
  source: string | null;
  updated: string;
}

/** An IronDefense appliance's whole state: users, alerts, events, IronDome data and notification logs. */
export class IronDefenseState {
  readonly faker: Faker;
  readonly now: () => number;
  readonly vueHost: string;
  users = new Map<string, SimUser>();
  alerts = new Map<string, SimAlert>();
  events = new Map<string, SimEvent>();
  alertLog: Json[] = [];
  eventLog: Json[] = [];
  domeLog: Json[] = [];
  rules: ThreatIntelRule[] = [];
  entities = new Map<string, EntityRecord>();
  /** GetAlertIronDomeInformation replies loaded as published, by alert id. */
  loadedDome = new Map<string, Json>();
  #domeId = 576_000;

  constructor(seed: number, now: () => number = Date.now) {
    this.faker = new Faker({ locale: [en, base], seed });
    this.now = now;
    this.vueHost = this.faker.internet.ipv4({ network: "private-a" });
    const all = Object.values(PERMISSIONS);
    this.addUser("ironapi", all);
    this.addUser(this.faker.internet.username().toLowerCase(), all);
    this.addUser("viewer", [PERMISSIONS.api, PERMISSIONS.view]);
  }

  addUser(username: string, permissions: string[]): SimUser {
    const user: SimUser = {
      username,
      password: this.faker.internet.password({ length: 20 }),
      permissions,
      logins: 0,
      positions: { alert: 0, event: 0, dome: 0 },
    };
    this.users.set(username, user);
    return user;
  }

  iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  /** New alerts with their events, spread over the last `spanDays`, each announced by notifications. */
  generate(count: number, spanDays = 30): SimAlert[] {
    const f = this.faker;
    const created: SimAlert[] = [];
    for (let i = 0; i < count; i++) {
      const subCategory = f.helpers.objectKey(ANALYTICS) as string;
      const analytic = ANALYTICS[subCategory]!;
      const createdMs = this.now() - f.number.int({ min: 60_000, max: spanDays * 86_400_000 });
      const status = f.helpers.weightedArrayElement([
        { weight: 5, value: ALERT_STATUSES[0] },
        { weight: 3, value: ALERT_STATUSES[1] },
        { weight: 2, value: ALERT_STATUSES[2] },
      ]);
      const rated = status !== "STATUS_AWAITING_REVIEW" && f.datatype.boolean({ probability: 0.7 });
      const severity = f.helpers.weightedArrayElement([
        { weight: 2, value: () => f.number.int({ min: 0, max: 199 }) },
        { weight: 5, value: () => f.number.int({ min: 200, max: 699 }) },
        { weight: 3, value: () => f.number.int({ min: 700, max: 1000 }) },
      ])();
      const id = f.string.uuid();
      const alert: SimAlert = {
        wire: {
          id,
          category: analytic.category,
          sub_category: subCategory,
          severity,
          status,
          analyst_severity: rated
            ? f.helpers.arrayElement(ANALYST_SEVERITIES.slice(1))
            : "SEVERITY_UNDECIDED",
          analyst_expectation: rated ? f.helpers.arrayElement(ANALYST_EXPECTATIONS.slice(1)) : "EXP_UNKNOWN",
          analytic_version: f.helpers.arrayElement(ANALYTIC_VERSIONS),
          created: this.iso(createdMs),
          updated: this.iso(createdMs),
          event_count: 0,
          first_event_created: "",
          last_event_created: "",
          first_event_start_time: "",
          last_event_end_time: "",
          raw_data_formats: ["RDF_TAP"],
          aggregation_criteria: "",
          vue_url: `https://${this.vueHost}/alert?uuid=${id.replaceAll("-", "")}`,
        },
        eventIds: [],
        notes: [],
        workflow: status !== "STATUS_AWAITING_REVIEW" || rated,
        dome: { tags: [], correlations: [], participation: [], comments: [], score: 0 },
      };
      this.alerts.set(id, alert);
      const internal = f.internet.ipv4({ network: "private-a" });
      const remote = f.datatype.boolean({ probability: 0.2 }) ? f.internet.ipv6() : f.internet.ipv4();
      const domain = analytic.domains ? f.internet.domainName() : undefined;
      const eventCount = f.number.int({ min: 1, max: 6 });
      for (let e = 0; e < eventCount; e++)
        this.#addEvent(alert, createdMs + e * 90_000, internal, remote, domain);
      alert.wire.aggregation_criteria = domain
        ? `src_ip=${internal},app_domain=${domain}`
        : `src_ip=${internal}`;
      this.#dome(alert, remote, domain);
      // Alerts already triaged were last touched some time after they were raised.
      if (alert.workflow)
        alert.wire.updated = this.iso(
          Math.min(this.now(), createdMs + f.number.int({ min: 60_000, max: 86_400_000 })),
        );
      this.logAlert("ANA_ALERT_CREATED", alert);
      for (const eventId of alert.eventIds) this.logEvent("ENA_EVENT_CREATED", this.events.get(eventId)!);
      created.push(alert);
    }
    return created;
  }

  #addEvent(alert: SimAlert, createdMs: number, src: string, dst: string, domain?: string): SimEvent {
    const f = this.faker;
    const analytic = ANALYTICS[alert.wire.sub_category as string]!;
    const id = f.string.uuid();
    const startMs = createdMs - f.number.int({ min: 600_000, max: 7_200_000 });
    const endMs = startMs + f.number.int({ min: 30_000, max: 3_000_000 });
    const bytesIn = f.number.int({ min: 40, max: analytic.table === "transfer" ? 900_000_000 : 90_000 });
    const bytesOut = f.number.int({ min: 40, max: analytic.table === "transfer" ? 2_000_000_000 : 90_000 });
    const dstPort = analytic.port === 0 ? f.internet.port() : analytic.port;
    // Lateral analytics (access, recon, SMB) stay inside the enterprise.
    const lateral = analytic.category === "ACCESS" || analytic.category === "RECON" || analytic.port === 445;
    const dstIp = lateral ? f.internet.ipv4({ network: "private-a" }) : dst;
    const shared = alert.wire.severity > 600 && f.datatype.boolean({ probability: 0.5 });
    const event: SimEvent = {
      wire: {
        id,
        alert_id: alert.wire.id,
        category: alert.wire.category,
        sub_category: alert.wire.sub_category,
        severity: clamp(alert.wire.severity + f.number.int({ min: -150, max: 150 }), 0, 1000),
        confidence: f.number.float({ min: 0.3, max: 1, fractionDigits: 3 }),
        created: this.iso(createdMs),
        updated: this.iso(createdMs + f.number.int({ min: 100, max: 5000 })),
        start_time: this.iso(startMs),
        end_time: this.iso(endMs),
        iron_dome_shared_time: shared ? this.iso(createdMs) : null,
        is_whitelisted: f.datatype.boolean({ probability: 0.05 }),
        is_blacklisted: false,
        src_ip: src,
        dst_ip: dstIp,
        dst_port: String(dstPort),
        app_domains: domain ? [domain] : [],
        primary_app_protocol: analytic.app,
        secondary_app_protocol: analytic.app === "TLS" && f.datatype.boolean() ? "HTTP" : null,
        bytes_in: String(bytesIn),
        bytes_out: String(bytesOut),
        total_bytes: String(bytesIn + bytesOut),
        url: analytic.app === "HTTP" && domain ? `http://${domain}/${f.system.fileName()}` : null,
        raw_data_formats: ["RDF_TAP"],
        src_entity_attribute: "",
        src_entity_attribute_type: "",
        dst_entity_attribute: "",
        dst_entity_attribute_type: "",
        vue_url: `https://${this.vueHost}/event?uuid=${id.replaceAll("-", "")}`,
      },
      context: [],
    };
    event.context = this.#context(event, analytic, dstPort);
    this.events.set(id, event);
    alert.eventIds.push(id);
    this.#applyEntities(event);
    this.refreshAlert(alert);
    return event;
  }

  /** Keeps the alert's event-derived fields in step with its events. */
  refreshAlert(alert: SimAlert): void {
    const events = alert.eventIds.map((id) => this.events.get(id)!.wire);
    const live = events.filter((e) => !e.is_whitelisted);
    const times = (key: string) => events.map((e) => String(e[key])).sort();
    alert.wire.event_count = live.length;
    alert.wire.first_event_created = times("created")[0] ?? "";
    alert.wire.last_event_created = times("created").at(-1) ?? "";
    alert.wire.first_event_start_time = times("start_time")[0] ?? "";
    alert.wire.last_event_end_time = times("end_time").at(-1) ?? "";
  }

  #context(event: SimEvent, analytic: Analytic, dstPort: number): Json[] {
    const f = this.faker;
    const w = event.wire;
    const flows = table("flows", {
      src_ip: [{ ip_value: w.src_ip }],
      dst_ip: [{ ip_value: w.dst_ip }],
      dst_port: [{ long_value: String(dstPort) }],
      src_port: Array.from({ length: f.number.int({ min: 1, max: 12 }) }, () => ({
        long_value: String(f.number.int({ min: 49_152, max: 65_535 })),
      })),
      trans_protocol: [{ trans_protocol_value: analytic.trans }],
      ...(analytic.app ? { primary_app_proto: [{ app_protocol_value: analytic.app }] } : {}),
      ...((w.app_domains as string[]).length
        ? { app_domains: (w.app_domains as string[]).map((d) => ({ string_value: d })) }
        : {}),
      src_ip_enterprise: [{ bool_value: true }],
      dst_ip_enterprise: [{ bool_value: /^10\./.test(w.dst_ip) }],
    });
    const tables = [flows];
    const domain = (w.app_domains as string[])[0] ?? "";
    switch (analytic.table) {
      case "dns": {
        const types = f.helpers.arrayElements(["A", "AAAA", "MX", "TXT", "SRV", "CNAME"], { min: 2, max: 4 });
        const weights = types.map(() => f.number.int({ min: 1, max: 10 }));
        const sum = weights.reduce((a, b) => a + b, 0);
        tables.push(
          table("query_type_ratios", {
            query_type: types.map((t) => ({ string_value: t })),
            ratio: weights.map((n) => ({ double_value: n / sum })),
          }),
          table("subdomain_stats", {
            fqdn: Array.from({ length: f.number.int({ min: 2, max: 6 }) }, () => ({
              string_value: `${f.string.alphanumeric({ length: { min: 12, max: 48 } })}.${domain}`,
            })),
            encoding_type: [{ string_value: f.helpers.arrayElement(["base64", "base32", "hex"]) }],
            data_rate: [{ double_value: f.number.float({ min: 0.01, max: 2, fractionDigits: 4 }) }],
            num_subdomains: [{ long_value: String(f.number.int({ min: 3, max: 900 })) }],
          }),
        );
        break;
      }
      case "beacon":
        tables.push(
          table("beacon_stats", {
            connection_count: [{ long_value: String(f.number.int({ min: 20, max: 4000 })) }],
            last_beacon_time: [{ timestamp_value: w.end_time }],
            interval_mean_seconds: [
              { double_value: f.number.float({ min: 5, max: 3600, fractionDigits: 2 }) },
            ],
            interval_stdev_seconds: [
              { double_value: f.number.float({ min: 0.1, max: 30, fractionDigits: 2 }) },
            ],
            user_agent: [{ string_value: f.internet.userAgent() }],
          }),
        );
        break;
      case "auth":
        tables.push(
          table("auth_attempts", {
            username: Array.from({ length: f.number.int({ min: 1, max: 5 }) }, () => ({
              string_value: f.internet.username().toLowerCase(),
            })),
            attempts: [{ long_value: String(f.number.int({ min: 15, max: 5000 })) }],
            failures: [{ long_value: String(f.number.int({ min: 10, max: 4900 })) }],
            succeeded: [{ bool_value: f.datatype.boolean({ probability: 0.2 }) }],
          }),
        );
        break;
      case "scan":
        tables.push(
          table("scanned_ports", {
            dst_port: Array.from({ length: f.number.int({ min: 5, max: 25 }) }, () => ({
              long_value: String(f.internet.port()),
            })),
            distinct_hosts: [{ long_value: String(f.number.int({ min: 1, max: 254 })) }],
          }),
        );
        break;
      case "transfer":
        tables.push(
          table("transfer_stats", {
            transfer_start_time: [{ timestamp_value: w.start_time }],
            bytes_out_ratio: [{ double_value: f.number.float({ min: 0.6, max: 0.99, fractionDigits: 3 }) }],
            baseline_bytes_out: [{ long_value: String(f.number.int({ min: 1000, max: 5_000_000 })) }],
          }),
        );
        break;
    }
    return tables;
  }

  #dome(alert: SimAlert, remote: string, domain?: string): void {
    const f = this.faker;
    if (!f.datatype.boolean({ probability: 0.6 })) return;
    const tags = f.helpers.arrayElements(DOME_TAGS, { min: 1, max: 3 });
    const counts = () => ({
      malicious_count: f.number.int({ max: 12 }),
      suspicious_count: f.number.int({ max: 20 }),
      benign_count: f.number.int({ max: 30 }),
      whitelisted_count: f.number.int({ max: 5 }),
      comments_count: f.number.int({ max: 8 }),
      activity_count: f.number.int({ min: 1, max: 60 }),
      resource_owner: false,
      first_seen: this.iso(this.now() - f.number.int({ min: 5, max: 90 }) * 86_400_000),
      last_seen: this.iso(this.now() - f.number.int({ min: 0, max: 4 }) * 86_400_000),
    });
    const correlation = (what: Json) => ({
      ...what,
      enterprise_correlations: f.number.int({ min: 1, max: 20 }),
      community_correlations: f.number.int({ min: 0, max: 40 }),
    });
    alert.dome.tags = tags;
    alert.dome.score = f.number.int({ min: 0, max: 100 });
    alert.dome.correlations = tags.map((tag) => ({
      dome_tag: tag,
      correlations: [
        correlation({ ip: remote }),
        ...(domain ? [correlation({ domain })] : []),
        ...(f.datatype.boolean({ probability: 0.3 }) ? [correlation({ behavior: true })] : []),
      ],
    }));
    alert.dome.participation = tags.map((tag) => ({
      dome_tag: tag,
      behavior: null,
      domain: domain ? counts() : null,
      ip: counts(),
    }));
    alert.dome.comments = Array.from({ length: f.number.int({ max: 3 }) }, () => ({
      created: this.iso(this.now() - f.number.int({ min: 1, max: 20 }) * 3_600_000),
      comment: f.helpers.arrayElement([
        "Seen beaconing from two plants, blocked at the perimeter.",
        "Confirmed malicious: matches known loader infrastructure.",
        "Benign in our environment: vendor update service.",
        "Investigating, looks like the same actor as last month.",
      ]),
      dome_tags: [f.helpers.arrayElement(tags)],
      enterprise: false,
      self: false,
    }));
    const category = f.helpers.arrayElement<DomeCategory>([
      "DNC_JOINED_HIGH_RISK",
      "DNC_HIGH_COGNITIVE_SYSTEM_SCORE",
      "DNC_SEVERITY_MALICIOUS",
      "DNC_SEVERITY_SUSPICIOUS",
      "DNC_PARTICIPANT_ADDED",
      "DNC_COMMUNITY_SEVERITY_MISMATCHED",
    ]);
    this.logDome(category, alert, this.#domeDetails(category, alert, remote, domain));
  }

  #domeDetails(category: DomeCategory, alert: SimAlert, ip: string, domain?: string): Json {
    const f = this.faker;
    const severities = () =>
      f.helpers
        .arrayElements(ANALYST_SEVERITIES.slice(1), { min: 1, max: 3 })
        .map((s) => ({ analyst_severity: s, count: f.number.int({ min: 1, max: 9 }) }));
    switch (category) {
      case "DNC_SEVERITY_MALICIOUS":
      case "DNC_SEVERITY_SUSPICIOUS": {
        const key =
          category === "DNC_SEVERITY_MALICIOUS"
            ? "severity_malicious_details"
            : "severity_suspicious_details";
        return {
          [key]: {
            domains: domain ? [domain] : [],
            ips: [ip],
            comments: alert.dome.comments.map((c) => c.comment),
            generated_threat_intel_rules:
              category === "DNC_SEVERITY_MALICIOUS" ? [{ ip, domain: domain ?? "" }] : [],
          },
        };
      }
      case "DNC_COMMUNITY_SEVERITY_MISMATCHED":
      case "DNC_ENTERPRISE_SEVERITY_MISMATCHED":
        return {
          mismatch_details: { enterprise_severities: severities(), community_severities: severities() },
        };
      case "DNC_COMMUNITY_SEVERITY_CHANGED":
        return { severity_details: { analyst_severity: alert.wire.analyst_severity } };
      case "DNC_HIGH_COGNITIVE_SYSTEM_SCORE":
        return {
          high_cognitive_system_score_details: {
            cognitive_system_score: alert.dome.score,
            enterprise_alert_score: alert.wire.severity,
          },
        };
      default:
        return {};
    }
  }

  logAlert(action: string, alert: SimAlert | null): void {
    this.alertLog.push({ alert_action: action, alert: alert ? structuredClone(alert.wire) : null });
  }

  logEvent(action: string, event: SimEvent | null): void {
    this.eventLog.push({ event_action: action, event: event ? structuredClone(event.wire) : null });
  }

  logDome(category: DomeCategory, alert: SimAlert, details: Json = {}): void {
    this.domeLog.push({
      id: ++this.#domeId,
      category,
      created: this.iso(),
      dome_tags: [...alert.dome.tags],
      alert_ids: [alert.wire.id],
      ...details,
    });
  }

  /** Adds a GetEvent reply as given (`{event, context}`); it is announced as ENA_EVENT_CREATED. */
  loadEvent(reply: unknown): string {
    const { event, context } = (reply ?? {}) as { event?: Json; context?: unknown };
    if (!event || typeof event.id !== "string") throw new TypeError("each entry needs event.id");
    if (context !== undefined && !Array.isArray(context)) throw new TypeError("context must be a list");
    const loaded: SimEvent = {
      wire: structuredClone(event) as SimEvent["wire"],
      context: structuredClone((context ?? []) as Json[]),
    };
    this.events.set(event.id, loaded);
    this.logEvent("ENA_EVENT_CREATED", loaded);
    return event.id;
  }

  /** Makes GetAlertIronDomeInformation answer exactly `information` for this alert id. */
  loadIronDome(alertId: string, information: unknown): string {
    if (alertId === "") throw new TypeError("alert_id is required");
    if (information === null || typeof information !== "object")
      throw new TypeError("information must be an object");
    this.loadedDome.set(alertId, structuredClone(information) as Json);
    return alertId;
  }

  /** Queues a dome notification as given, for the next GetDomeNotifications. */
  loadDomeNotification(notification: unknown): unknown {
    if (notification === null || typeof notification !== "object")
      throw new TypeError("a notification must be an object");
    const copy = structuredClone(notification) as Json;
    this.domeLog.push(copy);
    return copy.id;
  }

  /** Hands the user the next `limit` notifications of a log and moves their read position past them. */
  take(user: SimUser, kind: "alert" | "event" | "dome", limit: number): Json[] {
    const log = { alert: this.alertLog, event: this.eventLog, dome: this.domeLog }[kind];
    const from = user.positions[kind];
    const page = log.slice(from, from + limit);
    user.positions[kind] = from + page.length;
    return structuredClone(page);
  }

  #touch(alert: SimAlert): void {
    alert.wire.updated = this.iso();
  }

  #note(alert: SimAlert, user: SimUser, comment: string | undefined, shared: boolean): void {
    if (!comment) return;
    const created = this.iso();
    alert.notes.push({ created, author: user.username, comment, shared });
    this.logAlert("ANA_NOTE_CREATED", alert);
    if (shared && alert.dome.tags.length > 0) {
      alert.dome.comments.push({
        created,
        comment,
        dome_tags: [...alert.dome.tags],
        enterprise: true,
        self: true,
      });
      for (const id of alert.eventIds) {
        const event = this.events.get(id)!;
        event.wire.iron_dome_shared_time ??= created;
      }
    }
  }

  #workflow(alert: SimAlert): void {
    this.logAlert(alert.workflow ? "ANA_WORKFLOW_UPDATED" : "ANA_WORKFLOW_CREATED", alert);
    alert.workflow = true;
  }

  comment(alert: SimAlert, user: SimUser, comment: string, shared: boolean): void {
    this.#touch(alert);
    this.#note(alert, user, comment, shared);
  }

  rate(
    alert: SimAlert,
    user: SimUser,
    severity: string,
    expectation: string,
    comment: string | undefined,
    shared: boolean,
  ): void {
    const before = alert.wire.analyst_severity;
    alert.wire.analyst_severity = severity;
    alert.wire.analyst_expectation = expectation;
    this.#touch(alert);
    this.#workflow(alert);
    this.#note(alert, user, comment, shared);
    // The community hears of a changed verdict on an alert it correlates with.
    if (alert.dome.tags.length > 0 && before !== severity)
      this.logDome("DNC_COMMUNITY_SEVERITY_CHANGED", alert, {
        severity_details: { analyst_severity: severity },
      });
  }

  setStatus(
    alert: SimAlert,
    user: SimUser,
    status: string,
    comment: string | undefined,
    shared: boolean,
  ): void {
    const changed = alert.wire.status !== status;
    alert.wire.status = status;
    this.#touch(alert);
    this.#workflow(alert);
    this.#note(alert, user, comment, shared);
    const action =
      status === "STATUS_UNDER_REVIEW"
        ? "ENA_EVENT_ALERT_UNDER_REVIEW"
        : status === "STATUS_CLOSED"
          ? "ENA_EVENT_ALERT_CLOSED"
          : undefined;
    if (changed && action) for (const id of alert.eventIds) this.logEvent(action, this.events.get(id)!);
  }

  /** Creates a Threat Intelligence Rule; events it matches within the activity window become blacklisted. */
  reportBadActivity(rule: Omit<ThreatIntelRule, "id" | "created">): ThreatIntelRule {
    const saved: ThreatIntelRule = { ...rule, id: this.faker.string.uuid(), created: this.iso() };
    this.rules.push(saved);
    const from = Date.parse(rule.activity_start_time);
    const to = Date.parse(rule.activity_end_time);
    for (const alert of this.alerts.values()) {
      let hit = false;
      for (const id of alert.eventIds) {
        const e = this.events.get(id)!.wire;
        const ipHit = rule.ip !== null && (e.src_ip === rule.ip || e.dst_ip === rule.ip);
        const domainHit = rule.domain !== null && (e.app_domains as string[]).includes(rule.domain);
        // The XSOAR client's default window is the epoch instant, meaning "no window".
        const inWindow =
          (from === 0 && to === 0) ||
          (Date.parse(e.start_time) <= to && Date.parse(String(e.end_time)) >= from);
        if ((ipHit || domainHit) && inWindow && !e.is_blacklisted) {
          e.is_blacklisted = true;
          e.updated = this.iso();
          hit = true;
        }
      }
      if (hit) {
        this.#touch(alert);
        this.logAlert("ANA_ALERT_UPDATED", alert);
      }
    }
    return saved;
  }

  /** Stores an IP lease; events of that IP within the lease gain the holder as their entity attribute. */
  updateEntity(record: EntityRecord): void {
    this.entities.set(`${record.ip}|${record.lease_start_time}`, record);
    for (const event of this.events.values()) this.#applyEntities(event);
  }

  #applyEntities(event: SimEvent): void {
    const at = Date.parse(event.wire.start_time);
    for (const record of this.entities.values()) {
      if (at < Date.parse(record.lease_start_time) || at > Date.parse(record.lease_end_time)) continue;
      const [type, value] = record.hostname
        ? ["hostname", record.hostname]
        : record.username
          ? ["username", record.username]
          : ["mac_address", record.mac_address ?? ""];
      for (const side of ["src", "dst"] as const) {
        if (event.wire[`${side}_ip`] !== record.ip) continue;
        event.wire[`${side}_entity_attribute`] = value;
        event.wire[`${side}_entity_attribute_type`] = type;
      }
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A context table in IronAPI's column layout: one row of typed cells per column. */
function table(name: string, columns: Record<string, Json[]>): Json {
  return {
    name,
    columns: Object.entries(columns).map(([column, data]) => ({ name: column, values: [{ data }] })),
  };
}
