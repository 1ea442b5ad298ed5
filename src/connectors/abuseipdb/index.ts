import { join } from "node:path";
import { readShippedConnectorFile } from "../http/file/load.ts";
import type { Connector, Vendor } from "../sdk/index.ts";

/** The connector file, checked in full by its tests and `rampart connector validate`. */
export const ABUSEIPDB_FILE = join(import.meta.dirname, "connector.yaml");

/** AbuseIPDB, declared as a connector file rather than in TypeScript. */
export const abuseIpdb: Connector = readShippedConnectorFile(ABUSEIPDB_FILE);

export const vendor: Vendor = {
  connector: abuseIpdb,
  connectorFile: ABUSEIPDB_FILE,
  startSimulator: async (options) => (await import("./simulator.ts")).startAbuseIpdbSimulator(options),
};
