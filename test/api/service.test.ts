import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startIrisSimulator } from "../../src/connectors/dfir-iris/simulator.ts";
import type { Simulator } from "../../src/connectors/sdk/sim/server.ts";
import { startCanarySimulator } from "../../src/connectors/thinkst-canary/simulator.ts";
import { createOcsfValidator } from "../../src/ocsf/index.ts";
import { DATABASES, databaseForChildProcesses } from "../support/databases.ts";
import { RAMPART, rampart } from "../support/rampart-process.ts";
import { type ServeProcess, startServe } from "../support/serve-process.ts";

const APPROVAL = `name: approve-then-end
inputs:
  type: object
  additionalProperties: false
  required: [what]
  properties:
    what: {type: string}
start: ask
steps:
  ask:
    type: approval
    message: "='Acknowledge ' & inputs.what & '?'"
    timeout: 1h
    on_success: yes
    on_failure: no
  yes:
    type: end
    status: success
    message: "='approved by ' & steps.ask.output.by"
  no:
    type: end
    status: failure
    message: "=steps.ask.error.type"
`;

const SLOW = `name: slow-steps
start: first
steps:
  first:
    type: wait
    duration: 1500ms
    on_success: second
  second:
    type: wait
    duration: 1500ms
    on_success: done
  done:
    type: end
    status: success
    message: both waits done
`;

const SLOW_TESTS = `cases:
  - name: both waits pass
    expect:
      status: succeeded
      path: [first, second, done]
      message: both waits done
  - name: expects another message
    expect:
      status: succeeded
      message: one wait done
`;

