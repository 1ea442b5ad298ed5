import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { StampedRunEvent } from "../../app/run-events.ts";
import type { Runtime } from "../../app/runtime.ts";
import { ConflictError, NotFoundError } from "../../core/errors.ts";
import type { RunRecord, StepRecord } from "../../engine/run-store.ts";
import type { RunPageFilter } from "../../store/runs.ts";
import { errors, PageQuery } from "../schemas.ts";
import { liveStreams, streamEvents } from "../sse.ts";

const Json = Type.Unsafe<unknown>({});
const STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"];
const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

const RunView = Type.Object({
  id: Type.String(),
  playbook: Type.String(),
  status: Type.String(),
  cause: Json,
  inputs: Json,
  outputs: Json,
  error: Json,
  message: Type.Union([Type.String(), Type.Null()]),
  connections: Json,
  rerun_of: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  finished_at: Type.Union([Type.String(), Type.Null()]),
});

const StepView = Type.Object({
  key: Type.String(),
  step_id: Type.String(),
  type: Type.String(),
  attempt: Type.Integer(),
  status: Type.String(),
  input: Json,
  output: Json,
  error: Json,
  http_status: Type.Union([Type.Integer(), Type.Null()]),
  warnings: Json,
  started_at: Type.String(),
  finished_at: Type.Union([Type.String(), Type.Null()]),
});

function runView(run: RunRecord) {
  return {
    id: run.id,
    playbook: run.playbookName,
    status: run.status,
    cause: run.cause ?? (run.alert ? { kind: "alert" } : { kind: "manual" }),
    inputs: run.inputs,
    outputs: run.outputs,
    error: run.error,
    message: run.message,
    connections: run.connections,
    rerun_of: run.rerunOf,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    finished_at: run.finishedAt,
  };
}

function stepView(step: StepRecord) {
  const s = step as StepRecord & { warnings?: unknown };
  return {
    key: step.key,
    step_id: step.stepId,
    type: step.type,
    attempt: step.attempt,
    status: step.status,
    input: step.input ?? null,
    output: step.output ?? null,
    error: step.error ?? null,
    http_status: step.httpStatus ?? null,
    warnings: s.warnings ?? null,
    started_at: step.startedAt,
    finished_at: step.finishedAt ?? null,
  };
}

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Decision = Type.Object(
  {
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    key: Type.Optional(
      Type.String({ minLength: 1, description: "which approval, when the run waits for several" }),
    ),
  },
  { additionalProperties: false },
);

/** Runs: list, one with every step attempt, cancel, approve, reject, rerun, resume, and live events. */
export function runRoutes(runtime: Runtime) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["runs"];
    const streams = liveStreams(app);
    /** The engine's events that `keep` keeps, each as an event of its type (`run`, `step`). */
    const runEvents =
      (keep: (event: StampedRunEvent) => boolean) => (send: (type: string, data: unknown) => void) =>
        runtime.events.subscribe((event) => {
          if (keep(event)) send(event.type, event);
        });
    const get = async (id: string) => {
      const run = await runtime.runs.getRun(id);
      if (!run) throw new NotFoundError(`no run "${id}"`, { field: "id" });
      return run;
    };

    app.get(
      "/runs",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "Runs, newest first",
          querystring: Type.Object(
            {
              ...PageQuery,
              playbook: Type.Optional(Type.String({ minLength: 1 })),
              status: Type.Optional(Type.Unsafe<string>({ type: "string", enum: STATUSES })),
              cause: Type.Optional(Type.String({ minLength: 1, description: "webhook, schedule or manual" })),
              since: Type.Optional(Type.String({ format: "date-time" })),
              until: Type.Optional(Type.String({ format: "date-time" })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({ items: Type.Array(RunView), next_cursor: Type.Optional(Type.String()) }),
            ...errors(400, 401),
          },
        },
      },
      async (request) => {
        const q = request.query as RunPageFilter;
        const page = await runtime.runs.page({
          ...q,
          since: q.since ? new Date(q.since).toISOString() : undefined,
          until: q.until ? new Date(q.until).toISOString() : undefined,
        });
        return { items: page.runs.map(runView), ...(page.next ? { next_cursor: page.next } : {}) };
      },
    );

    app.get(
      "/runs/events",
      {
        config: { access: "viewer" },
        schema: { tags, summary: "Live run and step events of every run (Server-Sent Events)" },
      },
      async (request, reply) =>
        streamEvents(
          streams,
          request,
          reply,
          runEvents(() => true),
        ),
    );

    app.get(
      "/runs/:id",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "A run with every step attempt",
          params: IdParam,
          response: { 200: Type.Object({ run: RunView, steps: Type.Array(StepView) }), ...errors(401, 404) },
        },
      },
      async (request) => {
        const run = await get((request.params as { id: string }).id);
        return { run: runView(run), steps: (await runtime.runs.steps(run.id)).map(stepView) };
      },
    );

    app.get(
      "/runs/:id/events",
      {
        config: { access: "viewer" },
        schema: { tags, summary: "Live events of one run (Server-Sent Events)", params: IdParam },
      },
      async (request, reply) => {
        const run = await get((request.params as { id: string }).id);
        streamEvents(
          streams,
          request,
          reply,
          runEvents((event) => event.runId === run.id),
        );
      },
    );

    app.post(
      "/runs/:id/cancel",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary: "Cancel an unfinished run",
          params: IdParam,
          response: { 200: RunView, ...errors(401, 403, 404, 409) },
        },
      },
      async (request) => runView(await runtime.engine.cancel((request.params as { id: string }).id)),
    );

    for (const approved of [true, false]) {
      app.post(
        `/runs/:id/${approved ? "approve" : "reject"}`,
        {
          config: { access: "responder" },
          schema: {
            tags,
            summary: `${approved ? "Approve" : "Reject"} the run's pending approval; the run continues`,
            params: IdParam,
            body: Decision,
            response: { 202: RunView, ...errors(400, 401, 403, 404, 409) },
          },
        },
        async (request, reply) => {
          const { id } = request.params as { id: string };
          const body = (request.body ?? {}) as { comment?: string; key?: string };
          await get(id);
          await runtime.runs.decideApproval(id, {
            approved,
            by: request.principal!.actor,
            comment: body.comment,
            key: body.key,
            at: new Date().toISOString(),
          });
          runtime.resumeSoon(id);
          return reply.code(202).send(runView(await get(id)));
        },
      );
    }

    app.post(
      "/runs/:id/rerun",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary: "Start a finished run's playbook again with the same inputs",
          params: IdParam,
          response: { 202: Type.Object({ run_id: Type.String() }), ...errors(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const run = await get((request.params as { id: string }).id);
        if (!FINISHED.has(run.status))
          throw new ConflictError(`run ${run.id} is ${run.status}; only a finished run can be re-run`);
        const runId = await runtime.startRun(run.playbookPath, {
          inputs: run.inputs,
          connections: run.connections,
          alert: run.alert,
          rerunOf: run.id,
        });
        return reply.code(202).send({ run_id: runId });
      },
    );

    app.post(
      "/runs/:id/resume",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary: "Continue an unfinished run whose executor is gone",
          params: IdParam,
          response: { 202: RunView, ...errors(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const run = await get((request.params as { id: string }).id);
        if (FINISHED.has(run.status)) throw new ConflictError(`run ${run.id} is ${run.status}`);
        runtime.resumeSoon(run.id);
        return reply.code(202).send(runView(run));
      },
    );
  };
}
