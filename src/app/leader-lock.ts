import pg from "pg";
import { type Logger, silentLogger } from "../connectors/sdk/index.ts";

export interface LeaderLockOptions {
  /** How often a process that does not hold the lock tries again (default 2 s). */
  retryMs?: number;
  /**
   * How often the holder asks its session whether it is still there (default 5 s): a connection
   * that died without a word (a network cut, a server restart behind a proxy) is noticed then.
   */
  checkMs?: number;
}

/**
 * One holder at a time across every process on a PostgreSQL database: a session advisory lock on a
 * connection of its own. The holder keeps it until it releases it, or until its session ends (its
 * process died, the server terminated the backend, the network dropped): PostgreSQL frees the lock
 * with the session, and the next process to try takes it. Used so that one worker polls the sources
 * and one fires the schedules, whichever is alive.
 *
 * A holder whose session ended no longer holds the lock, so it must stop leading at once: `hold`
 * gives its work a signal that aborts when the session is lost (an error or end on the connection,
 * or a check that fails), then tries to acquire the lock again.
 */
export class LeaderLock {
  readonly #url: string;
  readonly #key: string;
  readonly #logger: Logger;
  readonly #retryMs: number;
  readonly #checkMs: number;
  #client?: pg.Client;

  constructor(url: string, key: string, logger: Logger = silentLogger, options: LeaderLockOptions = {}) {
    this.#url = url;
    this.#key = key;
    this.#logger = logger;
    this.#retryMs = options.retryMs ?? 2000;
    this.#checkMs = options.checkMs ?? 5000;
  }

  /**
   * Until `signal` aborts: acquires the lock, runs `lead` with a signal that aborts when `signal`
   * does or the lock's session is lost (`lead` must return soon after), and after a loss acquires
   * the lock again. Returns once `signal` has aborted and `lead` has returned.
   */
  async hold(signal: AbortSignal, lead: (leading: AbortSignal) => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      const session = await this.#acquire(signal);
      if (!session) return;
      if (signal.aborted) {
        // Stopped while the lock was being taken: not leading at all.
        session.end();
        return;
      }
      // Held here, not left to AbortSignal.any, whose result the collector may take while `lead` waits on it.
      const leading = new AbortController();
      const stop = () => leading.abort(signal.aborted ? signal.reason : session.lost.reason);
      signal.addEventListener("abort", stop, { once: true });
      session.lost.addEventListener("abort", stop, { once: true });
      if (signal.aborted || session.lost.aborted) stop();
      try {
        await lead(leading.signal);
      } finally {
        signal.removeEventListener("abort", stop);
        session.lost.removeEventListener("abort", stop);
        session.end();
      }
      if (signal.aborted) return;
      this.#logger.warn("leader lock lost: stopped leading, trying to take it again", {
        lock: this.#key,
        reason: String(session.lost.reason ?? "unknown"),
      });
    }
  }

  /** Tries every `retryMs` until this process holds the lock (its session) or `signal` aborts. */
  async #acquire(signal: AbortSignal): Promise<Session | undefined> {
    while (!signal.aborted) {
      try {
        const session = await this.#try();
        if (session) return session;
      } catch (error) {
        this.#logger.warn("leader lock unavailable", { lock: this.#key, error: (error as Error).message });
        await this.release();
      }
      await napUnless(signal, this.#retryMs);
    }
    return undefined;
  }

  async #try(): Promise<Session | undefined> {
    if (!this.#client) {
      const client = new pg.Client({
        connectionString: this.#url,
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
      });
      // Until it holds the lock, an error only means the next try opens a new connection.
      client.on("error", () => {
        if (this.#client === client) this.#client = undefined;
      });
      await client.connect();
      this.#client = client;
    }
    const client = this.#client;
    const result = await client.query<{ held: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext($1)) AS held",
      [`rampart:${this.#key}`],
    );
    if (result.rows[0]?.held !== true) return undefined;
    return this.#session(client);
  }

  /** The held lock's session: `lost` aborts when its connection errs or ends, or a check fails. */
  #session(client: pg.Client): Session {
    const lost = new AbortController();
    const lose = (reason: string) => {
      if (lost.signal.aborted) return;
      lost.abort(reason);
      clearInterval(check);
      // The connection is of no use any more; the next try opens another.
      if (this.#client === client) this.#client = undefined;
      void client.end().catch(() => {});
    };
    const onError = (error: Error) => lose(`connection error: ${error.message}`);
    const onEnd = () => lose("connection ended");
    client.on("error", onError);
    client.on("end", onEnd);
    let checking = false;
    const check = setInterval(() => {
      if (checking) return;
      checking = true;
      // The session answers and still holds its lock (this connection holds no other).
      withTimeout(
        client.query<{ held: boolean }>(
          "SELECT count(*) > 0 AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted",
        ),
        this.#checkMs,
      )
        .then((result) => {
          if (result.rows[0]?.held !== true) lose("the lock is no longer held by this session");
        })
        .catch((error: Error) => lose(`check failed: ${error.message}`))
        .finally(() => {
          checking = false;
        });
    }, this.#checkMs);
    check.unref();
    return {
      lost: lost.signal,
      end: () => {
        clearInterval(check);
        client.off("error", onError);
        client.off("end", onEnd);
      },
    };
  }

  /** Gives the lock up (closing its connection). */
  async release(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}

interface Session {
  /** Aborts when the session that holds the lock is gone. */
  lost: AbortSignal;
  /** Stops watching the session (the lock is released separately). */
  end(): void;
}

/** Waits `ms`, or less if `signal` aborts (at once if it has already). */
function napUnless(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
