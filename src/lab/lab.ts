import { vendors } from "../connectors/registry.ts";
import type { Simulator } from "../connectors/sdk/sim/server.ts";

export interface LabOptions {
  host?: string;
  /** First port; simulators take consecutive ports from it. 0 gives each a free port. */
  port?: number;
  seed?: number;
  /** Only these connectors (all when absent). */
  only?: readonly string[];
}

/** A running set of vendor simulators. */
export interface Lab {
  simulators: Simulator[];
  get(connector: string): Simulator;
  close(): Promise<void>;
}

/** Starts the simulator of every vendor (or of the chosen ones) on loopback. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const chosen = vendors.filter((v) => !options.only || options.only.includes(v.connector.name));
  const simulators: Simulator[] = [];
  try {
    for (const [index, vendor] of chosen.entries()) {
      const port = options.port ? options.port + index : 0;
      simulators.push(
        // Each simulator gets its own seed so no two vendors generate the same tokens or ids.
        await vendor.startSimulator({
          host: options.host ?? "127.0.0.1",
          port,
          seed: (options.seed ?? 1) * 1000 + vendors.indexOf(vendor),
        }),
      );
    }
  } catch (error) {
    await Promise.all(simulators.map((s) => s.close()));
    throw error;
  }
  return {
    simulators,
    get(connector) {
      const sim = simulators.find((s) => s.connector === connector);
      if (!sim) throw new Error(`no simulator for ${connector} in this lab`);
      return sim;
    },
    close: async () => {
      await Promise.all(simulators.map((s) => s.close()));
    },
  };
}
