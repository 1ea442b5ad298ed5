import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * Real vendor records published by vendors and integrators, kept beside the project in the
 * workspace it is developed in (`../shared/real-payloads`, provenance in its SOURCES.md). A user's
 * clone does not have them, so the tests that read them skip themselves there, saying why.
 */
export const REAL_PAYLOADS = resolve(import.meta.dirname, "../../../../../shared/real-payloads");

export interface RealRecord {
  /** File name, e.g. `22-docs-low-reputation-code-signed-exe-user-process-file.json`. */
  name: string;
  value: unknown;
}

/** `false` when the vendor's real payloads are here, else the reason a test skips (for `test(…, { skip })`). */
export function realPayloadsSkip(vendor: string): false | string {
  const dir = join(REAL_PAYLOADS, vendor);
  return existsSync(dir) ? false : `no real ${vendor} payloads at ${dir} (only in the development workspace)`;
}

/** The vendor's `*.json` records (or those of a subfolder such as `envelopes`), parsed, in name order. */
export function realRecords(vendor: string, folder = ""): RealRecord[] {
  const dir = join(REAL_PAYLOADS, vendor, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ name, value: JSON.parse(readFileSync(join(dir, name), "utf8")) as unknown }));
}

/** One file's text (e.g. a `.published.txt` that is not valid JSON as published). */
export function realText(vendor: string, name: string): string {
  return readFileSync(join(REAL_PAYLOADS, vendor, name), "utf8");
}
