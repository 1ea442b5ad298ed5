import assert from "node:assert/strict";
import { test } from "node:test";
import { isBlank, readBoolean, readInteger, readNumber, readText, readTime } from "./values.ts";

test("blanks: undefined, null and white space; nothing else", () => {
  for (const blank of [undefined, null, "", "  ", "\t\n"]) assert.equal(isBlank(blank), true);
  for (const value of [0, false, "0", "null", {}, [], " x "]) assert.equal(isBlank(value), false);
});

test("readText: non-blank strings as given, numbers and booleans as text, nothing else", () => {
  assert.equal(readText("ExampleBird"), "ExampleBird");
  assert.equal(readText(" padded "), " padded ");
  assert.equal(readText(""), undefined);
  assert.equal(readText("   "), undefined);
  assert.equal(readText(null), undefined);
  assert.equal(readText(42), "42");
  assert.equal(readText(false), "false");
  assert.equal(readText(Number.NaN), undefined);
  assert.equal(readText({}), undefined);
  assert.equal(readText(["a"]), undefined);
});

test("readInteger: numbers and integer strings, protobuf-JSON int64 included; no fractions, no overflow", () => {
  assert.equal(readInteger(53), 53);
  assert.equal(readInteger("53"), 53);
  assert.equal(readInteger(" -1 "), -1);
  assert.equal(readInteger("+7"), 7);
  assert.equal(readInteger("1014890"), 1_014_890);
  assert.equal(readInteger("9007199254740991"), Number.MAX_SAFE_INTEGER);
  for (const bad of ["9007199254740993", "1.5", 1.5, "", " ", "-", "0x10", "1e3", "53a", null, true, {}]) {
    assert.equal(readInteger(bad), undefined, String(bad));
  }
});

test("readNumber: finite numbers and numeric strings", () => {
  assert.equal(readNumber(0.75), 0.75);
  assert.equal(readNumber("0.75"), 0.75);
  assert.equal(readNumber("1e3"), 1000);
  assert.equal(readNumber("19579.0"), 19579);
  for (const bad of ["", " ", "abc", Number.POSITIVE_INFINITY, "Infinity", null, false]) {
    assert.equal(readNumber(bad), undefined, String(bad));
  }
});

test("readBoolean: booleans, their words in any case, 1 and 0", () => {
  for (const yes of [true, "True", "true", "TRUE", " yes ", "1", 1]) assert.equal(readBoolean(yes), true);
  for (const no of [false, "False", "false", "FALSE", "no", "0", 0]) assert.equal(readBoolean(no), false);
  for (const neither of ["", "maybe", 2, null, undefined, {}]) assert.equal(readBoolean(neither), undefined);
});

test("readTime: epoch seconds, milliseconds, microseconds and nanoseconds, as numbers or strings", () => {
  const ms = Date.UTC(2020, 3, 17, 20, 29, 30);
  assert.equal(readTime(ms / 1000), ms);
  assert.equal(readTime(String(ms / 1000)), ms);
  assert.equal(readTime(" 1587155370 "), ms);
  assert.equal(readTime(ms), ms);
  assert.equal(readTime(String(ms)), ms);
  assert.equal(readTime(ms * 1000), ms);
  assert.equal(readTime(String(ms * 1000 + 123)), ms);
  assert.equal(readTime(`${ms}000000`), ms);
  assert.equal(readTime("1585947340.642295"), 1_585_947_340_642);
  for (const nothing of [0, "0", -5, "-5", "", " ", null, undefined, {}, true, Number.NaN]) {
    assert.equal(readTime(nothing), undefined, String(nothing));
  }
});

test("readTime: ISO 8601 with 0 to 9 fractional digits, with or without a zone (none is UTC)", () => {
  const base = Date.UTC(2021, 0, 26, 20, 33, 57);
  const cases: Array<[string, number]> = [
    ["2021-01-26T20:33:57Z", base],
    ["2021-01-26T20:33:57.7Z", base + 700],
    ["2021-01-26T20:33:57.72Z", base + 720],
    ["2021-01-26T20:33:57.722Z", base + 722],
    ["2021-01-26T20:33:57.7220239Z", base + 722],
    ["2021-01-26T20:33:57.722023912Z", base + 722],
    ["2021-01-26T20:33:57", base],
    ["2021-01-26T20:33:57.5", base + 500],
    ["2021-01-26T20:33:57.7220239", base + 722],
    ["2021-01-26 20:33:57", base],
    ["2021-01-26T20:33", base - 57_000],
    ["2021-01-26", Date.UTC(2021, 0, 26)],
    ["2021-01-26T21:33:57+01:00", base],
    ["2021-01-26T16:33:57.000-04:00", base],
    ["2021-01-26T21:33:57+0100", base],
    ["2021-01-26T21:33:57+01", base],
    ["2021-01-26 20:33:57 UTC+0000", base],
    ["2021-01-26 22:33:57 UTC+0200", base],
    ["2021-01-26T20:33:57 GMT", base],
    ["Tue, 26 Jan 2021 20:33:57 GMT", base],
    [" 2021-01-26T20:33:57Z ", base],
  ];
  for (const [text, expected] of cases) assert.equal(readTime(text), expected, text);
  // Where Date.parse also reads them, they agree (each names its zone).
  for (const [text] of cases.filter(
    ([t]) => t === t.trim() && /Z$|[+-]\d\d:\d\d$|\d{4} \d\d:\d\d:\d\d GMT$/.test(t.trim()),
  )) {
    assert.equal(readTime(text), Date.parse(text), text);
  }
});

test("readTime: impossible dates and dates in an unnamed local zone are no time", () => {
  for (const bad of [
    "2025-02-29T00:00:00",
    "2025-13-01T00:00:00",
    "2025-03-01T24:00:01",
    "2025-03-01T23:59:60",
    "2025-03-01T12:00:00+25:00",
    "Apr 17 2020 20:29:30",
    "2020-04-07 08:53:43 (UTC)",
    "yesterday",
    "2025-03-01T12:34:56.Z",
  ]) {
    assert.equal(readTime(bad), undefined, bad);
  }
  assert.equal(readTime("2024-02-29T00:00:00"), Date.UTC(2024, 1, 29));
  // The UTC form keeps Date.parse's reading (parseTime's contract), which rolls 30 February over.
  assert.equal(readTime("2025-02-30T00:00:00Z"), Date.parse("2025-02-30T00:00:00Z"));
});
