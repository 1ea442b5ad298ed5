import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEvents } from "./event-stream.ts";

test("one JSON object is one event named after its source", () => {
  assert.deepEqual(parseEvents('{\n  "class_uid": 2004\n}\n', "a.json"), [
    { source: "a.json", event: { class_uid: 2004 } },
  ]);
});

test("a JSON array gives one event per element, indexed", () => {
  assert.deepEqual(parseEvents('[{"a":1}, 2]', "b.json"), [
    { source: "b.json[0]", event: { a: 1 } },
    { source: "b.json[1]", event: 2 },
  ]);
});

test("NDJSON gives one event per non-blank line, numbered; a broken line is reported alone", () => {
  const text = '{"a":1}\n\n{"b":\n  {"c":3}\r\n';
  assert.deepEqual(
    parseEvents(text, "c.ndjson").map((e) =>
      "error" in e ? `${e.source} error` : `${e.source} ${JSON.stringify(e.event)}`,
    ),
    ['c.ndjson:1 {"a":1}', "c.ndjson:3 error", 'c.ndjson:4 {"c":3}'],
  );
});

test("a broken pretty-printed document is one unreadable input, not a line per fragment", () => {
  const events = parseEvents('{\n  "a": 1,\n}\n', "d.json");
  assert.equal(events.length, 1);
  assert.ok("error" in events[0]! && /not JSON/.test(events[0].error));
});

test("an empty input has no events and says so", () => {
  const [only] = parseEvents("  \n", "e.json");
  assert.ok(only && "error" in only && /empty/.test(only.error));
});
