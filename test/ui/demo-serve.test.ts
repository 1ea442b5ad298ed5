import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startUntil } from "../support/rampart-process.ts";

test("the demo ends by serving the UI on its data, with a sign-in printed once", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-demo-serve-"));
  const { child, output } = await startUntil(
    ["--data-dir", dataDir, "demo", "--port", "0"],
    /listening on (http:\/\/\S+)/,
  );
  try {
    const url = /listening on (http:\/\/\S+)/.exec(output())![1]!;
    const signIn = /sign in as (\S+) with the password (\S+)/.exec(output());
    assert.ok(signIn, output());
    const [, name, password] = signIn;
    const page = await fetch(`${url}/alerts`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const wrong = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password: `${password}x` }),
    });
    assert.equal(wrong.status, 401);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password }),
    });
    assert.equal(login.status, 200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const alerts = await fetch(`${url}/api/v1/alerts?limit=500`, { headers: { cookie } });
    const body = (await alerts.json()) as { items: Array<{ source: string }> };
    assert.deepEqual([...new Set(body.items.map((a) => a.source))].sort(), [
      "canary",
      "defender",
      "irondefense",
      "leen",
    ]);
  } finally {
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.once("exit", resolve));
    assert.equal(code, 0, output());
    rmSync(dataDir, { recursive: true, force: true });
  }
});
