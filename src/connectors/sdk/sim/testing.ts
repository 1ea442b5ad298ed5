import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectorClient } from "../client.ts";
import type { Connector } from "../connector.ts";
import type { ErrorType, RampartError } from "../errors.ts";
import type { Simulator } from "./server.ts";

/** Helpers the vendor tests share: reading a simulator's state, expecting typed errors, bad-input suites. */

export async function simState<T>(sim: Simulator): Promise<T> {
  return (await (await fetch(`${sim.url}/__sim/state`)).json()) as T;
}

/** Awaits a promise that must fail with a Rampart error of `type` (and a message matching `pattern`). */
export async function rejectsWith(
  promise: Promise<unknown>,
  type: ErrorType,
  pattern?: RegExp,
): Promise<RampartError> {
  try {
    await promise;
  } catch (error) {
    const e = error as RampartError;
    assert.equal(e.type, type, `expected ${type}, got ${e.type}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${type}`);
}

/** An operation, an input it must refuse, and the field the refusal must name. */
export type BadInputCase = readonly [operation: string, input: unknown, field: string];

/**
 * One test per case: the call is refused with a ValidationError naming the field, before any
 * request — the simulator answers 500 to anything that arrives, which would change the error.
 * With `everyOperation`, also a test that no operation of the connector lacks a case.
 */
export function testBadInput(
  connector: Connector,
  cases: readonly BadInputCase[],
  live: () => { sim: Simulator; client: ConnectorClient },
  options: { everyOperation?: boolean } = {},
): void {
  for (const [operation, input, field] of cases) {
    test(`${operation} ${JSON.stringify(input).slice(0, 60)} names ${field}`, async () => {
      const { sim, client } = live();
      sim.faults.inject({ fault: { kind: "status", status: 500 }, times: 0 });
      try {
        const error = await rejectsWith(client.call(operation, input), "ValidationError");
        assert.equal(error.field, field);
        assert.ok(error.message.includes(field), error.message);
        assert.equal(error.status, undefined, "refused by the vendor, not before sending");
      } finally {
        sim.faults.clear();
      }
    });
  }
  if (options.everyOperation ?? true) {
    test("every operation has a bad-input case", () => {
      const covered = new Set(cases.map(([op]) => op));
      for (const op of connector.operations)
        assert.ok(covered.has(op.name), `${op.name} has no bad-input case`);
    });
  }
}
