import { vendor as dfirIris } from "./dfir-iris/index.ts";
import { vendor as ironDefense } from "./irondefense/index.ts";
import { vendor as leen } from "./leen/index.ts";
import { vendor as msDefender } from "./ms-defender/index.ts";
import type { Connector, Vendor } from "./sdk/index.ts";
import { vendor as thinkstCanary } from "./thinkst-canary/index.ts";

/** Every vendor Rampart ships; adding one is one line here. */
export const vendors: readonly Vendor[] = [thinkstCanary, msDefender, leen, dfirIris, ironDefense];

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
  return new ConnectorRegistry(vendors.map((v) => v.connector));
}
