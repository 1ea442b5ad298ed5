import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { Type } from "@sinclair/typebox";
import { noAuth } from "./auth.ts";
import { createClient } from "./client.ts";
import { defineConnector, defineOperation } from "./connector.ts";
import type { RampartError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { formatMismatch, outputs } from "./schema.ts";

const Nullable = <T extends ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()]);

const Item = Type.Object(
  {
    id: Type.String(),
    count: Nullable(Type.Integer()),
    level: Type.Union([Type.Literal("HIGH"), Type.Literal("LOW")]),
    owner: Type.Union([Type.Object({ name: Type.String() }), Type.Null()]),
    tags: Type.Array(Type.String()),
    kind: Type.Optional(Type.String({ default: "plain" })),
  },
  { additionalProperties: true },
);
const Page = Type.Object({ items: Type.Array(Item), total: Type.Integer() }, { additionalProperties: true });

/** A tiny vendor whose replies the test chooses, over real HTTP on loopback. */
const vendor = defineConnector({
  name: "toy",
  title: "Toy",
  description: "A vendor whose replies each test chooses",
  connection: Type.Object({ url: Type.String(), token: Type.Optional(Type.String({ secret: true })) }),
  baseUrl: (config) => String(config.url),
  auth: noAuth,
  operations: [
    defineOperation({
      name: "listItems",
      title: "List Items",
      description: "A page of items",
      method: "GET",
      path: "/items",
      input: Type.Object({}),
      output: Page,
    }),
  ],
});

const good = { id: "a", count: 3, level: "HIGH", owner: { name: "ann" }, tags: [] };

describe("a reply that does not match its output schema", () => {
  let server: Server;
  let url = "";
  let reply: unknown = {};
  let warned: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    error() {},
    warn: (message, fields) => warned.push({ message, fields }),
  };

  before(async () => {
    server = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(reply));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    warned = [];
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("a matching reply has no warnings and is not logged", async () => {
    reply = { items: [good], total: 1 };
    const client = createClient(vendor, { url }, { logger });
    const result = await client.call("listItems");
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.output, reply, "no schema default was written into the reply");
    assert.equal(warned.length, 0);
    assert.equal(client.outputMismatches().size, 0);
    await client.close();
  });

  test("is returned as sent, with a warning per place naming the path and the expected type", async () => {
    reply = {
      items: [
        { ...good, count: "1014890", level: "High", owner: { name: 7 } },
        { id: "b", count: null, level: "LOW", owner: 5 },
      ],
      total: "2",
    };
    const client = createClient(vendor, { url }, { logger });
    const result = await client.call("listItems");
    assert.equal(result.ok, true);
    assert.deepEqual(result.output, reply);
    assert.deepEqual(
      result.warnings.map((w) => formatMismatch(w)),
      [
        'output.items[0].count: expected integer or null, got string "1014890"',
        'output.items[0].level: expected one of "HIGH", "LOW", got string "High"',
        "output.items[0].owner.name: expected string, got number 7",
        "output.items[1].tags: expected array, got nothing",
        "output.items[1].owner: expected object or null, got number 5",
        'output.total: expected integer, got string "2"',
      ],
    );
    assert.deepEqual(result.warnings[0], {
      path: "items[0].count",
      expected: "integer or null",
      got: 'string "1014890"',
    });
    assert.equal(warned.length, 1, "one log entry per reply");
    assert.equal(warned[0]!.message, "reply does not match the output schema");
    const fields = warned[0]!.fields ?? {};
    assert.equal(fields.connector, "toy");
    assert.equal(fields.operation, "listItems");
    assert.equal((fields.mismatches as string[]).length, 6);
    assert.deepEqual(client.outputMismatches().get("listItems"), { replies: 1, mismatches: 6 });
    await client.call("listItems");
    assert.deepEqual(client.outputMismatches().get("listItems"), { replies: 2, mismatches: 12 });
    await client.close();
  });

  test("the same mismatch in every item of a page is one warning with a count", async () => {
    reply = { items: Array.from({ length: 100 }, (_, i) => ({ ...good, count: String(i) })), total: 100 };
    const client = createClient(vendor, { url }, { logger });
    const result = await client.call("listItems");
    assert.equal(result.warnings.length, 1);
    assert.equal(
      formatMismatch(result.warnings[0]!),
      'output.items[0].count: expected integer or null, got string "0" (and 99 more like it at items[*].count)',
    );
    assert.deepEqual(client.outputMismatches().get("listItems"), { replies: 1, mismatches: 100 });
    await client.close();
  });

  test("strict_output: true fails the call instead, naming the field", async () => {
    reply = { items: [{ ...good, count: "7" }], total: 1 };
    const client = createClient(vendor, { url, strict_output: true }, { logger });
    const error = await client.call("listItems").then(
      () => assert.fail("expected a failure"),
      (e: RampartError) => e,
    );
    assert.equal(error.type, "UpstreamError");
    assert.equal(error.retryable, false);
    assert.equal(error.status, 200);
    assert.equal(error.field, "items[0].count");
    assert.match(
      error.message,
      /toy\.listItems: reply does not match the expected shape: output\.items\[0\]\.count/,
    );
    assert.equal(warned.length, 0);
    assert.equal(client.outputMismatches().size, 0);
    await client.close();
  });

  test("strict_output must be a boolean like every common setting", () => {
    assert.throws(() => createClient(vendor, { url, strict_output: "yes" }), /strict_output/);
  });

  test("a secret in a mismatching value is redacted; a secret-looking field shows its type only", async () => {
    reply = {
      items: [{ ...good, count: "s3cr3t-value-of-the-connection", tags: [], token: 1 }],
      total: { access_token: "x" },
    };
    const client = createClient(vendor, { url, token: "s3cr3t-value-of-the-connection" }, { logger });
    const result = await client.call("listItems");
    const text = JSON.stringify({ warnings: result.warnings, warned });
    assert.ok(!text.includes("s3cr3t"), text);
    assert.match(formatMismatch(result.warnings[0]!), /got string "\[REDACTED\]"/);
    await client.close();
  });
});

describe("describing mismatches", () => {
  test("a missing required field names what was expected there", () => {
    const [m] = outputs.mismatches(Type.Object({ a: Type.Array(Type.String()) }), {});
    assert.deepEqual(m, { path: "a", expected: "array", got: "nothing" });
  });

  test("keys that are not identifiers are quoted; the whole reply has the empty path", () => {
    const schema = Type.Object({ "@odata.context": Type.String() });
    assert.equal(
      formatMismatch(outputs.mismatches(schema, { "@odata.context": 1 })[0]!),
      'output["@odata.context"]: expected string, got number 1',
    );
    assert.equal(formatMismatch(outputs.mismatches(schema, [])[0]!), "output: expected object, got array");
  });

  test("a value under a secret-looking key shows only its type", () => {
    const [m] = outputs.mismatches(Type.Object({ password: Type.Integer() }), { password: "hunter22" });
    assert.equal(m!.got, "string");
  });

  test("long strings are shortened", () => {
    const [m] = outputs.mismatches(Type.Object({ a: Type.Integer() }), { a: "x".repeat(100) });
    assert.equal(m!.got, `string "${"x".repeat(40)}…"`);
  });
});
