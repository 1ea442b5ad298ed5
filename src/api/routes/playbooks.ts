import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { runPlaybookTests, testFileOf } from "../../app/playbook-tests.ts";
import type { Runtime } from "../../app/runtime.ts";
import type { TriggeredPlaybook } from "../../app/trigger-playbooks.ts";
import { NotFoundError, ValidationError } from "../../core/errors.ts";
import { bindConnections } from "../../engine/bind-connections.ts";
import { displayPath, loadPlaybook, PlaybookError } from "../../engine/load.ts";
import { TestFileError } from "../../engine/testing/test-file.ts";
import { playbookGraph } from "../playbook-graph.ts";
import { errors, NameParam } from "../schemas.ts";

const Json = Type.Unsafe<unknown>({});
const Issue = Type.Object({
  line: Type.Integer(),
  column: Type.Integer(),
  path: Type.String(),
  message: Type.String(),
});

function summary(p: TriggeredPlaybook) {
  const { description, trigger, inputs } = p.playbook.definition;
  return {
    name: p.name,
    description: description ?? null,
    path: p.path,
    triggers: {
      alert: trigger?.alert ?? null,
      webhook: p.webhook ?? null,
      schedule: trigger?.schedule ?? null,
    },
    inputs: inputs ?? null,
  };
}

const CaseResultView = Type.Object({
  name: Type.String(),
  passed: Type.Boolean(),
  mismatches: Type.Array(Type.Object({ field: Type.String(), expected: Json, actual: Json })),
  problems: Type.Array(Type.String()),
});

const TestReport = Type.Object({
  file: Type.String(),
  passed: Type.Integer(),
  failed: Type.Integer(),
  cases: Type.Array(CaseResultView),
});

const InvalidTests = Type.Object({
  error: Type.Object({
    type: Type.Literal("TestFileError"),
    message: Type.String(),
    issues: Type.Array(Issue),
  }),
});

const Summary = Type.Object({
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  path: Type.String(),
  triggers: Json,
  inputs: Json,
});

