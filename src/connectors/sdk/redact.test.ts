import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { httpConnector } from "../http/connector.ts";
import { createClient } from "./client.ts";
import { REDACTED, Redactor } from "./redact.ts";

const TOKEN = "tok_9f2c61d8a4e7b035c1d2";

describe("Redactor", () => {
  test("hides a secret whole, URL-encoded and in base64", () => {
    const secret = "s3cr+t/value=";
    const r = new Redactor([secret]);
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString("base64")}`;
    assert.equal(r.text(text), `a ${REDACTED} b ${REDACTED} c ${REDACTED}`);
  });

  test("hides a long secret cut short, as far as it goes, and leaves what follows", () => {
    const r = new Redactor([TOKEN]);
    assert.equal(r.text(`key ${TOKEN.slice(0, 12)}… was refused`), `key ${REDACTED}… was refused`);
    assert.equal(r.text(`key=${TOKEN.slice(0, 17)}&x=1`), `key=${REDACTED}&x=1`);
    assert.equal(r.text(`${TOKEN.slice(0, 11)}`), TOKEN.slice(0, 11), "11 characters are not enough to tell");
  });

  test("a short secret (a password) is hidden whole only, so its opening words stay readable", () => {
    const r = new Redactor(["password1234"]);
    assert.equal(r.text("the password field; password1234"), `the password field; ${REDACTED}`);
  });

  test("a secret that contains another is hidden whole", () => {
    const r = new Redactor(["abcd", "xxabcdxx"]);
    assert.equal(r.text("1 xxabcdxx 2 abcd"), `1 ${REDACTED} 2 ${REDACTED}`);
  });
});

describe("a vendor echoing credentials in its error replies", () => {
  let server: Server;
  let url: string;
  before(async () => {
    // A vendor that quotes the request's Authorization header and a prefix of the key back in a 400.
    server = createServer((req, res) => {
      const auth = req.headers.authorization ?? "";
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ message: `refused ${auth} (key ${String(req.headers["x-key"]).slice(0, 14)}…)` }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function failureOf(auth: Record<string, unknown>): Promise<string> {
    const client = createClient(
      httpConnector,
      { url, auth },
      { resilience: { initialDelayMs: 1, maxDelayMs: 2 } },
    );
    try {
      const failure = await client.call("request", { path: "/alerts" }).then(
        () => assert.fail("a 400 must fail the call"),
        (error: Error) => error,
      );
      return `${failure.message} ${JSON.stringify(failure)}`;
    } finally {
      await client.close();
    }
  }

  test("the Basic credential echoed in base64 never reaches the error", async () => {
    const said = await failureOf({ type: "basic", username: "svc-rampart", password: "Tr0ub4dor&3" });
    assert.match(said, /refused Basic \[REDACTED\]/);
    assert.ok(!said.includes(Buffer.from("svc-rampart:Tr0ub4dor&3").toString("base64")), said);
  });

  test("an API key echoed cut short never reaches the error", async () => {
    const said = await failureOf({ type: "api-key", name: "x-key", key: TOKEN });
    assert.match(said, /key \[REDACTED\]…/);
    assert.ok(!said.includes(TOKEN.slice(0, 12)), said);
  });
});
