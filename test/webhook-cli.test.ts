import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { verifyDelivery } from "../src/api/webhooks/signature.ts";
import { rampart } from "./support/rampart-process.ts";

describe("rampart webhook secret | sign", () => {
  let root: string;
  let dataDir: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-webhook-cli-"));
    dataDir = join(root, "data");
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("secret prints a new secret once, stores it encrypted, and a second call rotates it", async () => {
    const created = await rampart(["--data-dir", dataDir, "webhook", "secret", "ip-check"]);
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.ok(!created.stderr.includes(secret), "the secret goes to stdout only");
    for (const file of readdirSync(dataDir))
      assert.ok(!readFileSync(join(dataDir, file)).includes(secret.slice(6)), `in the clear in ${file}`);
    const rotated = await rampart(["--data-dir", dataDir, "webhook", "secret", "ip-check"]);
    assert.notEqual(rotated.stdout.trim(), secret);
  });

  test("sign prints the headers for a body file or stdin, verifiable with the stored secret", async () => {
    const secret = (await rampart(["--data-dir", dataDir, "webhook", "secret", "signed"])).stdout.trim();
    const body = join(root, "body.json");
    writeFileSync(body, '{"ip":"203.0.113.7"}\n');
    const signed = await rampart([
      "--data-dir",
      dataDir,
      "webhook",
      "sign",
      "signed",
      "--body",
      body,
      "--timestamp",
      "1796300000",
    ]);
    assert.equal(signed.code, 0, signed.stderr);
    const headers = Object.fromEntries(
      signed.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(": ") as [string, string]),
    );
    assert.equal(headers["X-Rampart-Timestamp"], "1796300000");
    assert.ok(!signed.stdout.includes(secret));
    assert.deepEqual(
      verifyDelivery({
        secret,
        body: readFileSync(body),
        signature: headers["X-Rampart-Signature"],
        timestamp: headers["X-Rampart-Timestamp"],
        now: 1796300000_000,
      }),
      { ok: true },
    );
  });

  test("sign refuses a playbook without a secret (exit 1) and a malformed name or timestamp (exit 2)", async () => {
    const body = join(root, "empty.json");
    writeFileSync(body, "{}");
    const none = await rampart(["--data-dir", dataDir, "webhook", "sign", "nobody", "--body", body]);
    assert.equal(none.code, 1);
    assert.match(
      none.stderr,
      /NotFoundError: nobody has no webhook secret; create one with rampart webhook secret nobody/,
    );
    const badName = await rampart(["--data-dir", dataDir, "webhook", "secret", "Not A Name"]);
    assert.equal(badName.code, 2);
    const badTime = await rampart([
      "--data-dir",
      dataDir,
      "webhook",
      "sign",
      "nobody",
      "--body",
      body,
      "--timestamp",
      "now",
    ]);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--timestamp must be unix seconds/);
  });
});
