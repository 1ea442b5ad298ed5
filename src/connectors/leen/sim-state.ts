import { base, en, Faker } from "@faker-js/faker";
import { ACTIVITIES, SEVERITIES } from "./schemas.ts";
import { foreignFinding } from "./sim-foreign.ts";

type Idp = "okta" | "entra" | "google";
type Json = Record<string, unknown>;

/** A detection an identity provider raises; each alert is one of these with its own people and places. */
interface Detection {
  title: string;
  analytic: string;
  /** OCSF analytic type_id: 1 Rule, 2 Behavioral, 3 Statistical, 4 Learning. */
  analyticType: 1 | 2 | 3 | 4;
  /** Likely severities (ids), most likely first. */
  severities: number[];
  tactic: [string, string];
  technique: [string, string];
  operation: string;
  desc: string;
}

const ANALYTIC_TYPES: Record<number, string> = {
  1: "Rule",
  2: "Behavioral",
  3: "Statistical",
  4: "Learning",
};

const DETECTIONS: Record<Idp, Detection[]> = {
  okta: [
    {
      title: "MFA push fatigue: repeated Okta Verify pushes denied",
      analytic: "okta.mfa.push_fatigue",
      analyticType: 2,
      severities: [4, 5, 3],
      tactic: ["TA0006", "Credential Access"],
      technique: ["T1621", "Multi-Factor Authentication Request Generation"],
      operation: "system.push.send_factor_verify_push",
      desc: "A user denied several Okta Verify push challenges in a short window.",
    },
    {
      title: "Okta ThreatInsight: sign-in from a known malicious IP",
      analytic: "okta.threatinsight.malicious_ip",
      analyticType: 1,
      severities: [3, 4, 2],
      tactic: ["TA0001", "Initial Access"],
      technique: ["T1078", "Valid Accounts"],
      operation: "user.session.start",
      desc: "ThreatInsight flagged the source address of a sign-in attempt.",
    },
    {
      title: "Password spray against several Okta accounts",
      analytic: "okta.auth.password_spray",
      analyticType: 3,
      severities: [4, 3],
      tactic: ["TA0006", "Credential Access"],
      technique: ["T1110.003", "Password Spraying"],
      operation: "user.authentication.auth_via_mfa",
      desc: "Failed sign-ins for many users from one source.",
    },
    {
      title: "Super administrator role granted",
      analytic: "okta.admin.role_granted",
      analyticType: 1,
      severities: [5, 4, 6],
      tactic: ["TA0004", "Privilege Escalation"],
      technique: ["T1098.003", "Additional Cloud Roles"],
      operation: "user.account.privilege.grant",
      desc: "A user received the Super Administrator role.",
    },
    {
      title: "Session token reused from a new IP address",
      analytic: "okta.session.hijack",
      analyticType: 2,
      severities: [5, 4],
      tactic: ["TA0006", "Credential Access"],
      technique: ["T1539", "Steal Web Session Cookie"],
      operation: "policy.evaluate_sign_on",
      desc: "An existing session was used from an address and device it was not issued to.",
    },
    {
      title: "New MFA factor enrolled after password reset",
      analytic: "okta.mfa.factor_enrolled",
      analyticType: 1,
      severities: [2, 1, 3],
      tactic: ["TA0003", "Persistence"],
      technique: ["T1556.006", "Multi-Factor Authentication"],
      operation: "user.mfa.factor.activate",
      desc: "A factor was enrolled minutes after the account's password changed.",
    },
  ],
  entra: [
    {
      title: "Atypical travel",
      analytic: "entra.idprotection.atypical_travel",
      analyticType: 4,
      severities: [3, 2, 4],
      tactic: ["TA0001", "Initial Access"],
      technique: ["T1078.004", "Cloud Accounts"],
      operation: "Sign-in activity",
      desc: "Two sign-ins from places too far apart to travel between in the time elapsed.",
    },
    {
      title: "Anonymous IP address",
      analytic: "entra.idprotection.anonymous_ip",
      analyticType: 1,
      severities: [2, 3, 1],
      tactic: ["TA0005", "Defense Evasion"],
      technique: ["T1090.003", "Multi-hop Proxy"],
      operation: "Sign-in activity",
      desc: "Sign-in from an anonymous proxy or Tor exit node.",
    },
    {
      title: "Leaked credentials",
      analytic: "entra.idprotection.leaked_credentials",
      analyticType: 1,
      severities: [4, 5],
      tactic: ["TA0006", "Credential Access"],
      technique: ["T1589.001", "Credentials"],
      operation: "User risk detection",
      desc: "The user's valid credentials were found in a public leak.",
    },
    {
      title: "Unfamiliar sign-in properties",
      analytic: "entra.idprotection.unfamiliar_features",
      analyticType: 4,
      severities: [2, 3, 0],
      tactic: ["TA0001", "Initial Access"],
      technique: ["T1078.004", "Cloud Accounts"],
      operation: "Sign-in activity",
      desc: "Sign-in properties (device, location, ASN) unlike the user's history.",
    },
    {
      title: "Anomalous token",
      analytic: "entra.idprotection.anomalous_token",
      analyticType: 2,
      severities: [4, 3],
      tactic: ["TA0006", "Credential Access"],
      technique: ["T1528", "Steal Application Access Token"],
      operation: "Sign-in activity",
      desc: "A token with an unusual lifetime or replayed from an unfamiliar location.",
    },
    {
      title: "Suspicious inbox forwarding rule",
      analytic: "entra.idprotection.inbox_forwarding",
      analyticType: 1,
      severities: [3, 4],
      tactic: ["TA0009", "Collection"],
      technique: ["T1114.003", "Email Forwarding Rule"],
      operation: "New-InboxRule",
      desc: "A rule forwarding mail to an external address was created.",
    },
    {
      title: "Admin confirmed user compromised",
      analytic: "entra.idprotection.admin_confirmed",
      analyticType: 1,
      severities: [6, 5],
      tactic: ["TA0001", "Initial Access"],
      technique: ["T1078", "Valid Accounts"],
      operation: "Confirm user compromised",
      desc: "An administrator marked the user as compromised.",
    },
  ],
  google: [
    {
      title: "Suspicious login blocked",
      analytic: "google.login.suspicious_login",
      analyticType: 4,
      severities: [3, 2],
      tactic: ["TA0001", "Initial Access"],
      technique: ["T1078.004", "Cloud Accounts"],
      operation: "login_challenge",
      desc: "Google blocked a sign-in it judged suspicious.",
    },
    {
      title: "Government-backed attack warning",
      analytic: "google.login.gov_attack_warning",
      analyticType: 1,
      severities: [5, 6],
      tactic: ["TA0043", "Reconnaissance"],
      technique: ["T1598", "Phishing for Information"],
      operation: "gov_attack_warning",
      desc: "Google believes government-backed attackers targeted the account.",
    },
    {
      title: "Leaked password",
      analytic: "google.login.leaked_password",
      analyticType: 1,
      severities: [4, 3],
      tactic: ["TA0006", "Credential Access"],
      technique: ["T1589.001", "Credentials"],
      operation: "account_disabled_password_leak",
      desc: "The account's password appeared in a leak; the account was disabled.",
    },
    {
      title: "2-Step Verification disabled",
      analytic: "google.user.2sv_disabled",
      analyticType: 1,
      severities: [2, 3, 99],
      tactic: ["TA0005", "Defense Evasion"],
      technique: ["T1556.006", "Multi-Factor Authentication"],
      operation: "2sv_disable",
      desc: "2-Step Verification was turned off for the user.",
    },
    {
      title: "Suspicious programmatic login",
      analytic: "google.login.suspicious_programmatic",
      analyticType: 2,
      severities: [3, 4, 1],
      tactic: ["TA0001", "Initial Access"],
      technique: ["T1078.004", "Cloud Accounts"],
      operation: "suspicious_programmatic_login",
      desc: "A login from a script or app that looks automated.",
    },
  ],
};

