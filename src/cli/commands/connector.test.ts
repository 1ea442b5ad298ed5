import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { rampart } from "../../../test/support/rampart-process.ts";
import { type OpenApiSimulator, startOpenApiSimulator } from "../../connectors/http/openapi/simulator.ts";
import { startHttpSimulator } from "../../connectors/http/simulator.ts";
import type { Simulator } from "../../connectors/sdk/sim/server.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const OATHKEEPER = join(root, "src/connectors/http/openapi/testdata/ory-oathkeeper-api.json");
const work = mkdtempSync(join(tmpdir(), "rampart-connector-cli-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A connector file for the generic simulator's items, with a problem when `broken`. */
function itemsFile(name: string, broken = false): string {
  return `name: ${name}
title: Items
connection:
  type: object
  required: [url, token]
  properties:
    url: { type: string, format: uri }
    token: { type: string, secret: true }
baseUrl: "{url}"
auth: { type: ${broken ? "kerberos" : "bearer"}, key: token }
operations:
  - name: getItem
    title: Get an item
    method: GET
    path: /items/{id}
    input:
      type: object
      required: [id]
      properties:
        id: { type: string }
`;
}

describe("rampart connector and connector files, end to end", () => {
  let oathkeeper: OpenApiSimulator;
  let web: Simulator;
  let dataDir: string;
  const inDir = (...args: string[]) => rampart(["--data-dir", dataDir, ...args]);

  before(async () => {
    oathkeeper = await startOpenApiSimulator(OATHKEEPER, { seed: 9 });
    web = await startHttpSimulator({ seed: 9 });
    dataDir = join(work, "data");
  });
  after(async () => {
    await oathkeeper.close();
    await web.close();
  });

  test("an imported OpenAPI document lands in the data dir's connectors/ and is a connector at once", async () => {
    const imported = await inDir(
      "connector",
      "import",
      OATHKEEPER,
      "--operation-id",
      "listRules",
      "--operation-id",
      "getRule",
    );
    assert.equal(imported.code, 0, imported.stderr);
    const file = join(dataDir, "connectors", "ory-oathkeeper-api.yaml");
    assert.match(
      imported.stdout,
      /wrote .*ory-oathkeeper-api\.yaml: connector ory-oathkeeper-api with 2 operation\(s\)/,
    );
    assert.match(
      readFileSync(file, "utf8"),
      /^# Imported by rampart connector import from ory-oathkeeper-api\.json/,
    );

    const list = await inDir("connectors", "--json");
    assert.equal(list.code, 0, list.stderr);
    const names = (JSON.parse(list.stdout) as Array<{ name: string }>).map((c) => c.name);
    assert.ok(
      names.includes("ory-oathkeeper-api") && names.includes("abuseipdb") && names.includes("http"),
      names.join(),
    );
    const ops = await inDir("ops", "ory-oathkeeper-api");
    assert.match(ops.stdout, /getRule +GET +\/rules\/\{id\}/);

    const call = await inDir(
      "call",
      "ory-oathkeeper-api",
      "getRule",
      "--config",
      JSON.stringify({ url: oathkeeper.url }),
      "--input",
      '{"id":"rule-7"}',
    );
    assert.equal(call.code, 0, call.stderr);
    assert.equal(typeof JSON.parse(call.stdout), "object");
    assert.equal(oathkeeper.requests.at(-1)?.path, "/rules/rule-7");

    const again = await inDir("connector", "import", OATHKEEPER);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists; use --force/);
    const forced = await inDir("connector", "import", OATHKEEPER, "--force");
    assert.equal(forced.code, 0, forced.stderr);
  });

  test("a saved connection of a file connector is validated against its schema, secrets redacted", async () => {
    const dir = join(work, "items");
    mkdirSync(dir);
    writeFileSync(join(dir, "items.yaml"), itemsFile("sim-items"));
    const token = (
      (await (await fetch(`${web.url}/__sim/state`)).json()) as { credentials: { bearerToken: string } }
    ).credentials.bearerToken;
    const refused = await inDir(
      "--connectors",
      dir,
      "connection",
      "add",
      "items",
      "--connector",
      "sim-items",
      "--config",
      JSON.stringify({ url: web.url }),
    );
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /config\.token is required/);
    const saved = await inDir(
      "--connectors",
      dir,
      "connection",
      "add",
      "items",
      "--connector",
      "sim-items",
      "--config",
      JSON.stringify({ url: web.url, token }),
    );
    assert.equal(saved.code, 0, saved.stderr);
    const listed = await inDir("--connectors", dir, "connection", "list", "--json");
    assert.equal(
      (JSON.parse(listed.stdout) as Array<{ config: { token: string } }>)[0]!.config.token,
      "[REDACTED]",
    );
    const got = await inDir(
      "--connectors",
      dir,
      "call",
      "sim-items",
      "getItem",
      "--connection",
      "items",
      "--input",
      '{"id":"itm_00001"}',
    );
    assert.equal(got.code, 0, got.stderr);
    assert.equal(JSON.parse(got.stdout).id, "itm_00001");
    assert.ok(!got.stdout.includes(token) && !got.stderr.includes(token));
  });

  test("one bad connector file stops every command with file:line:column, nothing half-registered", async () => {
    const dir = join(work, "bad");
    mkdirSync(dir);
    writeFileSync(join(dir, "good.yaml"), itemsFile("good-items"));
    writeFileSync(join(dir, "wrong.yaml"), itemsFile("wrong-items", true));
    const listed = await inDir("--connectors", dir, "connectors");
    assert.equal(listed.code, 2);
    assert.equal(listed.stdout, "");
    assert.match(listed.stderr, /wrong\.yaml:10:15: auth\.type "kerberos" is not one of none, api-key/);
    const validated = await rampart([
      "connector",
      "validate",
      join(dir, "good.yaml"),
      join(dir, "wrong.yaml"),
    ]);
    assert.equal(validated.code, 2);
    assert.match(validated.stdout, /good\.yaml: connector good-items with 1 operation\(s\) is valid/);
    assert.match(validated.stderr, /wrong\.yaml:10:15: auth\.type "kerberos"/);
    const missing = await inDir("--connectors", join(work, "nowhere"), "ops", "http");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere:1:1: cannot read the connectors folder \(ENOENT\)/);
  });

  test("the http connector from a playbook (type: call, operation: request) and from rampart call", async () => {
    const token = (
      (await (await fetch(`${web.url}/__sim/state`)).json()) as { credentials: { bearerToken: string } }
    ).credentials.bearerToken;
    const added = await inDir(
      "connection",
      "add",
      "web",
      "--connector",
      "http",
      "--config",
      JSON.stringify({ url: web.url, auth: { type: "bearer", token } }),
    );
    assert.equal(added.code, 0, added.stderr);
    const apiKey = (
      (await (await fetch(`${web.url}/__sim/state`)).json()) as { credentials: { apiKey: string } }
    ).credentials.apiKey;
    const keyed = { url: web.url, auth: { type: "api-key", name: "X-Api-Key", key: apiKey } };
    const addedKey = await inDir(
      "connection",
      "add",
      "web-key",
      "--connector",
      "http",
      "--config",
      JSON.stringify(keyed),
    );
    assert.equal(addedKey.code, 0, addedKey.stderr);
    const listed = await inDir("connection", "list", "--json");
    const auths = Object.fromEntries(
      (JSON.parse(listed.stdout) as Array<{ name: string; config: { auth?: Record<string, string> } }>).map(
        (c) => [c.name, c.config.auth],
      ),
    );
    assert.equal(auths.web?.token, "[REDACTED]");
    assert.equal(
      auths["web-key"]?.key,
      "[REDACTED]",
      "a secret inside the auth block, under a plain key name",
    );
    assert.ok(!listed.stdout.includes(apiKey) && !listed.stdout.includes(token));
    const called = await inDir(
      "call",
      "http",
      "request",
      "--connection",
      "web",
      "--input",
      JSON.stringify({
        path: "/items",
        paginate: {
          style: "offset",
          items: "body.items",
          limit_param: "limit",
          offset_param: "offset",
          page_size: 25,
        },
      }),
    );
    assert.equal(called.code, 0, called.stderr);
    const out = JSON.parse(called.stdout) as { items: unknown[]; pages: number };
    assert.equal(out.items.length, 57);
    assert.equal(out.pages, 3);

    const playbook = join(work, "web-items.yaml");
    writeFileSync(
      playbook,
      `name: web-items
connections:
  web: { connector: http }
start: create
steps:
  create:
    type: call
    connection: web
    operation: request
    input: { method: POST, path: /items, json: { name: SRV-PLAYBOOK }, expect: [201] }
    on_success: fetch
  fetch:
    type: call
    connection: web
    operation: request
    input: { path: "='/items/' & steps.create.output.body.id" }
    on_success: echo
  echo:
    type: call
    connection: web
    operation: request
    input: { path: /anything/echo }
outputs:
  name: "=steps.fetch.output.body.name"
  status: "=steps.fetch.output.status"
`,
    );
    const run = await inDir("run", playbook, "--json");
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout) as { status: string; outputs: { name: string; status: number } };
    assert.equal(outcome.status, "succeeded");
    assert.deepEqual(outcome.outputs, { name: "SRV-PLAYBOOK", status: 200 });
    const shown = await inDir("runs", "show", (JSON.parse(run.stdout) as { runId: string }).runId, "--json");
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /"authorization": "\[REDACTED\]"/,
      "the echoed credential is hidden in the record",
    );
    assert.ok(!shown.stdout.includes(token));
  });

  test("rampart test stubs a file connector's operations like a built-in one's", async () => {
    // Connector files go in a folder of their own: every YAML file in it is read as one.
    const connectors = join(work, "tested-connectors");
    const dir = join(work, "tested");
    mkdirSync(connectors);
    mkdirSync(dir);
    writeFileSync(join(connectors, "items.yaml"), itemsFile("tested-items"));
    writeFileSync(
      join(dir, "lookup.yaml"),
      `name: lookup
connections:
  items: { connector: tested-items }
start: get
steps:
  get:
    type: call
    connection: items
    operation: getItem
    input: { id: itm_00042 }
outputs:
  id: "=steps.get.output.id"
`,
    );
    writeFileSync(
      join(dir, "lookup.test.yaml"),
      `cases:
  - name: the stubbed item comes back
    stubs:
      items.getItem: { status: 200, output: { id: itm_00042, name: stubbed } }
    expect:
      status: succeeded
      outputs: { id: itm_00042 }
  - name: a 404 from the vendor fails the step as NotFoundError
    stubs:
      items.getItem: { status: 404, output: { error: no item itm_00042 } }
    expect:
      status: failed
      error: { type: NotFoundError }
`,
    );
    const run = await rampart(["--connectors", connectors, "test", join(dir, "lookup.yaml")]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /2 passed, 0 failed/);
    const without = await rampart(["test", join(dir, "lookup.yaml")]);
    assert.equal(without.code, 2, "without --connectors the playbook's connector is unknown");
    assert.match(without.stderr, /unknown connector "tested-items"/);
  });
});
