import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Runtime } from "./runtime.ts";

const ENDED = new Set(["succeeded", "failed", "cancelled", "waiting"]);

/** The service's own metrics: runs and steps from the engine's events, ingestion from each poll, runs by status from the store. */
export function registerServiceMetrics(registry: Registry, runtime: Runtime): void {
  const runs = new Counter({
    name: "rampart_runs_total",
    help: "Runs that ended (or parked waiting), by playbook and status",
    labelNames: ["playbook", "status"],
    registers: [registry],
  });
  const steps = new Histogram({
    name: "rampart_step_duration_seconds",
    help: "Step attempt durations by step type and outcome",
    labelNames: ["type", "status"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  const ingested = new Counter({
    name: "rampart_ingested_alerts_total",
    help: "Alerts read from each source, by outcome (new, updated, unchanged; rejected: kept raw, not mapped)",
    labelNames: ["source", "outcome"],
    registers: [registry],
  });
  const pollErrors = new Counter({
    name: "rampart_poll_errors_total",
    help: "Polls that failed, by source and error type",
    labelNames: ["source", "type"],
    registers: [registry],
  });
  new Gauge({
    name: "rampart_runs",
    help: "Runs by status now (queued for a worker, running, waiting = parked on an approval or a wait, …)",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [status, n] of Object.entries(await runtime.runs.countByStatus())) this.set({ status }, n);
    },
  });
  runtime.events.subscribe((event) => {
    if (event.type === "run" && ENDED.has(event.status))
      runs.inc({ playbook: event.playbook, status: event.status });
    if (event.type === "step" && event.durationMs !== undefined)
      steps.observe({ type: event.stepType, status: event.status }, event.durationMs / 1000);
  });
  runtime.onPoll((report) => {
    for (const outcome of ["new", "updated", "unchanged", "rejected"] as const)
      if (report[outcome] > 0) ingested.inc({ source: report.source, outcome }, report[outcome]);
    if (report.error) pollErrors.inc({ source: report.source, type: report.error.type });
  });
}
