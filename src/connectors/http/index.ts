import type { Vendor } from "../sdk/index.ts";
import { httpConnector } from "./connector.ts";

export const vendor: Vendor = {
  connector: httpConnector,
  startSimulator: async (options) => (await import("./simulator.ts")).startHttpSimulator(options),
};