function stdinRampart(args: string[], stdin: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(RAMPART, args, { stdio: ["pipe", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", resolve);
    child.stdin.end(stdin);
  });
}

for (const kind of DATABASES)
  describe(`rampart serve as the always-on service, over real HTTP with the simulators (${kind.name})`, {
    skip: kind.skip,
  }, () => {
    let restoreDatabase = async () => {};
    let dataDir: string;
    let playbooks: string;
    let canary: Simulator;
    let iris: Simulator;
    let serve: ServeProcess;
    const token: Record<string, string> = {};

    async function call(method: string, path: string, role = "admin", body?: unknown) {
      const res = await fetch(`${serve.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token[role]}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    }

    async function until<T>(
      what: string,
      probe: () => Promise<T | undefined>,
      timeoutMs = 30_000,
    ): Promise<T> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > end)
          throw new Error(`timed out waiting for ${what}; the service said:\n${serve.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    const runOf = async (id: string) => (await call("GET", `/api/v1/runs/${id}`)).body;
    const finished = (id: string) =>
      until(`run ${id} to finish`, async () => {
        const { run } = await runOf(id);
        return ["succeeded", "failed", "cancelled"].includes(run.status) ? run : undefined;
      });

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), "rampart-service-"));
      restoreDatabase = await databaseForChildProcesses(kind);
      playbooks = join(dataDir, "playbooks");
      mkdirSync(playbooks);
      const shipped = "canary-incident-to-iris.yaml";
      copyFileSync(join(import.meta.dirname, "../../playbooks", shipped), join(playbooks, shipped));
      writeFileSync(join(playbooks, "approve-then-end.yaml"), APPROVAL);
      writeFileSync(join(playbooks, "slow-steps.yaml"), SLOW);
      writeFileSync(join(playbooks, "slow-steps.test.yaml"), SLOW_TESTS);
      copyFileSync(
        join(import.meta.dirname, "../../playbooks/canary-incident-to-iris.test.yaml"),
        join(playbooks, "canary-incident-to-iris.test.yaml"),
      );
      canary = await startCanarySimulator({ seed: 11, incidents: 4 } as never);
      iris = await startIrisSimulator({ seed: 11 });
      const cli = (...args: string[]) => rampart(["--data-dir", dataDir, ...args]);
      for (const [name, connector, sim] of [
        ["canary", "thinkst-canary", canary],
        ["iris", "dfir-iris", iris],
      ] as const) {
        const file = join(dataDir, `${name}.json`);
        writeFileSync(file, JSON.stringify(sim.config), { mode: 0o600 });
        assert.equal(
          (await cli("connection", "add", name, "--connector", connector, "--config", `@${file}`)).code,
          0,
        );
      }
      assert.equal((await cli("source", "add", "canary", "--connection", "canary", "--every", "2s")).code, 0);
      assert.equal(
        await stdinRampart(
          ["--data-dir", dataDir, "user", "add", "root", "--role", "admin", "--password-stdin"],
          "root-password-1234\n",
        ),
        0,
      );
      for (const role of ["viewer", "responder", "admin"]) {
        const created = await cli("token", "create", `t-${role}`, "--role", role);
        token[role] = created.stdout.trim();
      }
      serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks, "--grace", "200ms"]);
      // The PostgreSQL variant keeps nothing in the data dir but the key.
      assert.equal(existsSync(join(dataDir, "rampart.db")), kind.name === "sqlite");
    });

    after(async () => {
      await serve?.stop("SIGKILL");
      await canary?.close();
      await iris?.close();
      rmSync(dataDir, { recursive: true, force: true });
      await restoreDatabase();
    });

    test("sources are polled on their own: alerts arrive, the alert trigger's runs finish, status is reported", async () => {
      const alerts = await until("alerts", async () => {
        const page = (await call("GET", "/api/v1/alerts?limit=5", "viewer")).body;
        return page.items.length > 0 ? page.items : undefined;
      });
      const one = (await call("GET", `/api/v1/alerts/${alerts[0].id}`, "viewer")).body;
      assert.equal(one.ocsf.class_uid, 2004);
      assert.deepEqual(
        alerts[0].observables,
        one.ocsf.observables.slice(0, 5).map((o: { name: string; type: string; value: string }) => ({
          name: o.name,
          type: o.type,
          value: String(o.value),
        })),
      );
      assert.ok(alerts[0].observables.length > 0);
      assert.ok(Array.isArray(one.versions));
      assert.ok(Array.isArray(one.runs));
      const runs = await until("a triggered run", async () => {
        const page = (await call("GET", "/api/v1/runs?playbook=canary-incident-to-iris", "viewer")).body;
        return page.items.length > 0 ? page.items : undefined;
      });
      const run = await finished(runs[0].id);
      assert.equal(run.status, "succeeded", JSON.stringify(run.error));
      const sources = (await call("GET", "/api/v1/sources", "viewer")).body.items;
      assert.equal(sources[0].name, "canary");
      assert.ok(sources[0].last_success_at);
      // The latest poll may have found nothing new: its counts are there, whatever they are.
      for (const count of ["new", "updated", "unchanged"])
        assert.equal(typeof sources[0].last_poll[count], "number");
      const filtered = (
        await call("GET", `/api/v1/alerts?q=${encodeURIComponent(alerts[0].title)}&limit=500`, "viewer")
      ).body;
      assert.ok(filtered.items.some((a: { id: string }) => a.id === alerts[0].id));
      const none = (await call("GET", "/api/v1/alerts?q=no-such-text-7f3e91", "viewer")).body;
      assert.equal(none.items.length, 0);
      const bad = await call("GET", "/api/v1/alerts?severity=urgent", "viewer");
      assert.deepEqual([bad.status, bad.body.error.field], [400, "severity.0"]);
    });

    test("a paused source is not polled and keeps its place; resumed, it polls again", async () => {
      const paused = await call("PATCH", "/api/v1/sources/canary", "admin", { paused: true });
      assert.equal(paused.status, 200);
      assert.ok(paused.body.paused_at);
      assert.equal(
        (await call("PATCH", "/api/v1/sources/canary", "responder", { paused: false })).status,
        403,
      );
      assert.deepEqual(
        (await call("PATCH", "/api/v1/sources/canary", "admin", { every: "0s" })).body.error.field,
        "every",
      );
      const before = (await call("GET", "/api/v1/sources/canary", "viewer")).body.last_polled_at;
      await new Promise((r) => setTimeout(r, 2500)); // longer than its 2 s interval: a poll would have moved last_polled_at
      assert.equal((await call("GET", "/api/v1/sources/canary", "viewer")).body.last_polled_at, before);
      const resumed = await call("PATCH", "/api/v1/sources/canary", "admin", { paused: false });
      assert.equal(resumed.body.paused_at, null);
      await until("a poll after resuming", async () => {
        const now = (await call("GET", "/api/v1/sources/canary", "viewer")).body.last_polled_at;
        return now !== before ? true : undefined;
      });
    });

    test("triage sets status, assignee and a comment as a new version naming who did it; the event stays valid OCSF", async () => {
      const [alert] = (await call("GET", "/api/v1/alerts?limit=1", "viewer")).body.items;
      assert.equal(
        (await call("POST", `/api/v1/alerts/${alert.id}/triage`, "viewer", { status: "resolved" })).status,
        403,
      );
      const bad = await call("POST", `/api/v1/alerts/${alert.id}/triage`, "responder", { status: "closed" });
      assert.deepEqual([bad.status, bad.body.error.field], [400, "status"]);
      const done = await call("POST", `/api/v1/alerts/${alert.id}/triage`, "responder", {
        status: "in_progress",
        assignee: "kim",
        comment: "looking at the host",
      });
      assert.equal(done.status, 200);
      assert.equal(done.body.status_id, 2);
      assert.equal(done.body.version, alert.version + 1);
      // A list row carries the assignee and the event's first observables, for the UI's table.
      assert.equal(alert.assignee, null);
      assert.equal(done.body.assignee, "kim");
      const row = (
        await call("GET", "/api/v1/alerts?status=in_progress&limit=500", "viewer")
      ).body.items.find((a: { id: string }) => a.id === alert.id);
      assert.equal(row.assignee, "kim");
      const one = (await call("GET", `/api/v1/alerts/${alert.id}`, "viewer")).body;
      assert.deepEqual(
        [one.ocsf.status, one.ocsf.assignee, one.ocsf.comment],
        ["In Progress", { name: "kim" }, "looking at the host"],
      );
      assert.equal(one.ocsf.unmapped.rampart_triage.by, "token:t-responder");
      assert.equal(one.versions.at(-1).version, alert.version);
      const filtered = (await call("GET", "/api/v1/alerts?status=in_progress&limit=500", "viewer")).body
        .items;
      assert.ok(filtered.some((a: { id: string }) => a.id === alert.id));
      const checked = createOcsfValidator({ strict: true }).validate(one.ocsf);
      assert.ok(checked.valid, JSON.stringify(checked.errors));
    });

    test("an approval is decided over the API by the signed-in responder, and the run continues", async () => {
      const bad = await call("POST", "/api/v1/playbooks/approve-then-end/runs", "responder", {
        inputs: { wht: "x" },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.type, "ValidationError");
      const viewer = await call("POST", "/api/v1/playbooks/approve-then-end/runs", "viewer", {
        inputs: { what: "x" },
      });
      assert.equal(viewer.status, 403);
      const started = await call("POST", "/api/v1/playbooks/approve-then-end/runs", "responder", {
        inputs: { what: "incident 9" },
      });
      assert.equal(started.status, 202);
      const id = started.body.run_id as string;
      await until("the run to wait", async () =>
        (await runOf(id)).run.status === "waiting" ? true : undefined,
      );
      const events = fetch(`${serve.url}/api/v1/runs/${id}/events`, {
        headers: { authorization: `Bearer ${token.viewer}` },
      });
      const stream = (await events).body!.getReader();
      const approved = await call("POST", `/api/v1/runs/${id}/approve`, "responder", { comment: "checked" });
      assert.equal(approved.status, 202);
      const run = await finished(id);
      assert.equal(run.status, "succeeded");
      assert.equal(run.message, "approved by token:t-responder");
      assert.equal(run.cause.kind, "api");
      let seen = "";
      while (!seen.includes('"status":"succeeded"') || !seen.includes('"type":"run"')) {
        const { value, done } = await stream.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      await stream.cancel();
      assert.match(seen, /event: step/);
      const again = await call("POST", `/api/v1/runs/${id}/approve`, "responder", {});
      assert.equal(again.status, 409);
    });

    test("a rerun starts the same playbook with the same inputs, linked to the first", async () => {
      const started = await call("POST", "/api/v1/playbooks/slow-steps/runs", "responder", {});
      const first = await finished(started.body.run_id);
      const rerun = await call("POST", `/api/v1/runs/${first.id}/rerun`, "responder");
      assert.equal(rerun.status, 202);
      const second = await finished(rerun.body.run_id);
      assert.equal(second.rerun_of, first.id);
      assert.equal(second.status, "succeeded");
    });

    test("SIGTERM in the middle of a run exits 0; the restarted service finishes it once", async () => {
      const started = await call("POST", "/api/v1/playbooks/slow-steps/runs", "responder", {});
      const id = started.body.run_id as string;
      await until("the first wait to start", async () =>
        (await runOf(id)).steps.length > 0 ? true : undefined,
      );
      assert.equal(await serve.stop("SIGTERM"), 0);
      serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks, "--grace", "200ms"]);
      const run = await finished(id);
      assert.equal(run.status, "succeeded");
      const steps = (await runOf(id)).steps as Array<{ step_id: string; status: string }>;
      for (const stepId of ["first", "second", "done"])
        assert.equal(steps.filter((s) => s.step_id === stepId && s.status === "succeeded").length, 1, stepId);
    });

    test("SIGKILL in the middle of a run: the restarted service resumes it from its last finished step", async () => {
      const started = await call("POST", "/api/v1/playbooks/slow-steps/runs", "responder", {});
      const id = started.body.run_id as string;
      await until("the first wait to finish", async () =>
        (await runOf(id)).steps.some(
          (s: { step_id: string; status: string }) => s.step_id === "first" && s.status === "succeeded",
        )
          ? true
          : undefined,
      );
      assert.equal(await serve.stop("SIGKILL"), null);
      serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks, "--grace", "200ms"]);
      const run = await finished(id);
      assert.equal(run.status, "succeeded");
      const steps = (await runOf(id)).steps as Array<{ step_id: string; status: string }>;
      assert.equal(
        steps.filter((s) => s.step_id === "first").length,
        1,
        "the finished step is not run again",
      );
    });

    test("connections: secrets are write-only; a bad config names the field; only admins change them", async () => {
      const list = (await call("GET", "/api/v1/connections", "viewer")).body.items;
      const saved = list.find((c: { name: string }) => c.name === "canary");
      assert.equal(saved.config.auth_token, "[REDACTED]");
      assert.ok(!JSON.stringify(list).includes(String(canary.config.auth_token)));
      const bad = await call("POST", "/api/v1/connections", "admin", {
        name: "c2",
        connector: "thinkst-canary",
        config: { url: "not a url" },
      });
      assert.equal(bad.status, 400);
      assert.ok(bad.body.error.field);
      assert.equal(
        (
          await call("POST", "/api/v1/connections", "responder", {
            name: "c2",
            connector: "thinkst-canary",
            config: {},
          })
        ).status,
        403,
      );
      const tested = await call("POST", "/api/v1/connections/canary/test", "responder");
      assert.deepEqual([tested.status, tested.body.ok], [200, true]);
      assert.ok(!serve.output().includes(String(canary.config.auth_token)));
    });

    test("the NDJSON export streams every alert's OCSF event", async () => {
      const res = await fetch(`${serve.url}/api/v1/alerts/export`, {
        headers: { authorization: `Bearer ${token.viewer}` },
      });
      assert.equal(res.headers.get("content-type"), "application/x-ndjson; charset=utf-8");
      const lines = (await res.text()).trim().split("\n");
      const count = (await call("GET", "/api/v1/alerts?limit=500", "viewer")).body.items.length;
      assert.equal(lines.length, count);
      assert.equal(JSON.parse(lines[0]!).class_uid, 2004);
    });

    test("metrics count runs, steps and ingested alerts", async () => {
      const scrape = async () =>
        (
          await fetch(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${token.viewer}` } })
        ).text();
      // This process (restarted above) counts from its own first poll on: give that poll new incidents.
      await fetch(`${canary.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: 2 }),
      });
      const text = await until("a poll counted", async () => {
        const body = await scrape();
        return /rampart_ingested_alerts_total\{/.test(body) ? body : undefined;
      });
      assert.match(text, /rampart_runs_total\{playbook="slow-steps",status="succeeded"\} [1-9]/);
      assert.match(text, /rampart_step_duration_seconds_count\{type="wait",status="succeeded"\} [1-9]/);
      assert.match(
        text,
        /rampart_ingested_alerts_total\{source="canary",outcome="(new|updated|unchanged)"\} [1-9]/,
      );
      assert.match(text, /rampart_runs\{status="succeeded"\} [1-9]/);
    });

    test("playbooks list their triggers and show YAML and graph; validation gives line and column", async () => {
      const list = (await call("GET", "/api/v1/playbooks", "viewer")).body.items;
      const canaryPlaybook = list.find((p: { name: string }) => p.name === "canary-incident-to-iris");
      assert.ok(canaryPlaybook.triggers.alert);
      const one = (await call("GET", "/api/v1/playbooks/approve-then-end", "viewer")).body;
      assert.equal(one.yaml, APPROVAL);
      assert.deepEqual(
        one.graph.edges
          .map((e: { from: string; to: string; label: string }) => `${e.from}-${e.label}->${e.to}`)
          .sort(),
        ["ask-failure->no", "ask-success->yes"],
      );
      const invalid = (
        await call("POST", "/api/v1/playbooks/validate", "viewer", {
          yaml: "name: x\nstart: a\nsteps:\n  a: {type: nope}\n",
        })
      ).body;
      assert.equal(invalid.valid, false);
      assert.equal(invalid.issues[0].line, 4);
    });

    test("a playbook's test cases run over the API against the simulators: results per case, mismatches named", async () => {
      const shipped = await call("POST", "/api/v1/playbooks/canary-incident-to-iris/tests", "responder", {});
      assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
      assert.ok(shipped.body.cases.length >= 2);
      assert.equal(shipped.body.failed, 0, JSON.stringify(shipped.body.cases));
      assert.equal(shipped.body.passed, shipped.body.cases.length);

      const mixed = (await call("POST", "/api/v1/playbooks/slow-steps/tests", "responder", {})).body;
      assert.deepEqual(
        mixed.cases.map((c: { name: string; passed: boolean }) => [c.name, c.passed]),
        [
          ["both waits pass", true],
          ["expects another message", false],
        ],
      );
      assert.deepEqual(mixed.cases[1].mismatches, [
        { field: "message", expected: "one wait done", actual: "both waits done" },
      ]);
      const filtered = (
        await call("POST", "/api/v1/playbooks/slow-steps/tests", "responder", { filter: "both" })
      ).body;
      assert.equal(filtered.cases.length, 1);

      assert.equal((await call("POST", "/api/v1/playbooks/slow-steps/tests", "viewer", {})).status, 403);
      const none = await call("POST", "/api/v1/playbooks/approve-then-end/tests", "responder", {});
      assert.equal(none.status, 404);
      assert.equal(none.body.error.field, "name");
      const bad = await call("POST", "/api/v1/playbooks/slow-steps/tests", "responder", { filter: "" });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.field, "filter");
    });
    test("the alerts' live stream says when a poll stored new alerts, with the source and its counts", async () => {
      const res = await fetch(`${serve.url}/api/v1/alerts/events`, {
        headers: { authorization: `Bearer ${token.viewer}` },
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
      const stream = res.body!.getReader();
      const generated = await fetch(`${canary.url}/__sim/generate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ count: 2 }),
      });
      assert.equal(generated.status, 200);
      let seen = "";
      const deadline = setTimeout(() => void stream.cancel(), 20_000);
      while (!/event: poll\ndata: .*\n\n/.test(seen)) {
        const { value, done } = await stream.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      clearTimeout(deadline);
      await stream.cancel();
      const data = JSON.parse(/event: poll\ndata: (.*)\n/.exec(seen)![1]!);
      assert.equal(data.source, "canary");
      assert.ok(data.new >= 1, seen);
      const unauthenticated = await fetch(`${serve.url}/api/v1/alerts/events`);
      assert.equal(unauthenticated.status, 401);
      await unauthenticated.body?.cancel();
    });
  });
