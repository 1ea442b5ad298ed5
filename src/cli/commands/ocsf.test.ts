import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { detectionFinding } from "../../ocsf/index.ts";
import { runOcsfValidate } from "./ocsf.ts";

const bin = join(import.meta.dirname, "..", "..", "..", "bin", "rampart");

const good = detectionFinding({
  activity_id: 1,
  time: 1_718_000_000_000,
  severity_id: 2,
  status_id: 1,
  product: { name: "Example" },
  finding_info: { uid: "f-1", title: "Example finding" },
});
const unknownAttribute = { ...good, alert_category: "web" };
const wrongType = { ...good, severity_id: "2" };

async function run(files: Record<string, string>, args: string[], options = {}) {
  let out = "";
  const code = await runOcsfValidate(args, options, {
    read: async (file) => {
      if (!(file in files)) throw Object.assign(new Error("missing"), { code: "ENOENT" });
      return files[file]!;
    },
    write: (text) => {
      out += text;
    },
  });
  return { code, lines: out.trimEnd().split("\n") };
}

test("one line per problem, then the count; exit 1 when any event is invalid", async () => {
  const ndjson = [good, wrongType, unknownAttribute].map((e) => JSON.stringify(e)).join("\n");
  const { code, lines } = await run({ "a.ndjson": ndjson, "b.json": JSON.stringify(good) }, [
    "a.ndjson",
    "b.json",
  ]);
  assert.equal(code, 1);
  assert.deepEqual(lines, [
    'a.ndjson:2: error $.severity_id expected Integer (integer), got string "2"',
    'a.ndjson:3: warning $.alert_category "alert_category" is not an OCSF attribute, nor one of Detection Finding',
    "3 valid, 1 invalid",
  ]);
});

test("--strict turns unknown attributes into errors", async () => {
  const { code, lines } = await run({ "a.json": JSON.stringify([good, unknownAttribute]) }, ["a.json"], {
    strict: true,
  });
  assert.equal(code, 1);
  assert.deepEqual(lines, [
    'a.json[1]: error $.alert_category "alert_category" is not an OCSF attribute, nor one of Detection Finding',
    "1 valid, 1 invalid",
  ]);
});

test("unreadable files and broken lines count as invalid", async () => {
  const { code, lines } = await run({ "a.ndjson": `${JSON.stringify(good)}\n{"class_uid":` }, [
    "a.ndjson",
    "gone.json",
  ]);
  assert.equal(code, 1);
  assert.match(lines[0]!, /^a\.ndjson:2: error \$ not JSON: /);
  assert.equal(lines[1], "gone.json: error $ cannot read: ENOENT");
  assert.equal(lines[2], "1 valid, 2 invalid");
});

test("--json prints a machine-readable report; all valid is exit 0", async () => {
  const { code, lines } = await run({ "a.json": JSON.stringify(good) }, ["a.json"], { json: true });
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(lines.join("\n")), {
    version: "1.8.0",
    strict: false,
    valid: 1,
    invalid: 0,
    results: [{ source: "a.json", valid: true, errors: [], warnings: [] }],
  });
});

function rampart(args: string[], stdin: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, (error, stdout) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
    child.stdin!.end(stdin);
  });
}

test("rampart ocsf validate reads files and standard input and sets the exit status", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-ocsf-cli-"));
  const file = join(dir, "good.json");
  writeFileSync(file, JSON.stringify(good));
  const ok = await rampart(["ocsf", "validate", "--strict", file], "");
  assert.deepEqual(ok, { code: 0, stdout: "1 valid, 0 invalid\n" });
  const bad = await rampart(["ocsf", "validate", "-"], JSON.stringify(wrongType));
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stdout,
    '<stdin>: error $.severity_id expected Integer (integer), got string "2"\n0 valid, 1 invalid\n',
  );
});
