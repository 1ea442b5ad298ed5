// Scale-out on PostgreSQL, each figure beside a floor measured in the same run (issue 14):
//   per persisted step: the engine's slope on PostgreSQL beside raw `pg` doing the same two writes;
//   enqueue → first step started, p50 and p95, with two `rampart worker` processes on pg-boss,
//     beside a home-made raw-pg queue (INSERT + NOTIFY, a listener claiming with SKIP LOCKED);
//   runs per second with 1, 2 and 4 workers (concurrency 16) on a latency-bound playbook (the HTTP
//     simulator answers each call after 50 ms), beside the latency-bound ceiling, and the ratio to
//     linear; a 4 × 4 control; the CPU per run of each part (workers, PostgreSQL, simulator);
//   ingest alerts per second on PostgreSQL beside SQLite (same simulator, same pages), and a raw insert floor;
//   recovery after a worker is SIGKILLed mid-run: the kill to another worker recording the run's next
//     step, median over 10 on one host, and over 3 with the victim under another host name.
// Each section gets a fresh database on the server; nothing is left behind. The server is the admin
// URL in RAMPART_BENCH_DATABASE_URL, else RAMPART_TEST_DATABASE_URL; with neither, the bench says it
// skipped and exits 0.
// Run: node bench/postgres.ts [section…]   (sections: steps, latency, throughput, ingest, recovery;
// default all). In a smoke run (npm run bench -- --smoke) the fewest rounds that exercise every part.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultRegistry } from "../src/connectors/registry.ts";
import { runHttpSimulator, startLatencySimulator } from "./support/http-simulator.ts";
import { adminUrlOf, serverSummary } from "./support/postgres-admin.ts";
import type { Row, SectionContext } from "./support/section.ts";
import { ingestSection, runCanarySimulator, runPoll } from "./support/section-ingest.ts";
import { enqueueLatencySection, runListener } from "./support/section-latency.ts";
import { recoverySection } from "./support/section-recovery.ts";
import { perStepSection } from "./support/section-steps.ts";
import { throughputSection } from "./support/section-throughput.ts";
import { SMOKE } from "./support/smoke.ts";

const SELF = import.meta.filename;
const CALL_LATENCY_MS = 50;

const SECTIONS = ["steps", "latency", "throughput", "ingest", "recovery"] as const;
type SectionName = (typeof SECTIONS)[number];

const [mode, ...rest] = process.argv.slice(2);
if (mode === "--child") await child(rest[0]!, rest.slice(1));
else {
  const named = process.argv.slice(2);
  const unknown = named.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length > 0)
    throw new Error(`unknown section ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  await main(SMOKE, named.length > 0 ? (named as SectionName[]) : [...SECTIONS]);
}

/** The bench's helper processes, started by the sections with `--child <name> …`. */
async function child(name: string, args: string[]): Promise<void> {
  if (name === "http-simulator") await runHttpSimulator();
  else if (name === "canary-simulator") await runCanarySimulator(Number(args[0]));
  else if (name === "listener") await runListener(args[0]!);
  else if (name === "poll") await runPoll(args[0]!, args[1]!, args[2]);
  else throw new Error(`unknown child ${name}`);
}

async function main(tiny: boolean, wanted: readonly SectionName[]): Promise<void> {
  const adminUrl = adminUrlOf();
  if (!adminUrl) {
    console.log(
      "skipped: no PostgreSQL server. Set RAMPART_BENCH_DATABASE_URL (or RAMPART_TEST_DATABASE_URL) to an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres; the bench creates and drops a database per section.",
    );
    return;
  }
  const root = mkdtempSync(join(tmpdir(), "rampart-bench-postgres-"));
  const registry = defaultRegistry();
  const context = (section: string): SectionContext => {
    const dir = join(root, section);
    return { adminUrl, root: mkdtempSync(`${dir}-`), tiny, registry, self: SELF };
  };
  const server = await serverSummary(adminUrl);
  const started = performance.now();
  const rows: Row[] = [];
  const took: string[] = [];
  const section = async (name: SectionName, run: (ctx: SectionContext) => Promise<Row[]>) => {
    if (!wanted.includes(name)) return;
    const start = performance.now();
    rows.push(...(await run(context(name))));
    took.push(`${name} ${((performance.now() - start) / 1000).toFixed(0)} s`);
  };
  const sim = await startLatencySimulator(SELF, CALL_LATENCY_MS);
  try {
    await section("steps", perStepSection);
    await section("latency", enqueueLatencySection);
    await section("throughput", (ctx) => throughputSection(ctx, sim.info));
    await section("ingest", ingestSection);
    await section("recovery", (ctx) => recoverySection(ctx, sim.info));
  } finally {
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `${server}; ${tiny ? "tiny mode (smoke: figures not meaningful)" : "full"}; ${seconds} s (${took.join(", ")}); load average ${loadavg()[0]!.toFixed(2)} at the end; Node ${process.version}`,
  );
  console.log("| measure | ours | floor | floor is | note |");
  console.log("| --- | ---: | ---: | --- | --- |");
  for (const r of rows) console.log(`| ${r.what} | ${r.ours} | ${r.floor} | ${r.floorWhat} | ${r.note} |`);
}
