import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { realPayloadsSkip, realRecords } from "../connectors/sdk/sim/real-payloads.ts";

/**
 * The independent OCSF validator of the workspace this project is developed in (`../shared`
 * beside the project). A user's clone does not have it, so the check skips itself there.
 */
export const REFERENCE_VALIDATOR = resolve(import.meta.dirname, "../../../shared/ocsf/validate.mjs");

/** Registers a test: the reference validator, in strict mode, finds no error and no warning in `events()`. */
export function testReferenceValidatorAgrees(events: () => readonly unknown[]): void {
  test("the reference validator agrees: no errors and no warnings in strict mode", {
    skip: existsSync(REFERENCE_VALIDATOR) ? false : `${REFERENCE_VALIDATOR} is not here`,
  }, () => {
    const list = events();
    const dir = mkdtempSync(join(tmpdir(), "rampart-ocsf-"));
    try {
      const file = join(dir, "findings.ndjson");
      writeFileSync(file, `${list.map((e) => JSON.stringify(e)).join("\n")}\n`);
      const run = spawnSync(process.execPath, [REFERENCE_VALIDATOR, "--strict", file], { encoding: "utf8" });
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(
        run.stdout,
        new RegExp(`^${list.length} valid, 0 invalid \\(0 errors, 0 warnings\\)`, "m"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** One real record file: its name and its parsed JSON. */
export interface RealPayload {
  file: string;
  json: unknown;
}

/**
 * The JSON files of `../shared/real-payloads/<vendor>/<sub>` (records, or `envelopes`), sorted by
 * name, read by the SDK's real-payloads helper; `skip` says why there are none (a user's clone has
 * no `../shared`). Files that are not valid JSON as published (`*.published.txt`) are left out.
 */
export function realPayloads(vendor: string, sub = ""): { payloads: RealPayload[]; skip: string | false } {
  const absent = realPayloadsSkip(vendor);
  if (absent) return { payloads: [], skip: absent };
  const payloads = realRecords(vendor, sub).map(({ name, value }) => ({ file: name, json: value }));
  return {
    payloads,
    skip: payloads.length === 0 ? `no JSON records in real-payloads/${vendor}/${sub}` : false,
  };
}
