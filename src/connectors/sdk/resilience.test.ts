import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { thinkstCanary } from "../thinkst-canary/connector.ts";
import { startCanarySimulator } from "../thinkst-canary/simulator.ts";
import { createClient } from "./client.ts";
import type { RampartError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { Simulator } from "./sim/server.ts";

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

async function failure(promise: Promise<unknown>): Promise<RampartError> {
  try {
    await promise;
  } catch (error) {
    return error as RampartError;
  }
  assert.fail("expected the call to fail");
}

describe("SDK resilience against a misbehaving vendor", () => {
  let sim: Simulator;
  before(async () => {
    sim = await startCanarySimulator({ seed: 11 });
  });
  afterEach(() => sim.faults.clear());
  after(() => sim.close());

  test("503 twice, then success: retried, three attempts", async () => {
    const client = createClient(thinkstCanary, sim.config, { resilience: fast });
    sim.faults.inject({ fault: { kind: "status", status: 503 }, times: 2 });
    const result = await client.call("ping");
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 3);
    await client.close();
  });

  test("429 with Retry-After is retried after the vendor's delay", async () => {
    const client = createClient(thinkstCanary, sim.config, { resilience: fast });
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 1 } });
    const started = Date.now();
    const result = await client.call("ping");
    assert.equal(result.attempts, 2);
    // The backoff alone would be ~5 ms; only honouring Retry-After makes it wait a second.
    assert.ok(Date.now() - started >= 950, "waited for Retry-After");
    await client.close();
  });

  test("a Retry-After longer than the SDK will sleep surfaces as RateLimitedError with when to retry", async () => {
    const client = createClient(thinkstCanary, sim.config, { resilience: fast });
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 3600 } });
    const error = await failure(client.call("ping"));
    assert.equal(error.type, "RateLimitedError");
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 3_600_000);
    assert.equal(error.toJSON().retryAfterMs, 3_600_000);
    await client.close();
  });

  test("other 4xx are not retried", async () => {
    const client = createClient(thinkstCanary, sim.config, { resilience: fast });
    sim.faults.inject({ fault: { kind: "status", status: 400, message: "Bad request" }, times: 0 });
    const result = await client.call("ping", {}, { throwOnHttpError: false });
    assert.equal(result.status, 400);
    assert.equal(result.ok, false);
    assert.equal(result.attempts, 1);
    assert.deepEqual(result.output, { result: "error", message: "Bad request" });
    await client.close();
  });

  test("a reset connection is a retryable ConnectionError", async () => {
    const client = createClient(thinkstCanary, sim.config, { resilience: fast });
    sim.faults.inject({ fault: { kind: "reset" } });
    assert.equal((await client.call("ping")).attempts, 2);
    sim.faults.inject({ fault: { kind: "reset" }, times: 0 });
    const error = await failure(client.call("ping"));
    assert.equal(error.type, "ConnectionError");
    assert.equal(error.retryable, true);
    await client.close();
  });

  test("a hanging vendor is a TimeoutError after the connection's timeout", async () => {
    const client = createClient(thinkstCanary, { ...sim.config, timeout_ms: 150, max_attempts: 1 });
    sim.faults.inject({ fault: { kind: "hang" } });
    const error = await failure(client.call("ping"));
    assert.equal(error.type, "TimeoutError");
    assert.match(error.message, /150 ms/);
    await client.close();
  });

  test("malformed JSON is an UpstreamError carrying the status", async () => {
    const client = createClient(thinkstCanary, sim.config, { resilience: fast });
    sim.faults.inject({ fault: { kind: "malformed" } });
    const error = await failure(client.call("ping"));
    assert.equal(error.type, "UpstreamError");
    assert.equal(error.status, 200);
    assert.match(error.message, /malformed JSON/);
    await client.close();
  });

  test("the circuit opens after repeated failures and then fails fast without calling", async () => {
    const client = createClient(thinkstCanary, sim.config, {
      resilience: { ...fast, maxAttempts: 1, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } },
    });
    sim.faults.inject({ fault: { kind: "status", status: 502 }, times: 2 });
    assert.equal((await failure(client.call("ping"))).status, 502);
    assert.equal((await failure(client.call("ping"))).status, 502);
    // The vendor is healthy again, but the open circuit keeps us from calling it.
    const open = await failure(client.call("ping"));
    assert.equal(open.type, "ConnectionError");
    assert.equal(open.retryable, false);
    assert.match(open.message, /circuit open/);
    await client.close();
  });

  test("the per-connection rate limit spaces calls out", async () => {
    const client = createClient(thinkstCanary, sim.config, {
      resilience: { rateLimit: { limit: 2, intervalMs: 400 } },
    });
    const started = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => client.call("ping")));
    // Five calls at two per 400 ms need at least two more windows after the first.
    assert.ok(Date.now() - started >= 780, `took ${Date.now() - started} ms`);
    await client.close();
  });

  test("secrets stay out of logs and errors", async () => {
    const lines: string[] = [];
    const collect = (message: string, fields?: Record<string, unknown>) =>
      lines.push(JSON.stringify({ message, ...fields }));
    const logger: Logger = { debug: collect, info: collect, warn: collect, error: collect };
    const token = String(sim.config.auth_token);
    const client = createClient(thinkstCanary, sim.config, { logger, resilience: fast });
    await client.call("ping");
    sim.faults.inject({ fault: { kind: "status", status: 500, message: `token ${token} leaked by vendor` } });
    const error = await failure(client.call("ping", {}, {}));
    assert.ok(lines.length > 0);
    for (const text of [...lines, error.message, JSON.stringify(error)])
      assert.ok(!text.includes(token), text);
    assert.match(error.message, /\[REDACTED\]/);
    await client.close();
  });
});
