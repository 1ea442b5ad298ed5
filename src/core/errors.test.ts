import assert from "node:assert/strict";
import { test } from "node:test";
import { PlaybookError } from "../engine/load.ts";
import {
  ConflictError,
  classify,
  ERROR_CLASSES,
  ERROR_TYPES,
  errorBody,
  errorFromData,
  NotFoundError,
  UpstreamError,
  ValidationError,
} from "./errors.ts";

test("every error type of the hierarchy has a row: exit code, HTTP status and kind", () => {
  for (const type of ERROR_TYPES) {
    const row = ERROR_CLASSES[type];
    assert.ok(row, `${type} has a row`);
    assert.equal(classify(errorFromData({ type, message: "x", retryable: false })).type, type);
  }
});

test("a refused request exits 2 and answers 4xx; a vendor's failure exits 1 and answers 5xx", () => {
  assert.deepEqual(classify(new ValidationError("bad", { field: "name" })), {
    type: "ValidationError",
    exitCode: 2,
    httpStatus: 400,
    kind: "user",
  });
  assert.deepEqual(classify(new ConflictError("taken")), {
    type: "ConflictError",
    exitCode: 2,
    httpStatus: 409,
    kind: "user",
  });
  assert.equal(classify(new NotFoundError("no run")).httpStatus, 404);
  assert.equal(classify(new NotFoundError("no run")).exitCode, 1);
  assert.deepEqual(classify(new UpstreamError("vendor said no", { status: 500 })), {
    type: "UpstreamError",
    exitCode: 1,
    httpStatus: 502,
    kind: "operational",
  });
  const issues = [{ file: "a.yaml", line: 3, column: 1, path: "start", message: "no such step" }];
  assert.equal(classify(new PlaybookError(issues)).httpStatus, 400);
});

test("anything else is unexpected: exit 1, HTTP 500, reported as Error", () => {
  assert.deepEqual(classify(new TypeError("boom")), {
    type: "Error",
    exitCode: 1,
    httpStatus: 500,
    kind: "unexpected",
  });
  assert.deepEqual(classify("a string"), { type: "Error", exitCode: 1, httpStatus: 500, kind: "unexpected" });
});

test("the error body carries type, message, field and retryable, nothing else", () => {
  const error = new ValidationError("name is required", { field: "name", details: { secret: "x" } });
  assert.deepEqual(errorBody(error), {
    type: "ValidationError",
    message: "name is required",
    field: "name",
    retryable: false,
  });
  assert.deepEqual(errorBody(new Error("plain")), { type: "Error", message: "plain" });
});
