import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { createClient } from "../../sdk/index.ts";
import type { Simulator } from "../../sdk/sim/server.ts";
import { rejectsWith, simState } from "../../sdk/sim/testing.ts";
import type { SimCredentials } from "../sim-state.ts";
import { startHttpSimulator } from "../simulator.ts";
import { ConnectorFileReader, loadConnectorFile, loadConnectorFiles } from "./load.ts";
import { ConnectorFileError } from "./source.ts";

const dir = mkdtempSync(join(tmpdir(), "rampart-connector-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A connector file for the generic simulator's asset API, exercising most of the format. */
const ASSETS = `# The generic simulator's assets, as a connector file.
name: sim-assets
title: Simulated assets
connection:
  type: object
  required: [url, api_key]
  additionalProperties: false
  properties:
    url: { type: string, format: uri }
    api_key: { type: string, secret: true }
baseUrl: "{url}"
auth: { type: api-key, in: header, name: X-Api-Key, key: api_key }
errorMessage: error
test: { operation: listAssets }
$defs:
  Asset:
    type: object
    required: [id, name]
    properties:
      id: { type: string }
      name: { type: string }
      ip: { type: string, format: ipv4 }
operations:
  - name: listAssets
    title: List assets
    method: GET
    path: /items
    input:
      type: object
      additionalProperties: false
      properties:
        limit: { type: integer, minimum: 1, maximum: 100 }
        offset: { type: integer, minimum: 0 }
    output:
      type: object
      required: [items, total]
      properties:
        items: { type: array, items: { $ref: "#/$defs/Asset" } }
        total: { type: integer }
    paginate: { style: offset, items: items, limitParam: limit, offsetParam: offset, pageSize: 25 }
  - name: getAsset
    title: Get an asset
    method: GET
    path: /items/{id}
    input:
      type: object
      additionalProperties: false
      required: [id]
      properties:
        id: { type: string, pattern: "^itm_" }
    output: { $ref: "#/$defs/Asset" }
  - name: createAsset
    title: Create an asset
    method: POST
    path: /items
    headers: [X-Request-Id]
    contentType: application/json; charset=utf-8
    success: [201]
    input:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name: { type: string, minLength: 1 }
        ip: { type: string, format: ipv4 }
        X-Request-Id: { type: string }
    output: { $ref: "#/$defs/Asset" }
  - name: echo
    title: Echo the request
    method: POST
    path: /anything
    body: form
    headers: [X-Request-Id]
    input:
      type: object
      properties:
        note: { type: string }
        X-Request-Id: { type: string }
    response: { unwrap: form }
`;

const reader = new ConnectorFileReader();

/** Writes `text` to a file and returns the problems loading it reports, as `line:column: message`. */
async function problems(name: string, text: string): Promise<string[]> {
  const path = join(dir, name);
  writeFileSync(path, text);
  try {
    await loadConnectorFile(path);
  } catch (error) {
    assert.ok(error instanceof ConnectorFileError, String(error));
    assert.equal(error.type, "ValidationError");
    for (const issue of error.issues) assert.ok(issue.file.endsWith(name), issue.file);
    return error.issues.map((i) => `${i.line}:${i.column}: ${i.message}`);
  }
  assert.fail(`${name} loaded`);
}

/** ASSETS with one text replaced (which must be found). */
function edited(find: string, replace: string): string {
  assert.ok(ASSETS.includes(find), find);
  return ASSETS.replace(find, replace);
}

describe("a connector file is a connector", () => {
  let sim: Simulator;
  let creds: SimCredentials;
  before(async () => {
    sim = await startHttpSimulator({ seed: 5 });
    creds = (await simState<{ credentials: SimCredentials }>(sim)).credentials;
  });
  after(() => sim.close());

  test("it loads with its operations, $refs inlined and common settings added", () => {
    const connector = reader.parse(ASSETS, join(dir, "assets.yaml"));
    assert.equal(connector.name, "sim-assets");
    assert.equal(connector.description, "Simulated assets");
    assert.deepEqual(
      connector.operations.map((op) => op.name),
      ["listAssets", "getAsset", "createAsset", "echo"],
    );
    assert.equal(JSON.stringify(connector.operation("getAsset")!.output).includes("$ref"), false);
    assert.ok("verify_tls" in connector.connection.properties);
  });

  test("its operations run against a real API: auth, paging, path fields, headers, content type, success", async () => {
    const connector = reader.parse(ASSETS, join(dir, "assets.yaml"));
    const client = createClient(connector, { url: sim.url, api_key: creds.apiKey });
    try {
      const items: unknown[] = [];
      for await (const item of client.items("listAssets")) items.push(item);
      assert.equal(items.length, 57);
      const created = await client.call<{ id: string; name: string }>("createAsset", {
        name: "SRV-FILE",
        ip: "10.0.0.9",
        "X-Request-Id": "req-42",
      });
      assert.equal(created.status, 201);
      const got = await client.call<{ name: string }>("getAsset", { id: created.output.id });
      assert.equal(got.output.name, "SRV-FILE");
      const seen = (
        await simState<{ requests: Array<{ method: string; headers: Record<string, string> }> }>(sim)
      ).requests;
      const post = seen.findLast((r) => r.method === "POST")!;
      assert.equal(post.headers["x-request-id"], "req-42");
      assert.equal(post.headers["content-type"], "application/json; charset=utf-8");
      const echo = await client.call("echo", { note: "hi", "X-Request-Id": "r-9" });
      assert.deepEqual(echo.output, { note: "hi" }, "the header field left the form; unwrap kept the form");
      await rejectsWith(client.call("getAsset", { id: "itm_99999" }), "NotFoundError", /no item itm_99999/);
    } finally {
      await client.close();
    }
  });

  test("the same connector written as JSON loads alike", () => {
    const json = JSON.stringify(parse(ASSETS), null, 2);
    const connector = reader.parse(json, join(dir, "assets.json"));
    assert.equal(connector.operations.length, 4);
  });
});

describe("a bad connector file names the file, line and field; nothing is registered", () => {
  test("malformed YAML", async () => {
    assert.deepEqual(await problems("syntax.yaml", edited("title: Simulated assets", "title: [unclosed")), [
      "4:1: syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  test("a $ref to a schema $defs does not hold", async () => {
    const found = await problems(
      "ref.yaml",
      edited(
        'output: { $ref: "#/$defs/Asset" }\n  - name: createAsset',
        'output: { $ref: "#/$defs/Machine" }\n  - name: createAsset',
      ),
    );
    assert.deepEqual(found, ['51:21: $ref "#/$defs/Machine" names no schema under $defs (defined: Asset)']);
  });

  test("a recursive $ref and a ref outside the file", async () => {
    const found = await problems(
      "recursive.yaml",
      edited(
        "      ip: { type: string, format: ipv4 }\noperations:",
        '      ip: { type: string, format: ipv4 }\n      parent: { $ref: "#/$defs/Asset" }\n      owner: { $ref: "people.yaml#/Owner" }\noperations:',
      ),
    );
    assert.equal(found.length, 2);
    assert.match(found[0]!, /^23:23: \$ref "#\/\$defs\/Asset" refers back to itself \(Asset → Asset\)/);
    assert.match(found[1]!, /^24:22: \$ref "people.yaml#\/Owner" is not supported/);
  });

  test("an unknown auth type", async () => {
    assert.deepEqual(
      await problems("auth.yaml", edited("auth: { type: api-key,", "auth: { type: kerberos,")),
      [
        '12:15: auth.type "kerberos" is not one of none, api-key, bearer, basic, login-token, oauth2-client-credentials, all-of',
      ],
    );
  });

  test("an auth field missing from the connection, and a credential not marked secret", async () => {
    const found = await problems(
      "secret.yaml",
      edited("    api_key: { type: string, secret: true }", "    api_key: { type: string }"),
    );
    assert.deepEqual(found, [
      '10:14: connection field "api_key" holds a credential (auth key): mark it secret: true so it is encrypted and redacted',
    ]);
    const missing = await problems("nokey.yaml", edited("key: api_key }", "key: token }"));
    assert.deepEqual(missing, [
      '12:58: auth reads "token", which is not a connection field (fields: url, api_key)',
    ]);
  });

  test("two operations with one name", async () => {
    assert.deepEqual(await problems("dupes.yaml", edited("  - name: getAsset", "  - name: listAssets")), [
      '41:11: operation name "listAssets" is used twice (also operations[0])',
    ]);
  });

  test("a path placeholder that is not in the input, or not required", async () => {
    assert.deepEqual(await problems("path.yaml", edited("path: /items/{id}", "path: /items/{item_id}")), [
      "44:11: path placeholder {item_id} is not a field of the input (fields: id)",
    ]);
    assert.deepEqual(await problems("optional.yaml", edited("      required: [id]\n", "")), [
      '46:7: input field "id" fills the path\'s {id}, so it must be required',
    ]);
  });

  test("unknown keys, a bad method, a schema that is not a schema, an unknown format", async () => {
    const found = await problems(
      "shape.yaml",
      edited(
        "    title: Get an asset\n    method: GET",
        "    title: Get an asset\n    verb: GET\n    method: FETCH",
      )
        .replace("name: { type: string, minLength: 1 }", "name: { type: strin, minLength: 1 }")
        .replace(
          "ip: { type: string, format: ipv4 }\n        X-Request-Id",
          "ip: { type: string, format: ip-address }\n        X-Request-Id",
        ),
    );
    assert.deepEqual(found, [
      '43:5: operations[1] has an unknown key "verb"',
      '44:13: operations[1].method must be "GET" or "POST" or "PUT" or "PATCH" or "DELETE"',
    ]);
    const schema = await problems(
      "schema.yaml",
      ASSETS.replace("name: { type: string, minLength: 1 }", "name: { type: strin, minLength: 1 }").replace(
        "ip: { type: string, format: ipv4 }\n        X-Request-Id",
        "ip: { type: string, format: ip-address }\n        X-Request-Id",
      ),
    );
    assert.equal(schema.length, 2);
    assert.match(schema[0]!, /^65:37: format "ip-address" is not one Rampart validates/);
    assert.match(
      schema[1]!,
      /^60:7: operations\[2\]\.input is not a valid JSON Schema: properties\.name\.type must be equal to one of the allowed values$/,
    );
  });

  test("a base URL field, a query field or a test operation that does not exist", async () => {
    const found = await problems(
      "refs.yaml",
      edited('baseUrl: "{url}"', 'baseUrl: "{host}/api"').replace(
        "test: { operation: listAssets }",
        "test: { operation: listAll }",
      ),
    );
    assert.deepEqual(found, [
      "11:10: baseUrl uses {host}, which is not a connection field (fields: url, api_key)",
      '14:20: test operation "listAll" is not one of the operations',
    ]);
  });

  test("a folder with one bad file registers none of its files", async () => {
    const folder = join(dir, "mixed");
    mkdirSync(folder);
    writeFileSync(join(folder, "a-good.yaml"), ASSETS);
    writeFileSync(
      join(folder, "b-bad.yaml"),
      edited("auth: { type: api-key,", "auth: { type: kerberos,").replace("sim-assets", "other"),
    );
    writeFileSync(join(folder, "notes.txt"), "not a connector");
    const error = await loadConnectorFiles([folder]).then(
      () => assert.fail("loaded"),
      (e: unknown) => e as ConnectorFileError,
    );
    assert.ok(error instanceof ConnectorFileError);
    assert.equal(error.issues.length, 1);
    assert.match(error.message, /b-bad\.yaml:12:15: auth\.type "kerberos"/);
    rmSync(join(folder, "b-bad.yaml"));
    assert.deepEqual(
      (await loadConnectorFiles([folder])).map((c) => c.name),
      ["sim-assets"],
    );
  });

  test("a name used twice across files, or by a built-in connector, is refused where it is written", async () => {
    const one = join(dir, "one");
    const two = join(dir, "two");
    mkdirSync(one);
    mkdirSync(two);
    writeFileSync(join(one, "assets.yaml"), ASSETS);
    writeFileSync(join(two, "assets-again.yml"), ASSETS);
    const twice = await loadConnectorFiles([one, two]).catch((e: ConnectorFileError) => e);
    assert.ok(twice instanceof ConnectorFileError);
    assert.match(
      twice.message,
      /assets-again\.yml:2:7: connector "sim-assets" is already defined \(.*one\/assets\.yaml\)/,
    );
    const builtIn = await loadConnectorFiles([one], { taken: new Map([["sim-assets", "built in"]]) }).catch(
      (e: ConnectorFileError) => e,
    );
    assert.match(String(builtIn), /connector "sim-assets" is already defined \(built in\)/);
  });

  test("a folder that cannot be read is a problem, not an empty list", async () => {
    const error = await loadConnectorFiles([join(dir, "missing")]).catch((e: ConnectorFileError) => e);
    assert.ok(error instanceof ConnectorFileError);
    assert.match(error.message, /missing:1:1: cannot read the connectors folder \(ENOENT\)/);
  });
});
