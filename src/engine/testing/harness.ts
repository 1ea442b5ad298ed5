import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "../../connectors/sdk/index.ts";
import type { Simulator } from "../../connectors/sdk/sim/server.ts";
import { openDatabase } from "../../store/database.ts";
import { SqlRunStore } from "../../store/runs.ts";
import type { Clock } from "../clock.ts";
import { errorData } from "../errors.ts";
import { Engine, type RunEvent, type ScriptRunnerLike } from "../executor.ts";
import type { ConnectorCatalog } from "../load.ts";
import type { StepErrorData, StepRecord } from "../run-store.ts";
import { projectOnto, subsetMatches } from "./match.ts";
import { StubCaller } from "./stub-caller.ts";
import { type LoadedTestFile, messagePattern, type TestCase, testFileOf } from "./test-file.ts";

export interface HarnessOptions {
  /** The connectors playbooks may use (the registry). */
  catalog: ConnectorCatalog;
  /** The real script sandbox; shared by every case (it keeps no state between runs). */
  scripts: ScriptRunnerLike;
  /** Starts a connector's vendor simulator on loopback (the faces pass the vendors' own). */
  startSimulator?: (connector: string, options: { seed: number }) => Promise<Simulator>;
  /** Step transitions of every case's run, as `rampart run` shows them. */
  onEvent?: (event: RunEvent) => void;
  logger?: Logger;
  /** Where each case's data dir is made (default the OS temp dir). */
  tmpDir?: string;
}

/** One step of the run as a case sees it: its last attempt, and how many there were. */
export interface ActualStep {
  state: string;
  status: number | null;
  attempts: number;
  requests?: number;
  input: unknown;
  output: unknown;
  error: StepErrorData | null;
}

export interface ActualRun {
  runId: string;
  status: string;
  path: string[];
  outputs: unknown;
  message: string | null;
  error: StepErrorData | null;
  steps: Record<string, ActualStep>;
}

/** One expectation that did not hold: `field` is `status`, `path`, `outputs`, `steps.get_alerts`… */
export interface Mismatch {
  field: string;
  expected: unknown;
  /** What the run did, cut down to what the expectation names. */
  actual: unknown;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  mismatches: Mismatch[];
  /** Failures that are not a difference in values: a missing stub, a run that did not start. */
  problems: string[];
  actual?: ActualRun;
}

/**
 * Real time plus the time sleeps skipped: retry backoff and `wait` steps pass at once, so a test
 * walks exactly the path of a real run without sitting through its delays.
 */
export function skippingClock(): Clock {
  let skipped = 0;
  return {
    now: () => Date.now() + skipped,
    sleep: (ms, signal) =>
      new Promise<void>((resolvePromise, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        skipped += Math.max(0, ms);
        setImmediate(resolvePromise);
      }),
  };
}

/** Runs every case of a checked test file, one after another, each in its own data dir. */
export async function runTestFile(file: LoadedTestFile, options: HarnessOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of file.definition.cases) results.push(await runCase(file, testCase, options));
  return results;
}

/**
 * Runs one case through the real engine: a fresh SQLite run store, the real script sandbox,
 * stubbed operations or real simulators (with their faults), then compares the run with `expect`.
 */
