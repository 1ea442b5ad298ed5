// The playbook engine's cost, beside floors measured in the same run:
//   per persisted step: a chain of no-op `transform` steps, every attempt recorded in SQLite
//     (slope between an N-step and a 1-step playbook, so the per-run cost is not spread over steps),
//     beside raw node:sqlite doing the same two writes per step (insert the attempt, then finish it);
//   per script step (Python, JavaScript): the same slope for `main(input) -> input` scripts, beside the
//     sandbox called directly, so the difference is what the engine adds around a script;
//   the shipped component (ms-defender-get-alert-ips) end to end against the Defender simulator (in its
//     own process, quota off), runs per second at concurrency 1 and 16, beside a plain Node script doing
//     the same HTTP call and IP extraction with no engine; and the same component with its two scripts
//     written in JavaScript (a bench-only variant), to show what the Python step's fork per run costs.
// Run: node bench/engine.ts [runs]   (default 200 component runs per row)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { DatabaseSync } from "node:sqlite";
import { Agent, request } from "undici";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { DEFAULT_SCOPE } from "../src/connectors/ms-defender/connector.ts";
import { defaultRegistry } from "../src/connectors/registry.ts";
import { ClientPool } from "../src/connectors/sdk/index.ts";
import { Engine, type ScriptRunnerLike } from "../src/engine/executor.ts";
import { ConnectorCaller } from "../src/engine/operation-caller.ts";
import { createScriptRunner } from "../src/engine/sandbox/index.ts";
import { openDatabase, openSqliteFile } from "../src/store/database.ts";
import { SqlRunStore } from "../src/store/runs.ts";
import { benchSize, smokeOr } from "./support/smoke.ts";
import { slope } from "./support/stats.ts";

const SELF = import.meta.filename;
const COMPONENT_RUNS = process.argv[2] === "--simulator" ? 0 : benchSize(process.argv[2], 200, 20);
const TOP = 10;
const STEPS = 40;

// The component's two scripts in JavaScript, for the bench-only variant (see javascriptVariant).
const JS_SUCCESS = `function main(input) {
  const order = ["Informational", "Low", "Medium", "High"];
  const byIp = new Map();
  const alerts = input.alerts || [];
  for (const alert of alerts) {
    for (const evidence of alert.evidence || []) {
      const address = evidence.ipAddress;
      if (evidence.entityType !== "Ip" || !address) continue;
      let entry = byIp.get(address);
      if (!entry) {
        const v6 = address.includes(":");
        entry = { ip: address, version: v6 ? 6 : 4, private: isPrivate(address, v6), alerts: [], highest_severity: alert.severity ?? null };
        byIp.set(address, entry);
      }
      if (!entry.alerts.includes(alert.id)) entry.alerts.push(alert.id);
      if (order.indexOf(alert.severity ?? "Informational") > order.indexOf(entry.highest_severity || "Informational"))
        entry.highest_severity = alert.severity;
    }
  }
  const ips = [...byIp.values()].sort((a, b) => b.alerts.length - a.alerts.length || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  console.log(ips.length + " unique IPs across " + alerts.length + " alerts");
  return { ips, alert_count: alerts.length, ip_count: ips.length };
}
function isPrivate(ip, v6) {
  if (v6) return /^(::1$|f[cd]|fe[89ab])/i.test(ip);
  const [a, b] = ip.split(".").map(Number);
  return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254);
}`;

const JS_FAILURE = `function main(input) {
  const reply = input.reply || {};
  const error = reply && typeof reply === "object" ? reply.error : null;
  const code = (error || {}).code ?? "Unknown";
  const message = (error || {}).message ?? JSON.stringify(reply).slice(0, 200);
  console.log("Defender API failed with HTTP " + input.status + ": " + code + ": " + message);
  return { status: input.status, code, message };
}`;

