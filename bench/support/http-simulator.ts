// The HTTP simulator in a process of its own (as a vendor is), answering every call to its echo
// route after a fixed latency: the simulators' `latency` fault (POST /__sim/faults), on every
// request to /anything until cleared.
import { startHttpSimulator } from "../../src/connectors/http/simulator.ts";
import { type Child, serveUntilStdinEnds, startChild } from "./child-process.ts";

export interface HttpSimInfo {
  url: string;
  pid: number;
}

/** The child's side. */
export async function runHttpSimulator(): Promise<void> {
  const sim = await startHttpSimulator();
  serveUntilStdinEnds({ url: sim.url, pid: process.pid } satisfies HttpSimInfo, () => sim.close());
}

/** Starts the simulator with every /anything call answered after `latencyMs`. */
export async function startLatencySimulator(self: string, latencyMs: number): Promise<Child<HttpSimInfo>> {
  const sim = await startChild<HttpSimInfo>(self, ["--child", "http-simulator"]);
  try {
    const res = await fetch(`${sim.info.url}/__sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ fault: { kind: "latency", ms: latencyMs }, path: "/anything", times: 0 }),
    });
    if (!res.ok) throw new Error(`the simulator refused the latency fault: HTTP ${res.status}`);
    await res.arrayBuffer();
  } catch (error) {
    await sim.close();
    throw error;
  }
  return sim;
}
