import type { AlertSource } from "./alert-source.ts";
import type { Connector } from "./connector.ts";
import type { Simulator, SimulatorOptions } from "./sim/server.ts";

/** Everything Rampart knows of one vendor: its connector, and its simulator loaded only when needed. */
export interface Vendor {
  connector: Connector;
  startSimulator(options?: SimulatorOptions): Promise<Simulator>;
  /** The connector file the connector is declared in, when it is declared as one (absolute path). */
  connectorFile?: string;
  /** How alerts are ingested from this vendor, when it is an alert source. */
  alertSource?: AlertSource;
}
