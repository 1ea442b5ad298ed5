import { join } from "node:path";
import { readConnectorFileSync } from "../http/file/load.ts";
import type { Connector, Vendor } from "../sdk/index.ts";

const file = join(import.meta.dirname, "connector.yaml");

/** AbuseIPDB, declared as a connector file rather than in TypeScript. */
export const abuseIpdb: Connector = readConnectorFileSync(file);

export const vendor: Vendor = {
  connector: abuseIpdb,
  connectorFile: file,
  startSimulator: async (options) => (await import("./simulator.ts")).startAbuseIpdbSimulator(options),
};
