import type { Vendor } from "../sdk/index.ts";
import { thinkstCanary } from "./connector.ts";

export const vendor: Vendor = {
  connector: thinkstCanary,
  startSimulator: async (options) => (await import("./simulator.ts")).startCanarySimulator(options),
};
