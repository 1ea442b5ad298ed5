import type { Vendor } from "../sdk/index.ts";
import { thinkstCanary } from "./connector.ts";
import { canaryAlertSource } from "./source.ts";

export const vendor: Vendor = {
  connector: thinkstCanary,
  startSimulator: async (options) => (await import("./simulator.ts")).startCanarySimulator(options),
  alertSource: canaryAlertSource as Vendor["alertSource"],
};
