// Property test over the API's request bodies, path parameters and raw bytes: for every operation
// in the service's own OpenAPI document, a generated request is answered 2xx or 4xx with the one
// error body, a refused body names its field, and nothing reaches the service log as unexpected.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { startAbuseIpdbSimulator } from "../../src/connectors/abuseipdb/simulator.ts";
import type { Simulator } from "../../src/connectors/sdk/sim/server.ts";
import { rampart } from "../support/rampart-process.ts";
import { type ServeProcess, startServe } from "../support/serve-process.ts";

const RUNS = Number(process.env.RAMPART_FUZZ_RUNS ?? 200);

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  required?: string[];
}

interface Operation {
  method: string;
  path: string;
  body?: Schema;
}

/** A value shaped like `schema` most of the time, and anything at all the rest. */
function shapedLike(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const wild = fc.anything({ maxDepth: 2 });
  if (!schema || depth > 3) return wild;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const shaped: fc.Arbitrary<unknown>[] = [];
  if (schema.enum) shaped.push(fc.constantFrom(...schema.enum));
  for (const type of types) {
    if (type === "string")
      shaped.push(
        fc.oneof(fc.string(), fc.constantFrom("", "admin", "x".repeat(5000), "../../etc/passwd", "\u0000")),
      );
    if (type === "integer" || type === "number")
      shaped.push(fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2 ** 53, 1e308)));
    if (type === "boolean") shaped.push(fc.boolean());
    if (type === "array") shaped.push(fc.array(shapedLike(schema.items, depth + 1), { maxLength: 4 }));
    if (type === "object" || schema.properties) shaped.push(objectOf(schema, depth));
  }
  return shaped.length === 0 ? wild : fc.oneof({ weight: 4, arbitrary: fc.oneof(...shaped) }, wild);
}

function objectOf(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const known = fc.record(Object.fromEntries(properties.map(([key, s]) => [key, shapedLike(s, depth + 1)])), {
    requiredKeys: [],
  });
  return fc
    .tuple(known, fc.dictionary(fc.string(), fc.anything({ maxDepth: 1 }), { maxKeys: 2 }), fc.boolean())
    .map(([fields, extra, withExtra]) => (withExtra ? { ...extra, ...fields } : fields));
}

const PLAYBOOK = `name: ip-check
connections:
  abuseipdb: { connector: abuseipdb }
inputs:
  type: object
  required: [ip]
  properties:
    ip: { type: string, format: ipv4 }
trigger:
  webhook: { auth: token }
start: lookup
steps:
  lookup:
    type: call
    connection: abuseipdb
    operation: check
    input: { ipAddress: "=inputs.ip" }
    on_success: done
  done: { type: end, status: success }
`;

/** A path parameter: the names that exist, ordinary names and ids, and what a hostile caller would try. */
const parameter = fc.oneof(
  fc.constantFrom("ip-check", "abuseipdb", "admin", "1"),
  fc.string({ minLength: 1 }),
  fc.nat().map(String),
  fc.constantFrom("..", "%00", "a%2Fb", "x".repeat(3000), "' OR 1=1 --", "-1", "1e400"),
);

