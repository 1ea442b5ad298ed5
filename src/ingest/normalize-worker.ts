// Worker thread of NormalizePool: a page of raw alerts in, their stored form (OCSF text, hash, summary) out.
// It loads only the alert source a page names (its normalizer and the OCSF helpers), not the
// connectors: the registry's modules would cost the thread some 40 MB.
import { parentPort } from "node:worker_threads";
import type { AlertSource, AlertSourceExport } from "../connectors/sdk/alert-source.ts";
import { alertContent } from "../store/alert-content.ts";
import { normalizeRecords } from "./normalize-records.ts";

export interface NormalizeJob {
  id: number;
  source: AlertSourceExport;
  alerts: unknown[];
}

const sources = new Map<string, Promise<AlertSource>>();

async function sourceOf({ module, name }: AlertSourceExport): Promise<AlertSource> {
  const key = `${module}#${name}`;
  let source = sources.get(key);
  if (!source) {
    source = import(module).then((exports: Record<string, unknown>) => {
      const found = exports[name] as AlertSource | undefined;
      if (typeof found?.normalize !== "function")
        throw new Error(`${module} exports no alert source ${name}`);
      return found;
    });
    sources.set(key, source);
  }
  return source;
}

parentPort!.on("message", (job: NormalizeJob) => {
  sourceOf(job.source)
    // A record that does not map is a reject of the page, never the page's failure.
    .then((source) => ({ id: job.id, page: normalizeRecords(source, job.alerts, alertContent) }))
    // The caller normalizes the page itself, so the failure surfaces there with its own type.
    .catch((error: unknown) => ({ id: job.id, error: String((error as Error)?.message ?? error) }))
    .then((reply) => parentPort!.postMessage(reply));
});
// Loaded: the pool starts sending pages.
parentPort!.postMessage({ ready: true });
