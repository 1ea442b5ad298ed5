// Per-run overhead of a trivial script step (`main` returning its input) through the warm sandbox
// pools, beside the baseline of starting a fresh interpreter for every run.
// Run: node bench/script-steps.ts [runs]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";
import { createScriptRunner } from "../src/engine/sandbox/index.ts";
import { benchSize, smokeOr } from "./support/smoke.ts";

const RUNS = benchSize(process.argv[2], 1000, 20);
const COLD_RUNS = smokeOr(Math.max(20, Math.round(RUNS / 20)), 2);
const input = { alert: { id: "a-1", ips: ["10.0.0.1", "192.0.2.7"], severity: "high" } };
const PY = "def main(input):\n    return input\n";
const JS = "function main(input) { return input }";

interface Row {
  label: string;
  runs: number;
  mean: number;
  p95: number;
}

async function measure(
  label: string,
  runs: number,
  once: () => unknown,
  between?: () => Promise<unknown>,
): Promise<Row> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (between !== undefined) await between();
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
  return { label, runs, mean, p95: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]! };
}

const runner = createScriptRunner({ poolSize: { python: 2, javascript: 2 } });
console.log(
  `pool size 2 per language; ${RUNS} warm runs, ${COLD_RUNS} cold runs; load average ${loadavg()[0]!.toFixed(2)}`,
);
const rows: Row[] = [];
try {
  for (let i = 0; i < 100; i++) {
    await runner.run({ language: "python", code: PY, input });
    await runner.run({ language: "javascript", code: JS, input });
  }
  // "worker ready": the worker has prepared its next sandbox (a pre-forked child, a fresh QuickJS
  // context) before the run arrives, as between the steps of a playbook. "back-to-back": runs
  // follow each other with no gap, so preparing the next sandbox competes with the runs.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 3));
  for (const language of ["python", "javascript"] as const) {
    const code = language === "python" ? PY : JS;
    const once = () => runner.run({ language, code, input });
    rows.push(await measure(`${language}: warm pool, worker ready`, RUNS, once, pause));
    rows.push(await measure(`${language}: warm pool, back-to-back`, RUNS, once));
  }
} finally {
  await runner.close();
}

const coldPython = [
  "import json, sys",
  "scope = {}",
  `exec(${JSON.stringify(PY)}, scope)`,
  "print(json.dumps(scope['main'](json.loads(sys.argv[1]))))",
].join("\n");
rows.push(
  await measure("python: spawn python3 -I -S -c per run", COLD_RUNS, () => {
    const result = spawnSync("python3", ["-I", "-S", "-c", coldPython, JSON.stringify(input)], {
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(result.stderr);
  }),
);
rows.push(
  await measure("javascript: spawn node -e per run", COLD_RUNS, () => {
    const code = `${JS}; console.log(JSON.stringify(main(JSON.parse(process.argv[1]))))`;
    const result = spawnSync(process.execPath, ["-e", code, JSON.stringify(input)], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(result.stderr);
  }),
);
const variant = import("@jitl/quickjs-wasmfile-release-sync");
rows.push(
  await measure("javascript: fresh QuickJS module + context per run", COLD_RUNS, async () => {
    const quickjs = await newQuickJSWASMModuleFromVariant(variant);
    const ctx = quickjs.newContext();
    ctx.unwrapResult(ctx.evalCode(`${JS}; JSON.stringify(main(${JSON.stringify(input)}))`)).dispose();
    ctx.dispose();
  }),
);
const quickjs = await newQuickJSWASMModuleFromVariant(variant);
rows.push(
  await measure("javascript: fresh QuickJS context per run (same module, no pool)", RUNS, () => {
    const ctx = quickjs.newContext();
    ctx.unwrapResult(ctx.evalCode(`${JS}; JSON.stringify(main(${JSON.stringify(input)}))`)).dispose();
    ctx.dispose();
  }),
);

console.log("| per run (trivial script) | runs | mean ms | p95 ms |");
console.log("| --- | ---: | ---: | ---: |");
for (const row of rows)
  console.log(`| ${row.label} | ${row.runs} | ${row.mean.toFixed(3)} | ${row.p95.toFixed(3)} |`);
