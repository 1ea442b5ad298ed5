import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type Connector, createClient, type Operation } from "../../sdk/index.ts";
import { rejectsWith } from "../../sdk/sim/testing.ts";
import { ConnectorFileError } from "../file/source.ts";
import { exampleValue } from "./example-value.ts";
import { importOpenApi } from "./import.ts";
import { type OpenApiSimulator, startOpenApiSimulator } from "./simulator.ts";

const data = (name: string) => join(import.meta.dirname, "testdata", name);
const HARBOR = data("harbor-scanner-adapter-v1.0.yaml");
const OATHKEEPER = data("ory-oathkeeper-api.json");
const INTEL = data("example-intel-3.1.yaml");

const dir = mkdtempSync(join(tmpdir(), "rampart-openapi-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An input for an operation: the example value of its input schema, the given fields on top. */
function inputFor(op: Operation, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...(exampleValue(op.input) as Record<string, unknown>), ...extra };
}

/** Calls every operation of the connector against the simulator; returns the requests it saw, by operation. */
async function callEvery(
  connector: Connector,
  sim: OpenApiSimulator,
  config: Record<string, unknown>,
  inputs: Record<string, Record<string, unknown>> = {},
) {
  const client = createClient(connector, config, { resilience: { maxAttempts: 1 } });
  const seen = new Map<string, (typeof sim.requests)[number]>();
  try {
    for (const op of connector.operations) {
      const before = sim.requests.length;
      const result = await client.call(op.name, inputFor(op, inputs[op.name]));
      assert.ok(result.ok, `${op.name} answered ${result.status}`);
      assert.equal(sim.requests.length, before + 1, `${op.name} reached the simulator once`);
      seen.set(op.name, sim.requests.at(-1)!);
    }
  } finally {
    await client.close();
  }
  return seen;
}

describe("importing real OpenAPI documents of security products", () => {
  test("Harbor Scanner Adapter API 1.0 (Apache-2.0): Basic auth, a relative server, vendor JSON types", async () => {
    const { connector, file, unmapped } = await importOpenApi(HARBOR);
    assert.equal(connector.name, "harbor-scanner-adapter-api");
    assert.deepEqual(
      connector.operations.map((op) => op.name),
      ["GetMetadata", "AcceptScanRequest", "GetScanReport"],
    );
    assert.equal(file.baseUrl, "{url}/api/v1");
    assert.deepEqual(file.auth, { type: "basic", usernameKey: "username", passwordKey: "password" });
    assert.deepEqual(file.connection.required, ["url", "username", "password"]);
    const accept = file.operations.find((op) => op.name === "AcceptScanRequest")!;
    assert.equal(accept.contentType, "application/vnd.scanner.adapter.scan.request+json; version=1.0");
    assert.deepEqual(Object.keys((accept.input!.properties as object) ?? {}), ["registry", "artifact"]);
    const report = file.operations.find((op) => op.name === "GetScanReport")!;
    assert.equal(report.path, "/scan/{scan_request_id}/report");
    assert.deepEqual(report.headers, ["Accept"]);
    assert.ok(unmapped.some((line) => /security alternative BearerAuth is not used/.test(line)));
    assert.ok(unmapped.some((line) => /vuln\.report\.raw is not described in the output/.test(line)));

    const sim = await startOpenApiSimulator(HARBOR, { seed: 2 });
    try {
      const seen = await callEvery(
        connector,
        sim,
        { url: sim.url, username: sim.credentials.username, password: sim.credentials.password },
        {
          GetScanReport: {
            scan_request_id: "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            Accept: "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
          },
        },
      );
      assert.equal(seen.get("GetMetadata")!.path, "/api/v1/metadata");
      assert.equal(seen.get("GetMetadata")!.authenticatedBy, "BasicAuth");
      const scan = seen.get("AcceptScanRequest")!;
      assert.equal(
        scan.headers["content-type"],
        "application/vnd.scanner.adapter.scan.request+json; version=1.0",
      );
      assert.deepEqual(Object.keys(scan.body as object).sort(), ["artifact", "registry"]);
      const got = seen.get("GetScanReport")!;
      assert.equal(got.path, "/api/v1/scan/3fa85f64-5717-4562-b3fc-2c963f66afa6/report");
      assert.equal(
        got.headers.accept,
        "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
      );
      assert.deepEqual(got.query, {}, "the header field did not leak into the query");
    } finally {
      await sim.close();
    }
  });

  test("Ory Oathkeeper API (Apache-2.0): no auth, query and path parameters, an unknown format noted", async () => {
    const { connector, file, unmapped } = await importOpenApi(OATHKEEPER);
    assert.equal(connector.name, "ory-oathkeeper-api");
    assert.equal(file.auth, undefined);
    assert.deepEqual(
      connector.operations.map((op) => op.name),
      ["getWellKnownJSONWebKeys", "decisions", "isAlive", "isReady", "listRules", "getRule", "getVersion"],
    );
    const list = file.operations.find((op) => op.name === "listRules")!;
    assert.deepEqual(Object.keys(list.input!.properties as object), ["limit", "offset"]);
    assert.deepEqual(list.success, ["2xx"]);
    assert.ok(unmapped.every((line) => typeof line === "string"));

    const sim = await startOpenApiSimulator(OATHKEEPER, { seed: 3 });
    try {
      const seen = await callEvery(connector, sim, { url: sim.url }, { getRule: { id: "rule-42" } });
      assert.equal(seen.get("getRule")!.path, "/rules/rule-42");
      assert.deepEqual(seen.get("listRules")!.query, { limit: "1", offset: "1" });
      assert.equal(seen.get("getWellKnownJSONWebKeys")!.path, "/.well-known/jwks.json");
    } finally {
      await sim.close();
    }
  });

  test("an OpenAPI 3.1 document: OAuth2 client credentials, renamed path fields, form and multipart bodies", async () => {
    const { connector, file, unmapped } = await importOpenApi(INTEL, { name: "example-intel" });
    assert.equal(connector.name, "example-intel");
    assert.deepEqual(
      connector.operations.map((op) => op.name),
      [
        "listIndicators",
        "createIndicator",
        "getIndicator",
        "deleteIndicatorsByIndicatorId",
        "reportSighting",
        "uploadSample",
      ],
    );
    assert.equal(file.baseUrl, "{url}");
    assert.equal(
      (file.connection.properties as Record<string, { default?: string }>).url?.default,
      "https://eu.intel.example.test/v2",
    );
    assert.equal(file.auth?.type, "oauth2-client-credentials");
    const get = file.operations.find((op) => op.name === "getIndicator")!;
    assert.equal(get.path, "/indicators/{indicatorId}");
    const create = file.operations.find((op) => op.name === "createIndicator")!;
    assert.equal(
      (create.input!.properties as Record<string, unknown>).id,
      undefined,
      "readOnly id is not an input",
    );
    assert.deepEqual(create.headers, ["X-Request-Id"]);
    assert.equal(file.operations.find((op) => op.name === "reportSighting")!.body, "form");
    assert.equal(file.operations.find((op) => op.name === "uploadSample")!.body, "multipart");
    for (const expected of [
      /cookie parameter session is not imported/,
      /HEAD \/indicators\/\{indicator-id\} \(indicatorExists\) is not imported/,
      /PUT \/samples\/raw \(uploadRawSample\) is not imported/,
      /webhooks \(indicatorScored\) are not imported/,
      /security alternative ApiKey is not used/,
      /server variable region is filled with its default eu \(one of eu, us\)/,
      /server https:\/\/sandbox\.intel\.example\.test\/v2 is not used/,
      /a schema contains itself/,
    ])
      assert.ok(
        unmapped.some((line) => expected.test(line)),
        `${expected} in ${unmapped.join("\n")}`,
      );

    const sim = await startOpenApiSimulator(INTEL, { seed: 4 });
    try {
      const config = {
        url: `${sim.url}${sim.basePath}`,
        token_url: sim.tokenUrl,
        client_id: sim.credentials.clientId,
        client_secret: sim.credentials.clientSecret,
      };
      const seen = await callEvery(connector, sim, config, {
        getIndicator: { indicatorId: "ind-0a1b2c3d" },
        deleteIndicatorsByIndicatorId: { indicatorId: "ind-0a1b2c3d" },
        reportSighting: { indicatorId: "ind-0a1b2c3d", source: "canary", count: 2 },
        createIndicator: {
          type: "ipv4",
          value: "203.0.113.7",
          "X-Request-Id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        },
      });
      assert.equal(seen.get("getIndicator")!.path, "/v2/indicators/ind-0a1b2c3d");
      assert.equal(seen.get("getIndicator")!.authenticatedBy, "ClientCredentials");
      assert.deepEqual(
        { ...(seen.get("reportSighting")!.body as object) },
        { source: "canary", seen_at: "2026-11-20T09:30:00Z", count: "2" },
      );
      assert.equal(
        seen.get("createIndicator")!.headers["x-request-id"],
        "3fa85f64-5717-4562-b3fc-2c963f66afa6",
      );
      const created = seen.get("createIndicator")!.body as Record<string, unknown>;
      assert.equal(created.value, "203.0.113.7");
      assert.equal("X-Request-Id" in created, false, "the header field is not in the body");
      assert.match(String(seen.get("uploadSample")!.headers["content-type"]), /^multipart\/form-data/);
    } finally {
      await sim.close();
    }
  });

  test("the simulator enforces the document's security: wrong credentials are an AuthError", async () => {
    const { connector } = await importOpenApi(HARBOR);
    const sim = await startOpenApiSimulator(HARBOR);
    const client = createClient(connector, { url: sim.url, username: "someone", password: "wrong-password" });
    try {
      await rejectsWith(client.call("GetMetadata", {}), "AuthError");
    } finally {
      await client.close();
      await sim.close();
    }
  });
});

describe("choosing what to import", () => {
  test("by tag or operation id; an unknown one is refused with the ones there are", async () => {
    const byTag = await importOpenApi(INTEL, { name: "intel-sightings", tags: ["sightings"] });
    assert.deepEqual(
      byTag.connector.operations.map((op) => op.name),
      ["reportSighting", "uploadSample"],
    );
    const byId = await importOpenApi(OATHKEEPER, { operationIds: ["listRules", "getRule"] });
    assert.deepEqual(
      byId.connector.operations.map((op) => op.name),
      ["listRules", "getRule"],
    );
    await rejectsWith(
      importOpenApi(OATHKEEPER, { operationIds: ["deleteRule"] }),
      "ValidationError",
      /no such operationId \(there are: getWellKnownJSONWebKeys, decisions/,
    );
    await rejectsWith(
      importOpenApi(OATHKEEPER, { tags: ["admin"] }),
      "ValidationError",
      /no operation has this tag \(tags: api, metadata\)/,
    );
    await rejectsWith(
      importOpenApi(OATHKEEPER, { name: "Ory!" }),
      "ValidationError",
      /connector name "Ory!"/,
    );
  });

  test("a name a built-in connector has is refused", async () => {
    const error = await importOpenApi(OATHKEEPER, {
      name: "http",
      taken: new Map([["http", "built in"]]),
    }).catch((e: unknown) => e as ConnectorFileError);
    assert.ok(error instanceof ConnectorFileError);
    assert.match(error.message, /connector "http" is already defined \(built in\)/);
  });
});

describe("a bad OpenAPI document names the file, line and field", () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const problems = async (path: string) => {
    const error = await importOpenApi(path).catch((e: unknown) => e);
    assert.ok(error instanceof ConnectorFileError, String(error));
    return error.issues.map((i) => `${i.file.split("/").at(-1)}:${i.line}:${i.column}: ${i.message}`);
  };
  const minimal = (paths: string) =>
    `openapi: 3.0.3\ninfo: { title: Broken, version: "1" }\npaths:\n${paths}`;

  test("malformed YAML", async () => {
    const found = await problems(write("syntax.yaml", minimal("  /x:\n    get: { responses: {\n")));
    assert.ok(found.length > 0);
    for (const line of found) assert.match(line, /^syntax\.yaml:[4-6]:\d+: syntax: /);
  });

  test("a $ref that points at nothing", async () => {
    const found = await problems(
      write(
        "ref.yaml",
        minimal(
          '  /x:\n    get:\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json:\n              schema: { $ref: "#/components/schemas/Alert" }\n',
        ),
      ),
    );
    assert.deepEqual(found, [
      'ref.yaml:11:31: $ref "#/components/schemas/Alert" points at nothing in this document',
    ]);
  });

  test("Swagger 2.0, and a document the OpenAPI schema refuses", async () => {
    assert.deepEqual(
      await problems(
        write("swagger.yaml", 'swagger: "2.0"\ninfo: { title: Old, version: "1" }\npaths: {}\n'),
      ),
      [
        'swagger.yaml:1:10: only OpenAPI 3.0 and 3.1 documents can be imported (this one says "2.0"); convert Swagger 2.0 first',
      ],
    );
    const found = await problems(
      write(
        "scheme.yaml",
        `${minimal('  /x:\n    get:\n      responses: { "200": { description: ok } }\n')}components:\n  securitySchemes:\n    Kerberos: { type: kerberos }\n`,
      ),
    );
    assert.ok(found.length > 0);
    assert.ok(
      found.every((line) => /^scheme\.yaml:9:\d+: OpenAPI: components\.securitySchemes\.Kerberos/.test(line)),
      found.join("\n"),
    );
    assert.ok(
      found.some((line) => /Kerberos\.type must be equal to one of the allowed values/.test(line)),
      found.join("\n"),
    );
  });
});
