import { type ConnectorClient, NotFoundError, type Vendor } from "../connectors/sdk/index.ts";
import type { StoredAlert } from "../store/alerts.ts";
import type { SourceRecord } from "../store/sources.ts";
import { NormalizePool } from "./normalize-pool.ts";
import { type PollReport, pollSource } from "./poll-source.ts";
import type { IngestStore, TriggerRow } from "./ports.ts";

export interface IngestOptions {
  store: IngestStore;
  vendors: readonly Vendor[];
  /** The client of a saved connection; the caller keeps one per connection (pools and tokens reused). */
  client(connection: string): Promise<ConnectorClient>;
  /** The runs new alerts owe (recorded with them). */
  triggers?: (created: StoredAlert[]) => Promise<TriggerRow[]>;
  onPage?: (report: PollReport) => void;
  now?: () => number;
  /**
   * Hides secrets in what a failed poll records and reports: every saved connection's, since one
   * vendor's error can echo another connection's credential (a shared proxy, a relayed header).
   */
  redact?: (text: string) => string;
}

/** Polls alert sources: each on its own schedule, each failure backing off without stopping the others. */
export class Ingestor {
  readonly #options: IngestOptions;
  // Threads start only when a page is large enough to be worth handing over.
  readonly #normalizer = new NormalizePool();
  #wake?: () => void;

  constructor(options: IngestOptions) {
    this.#options = options;
  }

  /** Polls every chosen source once, concurrently; one source failing never stops the others. */
  async once(names?: readonly string[]): Promise<PollReport[]> {
    const all = await this.#options.store.sources();
    const chosen = names ? all.filter((s) => names.includes(s.name)) : all;
    const missing = names?.filter((n) => !all.some((s) => s.name === n)) ?? [];
    if (missing.length > 0)
      throw new NotFoundError(`no source named ${missing.join(", ")}; see rampart source list`, {
        field: "source",
      });
    return Promise.all(chosen.map((source) => this.#poll(source)));
  }

  /** Polls the chosen sources that are due now (their interval, or their backoff after failures). */
  async tick(names?: readonly string[]): Promise<{ reports: PollReport[]; nextPollAt: number }> {
    const now = this.#options.now ?? Date.now;
    const sources = (await this.#options.store.sources()).filter((s) => !names || names.includes(s.name));
    const due = sources.filter((s) => s.pausedAt === undefined && s.nextPollAt <= now());
    const reports = await Promise.all(due.map((source) => this.#poll(source)));
    const refreshed = (await this.#options.store.sources()).filter((s) => !names || names.includes(s.name));
    const polling = refreshed.filter((s) => s.pausedAt === undefined);
    return { reports, nextPollAt: Math.min(...polling.map((s) => s.nextPollAt), now() + 60_000) };
  }

  /** Ticks until aborted, sleeping until the next source is due. */
  async run(
    signal: AbortSignal,
    names?: readonly string[],
    onTick?: (reports: PollReport[]) => void | Promise<void>,
  ): Promise<void> {
    const now = this.#options.now ?? Date.now;
    while (!signal.aborted) {
      const { reports, nextPollAt } = await this.tick(names);
      if (reports.length > 0) await onTick?.(reports);
      // Stopped during the tick: the abort has fired already and would not end the nap below.
      if (signal.aborted) break;
      const nap = new AbortController();
      this.#wake = () => nap.abort();
      const stop = () => nap.abort();
      signal.addEventListener("abort", stop, { once: true });
      await sleep(Math.max(50, nextPollAt - now()), nap.signal);
      signal.removeEventListener("abort", stop);
      this.#wake = undefined;
    }
  }

  /** Looks at the sources again now (one was added, resumed or changed) instead of at the next due poll. */
  wake(): void {
    this.#wake?.();
  }

  async close(): Promise<void> {
    await this.#normalizer.close();
  }

  async #poll(source: SourceRecord): Promise<PollReport> {
    const report = await this.#pollOnce(source);
    const redact = this.#options.redact;
    return redact && report.error
      ? { ...report, error: { ...report.error, message: redact(report.error.message) } }
      : report;
  }

  /** The store as one poll sees it: failures recorded with every secret hidden. */
  #store(): IngestStore {
    const { store, redact } = this.#options;
    if (!redact) return store;
    return new Proxy(store, {
      get(target, key, receiver) {
        if (key === "recordFailure")
          return (name: string, message: string) => target.recordFailure(name, redact(message));
        const value = Reflect.get(target, key, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  async #pollOnce(source: SourceRecord): Promise<PollReport> {
    const store = this.#store();
    const vendor = this.#options.vendors.find((v) => v.connector.name === source.connector);
    const empty = { source: source.name, pages: 0, new: 0, updated: 0, unchanged: 0, rejected: 0 };
    if (!vendor?.alertSource) {
      const message = `connector ${source.connector} is not an alert source`;
      await store.recordFailure(source.name, message);
      return { ...empty, error: { type: "ValidationError", message } };
    }
    let client: ConnectorClient;
    try {
      client = await this.#options.client(source.connection);
    } catch (error) {
      const message = (error as Error).message;
      await store.recordFailure(source.name, message);
      return { ...empty, error: { type: (error as { type?: string }).type ?? "Error", message } };
    }
    return pollSource(
      {
        store,
        now: this.#options.now,
        triggers: this.#options.triggers,
        onPage: this.#options.onPage,
        normalizer: this.#normalizer,
      },
      source,
      vendor.alertSource,
      client,
    );
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
