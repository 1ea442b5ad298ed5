import assert from "node:assert/strict";
import { test } from "node:test";
import { type ErrorData, errorFromData, RateLimitedError, UpstreamError, ValidationError } from "./errors.ts";
import { Redactor } from "./redact.ts";

test("errors serialize as data and come back with their type and verdict", () => {
  const original = new RateLimitedError("slow down", { status: 429, retryAfterMs: 2000 });
  const data = JSON.parse(JSON.stringify(original)) as ErrorData;
  assert.deepEqual(data, {
    type: "RateLimitedError",
    message: "slow down",
    retryable: true,
    status: 429,
    retryAfterMs: 2000,
  });
  const back = errorFromData(data);
  assert.ok(back instanceof RateLimitedError);
  assert.equal(back.retryAfterMs, 2000);
});

test("upstream errors are retryable only for 502, 503 and 504", () => {
  for (const status of [500, 501, 502, 503, 504, 507]) {
    assert.equal(
      new UpstreamError("x", { status }).retryable,
      [502, 503, 504].includes(status),
      String(status),
    );
  }
  assert.equal(new ValidationError("bad", { field: "incident" }).toJSON().field, "incident");
});

test("the redactor hides secrets in text, encoded forms and secret-looking keys", () => {
  const redactor = new Redactor(["s3cr3t-token"]);
  assert.equal(redactor.text("auth s3cr3t-token!"), "auth [REDACTED]!");
  assert.equal(redactor.text(`Basic ${Buffer.from("s3cr3t-token").toString("base64")}`), "Basic [REDACTED]");
  assert.deepEqual(
    redactor.value({ password: "hunter22", nested: { note: "has s3cr3t-token" }, list: ["s3cr3t-token"] }),
    {
      password: "[REDACTED]",
      nested: { note: "has [REDACTED]" },
      list: ["[REDACTED]"],
    },
  );
});