const PRODUCTS: Record<Idp, { name: string; vendor: string; feature: string; log: string }> = {
  okta: { name: "Okta", vendor: "Okta", feature: "ThreatInsight", log: "Okta System Log" },
  entra: {
    name: "Microsoft Entra ID",
    vendor: "Microsoft",
    feature: "ID Protection",
    log: "Entra ID risk detections",
  },
  google: {
    name: "Google Workspace",
    vendor: "Google",
    feature: "Alert Center",
    log: "Google Workspace login audit",
  },
};

/** OCSF reputation score captions as Leen writes them, by score_id. */
const REPUTATION: Record<number, string> = {
  0: "UNKNOWN",
  1: "VERY_SAFE",
  2: "SAFE",
  3: "PROBABLY_SAFE",
  4: "LEANS_SAFE",
  5: "MAY_NOT_BE_SAFE",
  6: "EXERCISE_CAUTION",
  7: "SUSPICIOUS_RISKY",
  8: "POSSIBLY_MALICIOUS",
  9: "PROBABLY_MALICIOUS",
  10: "MALICIOUS",
  99: "OTHER",
};

export interface SimUser {
  uid: string;
  name: string;
  full_name: string;
  email_addr: string;
  domain: string;
  type: string;
  type_id: number;
  groups: Array<{ name: string; uid: string }>;
  org: { name: string; ou_name: string };
  device?: Json;
}

