import { vendor as abuseIpdb } from "./abuseipdb/index.ts";
import { vendor as dfirIris } from "./dfir-iris/index.ts";
import { vendor as http } from "./http/index.ts";
import { vendor as ironDefense } from "./irondefense/index.ts";
import { vendor as leen } from "./leen/index.ts";
import { vendor as msDefender } from "./ms-defender/index.ts";
import type { Connector, Vendor } from "./sdk/index.ts";
import { vendor as thinkstCanary } from "./thinkst-canary/index.ts";

/** Every vendor Rampart ships; adding one is one line here. */
export const vendors: readonly Vendor[] = [
  thinkstCanary,
  msDefender,
  leen,
  dfirIris,
  ironDefense,
  abuseIpdb,
  http,
];

/** Name → connector lookups for the faces (CLI, API) and the engine. */
export class ConnectorRegistry {
  readonly #byName: Map<string, Connector>;

  constructor(list: readonly Connector[]) {
    this.#byName = new Map(list.map((c) => [c.name, c]));
  }

  list(): Connector[] {
    return [...this.#byName.values()];
  }

  get(name: string): Connector | undefined {
    return this.#byName.get(name);
  }
}

export function defaultRegistry(): ConnectorRegistry {
  return registryWith([]);
}

/** The shipped connectors and, after them, connectors loaded from files (`loadConnectorFiles`); names must not clash. */
export function registryWith(files: readonly Connector[]): ConnectorRegistry {
  const list = [...vendors.map((v) => v.connector), ...files];
  const names = new Set<string>();
  for (const connector of list) {
    if (names.has(connector.name)) throw new Error(`connector ${connector.name} is defined twice`);
    names.add(connector.name);
  }
  return new ConnectorRegistry(list);
}

/**
 * The names the shipped connectors take, with what defines them, for checking connector files
 * against; `except` leaves out the one declared in that file (checking a shipped file itself).
 */
export function builtInNames(except?: string): Map<string, string> {
  return new Map(
    vendors.filter((v) => !except || v.connectorFile !== except).map((v) => [v.connector.name, "built in"]),
  );
}

/** An operation as the catalog shows it (`rampart ops --json`, the API's connector routes). */
export function operationSummary(op: Connector["operations"][number]) {
  return {
    name: op.name,
    title: op.title,
    description: op.description,
    method: op.method,
    path: op.path,
    input: op.input,
    output: op.output,
  };
}
