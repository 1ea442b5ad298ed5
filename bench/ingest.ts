// Alert ingestion throughput and memory, each phase in a fresh process so its peak memory is its own:
//   end to end: the real Ingestor polls a Canary simulator (in another process, as a vendor is) over
//   HTTP, normalizes to OCSF, de-duplicates and commits page by page into a fresh SQLite data dir;
//   a second poll of the same alerts (all unchanged: the pure de-dup path);
//   normalization alone per vendor, on one core (process CPU time);
// beside the floors measured in the same run: fetching and JSON.parse-ing the same pages with nothing
// else (HTTP floor), and a raw node:sqlite prepared-statement insert of the same rows (storage floor).
// Run: node bench/ingest.ts [incidents]   (default 50,000)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";
import { Agent, request } from "undici";
import { vendors } from "../src/connectors/registry.ts";
import { createClient, type Vendor } from "../src/connectors/sdk/index.ts";
import { Ingestor } from "../src/ingest/ingest.ts";
import { INSERT_COLUMNS } from "../src/store/alerts.ts";
import { openDatabase, openSqliteFile } from "../src/store/database.ts";
import { SqlIngestStore } from "../src/store/ingest-store.ts";
import { SourceStore } from "../src/store/sources.ts";
import { rawAlertsOf } from "./support/raw-alerts.ts";
import { benchSize, smokeOr } from "./support/smoke.ts";

const END_TO_END_TARGET = 25_000;
// The target: every normalizer at 150,000 alerts a CPU second on one core.
const NORMALIZE_TARGET = 150_000;
const SELF = import.meta.filename;

interface SimInfo {
  url: string;
  config: Record<string, unknown>;
}

interface PhaseResult {
  label: string;
  alerts: number;
  seconds: number;
  /** Process CPU seconds over the phase (user + system). */
  cpuSeconds: number;
  peakRssMb: number;
  peakHeapMb: number;
  note?: string;
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Peak RSS and heap while `work` runs, sampled on a timer and whenever `sample` is called. */
function memoryMeter() {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > rss) rss = m.rss;
    if (m.heapUsed > heap) heap = m.heapUsed;
  };
  const timer = setInterval(sample, 5);
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      // maxRSS covers moments between samples too (it is the process's lifetime peak, in KiB).
      return {
        peakRssMb: Math.max(rss, process.resourceUsage().maxRSS * 1024) / 2 ** 20,
        peakHeapMb: heap / 2 ** 20,
      };
    },
  };
}

async function timed(
  label: string,
  work: (sample: () => void) => Promise<{ alerts: number; note?: string }>,
) {
  globalThis.gc?.();
  const meter = memoryMeter();
  const cpu = cpuSeconds();
  const start = performance.now();
  const { alerts, note } = await work(meter.sample);
  const seconds = (performance.now() - start) / 1000;
  const cpuUsed = cpuSeconds() - cpu;
  return { label, alerts, seconds, cpuSeconds: cpuUsed, ...meter.stop(), note } satisfies PhaseResult;
}

const canary = vendors.find((v) => v.connector.name === "thinkst-canary")!;

// ---------------------------------------------------------------- child: the simulator process