export interface SimGroup {
  id: string;
  name: string;
  types: string[];
  description: string | null;
  vendor_id: string;
  vendor_created_at: string | null;
  last_membership_updated_at: string | null;
  last_updated_at: string;
  is_deleted: boolean;
}

export interface SimApplication {
  id: string;
  name: string;
  labels: string[];
  vendor_id: string;
  version: string | null;
  vendor_status: string | null;
  vendor_created_at: string | null;
  last_updated_at: string;
  is_deleted: boolean;
}

export interface SimConnection {
  id: string;
  account: string;
  idp: Idp;
  tenant: string;
  domain: string;
  users: SimUser[];
  groups: SimGroup[];
  applications: SimApplication[];
  /** Its findings come from other products, already OCSF (see sim-foreign.ts), not from Leen's mapping. */
  foreign?: boolean;
}

export interface SimAlert {
  /** Insertion order: the tie-break that keeps severity sorting total. */
  seq: number;
  connectionId: string;
  /** ms since epoch of the last change (`metadata.modified_time`), what `updatedSince` reads. */
  updatedAt: number;
  finding: Json;
}

export interface Account {
  name: string;
  apiKey: string;
}

/** A Leen tenant: accounts with their API keys, IDP connections, and the alerts each connection sees. */
export class LeenState {
  readonly faker: Faker;
  readonly accounts: Account[];
  readonly connections: SimConnection[] = [];
  readonly alerts: SimAlert[] = [];
  now: () => number;
  #seq = 0;
  #lastChange = 0;

  constructor(seed: number, now: () => number = Date.now, options: { foreignFindings?: boolean } = {}) {
    this.faker = new Faker({ locale: [en, base], seed });
    this.now = now;
    const key = () => `leen_${this.faker.string.alphanumeric({ length: 40, casing: "mixed" })}`;
    this.accounts = [
      { name: "Acme Security", apiKey: key() },
      { name: "Globex MSSP", apiKey: key() },
    ];
    const company = this.faker.company.name().split(/[ ,-]/)[0]!.toLowerCase();
    this.#connect("Acme Security", "okta", `${company}.okta.com`, `${company}.com`, 24);
    this.#connect("Acme Security", "entra", this.faker.string.uuid(), `${company}.onmicrosoft.com`, 20);
    this.#connect("Acme Security", "google", `C0${this.faker.string.alphanumeric(7)}`, `${company}.io`, 14);
    this.#connect("Globex MSSP", "okta", "globex.okta.com", "globex.com", 10);
    const counts = [120, 80, 50, 30];
    this.connections.forEach((c, i) => {
      this.generateFor(c, counts[i]!);
    });
    if (options.foreignFindings) {
      this.#connect("Acme Security", "okta", `${company}-soc.okta.com`, `${company}.com`, 6);
      const other = this.connections.at(-1)!;
      other.foreign = true;
      this.generateFor(other, 40);
    }
  }

  connection(id: string): SimConnection | undefined {
    return this.connections.find((c) => c.id === id);
  }

