import assert from "node:assert/strict";
import { test } from "node:test";
import { vendors } from "./registry.ts";

test("every shipped alert source names the export a normalize thread loads it from, and that export is it", async () => {
  const sources = vendors.filter((v) => v.alertSource);
  assert.ok(sources.length > 0);
  for (const { connector, alertSource } of sources) {
    const exported = alertSource!.exportedAs;
    assert.ok(exported, `${connector.name} has no exportedAs`);
    const module = (await import(exported.module)) as Record<string, unknown>;
    assert.equal(
      module[exported.name],
      alertSource,
      `${connector.name}: ${exported.name} in ${exported.module}`,
    );
  }
});
