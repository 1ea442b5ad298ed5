import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { openTriggerRuntime, type TriggerRuntime } from "../../../test/support/trigger-runtime.ts";
import { startAbuseIpdbSimulator } from "../../connectors/abuseipdb/simulator.ts";
import type { Simulator } from "../../connectors/sdk/sim/server.ts";
import { signDelivery } from "../webhooks/signature.ts";
import hooksRoutes from "./hooks.ts";

const PLAYBOOKS: Record<string, string> = {
  "ip-check.yaml": `name: ip-check
connections:
  abuseipdb: { connector: abuseipdb }
inputs:
  type: object
  required: [ip]
  properties:
    ip: { type: string, format: ipv4 }
    max_age_days: { type: integer, minimum: 1, default: 30 }
trigger:
  webhook: {}
outputs:
  ip: "=steps.lookup.output.ipAddress"
  score: "=steps.lookup.output.abuseConfidenceScore"
start: lookup
steps:
  lookup:
    type: call
    connection: abuseipdb
    operation: check
    input: { ipAddress: "=inputs.ip", maxAgeInDays: "=inputs.max_age_days" }
    on_success: done
  done: { type: end, status: success }
`,
  "refuses.yaml": `name: refuses
trigger:
  webhook: { auth: either }
start: done
steps:
  done:
    type: end
    status: failure
    message: "='refused: ' & inputs.reason"
`,
  "slow.yaml": `name: slow
trigger:
  webhook: { auth: token }
start: pause
steps:
  pause: { type: wait, duration: 1500ms, on_success: done }
  done: { type: end, status: success }
`,
  "no-hook.yaml": `name: no-hook
start: done
steps:
  done: { type: end, status: success }
`,
};

