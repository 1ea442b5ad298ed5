import type { Vendor } from "../sdk/index.ts";
import { msDefender } from "./connector.ts";
import { defenderAlertSource } from "./source.ts";

export const vendor: Vendor = {
  connector: msDefender,
  startSimulator: async (options) => (await import("./simulator.ts")).startDefenderSimulator(options),
  alertSource: defenderAlertSource as Vendor["alertSource"],
};
