import assert from "node:assert/strict";
import { createServer, type Server, Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { DATABASES, type FreshDatabase, freshDatabase } from "../../test/support/databases.ts";
import { LeaderLock } from "./leader-lock.ts";

const postgres = DATABASES.find((k) => k.name === "postgres")!;

/** A TCP relay to the database that can stop passing bytes while keeping both ends open: a network cut. */
async function relay(
  target: URL,
): Promise<{ url: string; cut(): void; close(): Promise<void>; pairs: Socket[][] }> {
  const pairs: Socket[][] = [];
  const server: Server = createServer((down) => {
    const up = new Socket();
    up.connect(Number(target.port || 5432), target.hostname);
    down.pipe(up);
    up.pipe(down);
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on("error", end);
    up.on("error", end);
    down.on("close", end);
    up.on("close", end);
    pairs.push([down, up]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    pairs,
    cut() {
      for (const [down, up] of pairs) {
        down!.unpipe(up!);
        up!.unpipe(down!);
        down!.pause();
        up!.pause();
      }
    },
    async close() {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Leader {
  lock: LeaderLock;
  stop: AbortController;
  /** Each time it led: when it began and, once its lead ended, when and why. */
  terms: Array<{ began: number; ended?: number; reason?: unknown }>;
  held: Promise<void>;
}

/** A process's part: holds the "test" lock and "leads" until its lead's signal aborts. */
function lead(url: string): Leader {
  const lock = new LeaderLock(url, "test", undefined, { retryMs: 100, checkMs: 300 });
  const stop = new AbortController();
  const terms: Leader["terms"] = [];
  const held = lock.hold(stop.signal, async (leading) => {
    const term: Leader["terms"][number] = { began: Date.now() };
    terms.push(term);
    await new Promise<void>((resolve) => {
      if (leading.aborted) resolve();
      else leading.addEventListener("abort", () => resolve(), { once: true });
    });
    term.ended = Date.now();
    term.reason = leading.reason;
  });
  return { lock, stop, terms, held };
}

const leading = (l: Leader) => l.terms.some((t) => t.ended === undefined);

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the leader lock (PostgreSQL)", { skip: postgres.skip }, () => {
  let fresh: FreshDatabase;
  let admin: pg.Client;
  before(async () => {
    fresh = await freshDatabase(postgres);
    admin = new pg.Client({ connectionString: fresh.url });
    await admin.connect();
  });
  after(async () => {
    await admin?.end();
    await fresh?.drop();
  });

  /** Ends the backend that holds the advisory lock, as a server restart or an operator would. */
  const terminateHolder = () =>
    admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );

  test("one leads at a time; a holder whose session is terminated stops leading at once and seeks the lock again; released, the lock passes on", async () => {
    const a = lead(fresh.url!);
    const b = lead(fresh.url!);
    try {
      await until("a leader", () => leading(a) || leading(b));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal([a, b].filter(leading).length, 1, "one leader");
      const first = leading(a) ? a : b;
      const second = first === a ? b : a;

      await terminateHolder();
      await until("the first to stop leading", () => first.terms[0]!.ended !== undefined, 1000);
      assert.match(String(first.terms[0]!.reason), /connection (error|ended)/);
      // It seeks the lock again at once, so it is usually the one to lead again; never both at once.
      await until("a new leader", () => leading(a) || leading(b));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal([a, b].filter(leading).length, 1, "one leader after the loss");
      if (leading(first)) {
        assert.equal(first.terms.length, 2, "the first led again after losing the lock");
        // Given up for good, the lock passes on.
        first.stop.abort();
        await first.held;
        await first.lock.release();
        await until("the other to lead", () => leading(second));
      }
      assert.ok(second.terms.length >= 1);
      const terms = [...a.terms, ...b.terms].sort((x, y) => x.began - y.began);
      for (let i = 1; i < terms.length; i++)
        assert.ok(terms[i - 1]!.ended! <= terms[i]!.began, "no two terms overlap");
    } finally {
      a.stop.abort();
      b.stop.abort();
      await Promise.all([a.held, b.held]);
      await a.lock.release();
      await b.lock.release();
    }
  });

  test("a holder whose connection goes silent (a network cut) notices within its check and stops leading", async () => {
    const cut = await relay(new URL(fresh.url!));
    const a = lead(cut.url);
    try {
      await until("the leader", () => leading(a));
      const at = Date.now();
      cut.cut();
      await until("the silent session to be noticed", () => !leading(a), 3000);
      const noticed = Date.now() - at;
      assert.match(String(a.terms[0]!.reason), /check failed: no answer/);
      assert.ok(noticed < 1500, `noticed after ${noticed} ms (checks every 300 ms, each given 300 ms)`);
      // The server still sees the session (and its lock) until the connection truly closes.
      const b = lead(fresh.url!);
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(leading(b), false, "nobody leads while the old session holds the lock");
        for (const [, up] of cut.pairs) up!.destroy();
        await until("the other to lead once the server ended that session", () => leading(b));
      } finally {
        b.stop.abort();
        await b.held;
        await b.lock.release();
      }
    } finally {
      a.stop.abort();
      await a.held;
      await a.lock.release();
      await cut.close();
    }
  });
});
