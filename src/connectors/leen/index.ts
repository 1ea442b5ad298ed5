import type { Vendor } from "../sdk/index.ts";
import { leen } from "./connector.ts";
import { leenAlertSource } from "./source.ts";

export const vendor: Vendor = {
  connector: leen,
  startSimulator: async (options) => (await import("./simulator.ts")).startLeenSimulator(options),
  alertSource: leenAlertSource as Vendor["alertSource"],
};
