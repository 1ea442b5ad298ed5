import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";

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

/** Real vendor records published by vendors and integrators, beside the project (`../shared`), for tests. */
export const REAL_PAYLOADS = resolve(import.meta.dirname, "../../../shared/real-payloads");

/** One real record file: its name and its parsed JSON. */
export interface RealPayload {
  file: string;
  json: unknown;
}

/**
 * The JSON files of `../shared/real-payloads/<vendor>/<sub>` (records, or `envelopes`), sorted by
 * name; `skip` says why there are none (a user's clone has no `../shared`). Files that are not
 * valid JSON as published (`*.published.txt`) are left out.
 */
export function realPayloads(vendor: string, sub = ""): { payloads: RealPayload[]; skip: string | false } {
  const dir = join(REAL_PAYLOADS, vendor, sub);
  if (!existsSync(dir)) return { payloads: [], skip: `${dir} is not here` };
  const payloads = readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown }));
  return { payloads, skip: payloads.length === 0 ? `no JSON records in ${dir}` : false };
}
