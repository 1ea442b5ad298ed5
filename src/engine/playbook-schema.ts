import { type Static, type TProperties, Type } from "@sinclair/typebox";
import { DURATION_PATTERN } from "./duration.ts";
import { LIMIT_RANGES } from "./sandbox/types.ts";

// One source of truth: this JSON Schema validates playbook files, and the TypeScript types below come from it.

const StepId = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_-]*$", description: "a step id" });
const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: "a duration: 500ms, 30s, 5m, 2h, 1d",
});
/** A value whose strings starting with `=` are JSONata expressions; everything else is literal. */
const Mapping = Type.Unknown({ description: "a value; strings starting with = are expressions" });
const Expression = Type.String({ minLength: 1, description: "a JSONata expression" });

const Retry = Type.Object(
  {
    max_attempts: Type.Integer({ minimum: 1, maximum: 100, description: "attempts, the first included" }),
    backoff: Type.Optional(
      Type.Object(
        {
          initial: Type.Optional(Duration),
          max: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Common = {
  title: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  timeout: Type.Optional(Duration),
  retry: Type.Optional(Retry),
  on_failure: Type.Optional(StepId),
};
const Next = { on_success: Type.Optional(StepId) };

function step<K extends string, T extends TProperties>(type: K, properties: T) {
  return Type.Object({ type: Type.Literal(type), ...Common, ...properties }, { additionalProperties: false });
}

export const CallStepSchema = step("call", {
  ...Next,
  connection: Type.String({ minLength: 1, description: "an alias declared under connections" }),
  operation: Type.String({ minLength: 1 }),
  input: Type.Optional(Mapping),
  fail_on_http_error: Type.Optional(Type.Boolean()),
  /** Send the call again after a crash even when neither idempotent nor findable (it may act twice). */
  retry_interrupted: Type.Optional(Type.Boolean()),
});

export const ConditionStepSchema = step("condition", {
  branches: Type.Array(Type.Object({ when: Expression, next: StepId }, { additionalProperties: false }), {
    minItems: 1,
  }),
  otherwise: Type.Optional(StepId),
});

export const ScriptStepSchema = step("script", {
  ...Next,
  language: Type.Union([Type.Literal("python"), Type.Literal("javascript")]),
  code: Type.String({ minLength: 1 }),
  input: Type.Optional(Mapping),
  limits: Type.Optional(
    Type.Object(
      {
        memory_mb: Type.Optional(
          Type.Integer({ minimum: LIMIT_RANGES.memoryMb.min, maximum: LIMIT_RANGES.memoryMb.max }),
        ),
        output_bytes: Type.Optional(
          Type.Integer({
            minimum: LIMIT_RANGES.maxOutputBytes.min,
            maximum: LIMIT_RANGES.maxOutputBytes.max,
          }),
        ),
      },
      { additionalProperties: false },
    ),
  ),
});

export const TransformStepSchema = step("transform", { ...Next, output: Mapping });

export const ForeachStepSchema = step("foreach", {
  ...Next,
  items: Expression,
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  start: StepId,
  steps: Type.Record(Type.String(), Type.Unsafe<unknown>({ $ref: "#/$defs/step" })),
  result: Type.Optional(Mapping),
});

export const PlaybookStepSchema = step("playbook", {
  ...Next,
  path: Type.String({ minLength: 1, description: "the playbook file, relative to this one" }),
  inputs: Type.Optional(Mapping),
  connections: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const WaitStepSchema = step("wait", { ...Next, duration: Duration });

export const ApprovalStepSchema = step("approval", {
  ...Next,
  message: Type.Optional(Mapping),
});

export const EndStepSchema = Type.Object(
  {
    type: Type.Literal("end"),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    status: Type.Union([Type.Literal("success"), Type.Literal("failure")]),
    message: Type.Optional(Mapping),
  },
  { additionalProperties: false },
);

const stepSchemas = [
  CallStepSchema,
  ConditionStepSchema,
  ScriptStepSchema,
  TransformStepSchema,
  ForeachStepSchema,
  PlaybookStepSchema,
  WaitStepSchema,
  ApprovalStepSchema,
  EndStepSchema,
];

export const STEP_TYPES = stepSchemas.map((s) => s.properties.type.const as string);

const AlertTrigger = Type.Object(
  {
    connector: Type.Optional(Type.String({ description: "only alerts from this connector" })),
    when: Type.Optional(Expression),
  },
  { additionalProperties: false, description: "starts a run for each matching alert (ingestion wires it)" },
);

const WebhookTrigger = Type.Object(
  {
    auth: Type.Optional(
      Type.Union([Type.Literal("signature"), Type.Literal("token"), Type.Literal("either")], {
        description: "how a delivery proves who sent it (default signature)",
      }),
    ),
  },
  { additionalProperties: false, description: "POST /hooks/<name> starts a run with the JSON body as input" },
);

const ScheduleTrigger = Type.Object(
  {
    cron: Type.String({ minLength: 1, description: "a cron pattern: 5 fields, or 6 with seconds first" }),
    timezone: Type.Optional(Type.String({ minLength: 1, description: "an IANA time zone (default UTC)" })),
    input: Type.Optional(Type.Unknown({ description: "the run's input, checked against inputs" })),
    catch_up: Type.Optional(
      Type.Union([Type.Literal("one"), Type.Literal("none")], {
        description: "firings missed while down start one run (default) or none",
      }),
    ),
  },
  { additionalProperties: false, description: "starts a run at each firing of the cron pattern" },
);

export const TriggerSchema = Type.Object(
  {
    alert: Type.Optional(AlertTrigger),
    webhook: Type.Optional(WebhookTrigger),
    schedule: Type.Optional(ScheduleTrigger),
  },
  { additionalProperties: false, minProperties: 1, description: "what starts runs of this playbook" },
);

export const PlaybookFileSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]*$", description: "lower-case name" }),
    description: Type.Optional(Type.String()),
    version: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    inputs: Type.Optional(Type.Object({}, { additionalProperties: true, description: "JSON Schema" })),
    outputs: Type.Optional(Type.Record(Type.String(), Mapping)),
    connections: Type.Optional(
      Type.Record(
        Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_-]*$" }),
        Type.Object({ connector: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      ),
    ),
    trigger: Type.Optional(TriggerSchema),
    start: StepId,
    steps: Type.Record(Type.String(), Type.Unsafe<unknown>({ $ref: "#/$defs/step" })),
  },
  { additionalProperties: false },
);

/** The whole JSON Schema of a playbook file (editors can use it too). */
export const playbookJsonSchema = {
  ...PlaybookFileSchema,
  $defs: {
    step: {
      type: "object",
      required: ["type"],
      discriminator: { propertyName: "type" },
      oneOf: stepSchemas,
    },
  },
};

export type CallStep = Static<typeof CallStepSchema>;
export type ConditionStep = Static<typeof ConditionStepSchema>;
export type ScriptStep = Static<typeof ScriptStepSchema>;
export type TransformStep = Static<typeof TransformStepSchema>;
export type ForeachStep = Omit<Static<typeof ForeachStepSchema>, "steps"> & { steps: Record<string, Step> };
export type PlaybookStep = Static<typeof PlaybookStepSchema>;
export type WaitStep = Static<typeof WaitStepSchema>;
export type ApprovalStep = Static<typeof ApprovalStepSchema>;
export type EndStep = Static<typeof EndStepSchema>;
export type Step =
  | CallStep
  | ConditionStep
  | ScriptStep
  | TransformStep
  | ForeachStep
  | PlaybookStep
  | WaitStep
  | ApprovalStep
  | EndStep;
export type StepType = Step["type"];
export type RetryPolicy = Static<typeof Retry>;
export type WebhookTrigger = Static<typeof WebhookTrigger>;
export type ScheduleTrigger = Static<typeof ScheduleTrigger>;
export type PlaybookFile = Omit<Static<typeof PlaybookFileSchema>, "steps"> & { steps: Record<string, Step> };
