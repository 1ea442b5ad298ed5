import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { CONNECTION_NAMES } from "../../src/cli/commands/demo.ts";
import { buildUi, uiIsStale } from "../../src/cli/ui-build.ts";
import { vendors } from "../../src/connectors/registry.ts";
import { type Lab, startLab } from "../../src/lab/lab.ts";
import { type Browser, noBrowser, openBrowser } from "../support/browser.ts";
import { RAMPART } from "../support/rampart-process.ts";
import { type ServeProcess, startServe } from "../support/serve-process.ts";

// The web UI in a real Chromium against a real `rampart serve` with every vendor's simulator:
// sources polled by the service, alert triggers running the shipped playbooks.

const SHIPPED = resolve(import.meta.dirname, "../../playbooks");
const APPROVAL = `name: approve-then-end
start: ask
steps:
  ask:
    type: approval
    message: Contain the host?
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
    message: rejected
`;

/** Attacker-controlled fields of a vendor record: each must show as text and run nothing. */
const HOSTILE_TITLE = `<img src=x onerror="window.__pwned='img'">Hostile <script>window.__pwned='script'</script> incident`;
const HOSTILE_USER = `<script>window.__pwned='user'</script>`;
const HOSTILE_LINK = "javascript:window.__pwned='link'";
const now = Math.floor(Date.now() / 1000);
const HOSTILE_INCIDENT = {
  id: "incident:hostile-0001",
  hash_id: "hostile0001",
  summary: HOSTILE_TITLE,
  updated_id: 900_000,
  updated_time: String(now),
  description: {
    acknowledged: "False",
    created: String(now),
    description: HOSTILE_TITLE,
    dst_host: "10.20.30.40",
    dst_port: "22",
    events: [{ USERNAME: HOSTILE_USER, PASSWORD: "x", URL: HOSTILE_LINK, timestamp: now }],
    events_count: "1",
    logtype: "4002",
    memo: HOSTILE_LINK,
    name: `<b onmouseover="window.__pwned='name'">bird</b>`,
    node_id: "hostile-node",
    src_host: "10.9.8.7",
  },
};

const PASSWORD = "ui-test-password-1234";

