import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { defaultRegistry } from "../../connectors/registry.ts";
import { loadPlaybook, PlaybookError } from "../load.ts";

describe("script limits and step timeouts are checked when the playbook loads", () => {
  const root = mkdtempSync(join(tmpdir(), "rampart-limits-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;

  const load = (enrich: string) => {
    n += 1;
    const path = join(root, `p${n}.yaml`);
    writeFileSync(
      path,
      `name: p\nstart: enrich\nsteps:\n  enrich:\n    type: script\n    language: python\n    code: "output = 1"\n${enrich}`,
    );
    return loadPlaybook(path, { catalog: defaultRegistry() });
  };

  const refused = async (enrich: string, path: string, message: RegExp) => {
    await assert.rejects(load(enrich), (error: unknown) => {
      assert.ok(error instanceof PlaybookError, String(error));
      assert.deepEqual(
        error.issues.map((issue) => issue.path),
        [path],
      );
      assert.match(error.issues[0]!.message, message);
      assert.equal(error.issues[0]!.line, 8);
      return true;
    });
  };

  test("memory_mb and output_bytes outside their range name the playbook field", async () => {
    await refused(
      "    limits: { memory_mb: 16384 }\n",
      "steps.enrich.limits.memory_mb",
      /steps\.enrich\.limits\.memory_mb must be <= 4096/,
    );
    await refused("    limits: { memory_mb: 4 }\n", "steps.enrich.limits.memory_mb", /must be >= 16/);
    await refused(
      "    limits: { output_bytes: 1 }\n",
      "steps.enrich.limits.output_bytes",
      /steps\.enrich\.limits\.output_bytes must be >= 16/,
    );
    await refused(
      "    limits: { output_bytes: 1000000000000 }\n",
      "steps.enrich.limits.output_bytes",
      /must be <= 268435456/,
    );
  });

  test("a step timeout of zero, or longer than a script or a timer may run, is refused", async () => {
    await refused(
      "    timeout: 16m\n",
      "steps.enrich.timeout",
      /steps\.enrich\.timeout must be between 1ms and 15m for a script step \(got 16m\)/,
    );
    await refused(
      "    timeout: 0s\n",
      "steps.enrich.timeout",
      /steps\.enrich\.timeout must be between 1ms and 15m/,
    );
    const path = join(root, "transform.yaml");
    writeFileSync(
      path,
      "name: p\nstart: shape\nsteps:\n  shape:\n    type: transform\n    output: 1\n    timeout: 30d\n",
    );
    await assert.rejects(loadPlaybook(path, { catalog: defaultRegistry() }), (error: unknown) => {
      assert.ok(error instanceof PlaybookError, String(error));
      assert.match(
        error.issues[0]!.message,
        /steps\.shape\.timeout must be between 1ms and 2147483647ms \(got 30d\)/,
      );
      return true;
    });
  });

  test("the limits at their bounds load", async () => {
    const playbook = await load("    timeout: 15m\n    limits: { memory_mb: 4096, output_bytes: 16 }\n");
    assert.equal(playbook.policies.get("enrich")?.timeoutMs, 15 * 60_000);
  });
});
