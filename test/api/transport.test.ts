import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { Agent, fetch as undiciFetch } from "undici";
import { rampart } from "../support/rampart-process.ts";
import { type ServeProcess, startServe } from "../support/serve-process.ts";

const PASSWORD = "transport-pass-5d2a91c4";
const FORWARDED = { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https" };

/** A self-signed certificate for 127.0.0.1, or why there is none. */
function selfSignedCertificate(dir: string): { cert: string; key: string } | string {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    return { cert, key };
  } catch (error) {
    return `openssl could not make a test certificate (${(error as Error).message})`;
  }
}

async function signIn(
  url: string,
  headers: Record<string, string> = {},
  dispatcher?: Agent,
): Promise<{ status: number; cookies: string[]; headers: Headers }> {
  const response = await undiciFetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "root", password: PASSWORD }),
    dispatcher,
  });
  await response.arrayBuffer();
  return {
    status: response.status,
    cookies: response.headers.getSetCookie(),
    headers: response.headers as unknown as Headers,
  };
}

/** The address of the newest sign-in row, read with the CLI. */
async function lastLoginAddress(dataDir: string): Promise<string | undefined> {
  const listed = await rampart(["--data-dir", dataDir, "audit", "list", "--json", "--limit", "20"]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout) as Array<{ action: string; address?: string }>;
  return rows.find((row) => row.action === "login")?.address;
}

describe("rampart serve over HTTP, behind a proxy and over TLS", () => {
  let dir: string;
  let dataDir: string;
  const running: ServeProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rampart-api-transport-"));
    dataDir = join(dir, "data");
    const added = await rampart(
      ["--data-dir", dataDir, "user", "add", "root", "--role", "admin", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    assert.equal(added.code, 0, added.stderr);
  });

  after(async () => {
    for (const serve of running) await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(args: string[] = []): Promise<ServeProcess> {
    const started = await startServe(["--data-dir", dataDir, ...args]);
    running.push(started);
    return started;
  }

  test("plain HTTP: no Secure cookie, no HSTS, no upgrade to https, and forwarded headers are not believed", async () => {
    const plain = await serve();
    const answer = await signIn(plain.url, FORWARDED);
    assert.equal(answer.status, 200);
    assert.equal(answer.cookies.length, 2);
    for (const cookie of answer.cookies) assert.doesNotMatch(cookie, /;\s*Secure/i);
    assert.equal(answer.headers.get("strict-transport-security"), null);
    const csp = answer.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(await lastLoginAddress(dataDir), "127.0.0.1");
    assert.equal(await plain.stop(), 0);
  });

  test("--trust-proxy: the listed proxy's X-Forwarded-For and -Proto are believed", async () => {
    const proxied = await serve(["--trust-proxy", "127.0.0.1"]);
    const answer = await signIn(proxied.url, FORWARDED);
    assert.equal(answer.status, 200);
    const session = answer.cookies.find((c) => c.startsWith("rampart_session="));
    assert.match(
      session ?? "",
      /;\s*Secure/i,
      "a sign-in the proxy says came over HTTPS gets a Secure cookie",
    );
    assert.equal(await lastLoginAddress(dataDir), "203.0.113.9");
    assert.equal(await proxied.stop(), 0);
  });

  test("--tls-cert/--tls-key: HTTPS, Secure cookies, HSTS and upgrade-insecure-requests", async (t) => {
    const made = selfSignedCertificate(dir);
    if (typeof made === "string") return t.skip(made);
    const tls = await serve(["--tls-cert", made.cert, "--tls-key", made.key]);
    assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ connect: { ca: readFileSync(made.cert) } });
    try {
      const answer = await signIn(tls.url, {}, agent);
      assert.equal(answer.status, 200);
      for (const cookie of answer.cookies) assert.match(cookie, /;\s*Secure/i);
      assert.match(answer.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
      assert.match(answer.headers.get("content-security-policy") ?? "", /upgrade-insecure-requests/);
    } finally {
      await agent.close();
    }
    assert.equal(await tls.stop(), 0);
  });

  test("a cert without its key is refused, naming the flag", async () => {
    const run = await rampart([
      "--data-dir",
      dataDir,
      "serve",
      "--port",
      "0",
      "--tls-cert",
      join(dir, "x.pem"),
    ]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--tls-cert and --tls-key go together/);
  });

  test("an unexpected failure answers 500 without its details, and the service log on stderr has them", async () => {
    const broken = await serve();
    const answer = await signIn(broken.url);
    const cookie = answer.cookies.map((c) => c.split(";")[0]).join("; ");
    // Break the store under the running service, as a bug or a damaged file would.
    const sqlite = new DatabaseSync(join(dataDir, "rampart.db"));
    try {
      sqlite.exec("DROP TABLE api_tokens");
    } finally {
      sqlite.close();
    }
    const response = await undiciFetch(`${broken.url}/api/v1/tokens`, { headers: { cookie } });
    const body = (await response.json()) as { error: { type: string; message: string } };
    assert.equal(response.status, 500);
    assert.deepEqual(body.error, { type: "Error", message: "internal error; see the service log" });
    assert.equal(await broken.stop(), 0);
    const log = broken.output();
    assert.match(log, /"msg":"unexpected error"/);
    assert.match(log, /no such table: api_tokens/);
    const sessionValue = cookie.match(/rampart_session=([^;]+)/)?.[1];
    assert.ok(sessionValue && !log.includes(sessionValue), "the session cookie reached the log");
    assert.ok(!log.includes(PASSWORD), "the password reached the log");
  });
});
