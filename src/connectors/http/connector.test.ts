import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type ConnectorClient, createClient, REDACTED } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { httpConnector } from "./connector.ts";
import type { RequestOutput } from "./request-operation.ts";
import type { SimCredentials } from "./sim-state.ts";
import { startHttpSimulator } from "./simulator.ts";
import { makeTestPki, pkiUnavailable, type TestPki } from "./tls-fixture.ts";

const fast = { resilience: { initialDelayMs: 1, maxDelayMs: 5 } };

interface SimView {
  credentials: SimCredentials;
  requests: Array<{ method: string; url: string; headers: Record<string, string>; by: string | null }>;
}

let sim: Simulator;
let creds: SimCredentials;
const clients: ConnectorClient[] = [];

function client(config: Record<string, unknown> = {}): ConnectorClient {
  const c = createClient(httpConnector, { ...sim.config, ...config }, fast);
  clients.push(c);
  return c;
}

async function request(c: ConnectorClient, input: Record<string, unknown>): Promise<RequestOutput> {
  return (await c.call<RequestOutput>("request", input)).output;
}

before(async () => {
  sim = await startHttpSimulator({ seed: 3 });
  creds = (await simState<SimView>(sim)).credentials;
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

describe("requests", () => {
  test("a GET sends its path, query and headers relative to the connection's URL", async () => {
    const out = await request(client(), {
      path: "/anything/alerts",
      query: { severity: "high", tag: ["a", "b"], page: 2 },
      headers: { "X-Request-Id": "r-1" },
    });
    assert.equal(out.status, 200);
    const echo = out.body as {
      method: string;
      path: string;
      query: unknown;
      headers: Record<string, string>;
    };
    assert.equal(echo.method, "GET");
    assert.equal(echo.path, "/anything/alerts");
    assert.deepEqual(echo.query, { severity: "high", tag: ["a", "b"], page: "2" });
    assert.equal(echo.headers["x-request-id"], "r-1");
    assert.match(out.headers["content-type"] ?? "", /application\/json/);
  });

  test("default headers go with every request; a request's own header of the same name wins", async () => {
    const c = client({ headers: { "X-Tenant": "acme", "User-Agent": "rampart-test" } });
    const first = (await request(c, { path: "/anything" })).body as { headers: Record<string, string> };
    assert.equal(first.headers["x-tenant"], "acme");
    assert.equal(first.headers["user-agent"], "rampart-test");
    const second = (await request(c, { path: "/anything", headers: { "x-tenant": "globex" } })).body as {
      headers: Record<string, string>;
    };
    assert.equal(second.headers["x-tenant"], "globex");
  });

  test("JSON, form, multipart and raw bodies arrive as sent", async () => {
    const c = client();
    const json = (
      await request(c, { method: "POST", path: "/anything", json: { ip: "203.0.113.9", tags: ["x"] } })
    ).body as { json: unknown; headers: Record<string, string> };
    assert.deepEqual(json.json, { ip: "203.0.113.9", tags: ["x"] });
    const form = (await request(c, { method: "PUT", path: "/anything", form: { a: "1", b: ["2", "3"] } }))
      .body as {
      form: unknown;
    };
    assert.deepEqual(form.form, { a: "1", b: ["2", "3"] });
    const multipart = (
      await request(c, {
        method: "POST",
        path: "/anything",
        multipart: {
          note: "sample",
          file: {
            filename: "ioc.txt",
            content: Buffer.from("evil.example\n").toString("base64"),
            encoding: "base64",
          },
        },
      })
    ).body as { form: unknown; files: Record<string, { filename: string; text: string }> };
    assert.deepEqual(multipart.form, { note: "sample" });
    assert.equal(multipart.files.file?.filename, "ioc.txt");
    assert.equal(multipart.files.file?.text, "evil.example\n");
    const raw = (
      await request(c, {
        method: "POST",
        path: "/anything",
        raw: "<x>1</x>",
        content_type: "application/xml",
      })
    ).body as { data: string; headers: Record<string, string> };
    assert.equal(raw.data, "<x>1</x>");
    assert.equal(raw.headers["content-type"], "application/xml");
    const vendor = (
      await request(c, {
        method: "PATCH",
        path: "/anything",
        headers: { "Content-Type": "application/vnd.api+json" },
        json: { data: { type: "alert" } },
      })
    ).body as { data: string; headers: Record<string, string> };
    assert.equal(vendor.headers["content-type"], "application/vnd.api+json");
    assert.deepEqual(JSON.parse(vendor.data), { data: { type: "alert" } });
  });

  test("the reply body is parsed by its content type", async () => {
    const c = client();
    assert.match(String((await request(c, { path: "/formats/xml" })).body), /<severity>high<\/severity>/);
    assert.equal((await request(c, { path: "/formats/text" })).body, "plain text reply");
    assert.deepEqual((await request(c, { path: "/formats/form" })).body, { status: "ok", tag: ["a", "b"] });
    assert.deepEqual((await request(c, { path: "/formats/vendor-json" })).body, {
      data: { type: "alert", id: "7" },
    });
    const bytes = await request(c, { path: "/formats/bytes" });
    assert.equal(bytes.body_encoding, "base64");
    assert.deepEqual([...Buffer.from(String(bytes.body), "base64")], [0, 1, 2, 253, 254, 255]);
    const empty = await request(c, { path: "/formats/empty" });
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
    const head = await request(c, { method: "HEAD", path: "/anything" });
    assert.equal(head.status, 200);
  });

  test("expect decides which statuses succeed: a listed 404 is an answer, an unlisted 200 a failure", async () => {
    const c = client();
    const missing = await request(c, { path: "/status/404", expect: [200, 404] });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { status: 404 });
    assert.equal((await request(c, { path: "/status/201", expect: ["2xx"] })).status, 201);
    const error = await rejectsWith(
      c.call("request", { path: "/status/200", expect: [201] }),
      "UpstreamError",
    );
    assert.equal(error.status, 200);
    await rejectsWith(c.call("request", { path: "/status/404" }), "NotFoundError");
    const asData = await c.call("request", { path: "/status/409" }, { throwOnHttpError: false });
    assert.equal(asData.ok, false);
    assert.equal(asData.status, 409);
  });

  test("a 429 with Retry-After and a 503 are retried through the connection's policy", async () => {
    const c = client({ max_attempts: 3 });
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 0 }, path: "/anything/retry", times: 1 });
    sim.faults.inject({ fault: { kind: "status", status: 503 }, path: "/anything/retry", times: 1 });
    const result = await c.call<RequestOutput>("request", { path: "/anything/retry" });
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 3);
  });
});