if (process.argv[2] === "--simulator") {
  const { startDefenderSimulator } = await import("../src/connectors/ms-defender/simulator.ts");
  const sim = await startDefenderSimulator({ quotaPerMinute: 0, quotaPerHour: 0, alerts: 200 });
  process.stdout.write(`${JSON.stringify({ url: sim.url, config: sim.config })}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void sim.close().then(() => process.exit(0)));
} else {
  await main();
}

interface Row {
  what: string;
  ours: string;
  floor: string;
  floorWhat: string;
  note: string;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "rampart-bench-engine-"));
  const registry = defaultRegistry();
  const scripts = createScriptRunner();
  const database = await openDatabase({ dataDir: join(root, "data") });
  const rows: Row[] = [];
  const sim = await startSimulatorProcess();
  try {
    const clients = new ClientPool({
      catalog: registry,
      connection: async (name) =>
        name === "defender"
          ? { connector: "ms-defender", config: { ...sim.info.config, rate_limit_per_minute: 0 } }
          : undefined,
    });
    const caller = new ConnectorCaller(clients);
    // Time spent inside the sandbox, so a script step's own cost can be told from the engine's.
    const sandbox = { calls: 0, ms: 0 };
    const timedScripts: ScriptRunnerLike = {
      run: async (req, signal) => {
        const start = performance.now();
        try {
          return await scripts.run(req, signal);
        } finally {
          sandbox.calls++;
          sandbox.ms += performance.now() - start;
        }
      },
    };
    const engine = new Engine({
      store: new SqlRunStore(database),
      catalog: registry,
      caller,
      scripts: timedScripts,
    });
    const run = async (path: string, inputs: unknown = {}, connections: Record<string, string> = {}) => {
      const outcome = await engine.start(path, { inputs, connections });
      if (outcome.status !== "succeeded") throw new Error(`${path}: ${JSON.stringify(outcome.error)}`);
    };

    // ---- per persisted step: transform chains ----
    const transform = (n: number) =>
      chain(
        root,
        `transform-${n}`,
        n,
        (id) => `{ type: transform, output: { step: ${id.slice(1)}, ok: true } }`,
      );
    const one = transform(1);
    const many = transform(STEPS);
    const perStep = await slope(
      () => run(one),
      () => run(many),
      STEPS,
      smokeOr(60, 3),
    );
    const floor = sqliteFloor(join(root, "floor.db"), smokeOr(60, 3) * STEPS);
    rows.push({
      what: "engine overhead per persisted step (transform, SQLite)",
      ours: `${perStep.perStep.toFixed(3)} ms`,
      floorWhat: "raw node:sqlite insert + update per step",
      floor: `${floor.toFixed(3)} ms`,
      note: `aim ≤ 0.1 ms; a run's fixed cost (load, create, finish): ${perStep.fixed.toFixed(2)} ms, aim ≤ 0.3 ms`,
    });

    // ---- per script step: wall time of the steps minus the time spent inside the sandbox ----
    for (const language of ["python", "javascript"] as const) {
      const code =
        language === "python"
          ? "def main(input):\n    return input\n"
          : "function main(input) { return input }";
      const step = () =>
        `{ type: script, language: ${language}, input: { n: 1 }, code: ${JSON.stringify(code)} }`;
      const s1 = chain(root, `${language}-1`, 1, step);
      const sN = chain(root, `${language}-${STEPS}`, STEPS, step);
      const rounds = smokeOr(15, 2);
      const before = { calls: sandbox.calls, ms: sandbox.ms };
      const engineSlope = await slope(
        () => run(s1),
        () => run(sN),
        STEPS,
        rounds,
      );
      const calls = sandbox.calls - before.calls;
      const inside = (sandbox.ms - before.ms) / calls;
      rows.push({
        what: `engine overhead per ${language} script step (beyond the script)`,
        // The two are measured separately and each varies by more than their difference can be.
        ours:
          engineSlope.perStep >= inside
            ? `${(engineSlope.perStep - inside).toFixed(3)} ms`
            : `~0 ms (${(engineSlope.perStep - inside).toFixed(3)} measured)`,
        floorWhat: `the ${language} sandbox call itself, in the same steps`,
        floor: `${inside.toFixed(3)} ms`,
        note: `a ${language} step through the engine: ${engineSlope.perStep.toFixed(3)} ms`,
      });
    }

    // ---- the component against the simulator ----
    const component = join(import.meta.dirname, "..", "playbooks", "ms-defender-get-alert-ips.yaml");
    const floorClient = await plainClient(sim.info.url, sim.info.config);
    const inputs = { top: TOP };
    const connections = { defender: "defender" };
    for (let i = 0; i < 10; i++) {
      await run(component, inputs, connections);
      await floorClient.once();
    }
    for (const concurrency of [1, 16]) {
      const runs = concurrency === 1 ? Math.max(20, Math.round(COMPONENT_RUNS / 2)) : COMPONENT_RUNS;
      const ours = await throughput(runs, concurrency, () => run(component, inputs, connections));
      const plain = await throughput(runs, concurrency, () => floorClient.once());
      rows.push({
        what: `component runs/s at concurrency ${concurrency} (Defender simulator, top ${TOP})`,
        ours: `${ours.toFixed(0)} runs/s`,
        floorWhat: "plain Node: token once, GET alerts, extract IPs",
        floor: `${plain.toFixed(0)} runs/s`,
        note: `${((ours / plain) * 100).toFixed(0)} % of the floor${concurrency === 16 ? "; aim ≥ 600 runs/s, then ≥ 50 % of the floor" : ""} (${runs} runs)`,
      });
    }
    // The same component with its two scripts in JavaScript (QuickJS) instead of Python: what the
    // engine reaches when the script step is not a fork per run. A bench variant, not a shipped playbook.
    const jsComponent = javascriptVariant(root, component);
    for (let i = 0; i < 10; i++) await run(jsComponent, inputs, connections);
    for (const concurrency of [1, 16]) {
      const runs = concurrency === 1 ? Math.max(20, Math.round(COMPONENT_RUNS / 2)) : COMPONENT_RUNS;
      const ours = await throughput(runs, concurrency, () => run(jsComponent, inputs, connections));
      const plain = await throughput(runs, concurrency, () => floorClient.once());
      rows.push({
        what: `component, JavaScript scripts, runs/s at concurrency ${concurrency}`,
        ours: `${ours.toFixed(0)} runs/s`,
        floorWhat: "plain Node: token once, GET alerts, extract IPs",
        floor: `${plain.toFixed(0)} runs/s`,
        note: `${((ours / plain) * 100).toFixed(0)} % of the floor${concurrency === 16 ? "; aim ≥ 1,000 runs/s" : ""} (${runs} runs)`,
      });
    }
    await floorClient.close();
    await clients.close();
  } finally {
    await scripts.close();
    await database.close();
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  }

  console.log(`load average ${loadavg()[0]!.toFixed(2)}; ${STEPS}-step chains; Node ${process.version}`);
  console.log("| measure | ours | floor | floor is | note |");
  console.log("| --- | ---: | ---: | --- | --- |");
  for (const r of rows) console.log(`| ${r.what} | ${r.ours} | ${r.floor} | ${r.floorWhat} | ${r.note} |`);
}

