import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultRegistry } from "../connectors/registry.ts";
import { PlaybookCache } from "./load.ts";

const catalog = defaultRegistry();

function playbook(dir: string, name: string, message: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(
    path,
    `name: ${name}\nstart: done\nsteps:\n  done: { type: end, status: success, message: "${message}" }\n`,
  );
  return path;
}

test("a cached playbook is handed out again until one of its files changes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-cache-"));
  const cache = new PlaybookCache();
  const path = playbook(dir, "p", "one");
  const first = await cache.load(path, { catalog });
  assert.equal(await cache.load(path, { catalog }), first);
  playbook(dir, "p", "two");
  const second = await cache.load(path, { catalog });
  assert.notEqual(second, first);
  assert.match(Object.values(second.sources)[0]!, /two/);
  // A nested playbook's edit counts too.
  writeFileSync(
    join(dir, "parent.yaml"),
    "name: parent\nstart: child\nsteps:\n  child: { type: playbook, path: p.yaml }\n",
  );
  const parent = await cache.load(join(dir, "parent.yaml"), { catalog });
  assert.equal(await cache.load(join(dir, "parent.yaml"), { catalog }), parent);
  playbook(dir, "p", "three");
  const edited = await cache.load(join(dir, "parent.yaml"), { catalog });
  assert.notEqual(edited, parent);
  assert.ok(Object.values(edited.sources).some((text) => text.includes("three")));
});

test("sources handed in by read are compared by their text", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rampart-cache-"));
  const cache = new PlaybookCache();
  const path = playbook(dir, "p", "on disk");
  const fromDisk = await cache.load(path, { catalog });
  const stored = { [path]: Object.values(fromDisk.sources)[0]!.replace("on disk", "stored") };
  const read = async (p: string) => stored[p]!;
  const resumed = await cache.load(path, { catalog, read });
  assert.match(Object.values(resumed.sources)[0]!, /stored/);
  assert.equal(await cache.load(path, { catalog, read }), resumed);
  assert.match(Object.values((await cache.load(path, { catalog })).sources)[0]!, /on disk/);
});