describe("auth strategies", () => {
  const protectedBy = async (auth: Record<string, unknown>) =>
    ((await request(client({ auth }), { path: "/protected/x" })).body as { authenticated_by: string })
      .authenticated_by;

  test("bearer, API key in a header or the query, and Basic", async () => {
    assert.equal(await protectedBy({ type: "bearer", token: creds.bearerToken }), "bearer");
    assert.equal(
      await protectedBy({ type: "api-key", name: "X-Api-Key", key: creds.apiKey }),
      "api-key-header",
    );
    assert.equal(
      await protectedBy({ type: "api-key", in: "query", name: "api_key", key: creds.apiKey }),
      "api-key-query",
    );
    assert.equal(
      await protectedBy({ type: "basic", username: creds.username, password: creds.password }),
      "basic",
    );
  });

  test("no auth, or a wrong secret, is an AuthError whose message does not carry the secret", async () => {
    await rejectsWith(
      client({ auth: { type: "none" } }).call("request", { path: "/protected" }),
      "AuthError",
    );
    const error = await rejectsWith(
      client({ auth: { type: "bearer", token: "wrong-token-value-1234" } }).call("request", {
        path: "/protected",
        query: { echo: "wrong-token-value-1234" },
      }),
      "AuthError",
    );
    assert.doesNotMatch(JSON.stringify(error.toJSON()), /wrong-token-value-1234/);
  });

  test("login then token: Basic login with the token from a header, JSON login with the token from the body", async () => {
    assert.equal(
      await protectedBy({
        type: "login-token",
        login_path: "/login",
        username: creds.username,
        password: creds.password,
        token_header: "X-Auth-Token",
      }),
      "login-token",
    );
    assert.equal(
      await protectedBy({
        type: "login-token",
        login_path: "/login",
        credentials: "json",
        username: creds.username,
        password: creds.password,
        token_path: "data.token",
      }),
      "login-token",
    );
  });

  test("an expired login token is renewed once, transparently", async () => {
    const c = client({
      auth: { type: "login-token", login_path: "/login", username: creds.username, password: creds.password },
    });
    await request(c, { path: "/protected/a" });
    sim.faults.inject({ fault: { kind: "expire-tokens" } });
    const result = await c.call<RequestOutput>("request", { path: "/protected/b" });
    assert.equal(result.status, 200);
    assert.equal(result.attempts, 2, "the 401, then the same request with a fresh token");
  });

  test("OAuth2 client credentials with scope and audience; a wrong audience is refused", async () => {
    const oauth = {
      type: "oauth2-client-credentials",
      token_url: `${sim.url}/oauth/token`,
      client_id: creds.clientId,
    };
    assert.equal(
      await protectedBy({
        ...oauth,
        client_secret: creds.clientSecret,
        scope: "read",
        audience: creds.audience,
      }),
      "oauth2",
    );
    await rejectsWith(
      client({ auth: { ...oauth, client_secret: creds.clientSecret, audience: "https://other.test" } }).call(
        "request",
        { path: "/protected" },
      ),
      "AuthError",
      /access_denied/,
    );
  });

  test("the auth block's secrets are known to the redactor, so nothing the client reports carries them", async () => {
    const c = client({ auth: { type: "basic", username: creds.username, password: creds.password } });
    assert.equal(c.redactor.text(`p=${creds.password}`), `p=${REDACTED}`);
    const echoed = await request(c, { path: "/protected", query: { copy: creds.password } });
    assert.doesNotMatch(JSON.stringify(c.redactor.value(echoed)), new RegExp(creds.password));
  });

  test("an auth block that misses its secret or names an unknown type is refused with the field", async () => {
    assert.throws(
      () => createClient(httpConnector, { url: sim.url, auth: { type: "bearer" } }),
      (e: Error & { field?: string }) => e.field === "auth.token",
    );
    assert.throws(
      () => createClient(httpConnector, { url: sim.url, auth: { type: "kerberos" } }),
      (e: Error & { field?: string }) => e.field === "auth.type" && /must be one of/.test(e.message),
    );
  });
});

