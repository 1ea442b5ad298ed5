import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { createClient } from "../sdk/index.ts";
import { httpConnector } from "./connector.ts";
import { ConnectorFileReader } from "./file/load.ts";
import { requestOperation } from "./request-operation.ts";

// The complete examples of docs/connectors.md must stay true: they are checked as the code would.
const doc = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "connectors.md"), "utf8");
const FENCE = "```";
const blocks = (language: string) =>
  [...doc.matchAll(new RegExp(`${FENCE}${language}\\n([\\s\\S]*?)${FENCE}`, "g"))].map((m) => m[1]!);

test("the connector file example loads and is the connector it says", () => {
  const file = blocks("yaml").find((b) => b.startsWith("name: greynoise"));
  assert.ok(file, "docs/connectors.md has the GreyNoise example");
  const connector = new ConnectorFileReader().parse(file, "greynoise.yaml");
  assert.deepEqual(
    connector.operations.map((op) => op.name),
    ["ip"],
  );
  assert.equal(connector.operation("ip")!.success?.(404, {}), true);
});

test("the http connector's example connection and inputs are valid", () => {
  const shell = blocks("sh").find((b) => b.includes("connection add okta"))!;
  const config = JSON.parse(/--config '([\s\S]*?)'/.exec(shell)![1]!.replace("00aBcD…", "00aBcDeFgH"));
  const client = createClient(httpConnector, config);
  const input = JSON.parse(/--input '([\s\S]*?)'/.exec(shell)![1]!);
  assert.ok(client.validateInput(requestOperation, input));
  const playbook = parse(blocks("yaml").find((b) => b.includes("operation: request"))!) as {
    steps: { logins: { input: Record<string, unknown> } };
  };
  assert.ok(client.validateInput(requestOperation, { ...playbook.steps.logins.input, query: {} }));
  return client.close();
});
