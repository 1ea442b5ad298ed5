import pg from "pg";
import { type Logger, silentLogger } from "../connectors/sdk/index.ts";

/**
 * One holder at a time across every process on a PostgreSQL database: a session advisory lock on a
 * connection of its own. The holder keeps it until it releases it or its process dies (PostgreSQL
 * ends the session and frees the lock), and the next process to try takes it. Used so that one
 * worker polls the sources and one fires the schedules, whichever is alive.
 */
export class LeaderLock {
  readonly #url: string;
  readonly #key: string;
  readonly #logger: Logger;
  #client?: pg.Client;

  constructor(url: string, key: string, logger: Logger = silentLogger) {
    this.#url = url;
    this.#key = key;
    this.#logger = logger;
  }

  /** Tries every `everyMs` until this process holds the lock (true) or `signal` aborts (false). */
  async acquire(signal: AbortSignal, everyMs = 2000): Promise<boolean> {
    while (!signal.aborted) {
      try {
        if (await this.#try()) return true;
      } catch (error) {
        this.#logger.warn("leader lock unavailable", { lock: this.#key, error: (error as Error).message });
        await this.release();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, everyMs);
        signal.addEventListener("abort", done, { once: true });
        function done() {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        }
      });
    }
    return false;
  }

  async #try(): Promise<boolean> {
    if (!this.#client) {
      const client = new pg.Client({ connectionString: this.#url });
      client.on("error", (error) =>
        this.#logger.warn("leader lock lost", { lock: this.#key, error: error.message }),
      );
      await client.connect();
      this.#client = client;
    }
    const result = await this.#client.query<{ held: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext($1)) AS held",
      [`rampart:${this.#key}`],
    );
    return result.rows[0]?.held === true;
  }

  /** Gives the lock up (closing its connection). */
  async release(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