export async function runCase(
  file: LoadedTestFile,
  testCase: TestCase,
  options: HarnessOptions,
): Promise<CaseResult> {
  const dataDir = await mkdtemp(join(options.tmpDir ?? tmpdir(), "rampart-test-"));
  const simulators: Simulator[] = [];
  const aliases = Object.fromEntries(
    Object.entries(file.playbook.definition.connections ?? {}).map(([alias, b]) => [alias, b.connector]),
  );
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let caller: StubCaller | undefined;
  try {
    const simulated: Record<string, unknown> = {};
    for (const alias of testCase.simulators ?? []) {
      if (!options.startSimulator) throw new Error("this harness was given no way to start simulators");
      const simulator = await options.startSimulator(aliases[alias]!, { seed: testCase.seed ?? 1 });
      simulators.push(simulator);
      simulated[alias] = simulator.config;
      for (const fault of testCase.faults ?? []) {
        if (fault.alias !== alias) continue;
        simulator.faults.inject({
          fault: fault.fault,
          method: fault.method,
          path: fault.path,
          times: fault.times,
        });
      }
    }
    database = await openDatabase({ dataDir });
    const store = new SqlRunStore(database);
    caller = new StubCaller({ catalog: options.catalog, aliases, stubs: testCase.stubs, simulated });
    const engine = new Engine({
      store,
      catalog: options.catalog,
      caller,
      scripts: options.scripts,
      clock: skippingClock(),
      logger: options.logger,
      onEvent: options.onEvent,
    });
    const connections = Object.fromEntries(Object.keys(aliases).map((alias) => [alias, alias]));
    const outcome = await engine.start(file.playbook.path, {
      inputs: testCase.inputs ?? {},
      connections,
      alert: testCase.alert,
    });
    const actual: ActualRun = {
      runId: outcome.runId,
      status: outcome.status,
      path: [],
      outputs: outcome.outputs,
      message: outcome.message,
      error: outcome.error,
      steps: {},
    };
    const byKey = new Map<string, StepRecord[]>();
    for (const row of await store.steps(outcome.runId)) {
      const rows = byKey.get(row.key);
      if (rows) rows.push(row);
      else byKey.set(row.key, [row]);
    }
    for (const [key, rows] of byKey) {
      const last = rows.at(-1)!;
      actual.path.push(key);
      actual.steps[key] = {
        state: last.status,
        status: last.httpStatus,
        attempts: rows.length,
        requests: caller.requests.get(key),
        input: last.input,
        output: last.output,
        error: last.error,
      };
    }
    const problems = caller.missing.map(
      (key) =>
        `${key} was called but has no stub, and "${key.split(".")[0]}" is not in this case's simulators (add stubs: { ${key}: … } or simulators: [${key.split(".")[0]}])`,
    );
    const mismatches = compare(testCase, actual);
    return {
      name: testCase.name,
      passed: problems.length === 0 && mismatches.length === 0,
      mismatches,
      problems,
      actual,
    };
  } catch (error) {
    const data = errorData(error);
    return {
      name: testCase.name,
      passed: false,
      mismatches: [],
      problems: [`the case could not run: ${data.type}: ${data.message}`],
    };
  } finally {
    await caller?.close();
    await Promise.all(simulators.map((s) => s.close()));
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Every expectation of the case that the run does not meet. */
export function compare(testCase: TestCase, actual: ActualRun): Mismatch[] {
  const expect = testCase.expect;
  const out: Mismatch[] = [];
  if (expect.status !== undefined && expect.status !== actual.status)
    out.push({ field: "status", expected: expect.status, actual: actual.status });
  if (expect.path !== undefined && !isDeepStrictEqual(expect.path, actual.path))
    out.push({ field: "path", expected: expect.path, actual: actual.path });
  if (expect.outputs !== undefined && !subsetMatches(actual.outputs, expect.outputs))
    out.push({
      field: "outputs",
      expected: expect.outputs,
      actual: projectOnto(actual.outputs, expect.outputs),
    });
  if (expect.message !== undefined) {
    const pattern = expect.message === null ? undefined : messagePattern(expect.message);
    const ok = pattern
      ? actual.message !== null && pattern.test(actual.message)
      : expect.message === actual.message;
    if (!ok) out.push({ field: "message", expected: expect.message, actual: actual.message });
  }
  if (expect.error !== undefined && !subsetMatches(actual.error, expect.error))
    out.push({ field: "error", expected: expect.error, actual: projectOnto(actual.error, expect.error) });
  for (const [key, wanted] of Object.entries(expect.steps ?? {})) {
    const step = actual.steps[key];
    if (!step) {
      out.push({ field: `steps.${key}`, expected: wanted, actual: "(the step did not run)" });
      continue;
    }
    if (!subsetMatches(step, wanted))
      out.push({ field: `steps.${key}`, expected: wanted, actual: projectOnto(step, wanted) });
  }
  return out;
}

/**
 * The test files a `rampart test` argument names: a directory's every `*.test.yaml` (recursively,
 * sorted), a test file itself, or the test file beside a playbook.
 */
export async function findTestFiles(target: string): Promise<string[]> {
  const path = resolve(target);
  const info = await stat(path);
  if (info.isDirectory()) {
    const found: string[] = [];
    const walk = async (dir: string) => {
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const entry of entries) {
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (/\.test\.ya?ml$/.test(entry.name)) found.push(full);
      }
    };
    await walk(path);
    return found;
  }
  if (/\.test\.ya?ml$/.test(path)) return [path];
  return [testFileOf(path)];
}
