// Runs every benchmark in bench/ in turn, each in its own process with the repository's pinned
// Node, and prints their tables. Run: npm run bench  (or node bench/run.ts [name…] for some of them)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const here = import.meta.dirname;
const pinned = join(here, "..", "node_modules", ".bin", "node");
const node = existsSync(pinned) ? pinned : process.execPath;
const smoke = process.argv.includes("--smoke");
const wanted = process.argv.slice(2).filter((a) => a !== "--smoke");
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

// The V8 flags bin/rampart starts node with.
const nodeFlags = readFileSync(join(here, "..", "bin", "node-flags"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
// The compile cache bin/rampart gives the CLI (see there), so each bench's memory is the product's.
const compileCache = process.env.NODE_COMPILE_CACHE
  ? {}
  : {
      NODE_COMPILE_CACHE: join(
        process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
        "rampart",
        "node-compile-cache",
      ),
    };
if (smoke) console.log("Smoke run: tiny sizes, to show every bench still runs; its figures mean nothing.");
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(node, [...nodeFlags, "--disable-warning=ExperimentalWarning", join(here, file)], {
    stdio: "inherit",
    env: { ...process.env, ...compileCache, ...(smoke ? { RAMPART_BENCH_SMOKE: "1" } : {}) },
  });
  if (result.status !== 0) {
    failed++;
    console.log(`(${file} failed: ${result.signal ?? `exit ${result.status}`})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
