import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import { realPayloadsSkip, realRecords } from "../sdk/sim/real-payloads.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { shapeDifferences, shapeOf } from "../sdk/sim/shape.ts";
import { simState } from "../sdk/sim/testing.ts";
import { leen } from "./connector.ts";
import { startLeenSimulator } from "./simulator.ts";

type Json = Record<string, any>;
const skip = realPayloadsSkip("leen");
const fast = { initialDelayMs: 5, maxDelayMs: 20 };

/** Every item of every page of the listing, checking each page came back with no warning. */
async function listAll(client: ConnectorClient, input: Json = {}): Promise<{ pages: Json[]; items: Json[] }> {
  const pages: Json[] = [];
  let offset = 0;
  for (;;) {
    const page = await client.call<Json>("listIdpAlerts", { ...input, limit: 50, offset });
    assert.deepEqual(page.warnings, [], `page at ${offset}`);
    pages.push(page.output);
    offset += page.output.items.length;
    if (page.output.items.length < 50) return { pages, items: pages.flatMap((p) => p.items) };
  }
}

describe("leen with real OCSF Detection Findings from other products", { skip }, () => {
  const records = realRecords("leen");
  let sim: Simulator;
  let client: ConnectorClient;

  before(async () => {
    sim = await startLeenSimulator({ seed: 5 });
    client = createClient(leen, sim.config, { resilience: fast });
  });
  beforeEach(async () => {
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const load = async (findings: unknown[]) => {
    const res = await fetch(`${sim.url}/__sim/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ alerts: findings }),
    });
    assert.equal(res.status, 200, await res.clone().text());
  };
  const uidOf = (finding: Json) => finding.finding_info.uid as string;

  test("there are real findings to test with", () => {
    assert.ok(records.length >= 2);
  });

  for (const { name, value } of realRecords("leen")) {
    test(`${name}: listIdpAlerts returns it as published, offset and cursor pages, no warning`, async () => {
      const finding = value as Json;
      const before = new Date(Date.now() - 1000).toISOString();
      await load([finding]);
      const { pages, items } = await listAll(client);
      assert.deepEqual(Object.keys(pages[0]!).sort(), ["count", "items", "total"]);
      assert.deepEqual(
        items.find((i) => uidOf(i) === uidOf(finding)),
        finding,
      );
      const since = await client.call<Json>("listIdpAlerts", {
        enableCursor: true,
        updatedSince: before,
        limit: 500,
      });
      assert.deepEqual(since.warnings, []);
      assert.deepEqual(Object.keys(since.output).sort(), [
        "count",
        "items",
        "next_cursor",
        "previous_cursor",
      ]);
      assert.deepEqual(
        since.output.items.find((i: Json) => uidOf(i) === uidOf(finding)),
        finding,
        "stored now, so among the changes since",
      );
    });
  }

  test("title-case captions and message: null pass, strict_output included", async () => {
    const okta = records.find((r) => r.name.startsWith("01-"))!.value as Json;
    const variant = {
      ...structuredClone(okta),
      finding_info: { ...okta.finding_info, uid: "variant-1" },
      severity: "High",
      severity_id: 4,
      message: null,
    };
    await load([variant, ...records.map((r) => r.value)]);
    const strict = createClient(leen, { ...sim.config, strict_output: true }, { resilience: fast });
    try {
      const high = await strict.call<Json>("listIdpAlerts", { severity: "HIGH", limit: 500 });
      assert.ok(high.output.items.some((i: Json) => uidOf(i) === "variant-1"));
    } finally {
      await strict.close();
    }
  });

  describe("a connection of findings from other products (foreignFindings)", () => {
    let mixed: Simulator;
    let items: Json[];

    before(async () => {
      mixed = await startLeenSimulator({ seed: 5, foreignFindings: true });
      const state = await simState<{ connections: Json[]; accounts: Json[] }>(mixed);
      const other = state.connections.find((c) => c.foreign)!;
      const key = state.accounts.find((a) => a.name === other.account)!.api_key;
      const reader = createClient(
        leen,
        { ...mixed.config, api_key: key, connection_id: other.id },
        { resilience: fast },
      );
      try {
        items = (await listAll(reader)).items;
      } finally {
        await reader.close();
      }
    });
    after(() => mixed.close());

    const ofProduct = (product: string) => items.filter((i) => i.metadata.product.name === product);
    const record = (prefix: string) => records.find((r) => r.name.startsWith(prefix))!.value;

    test("Okta System Log findings have the published finding's fields and types", () => {
      const okta = ofProduct("Okta System Log");
      assert.ok(okta.length > 5);
      assert.deepEqual(shapeDifferences(shapeOf(okta), shapeOf([record("01-")])), []);
      assert.ok(okta.some((i) => i.message === null));
      assert.ok(
        okta.every((i) => /^[A-Z][a-z]+$/.test(i.severity)),
        "OCSF's own title-case captions",
      );
    });

    test("Security Hub GuardDuty findings have the published finding's fields and types", () => {
      const guardDuty = ofProduct("GuardDuty");
      assert.ok(guardDuty.length > 5);
      // `unmapped` is each producer's free-form bag of leftovers: its keys are not a shape to match.
      const ignore = ["unmapped"];
      assert.deepEqual(shapeDifferences(shapeOf(guardDuty, ignore), shapeOf([record("02-")], ignore)), []);
    });
  });
});