describe("POST /hooks/<playbook> over real HTTP, with the real engine and the AbuseIPDB simulator", () => {
  let root: string;
  let runtime: TriggerRuntime;
  let sim: Simulator;
  let api: FastifyInstance;
  let base: string;
  let secret: string;
  let clockSkewMs = 0;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "rampart-hooks-"));
    const dir = join(root, "playbooks");
    mkdirSync(dir);
    for (const [name, text] of Object.entries(PLAYBOOKS)) writeFileSync(join(dir, name), text);
    sim = await startAbuseIpdbSimulator();
    runtime = await openTriggerRuntime(join(root, "data"), dir);
    await runtime.connections.add({ name: "abuseipdb", connector: "abuseipdb", config: sim.config });
    secret = await runtime.secrets.rotate("ip-check");
    await runtime.secrets.rotate("refuses");
    api = Fastify();
    await api.register(hooksRoutes, {
      target: (name) => runtime.playbooks.hookTarget(name),
      secretOf: (name) => runtime.secrets.secretOf(name),
      deliveries: runtime.deliveries,
      startRun: (request) => runtime.starter.startRun(request),
      waitForEnd: (runId, deadline) => runtime.starter.waitForEnd(runId, deadline),
      authenticateToken: async (request) =>
        request.headers.authorization === "Bearer rpt_test-token" ? { name: "siem" } : null,
      now: () => Date.now() + clockSkewMs,
    });
    base = await api.listen({ port: 0, host: "127.0.0.1" });
  });
  after(async () => {
    await api?.close();
    await runtime?.close();
    await sim?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const post = async (
    path: string,
    body: string,
    headers: Record<string, string> = {},
    sign: { secret?: string; at?: number } | false = {},
  ) => {
    const signed =
      sign === false ? {} : signDelivery(sign.secret ?? secret, body, (sign.at ?? Date.now()) / 1000);
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...signed, ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  test("a signed delivery answers 202 with the run id; the run records its input, cause and outputs", async () => {
    const { status, body } = await post("/hooks/ip-check", JSON.stringify({ ip: "203.0.113.7" }));
    assert.equal(status, 202);
    assert.match(body.run_id, /^[0-9a-f-]{36}$/);
    const end = await runtime.starter.waitForEnd(body.run_id, Date.now() + 10_000);
    assert.equal(end?.status, "succeeded");
    const run = await runtime.runs.getRun(body.run_id);
    assert.deepEqual(run!.inputs, { ip: "203.0.113.7", max_age_days: 30 });
    assert.deepEqual(run!.cause, { kind: "webhook", authenticatedBy: "signature" });
    assert.equal((run!.outputs as { ip: string }).ip, "203.0.113.7");
  });

  test("?wait answers 200 with the run's outputs when it succeeds in time", async () => {
    const { status, body } = await post("/hooks/ip-check?wait=10s", JSON.stringify({ ip: "198.51.100.20" }));
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, "succeeded");
    assert.equal(body.outputs.ip, "198.51.100.20");
    assert.equal(typeof body.outputs.score, "number");
  });

  test("?wait answers 422 with the end step's message when the run fails", async () => {
    const { status, body } = await post(
      "/hooks/refuses?wait=10s",
      JSON.stringify({ reason: "not today" }),
      {},
      { secret: await runtime.secrets.secretOf("refuses") },
    );
    assert.equal(status, 422);
    assert.deepEqual(body.error, { type: "RunFailed", message: "refused: not today" });
    assert.equal(body.status, "failed");
    assert.equal((await runtime.runs.getRun(body.run_id))?.status, "failed");
  });

  test("?wait answers 202 when the run is still going at the deadline; a bounded wait and a bad one are refused", async () => {
    const token = { authorization: "Bearer rpt_test-token" };
    const { status, body } = await post("/hooks/slow?wait=100ms", "{}", token, false);
    assert.equal(status, 202);
    assert.equal(body.status, "running");
    const run = await runtime.runs.getRun(body.run_id);
    assert.deepEqual(run!.cause, { kind: "webhook", authenticatedBy: "token:siem" });
    const tooLong = await post("/hooks/slow?wait=6m", "{}", token, false);
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.field, "wait");
    const garbled = await post("/hooks/slow?wait=soon", "{}", token, false);
    assert.equal(garbled.status, 400);
    assert.equal(garbled.body.error.field, "wait");
  });

  test("a body that does not fit inputs is a 400 naming the field, and starts nothing", async () => {
    const before = (await runtime.runs.listRuns({ limit: 1000 })).length;
    const wrong = await post("/hooks/ip-check", JSON.stringify({ ip: "not-an-ip" }));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.type, "ValidationError");
    assert.equal(wrong.body.error.field, "ip");
    const missing = await post("/hooks/ip-check", JSON.stringify({ address: "203.0.113.7" }));
    assert.equal(missing.body.error.field, "ip");
    const notJson = await post("/hooks/ip-check", "{ip:");
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.field, "body");
    assert.equal((await runtime.runs.listRuns({ limit: 1000 })).length, before);
  });

  test("a body that is not JSON by its content type is a 415 in the same error shape", async () => {
    const response = await fetch(`${base}/hooks/ip-check`, {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<ip/>",
    });
    assert.equal(response.status, 415);
    assert.equal(((await response.json()) as { error: { type: string } }).error.type, "ValidationError");
  });

  test("an unknown playbook and one without trigger.webhook are both 404", async () => {
    for (const name of ["nope", "no-hook"]) {
      const { status, body } = await post(`/hooks/${name}`, "{}");
      assert.equal(status, 404);
      assert.equal(body.error.type, "NotFoundError");
    }
  });

  test("a bad, missing, foreign-secret, replayed or future signature is 401 and starts nothing", async () => {
    const before = (await runtime.runs.listRuns({ limit: 1000 })).length;
    const body = JSON.stringify({ ip: "203.0.113.9" });
    const cases = {
      missing: await post("/hooks/ip-check", body, {}, false),
      tampered: await post("/hooks/ip-check", body, {
        "x-rampart-signature": signDelivery(secret, `${body} `, Date.now() / 1000)["X-Rampart-Signature"],
      }),
      otherSecret: await post("/hooks/ip-check", body, {}, { secret: "whsec_guess" }),
      otherPlaybooksSecret: await post("/hooks/refuses", body, {}, { secret }),
      replayed: await post("/hooks/ip-check", body, {}, { at: Date.now() - 6 * 60_000 }),
      future: await post("/hooks/ip-check", body, {}, { at: Date.now() + 6 * 60_000 }),
    };
    for (const [name, response] of Object.entries(cases)) {
      assert.equal(response.status, 401, name);
      assert.equal(response.body.error.type, "AuthError", name);
    }
    assert.match(cases.missing.body.error.message, /X-Rampart-Signature/);
    assert.match(cases.replayed.body.error.message, /replay/);
    assert.match(cases.future.body.error.message, /future/);
    assert.equal((await runtime.runs.listRuns({ limit: 1000 })).length, before);
  });

  test("the replay window follows the receiver's clock: a delivery 4 minutes old passes, 6 minutes is refused", async () => {
    const body = JSON.stringify({ reason: "clock" });
    clockSkewMs = 4 * 60_000;
    try {
      assert.equal(
        (await post("/hooks/refuses", body, {}, { secret: await runtime.secrets.secretOf("refuses") }))
          .status,
        202,
      );
      clockSkewMs = 6 * 60_000;
      assert.equal(
        (await post("/hooks/refuses", body, {}, { secret: await runtime.secrets.secretOf("refuses") }))
          .status,
        401,
      );
    } finally {
      clockSkewMs = 0;
    }
  });

  test("token auth: a token-only webhook refuses a signature alone and a wrong token", async () => {
    assert.equal((await post("/hooks/slow", "{}")).status, 401);
    assert.equal((await post("/hooks/slow", "{}", { authorization: "Bearer wrong" }, false)).status, 401);
  });

  test("a redelivery with the same Idempotency-Key answers the same run id and starts no second run", async () => {
    const body = JSON.stringify({ ip: "192.0.2.44" });
    const key = { "idempotency-key": "evt_0001" };
    const first = await post("/hooks/ip-check?wait=10s", body, key);
    assert.equal(first.status, 200);
    const again = await post("/hooks/ip-check", body, key);
    assert.equal(again.status, 202);
    assert.equal(again.body.run_id, first.body.run_id);
    const waited = await post("/hooks/ip-check?wait=1s", body, key);
    assert.equal(waited.status, 200, "a redelivery with ?wait answers the finished run's outputs");
    assert.deepEqual(waited.body.outputs, first.body.outputs);
    const runs = await runtime.runs.listRuns({ limit: 1000 });
    assert.equal(runs.filter((r) => (r.inputs as { ip?: string }).ip === "192.0.2.44").length, 1);
    const run = runs.find((r) => r.id === first.body.run_id)!;
    assert.deepEqual(run.cause, {
      kind: "webhook",
      authenticatedBy: "signature",
      idempotencyKey: "evt_0001",
    });
    assert.deepEqual(await runtime.deliveries.find("ip-check", "evt_0001"), {
      playbook: "ip-check",
      idempotencyKey: "evt_0001",
      runId: first.body.run_id,
      bodySha256: (await runtime.deliveries.find("ip-check", "evt_0001"))!.bodySha256,
    });
  });

  test("the same Idempotency-Key with another body is a 409; the key is per playbook; a malformed key is a 400", async () => {
    const key = { "idempotency-key": "evt_0002" };
    assert.equal((await post("/hooks/ip-check", JSON.stringify({ ip: "192.0.2.50" }), key)).status, 202);
    const other = await post("/hooks/ip-check", JSON.stringify({ ip: "192.0.2.51" }), key);
    assert.equal(other.status, 409);
    assert.equal(other.body.error.field, "Idempotency-Key");
    const refusesSecret = (await runtime.secrets.secretOf("refuses"))!;
    const elsewhere = await post("/hooks/refuses", JSON.stringify({ reason: "x" }), key, {
      secret: refusesSecret,
    });
    assert.equal(elsewhere.status, 202, "the same key on another playbook is another delivery");
    const bad = await post("/hooks/ip-check", JSON.stringify({ ip: "192.0.2.52" }), {
      "idempotency-key": "é",
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, "Idempotency-Key");
  });

  test("the secret is never in a response, and a rotated secret replaces the old one at once", async () => {
    const old = (await runtime.secrets.secretOf("refuses"))!;
    const fresh = await runtime.secrets.rotate("refuses");
    assert.notEqual(fresh, old);
    assert.match(fresh, /^whsec_[A-Za-z0-9_-]{43}$/);
    const body = JSON.stringify({ reason: "rotated" });
    const refused = await post("/hooks/refuses", body, {}, { secret: old });
    assert.equal(refused.status, 401);
    assert.ok(!JSON.stringify(refused.body).includes(old));
    assert.equal((await post("/hooks/refuses", body, {}, { secret: fresh })).status, 202);
    const stored = await runtime.database.db.selectFrom("webhook_secrets").selectAll().execute();
    assert.ok(stored.every((row) => !String(row.secret_encrypted).includes(fresh.slice(6))));
  });
});
