// Property tests over what users and vendors hand Rampart: playbook YAML, connector operation
// inputs, JSON flags and durations. Each input is either accepted or refused with Rampart's own
// error naming where; nothing throws anything else (no TypeError, no stack overflow, no hang).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { stringify } from "yaml";
import { readJsonArg } from "../src/cli/input.ts";
import { defaultRegistry } from "../src/connectors/registry.ts";
import { RampartError, schemas } from "../src/connectors/sdk/index.ts";
import { parseDuration } from "../src/engine/duration.ts";
import { loadPlaybook, PlaybookError } from "../src/engine/load.ts";

const catalog = defaultRegistry();
const SHIPPED = readFileSync(join(import.meta.dirname, "../playbooks/canary-incident-to-iris.yaml"), "utf8");
const RUNS = Number(process.env.RAMPART_FUZZ_RUNS ?? 200);

/** Playbook-like text: a shipped playbook with lines replaced, dropped or repeated, or random YAML. */
const playbookText = fc.oneof(
  fc
    .tuple(
      fc.array(
        fc.tuple(fc.nat(), fc.oneof(fc.string(), fc.constantFrom("", "  - x", ": :", "&a *a", "{", "]"))),
        {
          maxLength: 6,
        },
      ),
      fc.boolean(),
    )
    .map(([edits, repeat]) => {
      const lines = SHIPPED.split("\n");
      for (const [at, text] of edits) lines[at % lines.length] = text;
      return repeat ? [...lines, ...lines].join("\n") : lines.join("\n");
    }),
  fc.anything({ maxDepth: 4 }).map((value) => stringify(value) ?? ""),
  fc
    .record({
      name: fc.oneof(fc.string(), fc.constant("p")),
      start: fc.oneof(fc.string(), fc.constant("a")),
      steps: fc.dictionary(
        fc.oneof(fc.string(), fc.constant("a")),
        fc.record({
          type: fc.constantFrom(
            "call",
            "transform",
            "wait",
            "approval",
            "end",
            "foreach",
            "condition",
            "nope",
          ),
          duration: fc.oneof(fc.string(), fc.constantFrom("5ms", "99999999999d", "-1s")),
          output: fc.anything({ maxDepth: 2 }),
          on_success: fc.oneof(fc.string(), fc.constant("a")),
          status: fc.constantFrom("success", "failure", 3),
        }),
        { maxKeys: 4 },
      ),
    })
    .map((value) => stringify(value)),
);

function refusedProperly(error: unknown): void {
  assert.ok(error instanceof PlaybookError, `not a PlaybookError: ${(error as Error)?.stack ?? error}`);
  assert.ok(error.issues.length > 0);
  for (const issue of error.issues) {
    assert.ok(issue.line >= 1 && issue.column >= 1, JSON.stringify(issue));
    assert.ok(issue.message.length > 0 && !/\n\s+at /.test(issue.message), JSON.stringify(issue));
  }
}

describe("fuzz: every input is accepted or refused with Rampart's own error naming where", () => {
  test("playbook YAML: loads, or a PlaybookError whose every issue has a line, a column and a sentence", async () => {
    await fc.assert(
      fc.asyncProperty(playbookText, async (text) => {
        try {
          await loadPlaybook("/virtual/fuzz.yaml", { catalog, read: async () => text });
        } catch (error) {
          refusedProperly(error);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("connector operation inputs: accepted, or a Rampart error that names the field", () => {
    const operations = catalog.list().flatMap((c) => c.operations.map((op) => ({ connector: c.name, op })));
    assert.ok(operations.length > 50, `${operations.length} operations`);
    fc.assert(
      fc.property(
        fc.constantFrom(...operations),
        fc.oneof(fc.anything({ maxDepth: 3 }), fc.dictionary(fc.string(), fc.anything({ maxDepth: 2 }))),
        ({ op }, input) => {
          try {
            const valid = schemas.assert<Record<string, unknown>>(op.input, structuredClone(input), "input");
            op.check?.(valid as never);
          } catch (error) {
            assert.ok(error instanceof RampartError, `${op.name}: ${(error as Error)?.stack ?? error}`);
            assert.ok(error.message.length > 0);
            // A root-level refusal names the input itself; anything deeper names its field.
            assert.ok(
              error.field !== undefined || /^input\b/.test(error.message),
              `${op.name}: ${error.message}`,
            );
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });

  test("JSON flags and durations: parsed, or a ValidationError naming the flag", () => {
    fc.assert(
      fc.property(
        // "-" reads standard input and "@…" a file: random text never names either (a "-" waits on
        // the test runner's stdin for ever), the constants cover both forms.
        fc.oneof(
          fc.string().filter((text) => text !== "-" && !text.startsWith("@")),
          fc.json(),
          fc.constant("-x"),
          fc.constant("@/nonexistent/file"),
        ),
        (text) => {
          try {
            readJsonArg(text, "--input");
          } catch (error) {
            assert.ok(error instanceof RampartError, String(error));
            assert.equal(error.field, "--input");
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{1,20}(\.[0-9]{1,3})?(ms|s|m|h|d|w)$/)),
        (text) => {
          try {
            const ms = parseDuration(text, "--every");
            assert.ok(Number.isFinite(ms) && ms >= 0, `${text} → ${ms}`);
          } catch (error) {
            assert.ok(error instanceof RampartError, String(error));
            assert.equal(error.field, "--every");
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });
});