/** A request body: a shaped or arbitrary JSON value, or bytes that are not JSON at all. */
const rawBody = fc.oneof(
  fc.string(),
  fc.constantFrom("{", "[1,", '{"a":', "null", "\u0000", '{"__proto__":{"admin":true}}'),
  fc.integer({ min: 1, max: 3000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
);

describe("fuzz: the API answers every request it is handed with 2xx or a 4xx naming the problem", () => {
  let dataDir: string;
  let serve: ServeProcess;
  let token: string;
  let operations: Operation[];
  let sim: Simulator;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "rampart-api-fuzz-"));
    const playbooks = join(dataDir, "playbooks");
    mkdirSync(playbooks);
    writeFileSync(join(playbooks, "ip-check.yaml"), PLAYBOOK);
    sim = await startAbuseIpdbSimulator();
    const connected = await rampart([
      "--data-dir",
      dataDir,
      "connection",
      "add",
      "abuseipdb",
      "--connector",
      "abuseipdb",
      "--config",
      JSON.stringify(sim.config),
    ]);
    assert.equal(connected.code, 0, connected.stderr);
    const created = await rampart([
      "--data-dir",
      dataDir,
      "token",
      "create",
      "fuzzer-9f3c2a71d0e4",
      "--role",
      "admin",
    ]);
    assert.equal(created.code, 0, created.stderr);
    token = created.stdout.trim();
    serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks]);
    const doc = (await (await fetch(`${serve.url}/api/v1/openapi.json`)).json()) as { paths: unknown };
    operations = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        const body = op.requestBody?.content?.["application/json"]?.schema as Schema | undefined;
        operations.push({ method: method.toUpperCase(), path, body });
      }
    }
  });

  after(async () => {
    await serve?.stop();
    await sim?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const statuses = new Map<number, number>();
  let unauthenticated = 0;
  async function send(method: string, path: string, body: string | undefined) {
    const response = await fetch(`${serve.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body,
      // An answer that takes this long is a hang, whatever it would have said.
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    // A sign-in with a wrong password is a 401 of its own; anywhere else it means the token was lost.
    if (response.status === 401 && !path.endsWith("/auth/login")) unauthenticated++;
    return { status: response.status, text };
  }

  /** The properties every answer holds, whatever was asked. */
  function checkAnswer(where: string, answer: { status: number; text: string }) {
    assert.ok(answer.status < 500, `${where} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    assert.doesNotMatch(answer.text, /\n\s+at |\.ts:\d+:\d+/, `${where} answered with a stack trace`);
    if (answer.status < 400 || answer.status === 404 || answer.status === 429) return;
    const body = JSON.parse(answer.text) as {
      error?: { type?: unknown; message?: unknown; field?: unknown };
    };
    assert.equal(typeof body.error?.type, "string", `${where}: ${answer.text.slice(0, 300)}`);
    assert.equal(typeof body.error?.message, "string", `${where}: ${answer.text.slice(0, 300)}`);
    if (body.error?.type === "ValidationError")
      assert.equal(
        typeof body.error.field,
        "string",
        `${where} refused without naming the field: ${answer.text}`,
      );
  }

  test("every operation with generated bodies and path parameters", { timeout: 600_000 }, async (t) => {
    assert.ok(
      operations.some((op) => op.body),
      "the document declares request bodies",
    );
    for (const op of operations) {
      // Signing out or revoking the fuzzer's own credential would only end the test early.
      if (op.path.endsWith("/auth/logout")) continue;
      // An event stream answers for as long as the caller listens; access.test.ts checks who may.
      if (op.path.endsWith("/events")) continue;
      if (process.env.RAMPART_FUZZ_TRACE) console.log(`${op.method} ${op.path}`);
      const params = (op.path.match(/\{[^}]+\}/g) ?? []).length;
      await fc.assert(
        fc.asyncProperty(
          fc.array(parameter, { minLength: params, maxLength: params }),
          fc.oneof(
            { weight: 3, arbitrary: shapedLike(op.body).map((value) => JSON.stringify(value) ?? "null") },
            rawBody,
          ),
          async (values, body) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[i++]!));
            const sent = op.method === "GET" || op.method === "DELETE" ? undefined : body;
            checkAnswer(`${op.method} ${path.slice(0, 120)}`, await send(op.method, path, sent));
          },
        ),
        { numRuns: Math.max(10, Math.floor(RUNS / 4)) },
      );
    }
    t.diagnostic(`answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    assert.equal(unauthenticated, 0, "the fuzzer's own token held throughout");
    const health = await fetch(`${serve.url}/readyz`);
    assert.equal(health.status, 200, "the service is still ready after the fuzz");
    assert.doesNotMatch(
      serve.output(),
      /unexpected error/,
      "no request reached the service log as unexpected",
    );
  });
});
