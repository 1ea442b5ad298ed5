import { base, en, Faker } from "@faker-js/faker";

/** An asset record of the simulated API: something to list, page through, create and delete. */
export interface SimItem {
  id: string;
  name: string;
  hostname: string;
  ip: string;
  owner: string;
  created_at: string;
}

/** The credentials every auth kind of the simulator accepts. */
export interface SimCredentials {
  apiKey: string;
  bearerToken: string;
  username: string;
  password: string;
  clientId: string;
  clientSecret: string;
  /** The audience the token endpoint insists on when a client asks for one. */
  audience: string;
}

/** The generic HTTP simulator's state: a collection of items, its credentials and the tokens it issued. */
export class HttpSimState {
  readonly faker: Faker;
  readonly credentials: SimCredentials;
  readonly items = new Map<string, SimItem>();
  /** Tokens from /login and /oauth/token, with what issued them. */
  readonly tokens = new Map<string, "login" | "oauth2">();
  /** The requests seen, newest last (the last 200), so tests can see what was sent. */
  readonly requests: Array<Record<string, unknown>> = [];
  #next = 1;

  constructor(seed: number) {
    this.faker = new Faker({ locale: [en, base], seed });
    const f = this.faker;
    this.credentials = {
      apiKey: f.string.alphanumeric({ length: 32 }),
      bearerToken: f.string.alphanumeric({ length: 40 }),
      username: f.internet.username().toLowerCase(),
      password: f.internet.password({ length: 20 }),
      clientId: f.string.uuid(),
      clientSecret: f.string.alphanumeric({ length: 48 }),
      audience: "https://api.example.test",
    };
    for (let i = 0; i < 57; i++) this.add({});
  }

  /** Adds an item (generated fields filled in) and returns it. */
  add(fields: Partial<SimItem>): SimItem {
    const f = this.faker;
    const id = `itm_${String(this.#next++).padStart(5, "0")}`;
    const item: SimItem = {
      id,
      name:
        fields.name ??
        `${f.helpers.arrayElement(["WKS", "SRV", "LAP", "DC"])}-${f.string.alphanumeric({ length: 5, casing: "upper" })}`,
      hostname: fields.hostname ?? f.internet.domainWord(),
      ip: fields.ip ?? f.internet.ipv4({ network: "private-a" }),
      owner: fields.owner ?? f.person.fullName(),
      created_at: new Date(Date.UTC(2026, 0, 1) + this.#next * 3_600_000).toISOString(),
    };
    this.items.set(id, item);
    return item;
  }

  issue(kind: "login" | "oauth2"): string {
    const token = `${kind === "login" ? "lt" : "at"}_${this.faker.string.alphanumeric({ length: 32 })}`;
    this.tokens.set(token, kind);
    return token;
  }

  record(entry: Record<string, unknown>): void {
    this.requests.push(entry);
    if (this.requests.length > 200) this.requests.shift();
  }
}