describe("origins", () => {
  test("an absolute URL to another origin is refused before anything is sent", async () => {
    const other = await startHttpSimulator({ seed: 4 });
    try {
      const error = await rejectsWith(
        client().call("request", { path: `${other.url}/anything` }),
        "ValidationError",
        /not this connection's origin/,
      );
      assert.equal(error.field, "path");
      assert.equal((await simState<SimView>(other)).requests.length, 0, "the other origin saw nothing");
      const allowed = client({ allowed_origins: [other.url] });
      const out = await request(allowed, { path: `${other.url}/anything/ok` });
      assert.equal((out.body as { path: string }).path, "/anything/ok");
    } finally {
      await other.close();
    }
  });

  test("an absolute URL on the connection's own origin is fine", async () => {
    const out = await request(client(), { path: `${sim.url}/anything/same` });
    assert.equal((out.body as { path: string }).path, "/anything/same");
  });
});

describe("pagination", () => {
  const total = 57;

  test("offset pages until a short page, gathering every item", async () => {
    const out = await request(client(), {
      path: "/items",
      paginate: {
        style: "offset",
        items: "body.items",
        limit_param: "limit",
        offset_param: "offset",
        page_size: 20,
      },
    });
    assert.equal(out.pages, 3);
    assert.equal(out.items?.length, total);
    assert.equal(out.page_limit_reached, false);
    assert.equal(new Set(out.items?.map((i) => (i as { id: string }).id)).size, total);
  });

  test("cursor pages follow the reply's cursor", async () => {
    const out = await request(client(), {
      path: "/items/cursor",
      paginate: {
        style: "cursor",
        items: "body.data",
        cursor_param: "cursor",
        next_cursor: "body.next_cursor",
        page_size_param: "limit",
        page_size: 25,
      },
    });
    assert.equal(out.pages, 3);
    assert.equal(out.items?.length, total);
  });

  test("next links come from a Link header or the body", async () => {
    const viaHeader = await request(client(), {
      path: "/items/pages",
      query: { per_page: 10 },
      paginate: { style: "next-link", items: "body.data", next_link: "links.next" },
    });
    assert.equal(viaHeader.pages, 6);
    assert.equal(viaHeader.items?.length, total);
    const viaBody = await request(client(), {
      path: "/items/pages",
      query: { per_page: 30 },
      paginate: { style: "next-link", items: "body.data", next_link: "body.next" },
    });
    assert.equal(viaBody.pages, 2);
    assert.equal(viaBody.items?.length, total);
  });

  test("max_pages stops the walk and says so", async () => {
    const out = await request(client(), {
      path: "/items",
      paginate: {
        style: "offset",
        items: "body.items",
        limit_param: "limit",
        offset_param: "offset",
        page_size: 10,
        max_pages: 2,
      },
    });
    assert.equal(out.pages, 2);
    assert.equal(out.items?.length, 20);
    assert.equal(out.page_limit_reached, true);
  });
});

