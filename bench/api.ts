// The API's latency beside the store's own time for the same answer, in the same run: listing 100 of
// 100,000 alerts with a filter, one run with 50 steps, and a webhook up to its run being recorded.
// Run: node bench/api.ts [alerts]   (default 100000)
import { createHmac, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService } from "../src/api/service.ts";
import { defaultRegistry } from "../src/connectors/registry.ts";
import { AlertStore } from "../src/store/alerts.ts";
import { ApiTokenStore } from "../src/store/api-tokens.ts";
import { openDatabase } from "../src/store/database.ts";
import { SqlRunStore } from "../src/store/runs.ts";
import { openSecretBox } from "../src/store/secrets.ts";
import { WebhookSecretStore } from "../src/store/webhooks.ts";
import { benchSize, smokeOr } from "./support/smoke.ts";

const ALERTS = benchSize(process.argv[2], 100_000, 2_000);
const ROUNDS = smokeOr(300, 10);

const HOOK = `name: bench-hook
trigger:
  webhook: {}
inputs:
  type: object
  properties:
    id: {type: string}
start: done
steps:
  done:
    type: end
    status: success
`;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function p95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)]!;
}

async function time(rounds: number, fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 20; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

function ocsf(i: number): Record<string, unknown> {
  return {
    class_uid: 2004,
    category_uid: 2,
    activity_id: 1,
    type_uid: 200401,
    severity_id: (i % 5) + 1,
    status_id: 1,
    time: 1_790_000_000_000 + i * 1000,
    metadata: { version: "1.8.0", product: { name: "bench", vendor_name: "Rampart" }, uid: `a-${i}` },
    finding_info: { uid: `a-${i}`, title: `Alert ${i} on host-${i % 500}` },
    device: { hostname: `host-${i % 500}`, ip: `10.0.${(i >> 8) & 255}.${i & 255}` },
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-bench-api-"));
  const playbooks = join(dataDir, "playbooks");
  mkdirSync(playbooks);
  writeFileSync(join(playbooks, "bench-hook.yaml"), HOOK);
  try {
    // Fill the store: the alerts, one run of 50 steps, a token and the hook's secret.
    const database = await openDatabase({ dataDir });
    const alerts = new AlertStore(database.db);
    for (let from = 0; from < ALERTS; from += 1000) {
      const page = Array.from({ length: Math.min(1000, ALERTS - from) }, (_, k) => ({
        vendorId: `a-${from + k}`,
        ocsf: ocsf(from + k),
      }));
      await database.db
        .transaction()
        .execute((trx) =>
          alerts.storePage(trx, { source: "bench", connection: "bench", connector: "thinkst-canary" }, page),
        );
    }
    const runs = new SqlRunStore(database);
    const runId = randomUUID();
    const at = new Date().toISOString();
    await runs.createRun({
      id: runId,
      playbookName: "bench",
      playbookPath: "/bench.yaml",
      playbookHash: "0",
      sources: {},
      inputs: { n: 1 },
      connections: {},
      alert: null,
      rerunOf: null,
      owner: "bench",
      leaseUntil: at,
      createdAt: at,
    });
    for (let i = 0; i < 50; i++) {
      const key = `step_${i}`;
      await runs.startStep({
        runId,
        key,
        stepId: key,
        type: "call",
        attempt: 1,
        status: "running",
        input: { i, q: "x".repeat(200) },
        idempotencyKey: `${runId}:${key}`,
        startedAt: at,
      });
      await runs.finishStep(runId, key, 1, {
        status: "succeeded",
        output: { items: Array.from({ length: 5 }, (_, k) => ({ k, v: "y".repeat(100) })) },
        httpStatus: 200,
        finishedAt: at,
      });
    }
    // A finished run: the service's Worker would otherwise take it up as an orphan.
    await runs.finishRun(runId, "bench", { status: "succeeded", outputs: {}, finishedAt: at });
    const { secret: token } = await new ApiTokenStore(database.db).create({
      name: "bench",
      role: "admin",
      createdBy: "bench",
    });
    const hookSecret = await new WebhookSecretStore({ database, secrets: openSecretBox({ dataDir }) }).rotate(
      "bench-hook",
    );
    await database.close();

    const service = await startService({
      dataDir,
      registry: defaultRegistry(),
      host: "127.0.0.1",
      port: 0,
      playbooksDir: playbooks,
    });
    const auth = { authorization: `Bearer ${token}` };
    const { runtime } = service;
    try {
      const listPath = "/api/v1/alerts?severity=high&source=bench&limit=100";
      const listApi = await time(ROUNDS, async () =>
        (await fetch(`${service.url}${listPath}`, { headers: auth })).json(),
      );
      const listStore = await time(ROUNDS, () =>
        runtime.alerts.page({ severityIds: [4], source: "bench", limit: 100 }),
      );
      const runApi = await time(ROUNDS, async () =>
        (await fetch(`${service.url}/api/v1/runs/${runId}`, { headers: auth })).json(),
      );
      const runStore = await time(ROUNDS, async () => [
        await runtime.runs.getRun(runId),
        await runtime.runs.steps(runId),
      ]);

      const sign = (body: string) => {
        const ts = String(Math.floor(Date.now() / 1000));
        const mac = createHmac("sha256", hookSecret).update(`${ts}.${body}`).digest("hex");
        return {
          "x-rampart-timestamp": ts,
          "x-rampart-signature": `sha256=${mac}`,
          "content-type": "application/json",
        };
      };
      const hookApi = await time(ROUNDS, async () => {
        const body = JSON.stringify({ id: randomUUID() });
        const res = await fetch(`${service.url}/hooks/bench-hook`, {
          method: "POST",
          headers: sign(body),
          body,
        });
        if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
      });
      const hookDirect = await time(ROUNDS, () =>
        runtime.starter.startRun({
          playbook: "bench-hook",
          input: { id: randomUUID() },
          runId: randomUUID(),
          cause: { kind: "webhook", authenticatedBy: "signature" },
        }),
      );
      const rows = [
        [`list 100 of ${ALERTS.toLocaleString("en")} alerts (severity=high)`, listApi, listStore],
        ["get a run with 50 steps", runApi, runStore],
        ["webhook until its run is recorded", hookApi, hookDirect],
      ] as const;
      console.log(
        `| figure (${ROUNDS} rounds) | API median | API p95 | store/engine alone median | service overhead |`,
      );
      console.log("| --- | ---: | ---: | ---: | ---: |");
      for (const [name, api, floor] of rows)
        console.log(
          `| ${name} | ${median(api).toFixed(2)} ms | ${p95(api).toFixed(2)} ms | ${median(floor).toFixed(2)} ms | ${(median(api) - median(floor)).toFixed(2)} ms |`,
        );
      console.log(
        "\naim: under 10 ms median for the two reads, under 2 ms of service overhead for a webhook",
      );
    } finally {
      await service.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
