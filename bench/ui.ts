// The web UI in a real Chromium against a real `rampart serve` over a store of 100,000 alerts made
// from the four vendors' simulator records: the alerts page's first load to its first rows on
// screen (cold: HTTP cache off), ticking a severity and then a second one to the new rows, and the
// JavaScript the first page ships; beside the floor from the same run: the page's own API request
// for the same rows, timed alone.
// Run: node bench/ui.ts [alerts]   (default 100,000)
//      npm run bench -- --smoke ui (RAMPART_BENCH_SMOKE=1: 1,000 alerts, 2 loads; for CI)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { UI_DIST } from "../src/api/ui.ts";
import { CONNECTION_NAMES } from "../src/cli/commands/demo.ts";
import { buildUi, uiIsStale } from "../src/cli/ui-build.ts";
import { vendors } from "../src/connectors/registry.ts";
import { AlertStore } from "../src/store/alerts.ts";
import { openDatabase } from "../src/store/database.ts";
import { UserStore } from "../src/store/users.ts";
import { type Browser, noBrowser, openBrowser } from "../test/support/browser.ts";
import { type ServeProcess, startServe } from "../test/support/serve-process.ts";
import { rawAlertsOf } from "./support/raw-alerts.ts";
import { benchSize, SMOKE } from "./support/smoke.ts";

const TINY = SMOKE;
const ALERTS = benchSize(process.argv[2], 100_000, 1000);
/** Distinct simulator records per vendor; the store holds copies of them at other times. */
const RECORDS_PER_VENDOR = TINY ? 250 : 2000;
const LOADS = TINY ? 2 : 11;
const API_ROUNDS = TINY ? 5 : 50;
const PASSWORD = "bench-ui-password-1234";
const AIM = { firstRowsMs: 1000, filterMs: 150, jsKb: 400 };

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ms = (n: number) => `${Math.round(n)} ms`;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

/** The store filled with `ALERTS` alerts, newest first across the four sources, one second apart. */
async function seed(dataDir: string): Promise<void> {
  const sources = [];
  for (const vendor of vendors.filter((v) => v.alertSource)) {
    const raw = await rawAlertsOf(vendor, RECORDS_PER_VENDOR);
    const source = vendor.alertSource!;
    sources.push({
      origin: {
        source: CONNECTION_NAMES[vendor.connector.name]!,
        connection: CONNECTION_NAMES[vendor.connector.name]!,
        connector: vendor.connector.name,
      },
      records: raw.map((r) => ({ vendorId: source.alertId(r), ocsf: source.normalize(r) })),
    });
  }
  const database = await openDatabase({ dataDir });
  try {
    const alerts = new AlertStore(database.db);
    const newest = Date.now();
    const perSource = Math.ceil(ALERTS / sources.length);
    for (const [s, { origin, records }] of sources.entries()) {
      const count = Math.min(perSource, ALERTS - s * perSource);
      for (let from = 0; from < count; from += 1000) {
        const page = Array.from({ length: Math.min(1000, count - from) }, (_, k) => {
          const n = from + k;
          const record = records[n % records.length]!;
          const time = newest - (n * sources.length + s) * 1000;
          return { vendorId: `${record.vendorId}#${n}`, ocsf: { ...record.ocsf, time } };
        });
        await database.db.transaction().execute((trx) => alerts.storePage(trx, origin, page));
      }
    }
    await new UserStore(database.db).add({ name: "bench", role: "admin", password: PASSWORD });
  } finally {
    await database.close();
  }
}

interface LoadTiming {
  /** Milliseconds from navigation start. */
  rows: number;
  html: number;
  scripts: number;
  meAnswered: number;
  alertsRequested: number;
  alertsAnswered: number;
  alertsPath: string;
  scriptFiles: Array<{ path: string; encodedBodySize: number; decodedBodySize: number }>;
}