  /**
   * Adds `count` new alerts, spread over the connections, raised in the last few minutes. Leen
   * stores each one now, so its change time (what `updatedSince` reads) is now, past every
   * `updatedSince` so far, even though the IDP raised it minutes ago: otherwise a poller that
   * asks for changes since the newest it has seen would never get it.
   */
  generate(count: number): SimAlert[] {
    const out: SimAlert[] = [];
    for (let i = 0; i < count; i++) {
      const c = this.connections[i % this.connections.length]!;
      for (const alert of this.generateFor(c, 1, 10 * 60_000)) {
        const at = this.#tick();
        alert.updatedAt = at;
        (alert.finding.metadata as Json).modified_time = at;
        (alert.finding.metadata as Json).processed_time = at;
        out.push(alert);
      }
    }
    return out;
  }

  generateFor(c: SimConnection, count: number, spanMs = 14 * 86_400_000): SimAlert[] {
    const out: SimAlert[] = [];
    for (let i = 0; i < count; i++) {
      const alert = c.foreign ? this.#foreign(c, spanMs) : this.#alert(c, spanMs);
      this.alerts.push(alert);
      out.push(alert);
    }
    return out;
  }

  /** Stores a finding exactly as given (a published record, say) on a connection; Leen stores it now. */
  load(c: SimConnection, finding: unknown): SimAlert {
    if (finding === null || typeof finding !== "object" || Array.isArray(finding))
      throw new TypeError("a finding must be a JSON object");
    const uid = ((finding as Json).finding_info as Json | undefined)?.uid;
    if (typeof uid !== "string") throw new TypeError("a finding needs finding_info.uid");
    const alert: SimAlert = {
      seq: ++this.#seq,
      connectionId: c.id,
      updatedAt: this.#tick(),
      finding: structuredClone(finding) as Json,
    };
    this.alerts.push(alert);
    return alert;
  }

  #foreign(c: SimConnection, spanMs: number): SimAlert {
    const { finding, updatedAt } = foreignFinding(this.faker, this.now(), spanMs);
    this.#lastChange = Math.max(this.#lastChange, updatedAt);
    return { seq: ++this.#seq, connectionId: c.id, updatedAt, finding };
  }

  /** A vendor-side change to an alert (re-scored, updated, closed): it moves past every `updatedSince` so far. */
  update(uid: string, change: { severity?: string; activity?: "update" | "close" }): SimAlert | undefined {
    const alert = this.alerts.find((a) => (a.finding.finding_info as Json).uid === uid);
    if (!alert) return undefined;
    const f = alert.finding;
    if (change.severity !== undefined) {
      const id = Number(Object.entries(SEVERITIES).find(([, s]) => s === change.severity)?.[0]);
      if (Number.isNaN(id)) throw new RangeError(`unknown severity ${change.severity}`);
      f.severity_id = id;
      f.severity = SEVERITIES[id];
    }
    setActivity(f, change.activity === "close" ? 3 : 2);
    const at = this.#tick();
    alert.updatedAt = at;
    (f.metadata as Json).modified_time = at;
    (f.metadata as Json).processed_time = at;
    (f.finding_info as Json).modified_time = at;
    (f.finding_info as Json).last_seen_time = at;
    return alert;
  }

