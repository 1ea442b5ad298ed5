import type { Kysely, Transaction } from "kysely";
import { type ConnectorClient, createClient, type Vendor } from "../connectors/sdk/index.ts";
import type { StoredAlert } from "../store/alerts.ts";
import { type SourceRecord, SourceStore } from "../store/sources.ts";
import { NormalizePool } from "./normalize-pool.ts";
import { type PollReport, pollSource } from "./poll-source.ts";

export interface IngestOptions {
  db: Kysely<any>;
  vendors: readonly Vendor[];
  /** The decrypted config of a saved connection. */
  connectionConfig(name: string): Promise<Record<string, unknown>>;
  onNewAlerts?: (trx: Transaction<any>, alerts: StoredAlert[]) => Promise<void>;
  onPage?: (report: PollReport) => void;
  now?: () => number;
}

/** Runs the pollers; keeps one client per connection so pools and tokens are reused between ticks. */
export class Ingestor {
  readonly #options: IngestOptions;
  readonly #sources: SourceStore;
  readonly #clients = new Map<string, ConnectorClient>();
  // Threads start only when a page is large enough to be worth handing over.
  readonly #normalizer = new NormalizePool();

  constructor(options: IngestOptions) {
    this.#options = options;
    this.#sources = new SourceStore(options.db, options.now);
  }

  /** Polls every chosen source once, concurrently; one source failing never stops the others. */
  async once(names?: readonly string[]): Promise<PollReport[]> {
    const all = await this.#sources.list();
    const chosen = names ? all.filter((s) => names.includes(s.name)) : all;
    const missing = names?.filter((n) => !all.some((s) => s.name === n)) ?? [];
    if (missing.length > 0) throw new Error(`no source named ${missing.join(", ")}; see rampart source list`);
    return Promise.all(chosen.map((source) => this.#poll(source)));
  }

  /** Polls each source whenever it is due (its interval, or its backoff after failures) until aborted. */
  async run(
    signal: AbortSignal,
    names?: readonly string[],
    onTick?: (reports: PollReport[]) => void | Promise<void>,
  ): Promise<void> {
    const now = this.#options.now ?? Date.now;
    while (!signal.aborted) {
      const sources = (await this.#sources.list()).filter((s) => !names || names.includes(s.name));
      const due = sources.filter((s) => s.nextPollAt <= now());
      if (due.length > 0) await onTick?.(await Promise.all(due.map((source) => this.#poll(source))));
      const refreshed = (await this.#sources.list()).filter((s) => !names || names.includes(s.name));
      const next = Math.min(...refreshed.map((s) => s.nextPollAt), now() + 60_000);
      await sleep(Math.max(50, next - now()), signal);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.close()));
    this.#clients.clear();
    await this.#normalizer.close();
  }

  async #poll(source: SourceRecord): Promise<PollReport> {
    const vendor = this.#options.vendors.find((v) => v.connector.name === source.connector);
    const empty = { source: source.name, pages: 0, new: 0, updated: 0, unchanged: 0 };
    if (!vendor?.alertSource) {
      const message = `connector ${source.connector} is not an alert source`;
      await this.#sources.recordFailure(source.name, message);
      return { ...empty, error: { type: "ValidationError", message } };
    }
    let client: ConnectorClient;
    try {
      client = await this.#client(source, vendor);
    } catch (error) {
      const message = (error as Error).message;
      await this.#sources.recordFailure(source.name, message);
      return { ...empty, error: { type: (error as { type?: string }).type ?? "Error", message } };
    }
    return pollSource(
      {
        db: this.#options.db,
        now: this.#options.now,
        onNewAlerts: this.#options.onNewAlerts,
        onPage: this.#options.onPage,
        normalizer: this.#normalizer,
      },
      source,
      vendor.alertSource,
      client,
    );
  }

  async #client(source: SourceRecord, vendor: Vendor): Promise<ConnectorClient> {
    let client = this.#clients.get(source.connection);
    if (!client) {
      client = createClient(vendor.connector, await this.#options.connectionConfig(source.connection));
      this.#clients.set(source.connection, client);
    }
    return client;
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