async function runSimulator(count: number): Promise<void> {
  const sim = await canary.startSimulator({ seed: 7 });
  const started = performance.now();
  const res = await fetch(`${sim.url}/__sim/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ count: count - 60 }),
  });
  if (!res.ok) throw new Error(`generate: HTTP ${res.status}`);
  await res.arrayBuffer();
  const generateSeconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ url: sim.url, config: sim.config, generateSeconds }));
  // Lives until the parent closes our stdin.
  process.stdin.resume();
  process.stdin.on("end", () => void sim.close().then(() => process.exit(0)));
}

// ---------------------------------------------------------------- child: one phase

async function ingestOnce(dataDir: string, sim: SimInfo, label: string, resetCheckpoint: boolean) {
  const database = await openDatabase({ dataDir });
  const sources = new SourceStore(database.db);
  if (!(await sources.get("canary"))) {
    await sources.add({
      name: "canary",
      connection: "canary",
      connector: "thinkst-canary",
      intervalMs: 60_000,
    });
  }
  if (resetCheckpoint) await database.db.updateTable("sources").set({ checkpoint: null }).execute();
  const canary = vendors.find((v) => v.connector.name === "thinkst-canary")!;
  const client = createClient(canary.connector, sim.config);
  const ingestor = new Ingestor({
    store: new SqlIngestStore(database.db),
    vendors,
    client: async () => client,
  });
  try {
    return await timed(label, async () => {
      const [report] = await ingestor.once(["canary"]);
      if (!report || report.error) throw new Error(`poll failed: ${JSON.stringify(report?.error)}`);
      // Only the expected outcome counts: all new the first time, all unchanged the second.
      const alerts = resetCheckpoint ? report.unchanged : report.new;
      return { alerts, note: `${report.pages} pages: ${report.new} new, ${report.unchanged} unchanged` };
    });
  } finally {
    await ingestor.close();
    await client.close();
    await database.close();
  }
}

/** The same pages the source reads (cursor paging, 500 a page), fetched and parsed, nothing else. */
async function httpFloor(sim: SimInfo) {
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const headers = { "x-canary-auth-token": String(sim.config.auth_token), accept: "application/json" };
  try {
    return await timed("HTTP floor: fetch + JSON.parse the same pages", async () => {
      let alerts = 0;
      let pages = 0;
      let next: string | null = `${sim.url}/api/v1/incidents/all?incidents_since=0&limit=500`;
      while (next) {
        const res = await request(next, { dispatcher: agent, headers });
        const page = JSON.parse(await res.body.text()) as {
          // null on the empty page a cursor walk ends with, as the console sends it
          incidents: unknown[] | null;
          cursor?: { next: string | null };
        };
        alerts += page.incidents?.length ?? 0;
        pages++;
        next = page.cursor?.next ? `${sim.url}/api/v1/incidents/all?cursor=${page.cursor.next}` : null;
      }
      return { alerts, note: `${pages} pages` };
    });
  } finally {
    await agent.close();
  }
}

// The same columns the store inserts, so the floor writes exactly what the end-to-end run wrote.
const COLUMNS = INSERT_COLUMNS;

/** The rows the end-to-end run stored, inserted again into a fresh database with one prepared statement. */
async function storageFloor(fromDir: string, toDir: string) {
  const from = new DatabaseSync(join(fromDir, "rampart.db"), { readOnly: true });
  const rows = from.prepare(`select ${COLUMNS.join(", ")} from alerts`).all();
  from.close();
  await (await openDatabase({ dataDir: toDir })).close(); // the same schema and indexes
  const db = openSqliteFile(join(toDir, "rampart.db")); // and the same settings
  const insert = db.prepare(
    `insert into alerts (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`,
  );
  try {
    return await timed("storage floor: node:sqlite prepared insert, 500 a transaction", async (sample) => {
      for (let i = 0; i < rows.length; i += 500) {
        db.exec("begin immediate");
        for (const row of rows.slice(i, i + 500))
          insert.run(...COLUMNS.map((c) => row[c] as string | number));
        db.exec("commit");
        sample();
      }
      return { alerts: rows.length };
    });
  } finally {
    db.close();
  }
}

/** Normalizations per CPU second of one vendor's alerts, cycling through them for at least 2 s (0.1 s in a smoke run). */
async function normalizeAlone(vendor: Vendor, rawFile: string) {
  const source = vendor.alertSource!;
  const raw = JSON.parse(readFileSync(rawFile, "utf8")) as unknown[];
  for (let i = 0; i < smokeOr(20_000, 1_000); i++) source.normalize(raw[i % raw.length]); // warm up
  const result = await timed(`normalize alone: ${vendor.connector.title}`, async (sample) => {
    let n = 0;
    const start = cpuSeconds();
    while (cpuSeconds() - start < smokeOr(2, 0.1)) {
      for (let i = 0; i < 1000; i++) source.normalize(raw[n++ % raw.length]);
      sample();
    }
    return { alerts: n, note: `${raw.length} distinct alerts from the simulator` };
  });
  // One core: the rate is per CPU second, whatever else the machine is doing.
  return { ...result, seconds: result.cpuSeconds };
}

async function runPhase(phase: string, args: string[]): Promise<void> {
  let result: PhaseResult;
  if (phase === "http-floor") result = await httpFloor(JSON.parse(args[0]!));
  else if (phase === "first-poll")
    result = await ingestOnce(args[1]!, JSON.parse(args[0]!), "end to end: first poll, all new", false);
  else if (phase === "second-poll")
    result = await ingestOnce(args[1]!, JSON.parse(args[0]!), "end to end: second poll, all unchanged", true);
  else if (phase === "storage-floor") result = await storageFloor(args[0]!, args[1]!);
  else if (phase === "normalize")
    result = await normalizeAlone(vendors.find((v) => v.connector.name === args[0])!, args[1]!);
  else throw new Error(`unknown phase ${phase}`);
  console.log(JSON.stringify(result));
}

// ---------------------------------------------------------------- parent: orchestration and the table

function child(args: string[]): {
  lines: AsyncIterable<string>;
  stdin: NodeJS.WritableStream;
  done: Promise<number>;
} {
  const proc = spawn(
    process.execPath,
    // The V8 flags this process runs with (bench/run.ts passes bin/node-flags).
    [
      ...process.execArgv.filter((a) => a.startsWith("--max-") || a.startsWith("--heap-")),
      "--expose-gc",
      "--disable-warning=ExperimentalWarning",
      SELF,
      ...args,
    ],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const done = new Promise<number>((resolve) => proc.on("exit", (code) => resolve(code ?? 1)));
  return { lines: createInterface({ input: proc.stdout! }), stdin: proc.stdin!, done };
}

async function phase(...args: string[]): Promise<PhaseResult> {
  const { lines, done } = child(["--phase", ...args]);
  let last = "";
  for await (const line of lines) last = line;
  if ((await done) !== 0) throw new Error(`phase ${args[0]} failed`);
  return JSON.parse(last) as PhaseResult;
}

async function main(count: number): Promise<void> {
  const simProcess = child(["--simulator", String(count)]);
  const lines = simProcess.lines[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error("the simulator did not start");
  const sim = JSON.parse(first.value) as SimInfo & { generateSeconds: number };
  const simArg = JSON.stringify({ url: sim.url, config: sim.config });
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), "rampart-bench-ingest-"));
    dirs.push(dir);
    return dir;
  };
  const rows: Array<PhaseResult & { target?: number }> = [];
  try {
    rows.push(await phase("http-floor", simArg));
    const dataDir = fresh();
    rows.push({ ...(await phase("first-poll", simArg, dataDir)), target: END_TO_END_TARGET });
    rows.push({ ...(await phase("second-poll", simArg, dataDir)), target: END_TO_END_TARGET });
    // Correctness first: every incident stored once, then found unchanged.
    for (const r of rows.slice(1)) if (r.alerts !== count) throw new Error(`${r.label}: ${r.note}`);
    rows.push(await phase("storage-floor", dataDir, fresh()));
    for (const vendor of vendors) {
      if (!vendor.alertSource) continue;
      // Fetched here, so the simulator's memory is not counted in the phase's.
      const rawFile = join(fresh(), "raw.json");
      writeFileSync(rawFile, JSON.stringify(await rawAlertsOf(vendor, 2000)));
      rows.push({ ...(await phase("normalize", vendor.connector.name, rawFile)), target: NORMALIZE_TARGET });
    }
  } finally {
    simProcess.stdin.end();
    await simProcess.done;
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }

  const fmt = (n: number) => Math.round(n).toLocaleString("en");
  console.log(
    `${count.toLocaleString("en")} Canary incidents (simulator generated them in ${sim.generateSeconds.toFixed(1)} s); node ${process.version}`,
  );
  console.log(
    "| phase | alerts | seconds | alerts/s | vs target | CPU ms / 1k alerts | peak RSS MB | peak heap MB |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const perSecond = r.alerts / r.seconds;
    const vs = r.target ? `${(perSecond / r.target).toFixed(2)}× of ${fmt(r.target)}` : "";
    console.log(
      `| ${r.label} | ${fmt(r.alerts)} | ${r.seconds.toFixed(2)} | ${fmt(perSecond)} | ${vs} | ${((r.cpuSeconds / r.alerts) * 1e6).toFixed(0)} | ${r.peakRssMb.toFixed(0)} | ${r.peakHeapMb.toFixed(0)} |`,
    );
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "--simulator") await runSimulator(Number(rest[0]));
else if (mode === "--phase") await runPhase(rest[0]!, rest.slice(1));
else await main(benchSize(mode, 50_000, 2_000));
