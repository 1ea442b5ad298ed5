import type { TSchema } from "@sinclair/typebox";
import type { ConnectorClient, Operation } from "../../sdk/index.ts";
import type { BadInputCase } from "../../sdk/sim/testing.ts";

/** IRIS replies as tests read them. */
export type Any = any;

/** Calls operations and remembers which ones a test file exercised against a simulator. */
export class CallLog {
  readonly called = new Set<string>();

  /** The operation's output, recording that it ran. */
  async call(client: ConnectorClient, op: string, input: Record<string, unknown> = {}): Promise<Any> {
    this.called.add(op);
    return (await client.call(op, input)).output;
  }

  /** The whole result (status, attempts), recording that it ran. */
  async result(client: ConnectorClient, op: string, input: Record<string, unknown> = {}): Promise<Any> {
    this.called.add(op);
    return client.call(op, input);
  }

  /** A promise of the call, recorded, for tests that expect it to fail. */
  attempt(client: ConnectorClient, op: string, input: Record<string, unknown> = {}): Promise<unknown> {
    this.called.add(op);
    return client.call(op, input);
  }
}

type Schema = TSchema & Record<string, unknown>;

/** A value the schema accepts, for the fields a bad-input case does not break. */
function validValue(schema: Schema): unknown {
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.anyOf)) return validValue(schema.anyOf[0] as Schema);
  if (schema.const !== undefined) return schema.const;
  switch (schema.type) {
    case "integer":
    case "number":
      return Math.max(1, Number(schema.minimum ?? 1));
    case "boolean":
      return true;
    case "array":
      return [];
    case "object": {
      const out: Record<string, unknown> = {};
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required as string[] | undefined) ?? []) out[key] = validValue(props[key]!);
      return out;
    }
    default: {
      if (typeof schema.pattern === "string") {
        const re = new RegExp(schema.pattern);
        const found = ["2024-05-01T10:00:00", "+00:00", "abc"].find((v) => re.test(v));
        if (found) return found;
      }
      return "valid value";
    }
  }
}

/** A value of the wrong type for the schema. */
function wrongValue(schema: Schema): unknown {
  return schema.type === "string" || Array.isArray(schema.anyOf) ? 12345 : "not the right type";
}

/**
 * One bad-input case per operation, derived from its input schema: every required field valid but the
 * first, which gets a value of the wrong type; an operation without required fields gets an unknown one.
 */
export function schemaBadInput(op: Operation): BadInputCase {
  const input = op.input as Schema;
  const props = (input.properties ?? {}) as Record<string, Schema>;
  const required = (input.required as string[] | undefined) ?? [];
  const value: Record<string, unknown> = {};
  for (const key of required) value[key] = validValue(props[key]!);
  const broken = required[0];
  if (broken === undefined) return [op.name, { not_an_iris_field: 1 }, "not_an_iris_field"];
  value[broken] = wrongValue(props[broken]!);
  return [op.name, value, broken];
}
