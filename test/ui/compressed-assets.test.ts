import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { request } from "undici";
import { UI_DIST } from "../../src/api/ui.ts";
import { buildUi, uiIsStale } from "../../src/cli/ui-build.ts";
import { type ServeProcess, startServe } from "../support/serve-process.ts";

// The built UI as `rampart serve` sends it over real HTTP: each asset's precompressed variant when
// the client accepts it, the original otherwise, and the page's own headers unchanged.

/** Chromium's Accept-Encoding, as it sends it for scripts. */
const CHROMIUM_ACCEPTS = "gzip, deflate, br, zstd";
/** What @fastify/send's mime table calls a .js file; a compressed variant must keep it. */
const JS_TYPE = "application/javascript; charset=utf-8";

/** undici's `request` hands back the bytes as sent (fetch would decode them). */
async function get(url: string, acceptEncoding?: string) {
  const headers: Record<string, string> =
    acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding };
  const res = await request(url, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  const header = (name: string) => {
    const value = res.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  return { status: res.statusCode, header, body };
}

function decoded(encoding: string | undefined, body: Buffer): Buffer {
  if (encoding === "br") return brotliDecompressSync(body);
  if (encoding === "gzip") return gunzipSync(body);
  assert.equal(encoding, undefined, `unexpected content-encoding ${encoding}`);
  return body;
}

describe("rampart serve sends the UI's assets precompressed when asked", () => {
  let dataDir: string;
  let serve: ServeProcess;
  let script: string;
  let style: string;

  before(async () => {
    if (uiIsStale()) await buildUi();
    const html = readFileSync(join(UI_DIST, "index.html"), "utf8");
    script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    style = /<link[^>]+href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!;
    dataDir = mkdtempSync(join(tmpdir(), "rampart-ui-assets-"));
    serve = await startServe(["--data-dir", dataDir]);
  });

  after(async () => {
    await serve?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("the page's script as brotli or gzip when accepted, decoding to the built file, cached for good", async () => {
    const original = readFileSync(join(UI_DIST, script));
    for (const [accept, encoding] of [
      ["br", "br"],
      ["gzip", "gzip"],
      [CHROMIUM_ACCEPTS, "br"],
      ["gzip;q=1, br;q=0.5", "gzip"],
    ] as const) {
      const res = await get(`${serve.url}${script}`, accept);
      assert.equal(res.status, 200);
      assert.equal(res.header("content-encoding"), encoding, `Accept-Encoding: ${accept}`);
      assert.equal(res.header("content-type"), JS_TYPE);
      assert.match(res.header("vary") ?? "", /accept-encoding/i);
      assert.match(res.header("cache-control") ?? "", /max-age=31536000/);
      assert.match(res.header("cache-control") ?? "", /immutable/);
      assert.ok(
        res.body.length < original.length / 2,
        `${encoding}: ${res.body.length} of ${original.length} B`,
      );
      assert.ok(decoded(encoding, res.body).equals(original), `${encoding} decodes to the built file`);
    }
  });

  test("the original bytes to a client that takes no encoding (or only one there is no file for)", async () => {
    const original = readFileSync(join(UI_DIST, script));
    for (const accept of [undefined, "identity", "deflate"]) {
      const res = await get(`${serve.url}${script}`, accept);
      assert.equal(res.status, 200);
      assert.equal(res.header("content-encoding"), undefined, `Accept-Encoding: ${accept}`);
      assert.equal(res.header("content-type"), JS_TYPE);
      assert.match(res.header("vary") ?? "", /accept-encoding/i);
      assert.equal(Number(res.header("content-length")), original.length);
      assert.ok(res.body.equals(original));
    }
  });

  test("the stylesheet too, with its own type", async () => {
    const res = await get(`${serve.url}${style}`, CHROMIUM_ACCEPTS);
    assert.equal(res.header("content-encoding"), "br");
    assert.equal(res.header("content-type"), "text/css; charset=utf-8");
    assert.ok(decoded("br", res.body).equals(readFileSync(join(UI_DIST, style))));
  });

  test("the page keeps its Content-Security-Policy and is never cached", async () => {
    const res = await get(`${serve.url}/alerts`, CHROMIUM_ACCEPTS);
    assert.equal(res.status, 200);
    assert.match(res.header("content-security-policy") ?? "", /script-src 'self'/);
    assert.equal(res.header("cache-control"), "no-cache");
    const html = decoded(res.header("content-encoding"), res.body).toString("utf8");
    assert.match(html, /<div id="root">/);
    assert.ok(html.includes(script));
  });

  test("a missing asset is still the API's 404, compressed variants or not", async () => {
    const res = await get(`${serve.url}/assets/missing-0000.js`, CHROMIUM_ACCEPTS);
    assert.equal(res.status, 404);
    assert.match(res.header("content-type") ?? "", /application\/json/);
  });
});
