// Worker thread of NormalizePool: a page of raw alerts in, their stored form (OCSF text, hash, summary) out.
import { parentPort } from "node:worker_threads";
import { vendors } from "../connectors/registry.ts";
import { alertContent } from "../store/alert-content.ts";
import { normalizeRecords } from "./normalize-records.ts";

export interface NormalizeJob {
  id: number;
  connector: string;
  alerts: unknown[];
}

parentPort!.on("message", (job: NormalizeJob) => {
  try {
    const source = vendors.find((v) => v.connector.name === job.connector)?.alertSource;
    if (!source) throw new Error(`connector ${job.connector} is not an alert source`);
    // A record that does not map is a reject of the page, never the page's failure.
    parentPort!.postMessage({ id: job.id, page: normalizeRecords(source, job.alerts, alertContent) });
  } catch (error) {
    // The caller normalizes the page itself, so the failure surfaces there with its own type.
    parentPort!.postMessage({ id: job.id, error: String((error as Error)?.message ?? error) });
  }
});
// Loaded: the pool starts sending pages.
parentPort!.postMessage({ ready: true });
