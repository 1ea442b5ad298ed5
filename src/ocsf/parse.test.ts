import assert from "node:assert/strict";
import { test } from "node:test";
import { parseTime } from "./parse.ts";

test("parseTime answers what Date.parse answers, for the common form and every other", () => {
  const cases = [
    "2026-11-26T11:18:22.1720969Z",
    "2026-11-26T11:18:22.9999Z",
    "2026-11-26T11:18:22.12Z",
    "2026-11-26T11:18:22.1Z",
    "2026-11-26T11:18:22Z",
    `2026-11-26T11:18:22.${"9".repeat(40)}Z`,
    "2024-02-29T23:59:59.999Z",
    "2025-02-30T00:00:00Z",
    "2025-04-31T00:00:00Z",
    "1969-12-31T23:59:59.999Z",
    "1600-03-01T00:00:00Z",
    "0050-03-01T23:00:00Z",
    "0000-01-01T00:00:00Z",
    "+002025-03-01T12:34:56Z",
    "2025-03-01T24:00:00Z",
    "2025-03-01T24:00:01Z",
    "2025-03-01T23:59:60Z",
    "2025-13-01T00:00:00Z",
    "2025-00-01T00:00:00Z",
    "2025-03-00T00:00:00Z",
    "2025-03-01T12:34:56.Z",
    "2025-03-01T12:34:56.12a4Z",
    "2025-03-01t12:34:56z",
    "2025-03-01 12:34:56Z",
    "2025-03-01T13:34:56.789+01:00",
    "2025-03-01T12:34:56.789",
    "2025-03-01T12:34Z",
    "2025-03-01",
    "２025-03-01T12:34:56Z",
    "Thu, 26 Nov 2026 11:19:38 GMT",
    "yesterday",
    "",
  ];
  for (const text of cases) assert.equal(parseTime(text), Date.parse(text), text);
  for (let t = -5e12; t < 9e12; t += 7_777_777_777) {
    const iso = new Date(t).toISOString();
    assert.equal(parseTime(iso), Date.parse(iso), iso);
    const micro = iso.replace("Z", "123Z");
    assert.equal(parseTime(micro), Date.parse(micro), micro);
    const seconds = iso.replace(/\.\d+Z$/, "Z");
    assert.equal(parseTime(seconds), Date.parse(seconds), seconds);
  }
});