describe("a stateful API", () => {
  test("an item created with POST is read back, then deleted", async () => {
    const c = client();
    const created = await request(c, {
      method: "POST",
      path: "/items",
      json: { name: "SRV-NEW" },
      expect: [201],
    });
    const id = (created.body as { id: string }).id;
    assert.equal((await request(c, { path: `/items/${id}` })).status, 200);
    assert.equal((await request(c, { method: "DELETE", path: `/items/${id}` })).status, 204);
    await rejectsWith(c.call("request", { path: `/items/${id}` }), "NotFoundError");
  });
});

describe("TLS", () => {
  const skip = pkiUnavailable();
  let pki: TestPki;
  let server: Server;
  let url: string;

  before(async () => {
    if (skip) return;
    pki = makeTestPki();
    server = createServer(
      { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as import("node:tls").TLSSocket;
        const peer = socket.getPeerCertificate();
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ client: peer?.subject?.CN ?? null, authorized: socket.authorized }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    if (!skip) await new Promise((resolve) => server.close(resolve));
  });

  test("a server signed by a private CA is refused unless the connection trusts that CA", {
    skip,
  }, async () => {
    await rejectsWith(
      createClient(httpConnector, { url }, fast).call("request", { path: "/" }),
      "ConnectionError",
    );
    const out = await request(client({ url, ca_bundle: pki.ca }), { path: "/" });
    assert.deepEqual(out.body, { client: null, authorized: false });
  });

  test("a client certificate is presented when the connection has one", { skip }, async () => {
    const out = await request(
      client({ url, ca_bundle: pki.ca, client_cert: pki.clientCert, client_key: pki.clientKey }),
      { path: "/" },
    );
    assert.deepEqual(out.body, { client: "rampart-client", authorized: true });
  });

  test("verify_tls false skips verification; a certificate without its key is refused", {
    skip,
  }, async () => {
    assert.equal((await request(client({ url, verify_tls: false }), { path: "/" })).status, 200);
    assert.throws(
      () => createClient(httpConnector, { url, client_cert: pki.clientCert }),
      (e: Error & { field?: string }) => e.field === "client_key",
    );
  });
});

describe("bad input is refused before anything is sent", () => {
  testBadInput(
    httpConnector,
    [
      ["request", {}, "path"],
      ["request", { path: "ftp://example.test/x" }, "path"],
      ["request", { path: "/x", method: "TRACE" }, "method"],
      ["request", { path: "/x", json: { a: 1 } }, "json"],
      ["request", { path: "/x", method: "POST", json: {}, form: {} }, "form"],
      ["request", { path: "/x", content_type: "text/csv" }, "content_type"],
      ["request", { path: "/x", expect: [700] }, "expect.0"],
      ["request", { path: "/x", paginate: { style: "offset", items: "body" } }, "paginate.limit_param"],
      [
        "request",
        { path: "/x", method: "POST", paginate: { style: "next-link", items: "body", next_link: "body.n" } },
        "paginate",
      ],
      ["request", { path: "/x", body: "?" }, "body"],
    ],
    () => ({ sim, client: client() }),
  );
});
