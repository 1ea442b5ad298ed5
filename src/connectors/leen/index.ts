import type { Vendor } from "../sdk/index.ts";
import { leen } from "./connector.ts";

export const vendor: Vendor = {
  connector: leen,
  startSimulator: async (options) => (await import("./simulator.ts")).startLeenSimulator(options),
};
