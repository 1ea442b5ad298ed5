import type { Vendor } from "../sdk/index.ts";
import { ironDefense } from "./connector.ts";

export const vendor: Vendor = {
  connector: ironDefense,
  startSimulator: async (options) => (await import("./simulator.ts")).startIronDefenseSimulator(options),
};