async function main(): Promise<void> {
  if (noBrowser) {
    console.log(`skipped: ${noBrowser}`);
    return;
  }
  if (uiIsStale()) await buildUi();
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-bench-ui-"));
  const playbooks = join(dataDir, "playbooks");
  mkdirSync(playbooks);
  let serve: ServeProcess | undefined;
  let browser: Browser | undefined;
  try {
    const seedStart = performance.now();
    await seed(dataDir);
    const seedSeconds = (performance.now() - seedStart) / 1000;
    serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks]);
    browser = await openBrowser();
    const { page, context } = browser;
    // When the first alert row is in the page, the frame that paints it: ms from navigation start.
    await context.addInitScript(() => {
      const w = globalThis as any;
      w.__firstRows = new Promise((resolve) => {
        const observer = new w.MutationObserver(() => {
          if (!w.document.querySelector("tbody tr")) return;
          observer.disconnect();
          w.requestAnimationFrame(() => resolve(w.performance.now()));
        });
        observer.observe(w.document, { childList: true, subtree: true });
      });
    });
    await page.goto(`${serve.url}/alerts`);
    await page.getByLabel("Name").fill("bench");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("tbody tr").first().waitFor();

    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const encodings = new Map<string, string>();
    cdp.on("Network.responseReceived", (event) => {
      const headers = event.response.headers as Record<string, string>;
      encodings.set(new URL(event.response.url).pathname, headers["content-encoding"] ?? "identity");
    });

    // The UI's own query strings, as its first load sent it with severities put in front.
    const withSeverities = (path: string, severities: string[]) => {
      const [route, query] = path.split("?");
      const params = severities.map((sv) => `severity=${sv}`);
      return `${route}?${[...params, ...(query ? [query] : [])].join("&")}`;
    };
    const loads: LoadTiming[] = [];
    const highs: FilterTiming[] = [];
    const seconds: FilterTiming[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${serve.url}/alerts`, { waitUntil: "commit" });
      const rows = (await page.evaluate(() => (globalThis as any).__firstRows)) as number;
      const load = { rows, ...(await resourceTimings(page)) };
      loads.push(load);
      // Let the first page's other requests (sources, the event stream) settle before the change.
      await page.waitForTimeout(300);
      highs.push(await severityChange(page, "high", ["High"], withSeverities(load.alertsPath, ["high"])));
      await page.waitForTimeout(100);
      seconds.push(
        await severityChange(
          page,
          "critical",
          ["High", "Critical"],
          withSeverities(load.alertsPath, ["high", "critical"]),
        ),
      );
    }

    const first = loads[0]!;
    const highPath = withSeverities(first.alertsPath, ["high"]);
    const secondPath = withSeverities(first.alertsPath, ["high", "critical"]);
    const floorAll = await apiAlone(serve.url, first.alertsPath);
    const floorHigh = await apiAlone(serve.url, highPath);
    const floorSecond = await apiAlone(serve.url, secondPath);

    const received = first.scriptFiles.reduce((sum, f) => sum + f.encodedBodySize, 0);
    const plain = first.scriptFiles.reduce((sum, f) => sum + f.decodedBodySize, 0);
    const gzipped = first.scriptFiles.reduce((sum, f) => sum + gzipSizeOf(f.path), 0);
    const used = [...new Set(first.scriptFiles.map((f) => encodings.get(f.path) ?? "?"))].join(", ");
    const firstRows = median(loads.map((l) => l.rows));
    const high = median(highs.map((f) => f.rows));
    const second = median(seconds.map((f) => f.rows));

    console.log(
      `${ALERTS.toLocaleString("en")} alerts from ${RECORDS_PER_VENDOR.toLocaleString("en")} simulator records per source (seeded in ${seedSeconds.toFixed(1)} s); Chromium headless, ${LOADS} loads; node ${process.version}`,
    );
    console.log("| figure | Rampart | floor (same run) | aim | within aim |");
    console.log("| --- | ---: | --- | ---: | :---: |");
    const row = (figure: string, ours: string, floor: string, aim: string, within: boolean) =>
      console.log(`| ${figure} | ${ours} | ${floor} | ${aim} | ${within ? "yes" : "no"} |`);
    row(
      `first load of /alerts to its first rows on screen (median of ${LOADS} cold loads, cache off)`,
      ms(firstRows),
      `GET ${first.alertsPath} alone: ${floorAll.toFixed(1)} ms`,
      ms(AIM.firstRowsMs),
      firstRows < AIM.firstRowsMs,
    );
    row(
      `severity filter change (high) to new rows on screen (median of ${LOADS})`,
      ms(high),
      `GET ${highPath} alone: ${floorHigh.toFixed(1)} ms`,
      ms(AIM.filterMs),
      high < AIM.filterMs,
    );
    row(
      `a second severity ticked (high + critical) to new rows on screen (median of ${LOADS})`,
      ms(second),
      `GET ${secondPath} alone: ${floorSecond.toFixed(1)} ms`,
      ms(AIM.filterMs),
      second < AIM.filterMs,
    );
    row(
      `JS of the first page as Chromium received it (${used}, ${first.scriptFiles.length} file(s))`,
      kb(received),
      `uncompressed: ${kb(plain)}`,
      `${AIM.jsKb} kB`,
      received < AIM.jsKb * 1000,
    );
    row(
      "the same JS gzipped (sum of the .gz sizes)",
      kb(gzipped),
      `uncompressed: ${kb(plain)}`,
      `${AIM.jsKb} kB`,
      gzipped < AIM.jsKb * 1000,
    );
    const at = (pick: (l: LoadTiming) => number) => Math.round(median(loads.map(pick)));
    console.log(
      `\nfirst load, median ms from navigation start: page HTML ${at((l) => l.html)}, script ${at((l) => l.scripts)}, /auth/me answered ${at((l) => l.meAnswered)}, alerts requested ${at((l) => l.alertsRequested)} and answered ${at((l) => l.alertsAnswered)}, first rows painted ${at((l) => l.rows)}`,
    );
    const after = (list: FilterTiming[], pick: (f: FilterTiming) => number) =>
      Math.round(median(list.map(pick)));
    for (const [name, list] of [
      ["high", highs],
      ["high + critical", seconds],
    ] as const)
      console.log(
        `filter change to ${name}, median ms from the click: alerts requested ${after(list, (f) => f.requested)} and answered ${after(list, (f) => f.answered)}, rows painted ${after(list, (f) => f.rows)}`,
      );
  } finally {
    await browser?.close();
    await serve?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the page's Resource and Navigation Timing entries say about the load just finished. */
async function resourceTimings(page: import("playwright-core").Page): Promise<Omit<LoadTiming, "rows">> {
  const entries = (await page.evaluate(() => {
    const perf = (globalThis as any).performance;
    const nav = perf.getEntriesByType("navigation")[0];
    return {
      html: nav.responseEnd as number,
      resources: perf.getEntriesByType("resource").map((e: any) => ({
        name: e.name as string,
        startTime: e.startTime as number,
        responseEnd: e.responseEnd as number,
        transferSize: e.transferSize as number,
        encodedBodySize: e.encodedBodySize as number,
        decodedBodySize: e.decodedBodySize as number,
      })),
    };
  })) as {
    html: number;
    resources: Array<{
      name: string;
      startTime: number;
      responseEnd: number;
      transferSize: number;
      encodedBodySize: number;
      decodedBodySize: number;
    }>;
  };
  const withPath = entries.resources.map((r) => {
    const url = new URL(r.name);
    return { ...r, path: url.pathname, pathAndQuery: url.pathname + url.search };
  });
  const scripts = withPath.filter((r) => r.path.endsWith(".js"));
  const me = withPath.find((r) => r.path === "/api/v1/auth/me");
  const alerts = withPath.find((r) => r.path === "/api/v1/alerts");
  if (!alerts || !me || scripts.length === 0)
    throw new Error(`the first load did not fetch what it should: ${withPath.map((r) => r.path).join(", ")}`);
  // A script taken from the HTTP cache has no bytes transferred: the load would not be cold.
  const cached = scripts.filter((s) => s.transferSize === 0);
  if (cached.length > 0)
    throw new Error(`scripts came from the cache: ${cached.map((s) => s.path).join(", ")}`);
  return {
    html: entries.html,
    scripts: Math.max(...scripts.map((s) => s.responseEnd)),
    meAnswered: me.responseEnd,
    alertsRequested: alerts.startTime,
    alertsAnswered: alerts.responseEnd,
    alertsPath: alerts.pathAndQuery,
    scriptFiles: scripts.map((s) => ({
      path: s.path,
      encodedBodySize: s.encodedBodySize,
      decodedBodySize: s.decodedBodySize,
    })),
  };
}

interface FilterTiming {
  /** Milliseconds from the click. */
  rows: number;
  requested: number;
  answered: number;
}

/**
 * Ticks one more severity and times it from the click: its alerts request (the one whose query
 * string is `expected`), and the frame painting rows whose severities are all among `captions`.
 */
async function severityChange(
  page: import("playwright-core").Page,
  severity: string,
  captions: string[],
  expected: string,
): Promise<FilterTiming> {
  return page.evaluate(
    ({ severity, captions, expected }) =>
      new Promise<FilterTiming>((resolve, reject) => {
        const w = globalThis as any;
        const box = w.document.querySelector(`input[name="severity"][value="${severity}"]`);
        if (!box) return reject(new Error(`no severity checkbox for ${severity}`));
        const shown = () => {
          const cells = [...w.document.querySelectorAll("tbody tr td.col-severity")];
          return cells.length > 0 && cells.every((c: any) => captions.includes(c.textContent));
        };
        const answered = () =>
          w.performance.getEntriesByType("resource").findLast((e: any) => e.name.endsWith(expected));
        const start = w.performance.now();
        const observer = new w.MutationObserver(() => {
          if (!answered() || !shown()) return;
          observer.disconnect();
          w.requestAnimationFrame(() => {
            const rows = w.performance.now() - start;
            const request = answered();
            resolve({ rows, requested: request.startTime - start, answered: request.responseEnd - start });
          });
        });
        observer.observe(w.document.body, { childList: true, subtree: true, characterData: true });
        box.click();
      }),
    { severity, captions, expected },
  );
}

/** Median ms of the API answering `path` on its own (signed in, body read), from this process. */
async function apiAlone(url: string, path: string): Promise<number> {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`sign-in answered ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const once = async () => {
    const res = await fetch(`${url}${path}`, { headers: { cookie, accept: "application/json" } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    await res.json();
  };
  for (let i = 0; i < 5; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < API_ROUNDS; i++) {
    const start = performance.now();
    await once();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** The size of the .gz the build wrote beside a served file, or of gzip -9 of it when none was. */
function gzipSizeOf(path: string): number {
  const file = join(UI_DIST, path);
  if (existsSync(`${file}.gz`)) return statSync(`${file}.gz`).size;
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

await main();
