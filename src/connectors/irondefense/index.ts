import type { Vendor } from "../sdk/index.ts";
import { ironDefense } from "./connector.ts";
import { ironDefenseAlertSource } from "./source.ts";

export const vendor: Vendor = {
  connector: ironDefense,
  startSimulator: async (options) => (await import("./simulator.ts")).startIronDefenseSimulator(options),
  alertSource: ironDefenseAlertSource as Vendor["alertSource"],
};