/**
 * The shipped component with its Python scripts replaced by JavaScript ones, written beside the bench's
 * files. Same output, except that IPv6 addresses are kept as written (Python's ipaddress canonicalizes them).
 */
function javascriptVariant(root: string, component: string): string {
  const playbook = parseYaml(readFileSync(component, "utf8")) as {
    name: string;
    steps: Record<string, { language?: string; code?: string }>;
  };
  playbook.name = `${playbook.name}-js`;
  Object.assign(playbook.steps.success_response!, { language: "javascript", code: JS_SUCCESS });
  Object.assign(playbook.steps.failure_response!, { language: "javascript", code: JS_FAILURE });
  const path = join(root, "ms-defender-get-alert-ips-js.yaml");
  writeFileSync(path, stringifyYaml(playbook));
  return path;
}

/** A playbook of `n` steps run one after another. */
function chain(root: string, name: string, n: number, step: (id: string) => string): string {
  const lines = [`name: ${name}`, "start: s1", "steps:"];
  for (let i = 1; i <= n; i++) {
    const next = i < n ? `, on_success: s${i + 1}` : "";
    lines.push(`  s${i}: ${step(`s${i}`).replace(/ }$/, `${next} }`)}`);
  }
  const path = join(root, `${name}.yaml`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

async function throughput(runs: number, concurrency: number, fn: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < runs) await fn();
    }),
  );
  return runs / ((performance.now() - start) / 1000);
}