describe("the web UI in Chromium against rampart serve with the lab", { skip: noBrowser }, () => {
  let dataDir: string;
  let lab: Lab;
  let serve: ServeProcess;
  let browser: Browser;
  let cookie = "";
  let csrf = "";

  async function admin(method: string, path: string, body?: unknown) {
    const res = await fetch(`${serve.url}/api/v1${path}`, {
      method,
      headers: {
        cookie,
        "x-csrf-token": csrf,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}; the service said:\n${serve.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function signIn(name: string) {
    const { page, context } = browser;
    await context.clearCookies();
    await page.goto(`${serve.url}/alerts`);
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("header .who", { hasText: name }).waitFor();
  }

  /** The text of every rendered alert row's cell of one column. */
  const column = (id: string) => browser.page.locator(`tbody tr td.col-${id}`).allTextContents();

  before(async () => {
    if (uiIsStale()) await buildUi();
    dataDir = mkdtempSync(join(tmpdir(), "rampart-ui-"));
    const playbooks = join(dataDir, "playbooks");
    mkdirSync(playbooks);
    for (const file of readdirSync(SHIPPED)) copyFileSync(join(SHIPPED, file), join(playbooks, file));
    writeFileSync(join(playbooks, "approve-then-end.yaml"), APPROVAL);
    lab = await startLab({ seed: 13 });
    const loaded = await fetch(`${lab.get("thinkst-canary").url}/__sim/incidents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ incidents: [HOSTILE_INCIDENT] }),
    });
    assert.equal(loaded.status, 200, await loaded.text());
    const added = await new Promise<number | null>((done, fail) => {
      const child = spawn(
        RAMPART,
        ["--data-dir", dataDir, "user", "add", "root", "--role", "admin", "--password-stdin"],
        {
          stdio: ["pipe", "ignore", "inherit"],
        },
      );
      child.on("error", fail);
      child.on("close", done);
      child.stdin.end(`${PASSWORD}\n`);
    });
    assert.equal(added, 0);
    serve = await startServe(["--data-dir", dataDir, "--playbooks", playbooks, "--grace", "200ms"]);
    const login = await fetch(`${serve.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "root", password: PASSWORD }),
    });
    assert.equal(login.status, 200);
    cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    csrf = ((await login.json()) as { csrf_token: string }).csrf_token;
    for (const role of ["viewer", "responder"])
      assert.equal((await admin("POST", "/users", { name: role, role, password: PASSWORD })).status, 201);
    for (const sim of lab.simulators) {
      const name = CONNECTION_NAMES[sim.connector] ?? sim.connector;
      const saved = await admin("POST", "/connections", {
        name,
        connector: sim.connector,
        config: sim.config,
      });
      assert.equal(saved.status, 201, JSON.stringify(saved.body));
    }
    for (const vendor of vendors.filter((v) => v.alertSource)) {
      const name = CONNECTION_NAMES[vendor.connector.name]!;
      assert.equal((await admin("POST", "/sources", { name, connection: name, every: "1h" })).status, 201);
    }
    await until("every source's first poll", async () => {
      const { items } = (await admin("GET", "/sources")).body as {
        items: Array<{ last_success_at: string | null }>;
      };
      return items.length === 4 && items.every((s) => s.last_success_at) ? true : undefined;
    });
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await serve?.stop("SIGKILL");
    await lab?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("an admin signs in and sees alerts from all four sources", async () => {
    await signIn("root");
    const { page } = browser;
    await page.locator("tbody tr").first().waitFor();
    const sources = new Set<string>();
    for (const source of ["canary", "defender", "irondefense", "leen"]) {
      await page.getByLabel("Source").selectOption(source);
      await page.waitForURL(new RegExp(`source=${source}`));
      await until(`rows of ${source}`, async () => {
        const shown = await column("source");
        return shown.length > 0 && shown.every((s) => s === source) ? true : undefined;
      });
      for (const s of await column("source")) sources.add(s);
    }
    assert.deepEqual([...sources].sort(), ["canary", "defender", "irondefense", "leen"]);
    await page.getByLabel("Source").selectOption("");
    await page.locator("tbody tr").nth(10).waitFor();
    await browser.shot("alerts", true);
    assert.deepEqual(browser.violations, []);
  });

  test("filtering by severity shows only alerts of that severity", async () => {
    const { page } = browser;
    await page.goto(`${serve.url}/alerts`);
    await page.locator("tbody tr").first().waitFor();
    const before = await column("severity");
    assert.ok(new Set(before).size > 1, `several severities before filtering: ${[...new Set(before)]}`);
    await page.getByRole("checkbox", { name: "high" }).check();
    await page.waitForURL(/severity=high/);
    await until("only High rows", async () => {
      const shown = await column("severity");
      return shown.length > 0 && shown.every((s) => s === "High") ? true : undefined;
    });
    await browser.shot("alerts-high");
  });

  test("an alert shows its observables; the run its trigger started shows its graph with step statuses", async () => {
    const { page } = browser;
    await page.goto(`${serve.url}/alerts?source=canary&q=SSH`);
    await page.locator("tbody tr td.col-title a").first().click();
    await page.getByRole("heading", { name: "Observables" }).waitFor();
    const observables = page.locator("tr.observable");
    assert.ok((await observables.count()) > 0);
    assert.ok((await page.getByRole("button", { name: /^Copy / }).count()) > 0);
    await browser.shot("alert-detail");
    const runLink = page.locator("ul.runs-of-alert a").first();
    await until("the alert's run to be listed", async () => {
      if ((await runLink.count()) > 0) return true;
      await page.reload();
      return undefined;
    });
    await runLink.click();
    await page.locator(".react-flow .flow-step").first().waitFor();
    await page.locator(".page-head .badge", { hasText: "succeeded" }).waitFor({ timeout: 60_000 });
    const statuses = await page
      .locator(".flow-step")
      .evaluateAll((nodes) => nodes.map((n) => (n as any).dataset.status as string));
    assert.ok(statuses.filter((s) => s === "succeeded").length >= 2, `statuses: ${statuses}`);
    assert.ok(statuses.includes("not-run") || statuses.every((s) => s === "succeeded"));
    assert.ok((await page.locator(".react-flow__edge").count()) > 0);
    assert.ok((await page.locator(".timeline li").count()) > 0);
    // The graph opens at its start: the start step is inside the graph's frame, not cut off above it.
    const frame = (await page.locator(".react-flow").boundingBox())!;
    const start = (await page.locator(".flow-step", { hasText: "start" }).first().boundingBox())!;
    assert.ok(
      start.y >= frame.y && start.y + start.height <= frame.y + frame.height,
      `the start step ${JSON.stringify(start)} is inside the frame ${JSON.stringify(frame)}`,
    );
    await browser.shot("run-graph", true);
  });

  test("a responder approves a waiting run with a comment and sees it finish", async () => {
    const started = await admin("POST", "/playbooks/approve-then-end/runs", {});
    assert.equal(started.status, 202);
    const id = started.body.run_id as string;
    await until("the run to wait", async () =>
      (await admin("GET", `/runs/${id}`)).body.run.status === "waiting" ? true : undefined,
    );
    await signIn("responder");
    const { page } = browser;
    await page.goto(`${serve.url}/runs/${id}`);
    await page.locator('.flow-step[data-step="ask"][data-status="waiting"]').waitFor();
    await page.getByLabel("Comment").fill("host isolated by hand");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator(".page-head .badge", { hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    await page.locator('.flow-step[data-step="yes"][data-status="succeeded"]').waitFor();
    assert.equal(await page.locator('.flow-step[data-step="no"]').getAttribute("data-status"), "not-run");
    await page.locator("dd.message", { hasText: "approved by responder" }).waitFor();
    await browser.shot("run-approved");
  });

  test("a viewer sees no action buttons, and the API refuses the actions anyway", async () => {
    const started = await admin("POST", "/playbooks/approve-then-end/runs", {});
    const id = started.body.run_id as string;
    await until("the run to wait", async () =>
      (await admin("GET", `/runs/${id}`)).body.run.status === "waiting" ? true : undefined,
    );
    await signIn("viewer");
    const { page } = browser;
    await page.goto(`${serve.url}/runs/${id}`);
    await page.locator('.flow-step[data-step="ask"][data-status="waiting"]').waitFor();
    assert.equal(
      await page.getByRole("button", { name: /Approve|Reject|Cancel run|Re-run|Resume/ }).count(),
      0,
    );
    await page.goto(`${serve.url}/alerts`);
    await page.locator("tbody tr").first().waitFor();
    assert.equal(await page.getByRole("checkbox", { name: /^Select/ }).count(), 0);
    await page.locator("tbody tr td.col-title a").first().click();
    await page.getByRole("heading", { name: "Observables" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Save triage" }).count(), 0);
    assert.equal(await page.getByRole("link", { name: "Admin" }).count(), 0);
    const alertId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
    // The same requests the buttons would send, from the viewer's own signed-in page (cookie and CSRF header).
    const statuses = await page.evaluate(
      async ({ runId, alertId }) => {
        const csrf = /rampart_csrf=([^;]+)/.exec((globalThis as any).document.cookie)?.[1] ?? "";
        const post = (path: string, body: unknown) =>
          fetch(`/api/v1${path}`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-csrf-token": decodeURIComponent(csrf) },
            body: JSON.stringify(body),
          }).then((r) => r.status);
        return [
          await post(`/runs/${runId}/approve`, {}),
          await post(`/alerts/${encodeURIComponent(alertId)}/triage`, { status: "resolved" }),
          await post("/connections", { name: "x", connector: "http", config: {} }),
        ];
      },
      { runId: id, alertId },
    );
    assert.deepEqual(statuses, [403, 403, 403]);
    assert.equal((await admin("GET", `/runs/${id}`)).body.run.status, "waiting");
    await browser.shot("viewer-alert");
  });

  test("an alert whose fields carry script, onerror and javascript: payloads renders them as text and runs nothing", async () => {
    await signIn("root");
    const { page } = browser;
    await page.goto(`${serve.url}/alerts?q=Hostile`);
    const title = page.locator("tbody tr td.col-title a").first();
    await title.waitFor();
    assert.equal(await title.textContent(), HOSTILE_TITLE);
    await title.click();
    await page.locator("h1.alert-heading").waitFor();
    assert.equal(await page.locator("h1.alert-heading").textContent(), HOSTILE_TITLE);
    // The vendor's values are in the page as text (some inside folded JSON), never as elements or links.
    await page.getByText(JSON.stringify(HOSTILE_USER)).first().waitFor({ state: "attached" });
    await page.getByText(JSON.stringify(HOSTILE_LINK)).first().waitFor({ state: "attached" });
    assert.ok((await page.locator(".json-string", { hasText: HOSTILE_LINK }).count()) > 0);
    assert.equal(await page.locator("main img, main script, main b").count(), 0);
    assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    await page.locator("main").hover();
    assert.equal(await page.evaluate(() => (globalThis as any).__pwned), undefined);
    assert.deepEqual(browser.dialogs, []);
    await browser.shot("hostile-alert");
  });
  test("a playbook's page draws its graph, shows the service's line:column issues in place, and starts a run from its inputs form", async () => {
    await signIn("root");
    const { page } = browser;
    await page.goto(`${serve.url}/playbooks/ms-defender-get-alert-ips`);
    await page.locator('.flow-step[data-step="get_alerts"]').waitFor();
    assert.ok((await page.locator(".react-flow__edge").count()) >= 2);
    const yaml = page.getByLabel("Playbook YAML");
    const text = await yaml.inputValue();
    await yaml.fill(text.replace("    type: call\n", "    type: cal\n"));
    await page.getByRole("button", { name: "Validate" }).click();
    const issue = page.locator(".yaml-issues .issue").first();
    await issue.waitFor();
    assert.match((await issue.textContent()) ?? "", /line \d+, column \d+/);
    assert.match(
      (await page.locator(".yaml-issues pre.yaml-line").first().textContent()) ?? "",
      /type: cal$/,
    );
    await yaml.fill(text);
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByText("Valid: the service would load it.").waitFor();
    await page.locator("#root_top").fill("7");
    await page.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\//);
    await page.locator(".page-head .badge", { hasText: /succeeded|failed/ }).waitFor({ timeout: 30_000 });
    const runId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1)!);
    const run = (await admin("GET", `/runs/${runId}`)).body.run;
    assert.deepEqual([run.inputs, run.cause], [{ top: 7 }, { kind: "api", by: "root" }]);
    await browser.shot("playbook-run");
  });

  test("an admin adds a connection from the form generated from the connector's schema and tests it; the secret never comes back", async () => {
    const { page } = browser;
    const canary = lab.get("thinkst-canary").config as { url: string; auth_token: string };
    await page.goto(`${serve.url}/connections`);
    await page.getByLabel("Connector").selectOption("thinkst-canary");
    await page.locator('input[name="connection-name"]').fill("canary-ui");
    await page.locator("#root_url").fill(canary.url);
    await page.locator("#root_auth_token").fill(canary.auth_token);
    assert.equal(await page.locator("#root_auth_token").getAttribute("type"), "password");
    await page.getByRole("button", { name: "Save connection" }).click();
    const row = page.locator('tr[data-connection="canary-ui"]');
    await row.waitFor();
    await row.getByRole("button", { name: "Test" }).click();
    await row.locator(".test-result", { hasText: /^ ok/ }).waitFor();
    assert.ok(!(await page.content()).includes(canary.auth_token), "the saved secret is not in the page");
    const saved = (await admin("GET", "/connections/canary-ui")).body;
    assert.deepEqual([saved.connector, saved.config.url], ["thinkst-canary", canary.url]);
    await browser.shot("connection-added");
  });
});