/** Playbooks: the list with their triggers and last runs, one with its YAML and graph, validation, starting a run. */
export function playbookRoutes(runtime: Runtime) {
  return async (app: FastifyInstance): Promise<void> => {
    const tags = ["playbooks"];
    const find = (name: string) => {
      const playbook = runtime.playbooks.byName.get(name);
      if (!playbook) throw new NotFoundError(`no playbook named "${name}"`, { field: "name" });
      return playbook;
    };

    app.get(
      "/playbooks",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "The service's playbooks with their triggers and last runs",
          response: {
            200: Type.Object({
              items: Type.Array(Type.Intersect([Summary, Type.Object({ last_runs: Json })])),
            }),
            ...errors(401),
          },
        },
      },
      async () => {
        const items = [];
        for (const p of runtime.playbooks.byName.values()) {
          const { runs } = await runtime.runs.page({ playbook: p.name, limit: 5 });
          items.push({
            ...summary(p),
            last_runs: runs.map((r) => ({ id: r.id, status: r.status, created_at: r.createdAt })),
          });
        }
        return { items };
      },
    );

    app.get(
      "/playbooks/:name",
      {
        config: { access: "viewer" },
        schema: {
          tags,
          summary: "A playbook: its YAML, its definition and its steps as a graph",
          params: NameParam,
          response: {
            200: Type.Intersect([
              Summary,
              Type.Object({ yaml: Type.String(), definition: Json, graph: Json }),
            ]),
            ...errors(401, 404),
          },
        },
      },
      async (request) => {
        const p = find((request.params as { name: string }).name);
        return {
          ...summary(p),
          yaml: p.playbook.sources[p.path] ?? (await readFile(p.path, "utf8")),
          definition: p.playbook.definition,
          graph: playbookGraph(p.playbook.definition),
        };
      },
    );

    app.post(
      "/playbooks/validate",
      {
        config: { access: "viewer", auditAction: "self" },
        schema: {
          tags,
          summary: "Check a playbook's YAML without saving it; every issue with its line and column",
          body: Type.Object({ yaml: Type.String({ maxLength: 1_000_000 }) }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              valid: Type.Boolean(),
              issues: Type.Array(Issue),
              graph: Type.Optional(Json),
            }),
            ...errors(400, 401),
          },
        },
      },
      async (request) => {
        const { yaml } = request.body as { yaml: string };
        const file = join(runtime.playbooksDir ?? process.cwd(), "(posted).yaml");
        try {
          const loaded = await loadPlaybook(file, {
            catalog: runtime.registry,
            read: async (path) => {
              if (path === file) return yaml;
              // A nested playbook is read from the service's folder, as it would be when saved there.
              return readFile(path, "utf8");
            },
          });
          return { valid: true, issues: [], graph: playbookGraph(loaded.definition) };
        } catch (error) {
          if (!(error instanceof PlaybookError)) throw error;
          return {
            valid: false,
            issues: error.issues.map((i) => ({
              line: i.line,
              column: i.column,
              path: i.path ?? "",
              message: i.message,
            })),
          };
        }
      },
    );

    app.post(
      "/playbooks/:name/runs",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary: "Start a run; the input is checked against the playbook's inputs",
          params: NameParam,
          body: Type.Object(
            {
              inputs: Type.Optional(Type.Record(Type.String(), Json)),
              connections: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
            },
            { additionalProperties: false },
          ),
          response: { 202: Type.Object({ run_id: Type.String() }), ...errors(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const p = find((request.params as { name: string }).name);
        const body = (request.body ?? {}) as { inputs?: unknown; connections?: Record<string, string> };
        const connections = {
          ...bindConnections(p.playbook, await runtime.connections.saved()),
          ...body.connections,
        };
        try {
          p.checkInput(body.inputs ?? {});
        } catch (error) {
          if (error instanceof ValidationError) throw error;
          throw new ValidationError((error as Error).message, { field: "inputs" });
        }
        const runId = await runtime.startRun(p.path, {
          inputs: body.inputs ?? {},
          connections,
          cause: { kind: "api", by: request.principal!.actor },
        });
        return reply.code(202).send({ run_id: runId });
      },
    );

    app.post(
      "/playbooks/:name/tests",
      {
        config: { access: "responder" },
        schema: {
          tags,
          summary:
            "Run the playbook's test cases (<name>.test.yaml beside it) against the vendors' simulators; nothing real is called",
          params: NameParam,
          body: Type.Optional(
            Type.Object(
              { filter: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
              { additionalProperties: false },
            ),
          ),
          response: { 200: TestReport, 422: InvalidTests, ...errors(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const p = find((request.params as { name: string }).name);
        const body = (request.body ?? {}) as { filter?: string };
        const path = await testFileOf(p.path);
        if (!path)
          throw new NotFoundError(`playbook "${p.name}" has no test file beside it`, { field: "name" });
        try {
          const cases = await runPlaybookTests(path, {
            catalog: runtime.registry,
            scripts: runtime.scripts,
            filter: body.filter,
          });
          const passed = cases.filter((c) => c.passed).length;
          return {
            file: displayPath(path),
            passed,
            failed: cases.length - passed,
            cases: cases.map((c) => ({
              name: c.name,
              passed: c.passed,
              mismatches: c.mismatches,
              problems: c.problems.map(runtime.redact),
            })),
          };
        } catch (error) {
          if (!(error instanceof TestFileError)) throw error;
          return reply.code(422).send({
            error: {
              type: "TestFileError",
              message: `the test file of "${p.name}" does not load`,
              issues: error.issues.map((i) => ({
                line: i.line,
                column: i.column,
                path: i.path ?? "",
                message: i.message,
              })),
            },
          });
        }
      },
    );
  };
}