/** The persistence floor: the two writes the engine makes per step, as bare prepared statements. */
function sqliteFloor(file: string, steps: number): number {
  const db: DatabaseSync = openSqliteFile(file);
  db.exec(`create table run_steps (run_id text not null, step_key text not null, attempt integer not null,
    seq integer not null, step_id text not null, type text not null, status text not null, input text,
    output text, http_status integer, error text, idempotency_key text not null, started_at text not null,
    finished_at text, primary key (run_id, step_key, attempt))`);
  const insert = db.prepare(
    "insert into run_steps (run_id, step_key, attempt, seq, step_id, type, status, input, idempotency_key, started_at) values (?, ?, 1, ?, ?, 'transform', 'running', null, ?, ?)",
  );
  const finish = db.prepare(
    "update run_steps set status = 'succeeded', output = ?, finished_at = ? where run_id = ? and step_key = ? and attempt = 1",
  );
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    const key = `s${i}`;
    const now = new Date().toISOString();
    insert.run("run-1", key, i + 1, key, `k${i}`, now);
    finish.run(JSON.stringify({ step: i, ok: true }), now, "run-1", key);
  }
  const perStep = (performance.now() - start) / steps;
  db.close();
  return perStep;
}

/** The floor of the component: what a hand-written script does, with no engine, no records, no sandbox. */
async function plainClient(url: string, config: Record<string, unknown>) {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
  const tokenReply = await request(`${url}/${config.tenant_id}/oauth2/v2.0/token`, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: String(config.client_id),
      client_secret: String(config.client_secret),
      scope: DEFAULT_SCOPE,
    }).toString(),
  });
  const token = ((await tokenReply.body.json()) as { access_token: string }).access_token;
  return {
    once: async () => {
      const reply = await request(`${url}/api/alerts`, {
        dispatcher: agent,
        query: { $top: TOP, $expand: "evidence" },
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await reply.body.json()) as {
        value: Array<{ id: string; evidence?: Array<{ entityType: string; ipAddress: string | null }> }>;
      };
      if (reply.statusCode !== 200) throw new Error(`HTTP ${reply.statusCode}`);
      const ips = new Map<string, string[]>();
      for (const alert of body.value) {
        for (const e of alert.evidence ?? []) {
          if (e.entityType !== "Ip" || !e.ipAddress) continue;
          const list = ips.get(e.ipAddress) ?? [];
          if (!list.includes(alert.id)) list.push(alert.id);
          ips.set(e.ipAddress, list);
        }
      }
      return ips.size;
    },
    close: () => agent.close(),
  };
}

/** The Defender simulator in a process of its own, as a vendor is; closed when its stdin ends. */
async function startSimulatorProcess(): Promise<{
  info: { url: string; config: Record<string, unknown> };
  close: () => Promise<void>;
}> {
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", SELF, "--simulator"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    info: JSON.parse(first) as { url: string; config: Record<string, unknown> },
    close: async () => {
      child.stdin!.end();
      if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}