  /** A strictly increasing change time, so two changes in one millisecond still order. */
  #tick(): number {
    this.#lastChange = Math.max(this.now(), this.#lastChange + 1);
    return this.#lastChange;
  }

  #connect(account: string, idp: Idp, tenant: string, domain: string, people: number): void {
    const f = this.faker;
    const groupNames = f.helpers.arrayElements(
      [
        "Engineering",
        "Finance",
        "IT Admins",
        "Sales",
        "HR",
        "Contractors",
        "Executives",
        "Support",
        "Security",
      ],
      6,
    );
    const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
    const past = (days: number) => this.now() - f.number.int({ min: 1, max: days }) * 86_400_000;
    const vendorId = () =>
      idp === "okta"
        ? `00g${f.string.alphanumeric(17)}`
        : idp === "entra"
          ? f.string.uuid()
          : f.string.hexadecimal({ length: 15, casing: "lower", prefix: "0" });
    const groups: SimGroup[] = groupNames.map((name) => {
      const created = past(900);
      return {
        id: f.string.uuid(),
        name,
        types: [idp === "okta" ? "OKTA_GROUP" : idp === "entra" ? "Security" : "Google Group"],
        description: f.helpers.maybe(() => `${name} staff`, { probability: 0.7 }) ?? null,
        vendor_id: vendorId(),
        vendor_created_at: iso(created),
        last_membership_updated_at: iso(f.number.int({ min: created, max: this.now() })),
        last_updated_at: iso(f.number.int({ min: created, max: this.now() })),
        is_deleted: f.datatype.boolean({ probability: 0.05 }),
      };
    });
    const applications: SimApplication[] = f.helpers
      .arrayElements(
        [
          "Slack",
          "Salesforce",
          "GitHub Enterprise",
          "Zoom",
          "Workday",
          "AWS IAM Identity Center",
          "Jira",
          "Box",
        ],
        5,
      )
      .map((name) => {
        const created = past(900);
        return {
          id: f.string.uuid(),
          name,
          labels: f.helpers.arrayElements(["SAML_2_0", "OIDC", "SCIM", "SWA", "production"], {
            min: 1,
            max: 2,
          }),
          vendor_id: idp === "okta" ? `0oa${f.string.alphanumeric(17)}` : f.string.uuid(),
          version: f.helpers.maybe(() => f.system.semver(), { probability: 0.4 }) ?? null,
          vendor_status: f.helpers.arrayElement(["ACTIVE", "ACTIVE", "ACTIVE", "INACTIVE"]),
          vendor_created_at: iso(created),
          last_updated_at: iso(f.number.int({ min: created, max: this.now() })),
          is_deleted: false,
        };
      });
    const users = Array.from({ length: people }, (): SimUser => {
      const first = f.person.firstName();
      const last = f.person.lastName();
      const name = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, "");
      const admin = f.datatype.boolean({ probability: 0.15 });
      const uid =
        idp === "okta"
          ? `00u${f.string.alphanumeric(17)}`
          : idp === "entra"
            ? f.string.uuid()
            : f.string.numeric({ length: 21, allowLeadingZeros: false });
      return {
        uid,
        name,
        full_name: `${first} ${last}`,
        email_addr: `${name}@${domain}`,
        domain,
        type: admin ? "Admin" : "User",
        type_id: admin ? 2 : 1,
        groups: f.helpers
          .arrayElements(groups, { min: 1, max: 3 })
          .map((g) => ({ name: g.name, uid: g.vendor_id })),
        org: { name: domain.split(".")[0]!, ou_name: f.commerce.department() },
        device: f.helpers.maybe(() => this.#device(), { probability: 0.7 }),
      };
    });
    this.connections.push({ id: f.string.uuid(), account, idp, tenant, domain, users, groups, applications });
  }

  #device(): Json {
    const f = this.faker;
    const [os, osType, type, typeId] = f.helpers.arrayElement([
      ["Windows 11", 100, "Laptop", 3],
      ["Windows 10", 100, "Desktop", 2],
      ["macOS 14.5", 300, "Laptop", 3],
      ["iOS 17.5", 301, "Mobile", 5],
      ["Android 14", 201, "Mobile", 5],
      ["Ubuntu 22.04", 200, "Desktop", 2],
      ["ChromeOS", 99, "Laptop", 3],
    ] as const);
    return {
      uid: f.string.uuid(),
      hostname: `${f.word.noun().toLowerCase()}-${f.string.alphanumeric({ length: 6, casing: "upper" })}`,
      name: `${f.person.firstName()}'s ${type}`,
      type,
      type_id: typeId,
      os: { name: os, type: os.split(" ")[0], type_id: osType },
      is_managed: f.datatype.boolean({ probability: 0.8 }),
      is_compliant: f.datatype.boolean({ probability: 0.7 }),
      is_trusted: f.datatype.boolean({ probability: 0.6 }),
    };
  }

  #endpoint(): Json {
    const f = this.faker;
    const ip = f.helpers.weightedArrayElement([
      { weight: 7, value: () => publicIpv4(f) },
      // Global unicast (2000::/3), as a phone on a carrier network would have.
      {
        weight: 3,
        value: () =>
          f.internet
            .ipv6()
            .replace(/^[0-9a-f]+/, `2${f.string.hexadecimal({ length: 3, casing: "lower", prefix: "" })}`),
      },
    ])();
    return {
      ip,
      location: {
        city: f.location.city(),
        country: f.location.countryCode("alpha-2"),
        coordinates: [f.location.longitude(), f.location.latitude()],
      },
      autonomous_system: {
        number: f.number.int({ min: 1000, max: 400_000 }),
        name: f.helpers.arrayElement([
          "AMAZON-02",
          "DIGITALOCEAN-ASN",
          "COMCAST-7922",
          "OVH",
          "M247",
          "HETZNER-AS",
          "DTAG",
        ]),
      },
    };
  }

  #alert(c: SimConnection, spanMs: number): SimAlert {
    const f = this.faker;
    const d = f.helpers.arrayElement(DETECTIONS[c.idp]);
    const product = PRODUCTS[c.idp];
    const user = f.helpers.arrayElement(c.users);
    const severityId = f.helpers.weightedArrayElement([
      ...d.severities.map((id, i) => ({ weight: 12 - i * 4, value: id })),
      // Every severity turns up now and then, whatever the detection.
      ...Object.keys(SEVERITIES).map((id) => ({ weight: 0.3, value: Number(id) })),
    ]);
    const activityId = f.helpers.weightedArrayElement([
      { weight: 14, value: 1 },
      { weight: 4, value: 2 },
      { weight: 3, value: 3 },
      { weight: 0.5, value: 0 },
      { weight: 0.5, value: 99 },
    ]);
    const created = this.now() - f.number.int({ min: 0, max: spanMs });
    const firstSeen = created - f.number.int({ min: 0, max: 15 * 60_000 });
    const modified =
      activityId === 1 ? created : Math.min(this.now(), created + f.number.int({ min: 1, max: 86_400_000 }));
    const src = this.#endpoint();
    const alertUid =
      c.idp === "okta"
        ? `${f.string.alphanumeric({ length: 24, casing: "mixed" })}`
        : c.idp === "entra"
          ? f.string.hexadecimal({ length: 64, casing: "lower", prefix: "" })
          : f.string.uuid();
    const session = {
      uid: f.string.alphanumeric({ length: 26, casing: "mixed" }),
      created_time: firstSeen,
      is_mfa: f.datatype.boolean({ probability: 0.6 }),
      issuer: c.idp === "entra" ? `https://sts.windows.net/${c.tenant}/` : `https://${c.tenant}`,
    };
    const actorUser = {
      ...user,
      device: undefined,
      account: { name: user.email_addr, type: "SSO Account", type_id: 99, uid: user.uid },
    };
    const evidence: Json = {
      actor: {
        user: actorUser,
        session,
        idp: { name: product.name, uid: c.tenant },
        app_name: f.helpers.arrayElement([...c.applications.map((a) => a.name), product.name]),
        app_uid: f.helpers.arrayElement(c.applications).vendor_id,
      },
      api: { operation: d.operation, service: { name: product.name }, request: { uid: f.string.uuid() } },
      src_endpoint: src,
      data: {
        user_agent: f.internet.userAgent(),
        outcome: f.helpers.arrayElement(["FAILURE", "SUCCESS", "DENY", "CHALLENGE"]),
      },
    };
    if (user.device) evidence.device = { ...user.device, ip: src.ip };
    const enrichments: Json[] = [];
    if (f.datatype.boolean({ probability: 0.6 })) {
      const scoreId = f.helpers.arrayElement([0, 2, 5, 6, 7, 8, 9, 10]);
      enrichments.push({
        name: "src_endpoint.ip",
        value: src.ip,
        type: "reputation",
        provider: f.helpers.arrayElement(["GreyNoise", "AbuseIPDB", "VirusTotal"]),
        created_time: created,
        short_desc: `IP reputation: ${REPUTATION[scoreId]}`,
        desc: "Reputation of the sign-in source address",
        reputation: {
          base_score: f.number.float({ min: 0, max: 100, fractionDigits: 1 }),
          score_id: scoreId,
          score: REPUTATION[scoreId],
          provider: "Leen",
        },
        data: {
          asn: (src.autonomous_system as Json).number,
          is_tor: f.datatype.boolean({ probability: 0.1 }),
        },
      });
    }
    if (f.datatype.boolean({ probability: 0.5 })) {
      enrichments.push({
        name: "src_endpoint.ip",
        value: src.ip,
        type: "location",
        provider: "MaxMind",
        created_time: created,
        data: src.location,
        short_desc: `${(src.location as Json).city}, ${(src.location as Json).country}`,
      });
    }
    const finding: Json = {
      time: created,
      activity_id: 0,
      activity_name: "",
      category_name: "Findings",
      category_uid: 2,
      class_name: "Detection Finding",
      class_uid: 2004,
      enrichments,
      evidences: [evidence],
      finding_info: {
        title: d.title,
        uid: alertUid,
        desc: d.desc,
        analytic: {
          uid: d.analytic,
          name: d.analytic,
          type_id: d.analyticType,
          type: ANALYTIC_TYPES[d.analyticType],
          category: "Identity Threat Detection",
          desc: d.desc,
          version: `${f.number.int({ min: 1, max: 3 })}.${f.number.int({ min: 0, max: 9 })}`,
        },
        attacks: [
          {
            tactic: { uid: d.tactic[0], name: d.tactic[1] },
            technique: { uid: d.technique[0], name: d.technique[1] },
            version: "15.1",
          },
        ],
        created_time: created,
        first_seen_time: firstSeen,
        last_seen_time: modified,
        modified_time: modified,
        data_sources: [product.log],
        product_uid: product.feature,
        src_url: `https://${c.idp === "okta" ? `${c.tenant}/admin/reports/system-log` : c.idp === "entra" ? "entra.microsoft.com/#view/Microsoft_AAD_IAM/RiskDetectionsBlade" : "admin.google.com/ac/ac"}?id=${alertUid}`,
        types: [c.idp === "entra" ? "Risk Detection" : "Identity Alert"],
      },
      message: `${d.title} for ${user.email_addr} from ${src.ip}`,
      metadata: {
        product: {
          name: product.name,
          vendor_name: product.vendor,
          feature: { name: product.feature },
          uid: c.idp,
        },
        uid: f.string.uuid(),
        correlation_uid: session.uid,
        event_code: d.operation,
        labels: [c.idp, "idp"],
        log_name: product.log,
        log_provider: product.name,
        logged_time: created + f.number.int({ min: 100, max: 60_000 }),
        original_time: new Date(created).toISOString(),
        processed_time: modified,
        modified_time: modified,
        tenant_uid: c.tenant,
        version: "1.1.0",
        profiles: ["cloud", "datetime"],
      },
      resources: [
        {
          type: "User",
          uid: user.uid,
          name: user.email_addr,
          owner: { name: user.name, uid: user.uid, email_addr: user.email_addr },
          criticality: user.type === "Admin" ? "High" : "Medium",
          labels: user.groups.map((g) => g.name),
          group: user.groups[0],
        },
      ],
      severity: SEVERITIES[severityId],
      severity_id: severityId,
      type_name: "",
      type_uid: 0,
    };
    setActivity(finding, activityId);
    this.#lastChange = Math.max(this.#lastChange, modified);
    return { seq: ++this.#seq, connectionId: c.id, updatedAt: modified, finding };
  }
}

/** A routable unicast IPv4 address: sign-ins come from the internet, not from reserved ranges. */
function publicIpv4(f: Faker): string {
  for (;;) {
    const ip = f.internet.ipv4();
    const [a = 0, b = 0] = ip.split(".").map(Number);
    const reserved =
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b < 128) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168);
    if (!reserved) return ip;
  }
}

function setActivity(finding: Json, activityId: number): void {
  finding.activity_id = activityId;
  finding.activity_name = ACTIVITIES[activityId];
  finding.type_name = `Detection Finding: ${ACTIVITIES[activityId]}`;
  finding.type_uid = 2004 * 100 + activityId;
}
