import type { Vendor } from "../sdk/index.ts";
import { dfirIris } from "./connector.ts";

export const vendor: Vendor = {
  connector: dfirIris,
  startSimulator: async (options) =>
    (await import("./simulator.ts")).startIrisSimulator({ exampleCases: 3, ...options }),
};
