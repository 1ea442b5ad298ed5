import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import type { Ajv as AjvClass, Options } from "ajv";
import { LineCounter, type Node, parseDocument } from "yaml";
import type { ErrorType } from "../../connectors/sdk/index.ts";
import { schemas } from "../../connectors/sdk/index.ts";
import { yamlData } from "../../core/yaml-data.ts";
import {
  type ConnectorCatalog,
  describeSchemaError,
  displayPath,
  type LoadedPlaybook,
  loadPlaybook,
  locate,
  PlaybookError,
  type PlaybookIssue,
  type Segment,
} from "../load.ts";

const require = createRequire(import.meta.url);
const Ajv = require("ajv").default as new (options: Options) => AjvClass;

/** The error types a stub may fail a call with: the SDK's typed errors. */
export const STUB_ERROR_TYPES: readonly ErrorType[] = [
  "ValidationError",
  "AuthError",
  "NotFoundError",
  "RateLimitedError",
  "UpstreamError",
  "TimeoutError",
  "ConnectionError",
];

/** One stubbed reply of an operation: an HTTP status with its body, or a typed failure. */
export interface StubReply {
  status?: number;
  output?: unknown;
  headers?: Record<string, string>;
  error?: { type: ErrorType; message?: string; retryable?: boolean; status?: number; retryAfterMs?: number };
}

export interface FaultSpec {
  alias: string;
  fault: { kind: string; [key: string]: unknown };
  method?: string;
  path?: string;
  times?: number;
}

export interface StepExpectation {
  state?: "succeeded" | "failed";
  status?: number | null;
  attempts?: number;
  requests?: number;
  input?: unknown;
  output?: unknown;
  error?: unknown;
}

export interface CaseExpectation {
  status?: "succeeded" | "failed" | "waiting" | "cancelled";
  path?: string[];
  outputs?: unknown;
  message?: string | null;
  error?: unknown;
  steps?: Record<string, StepExpectation>;
}

export interface TestCase {
  name: string;
  description?: string;
  inputs?: unknown;
  alert?: unknown;
  stubs?: Record<string, StubReply | StubReply[]>;
  simulators?: string[];
  seed?: number;
  faults?: FaultSpec[];
  expect: CaseExpectation;
}

export interface TestFileDefinition {
  playbook?: string;
  fixtures?: unknown;
  cases: TestCase[];
}

/** A checked test file with the playbook it tests, loaded. */
export interface LoadedTestFile {
  /** Absolute path of the test file. */
  path: string;
  definition: TestFileDefinition;
  playbook: LoadedPlaybook;
}

/** A test file that cannot run; `issues` lists every problem (its own or its playbook's), each with its line. */
export class TestFileError extends PlaybookError {
  override get name(): string {
    return "TestFileError";
  }
}

const stubReply = {
  type: "object",
  additionalProperties: false,
  properties: {
    status: { type: "integer", minimum: 100, maximum: 599 },
    output: {},
    headers: { type: "object", additionalProperties: { type: "string" } },
    error: {
      type: "object",
      additionalProperties: false,
      required: ["type"],
      properties: {
        type: { enum: [...STUB_ERROR_TYPES] },
        message: { type: "string" },
        retryable: { type: "boolean" },
        status: { type: "integer", minimum: 100, maximum: 599 },
        retryAfterMs: { type: "integer", minimum: 0 },
      },
    },
  },
};

const stepExpectation = {
  type: "object",
  additionalProperties: false,
  properties: {
    state: { enum: ["succeeded", "failed"] },
    status: { type: ["integer", "null"] },
    attempts: { type: "integer", minimum: 1 },
    requests: { type: "integer", minimum: 0 },
    input: {},
    output: {},
    error: {},
  },
};

/** JSON Schema of `<name>.test.yaml`. */
export const testFileJsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["cases"],
  properties: {
    playbook: { type: "string", minLength: 1 },
    // Anything: a place for YAML anchors the cases share (`<<: *alert` merges one in).
    fixtures: {},
    cases: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "expect"],
        properties: {
          name: { type: "string", minLength: 1 },
          description: { type: "string" },
          inputs: {},
          alert: { type: "object" },
          stubs: {
            type: "object",
            propertyNames: {
              pattern: "^[^.\\s]+\\.[^.\\s]+$",
              description: '"<alias>.<operation>", e.g. "defender.listAlerts"',
            },
            additionalProperties: {
              anyOf: [stubReply, { type: "array", minItems: 1, items: stubReply }],
            },
          },
          simulators: { type: "array", uniqueItems: true, items: { type: "string", minLength: 1 } },
          seed: { type: "integer", minimum: 1 },
          faults: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["alias", "fault"],
              properties: {
                alias: { type: "string", minLength: 1 },
                fault: {
                  type: "object",
                  required: ["kind"],
                  properties: { kind: { type: "string", minLength: 1 } },
                },
                method: { type: "string" },
                path: { type: "string" },
                times: { type: "integer", minimum: 0 },
              },
            },
          },
          expect: {
            type: "object",
            additionalProperties: false,
            properties: {
              status: { enum: ["succeeded", "failed", "waiting", "cancelled"] },
              path: { type: "array", items: { type: "string", minLength: 1 } },
              outputs: {},
              message: { type: ["string", "null"] },
              error: {},
              steps: { type: "object", additionalProperties: stepExpectation },
            },
          },
        },
      },
    },
  },
} as const;

/** The test file written beside a playbook: `x.yaml` → `x.test.yaml`. */
export function testFileOf(playbookPath: string): string {
  return playbookPath.replace(/(\.ya?ml)$/, ".test$1");
}

/** The playbook a test file is for when it names none: `x.test.yaml` → `x.yaml`. */
export function playbookOf(testPath: string): string {
  return resolve(dirname(testPath), basename(testPath).replace(/\.test(\.ya?ml)$/, "$1"));
}

/** `/regex/flags` in an expected message; undefined for an exact text. */
export function messagePattern(text: string): RegExp | undefined {
  const match = /^\/(.*)\/([dgimsuvy]*)$/s.exec(text);
  return match ? new RegExp(match[1]!, match[2]) : undefined;
}

/**
 * Reads and checks a test file and loads its playbook; throws a TestFileError listing every problem
 * (of the test file, or of the playbook it names) as `file:line:column: sentence`.
 */
export async function loadTestFile(path: string, catalog: ConnectorCatalog): Promise<LoadedTestFile> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TestFileError([
      { file, line: 1, column: 1, path: "", message: `cannot read the test file (${code})` },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const issues: PlaybookIssue[] = [];
  const at = (where: Segment[], message: string, onKey = false) => {
    // Schema errors name list positions as text ("cases/0"); the YAML walk needs them as numbers.
    const segments = where.map((s) => (typeof s === "string" && /^\d+$/.test(s) ? Number(s) : s));
    const pos = lines.linePos(locate(doc.contents as Node | null, segments, onKey));
    issues.push({ file, line: pos.line || 1, column: pos.col || 1, path: where.join("."), message });
  };
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    issues.push({
      file,
      line: pos.line,
      column: pos.col,
      path: "",
      message: `YAML syntax: ${error.message.split("\n")[0]}`,
    });
  }
  if (issues.length > 0) throw new TestFileError(issues);
  const parsed = yamlData(doc);
  if ("error" in parsed)
    throw new TestFileError([{ file, line: 1, column: 1, path: "", message: parsed.error }]);
  const data = parsed.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    at([], "a test file must be a mapping with cases (and optionally playbook)");
    throw new TestFileError(issues);
  }
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true });
  const validate = ajv.compile(testFileJsonSchema);
  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      if (error.keyword === "propertyNames") continue; // reported by the error beneath it, with the key
      if (error.propertyName !== undefined) {
        const where = error.instancePath.split("/").slice(1);
        at(
          [...where, error.propertyName],
          `stubs: "${error.propertyName}" must be "<alias>.<operation>", e.g. "defender.listAlerts"`,
          true,
        );
        continue;
      }
      const described = describeSchemaError(error, "the test file");
      if (described) at(described.path, described.message, described.onKey);
    }
    throw new TestFileError(issues);
  }
  const definition = data as TestFileDefinition;
  const playbookPath = definition.playbook
    ? resolve(dirname(absolute), definition.playbook)
    : playbookOf(absolute);
  let playbook: LoadedPlaybook;
  try {
    playbook = await loadPlaybook(playbookPath, { catalog });
  } catch (error) {
    if (!(error instanceof PlaybookError)) throw error;
    const missing = error.issues.length === 1 && error.issues[0]!.message.startsWith("cannot read");
    if (missing) {
      at(
        definition.playbook ? ["playbook"] : [],
        `the playbook ${displayPath(playbookPath)} cannot be read${definition.playbook ? "" : ' (name it with "playbook:")'}`,
      );
    }
    throw new TestFileError(missing ? issues : [...issues, ...error.issues]);
  }
  checkCases(definition, playbook, catalog, at);
  if (issues.length > 0) throw new TestFileError(issues);
  return { path: absolute, definition, playbook };
}

/** What JSON Schema cannot say: stubs and simulators name the playbook's aliases and operations. */
function checkCases(
  definition: TestFileDefinition,
  playbook: LoadedPlaybook,
  catalog: ConnectorCatalog,
  at: (where: Segment[], message: string, onKey?: boolean) => void,
): void {
  const aliases = playbook.definition.connections ?? {};
  const declared = Object.keys(aliases).join(", ") || "none";
  const stepIds = new Set<string>();
  const collect = (steps: Record<string, unknown>, nested: Record<string, unknown>[]) => {
    for (const [id, step] of Object.entries(steps)) {
      stepIds.add(id);
      const body = (step as { steps?: Record<string, unknown> }).steps;
      if (body) nested.push(body);
    }
  };
  const pending: Record<string, unknown>[] = [playbook.definition.steps];
  while (pending.length > 0) collect(pending.pop()!, pending);
  // Keys of nested runs (`each[0].lookup`, `child/fetch`) are not checked against the playbook.
  const knownStep = (key: string) => /[./[]/.test(key) || stepIds.has(key);
  const unknownStep = (key: string) =>
    `"${key}" is not a step of ${playbook.definition.name} (steps: ${[...stepIds].join(", ")})`;

  for (const [index, testCase] of definition.cases.entries()) {
    const where: Segment[] = ["cases", index];
    const simulated = new Set(testCase.simulators ?? []);
    for (const [i, alias] of (testCase.simulators ?? []).entries()) {
      if (!aliases[alias])
        at(
          [...where, "simulators", i],
          `simulators: "${alias}" is not a connection of the playbook (declared: ${declared})`,
        );
    }
    for (const [key, replies] of Object.entries(testCase.stubs ?? {})) {
      const [alias, operation] = key.split(".") as [string, string];
      const place = [...where, "stubs", key];
      const binding = aliases[alias];
      if (!binding) {
        at(
          place,
          `stub ${key}: "${alias}" is not a connection of the playbook (declared: ${declared})`,
          true,
        );
        continue;
      }
      if (simulated.has(alias)) {
        at(
          place,
          `stub ${key}: "${alias}" is served by its simulator in this case; stub it or simulate it, not both`,
          true,
        );
        continue;
      }
      const op = catalog.get(binding.connector)?.operation(operation);
      if (!op) {
        at(place, `stub ${key}: connector ${binding.connector} has no operation "${operation}"`, true);
        continue;
      }
      const list = Array.isArray(replies) ? replies : [replies];
      for (const [i, reply] of list.entries()) {
        const replyAt = Array.isArray(replies) ? [...place, i] : place;
        if (reply.error && (reply.status !== undefined || reply.output !== undefined)) {
          at(replyAt, `stub ${key}: a reply is either an error or a status with its output, not both`);
          continue;
        }
        const status = reply.status ?? 200;
        if (reply.error || status < 200 || status >= 300) continue;
        // A 2xx reply must be one the vendor could send: the operation's output schema decides.
        try {
          schemas.assert(op.output, structuredClone(reply.output ?? null), "output");
        } catch (error) {
          const field = (error as { field?: string }).field;
          const path =
            reply.output === undefined ? replyAt : [...replyAt, "output", ...(field ? field.split(".") : [])];
          at(
            path,
            `stub ${key}: ${binding.connector}.${operation} could not reply this: ${(error as Error).message}`,
          );
        }
      }
    }
    for (const [i, fault] of (testCase.faults ?? []).entries()) {
      if (!simulated.has(fault.alias))
        at([...where, "faults", i, "alias"], `faults: "${fault.alias}" is not in this case's simulators`);
    }
    const expect = testCase.expect;
    for (const [i, id] of (expect.path ?? []).entries()) {
      if (!knownStep(id)) at([...where, "expect", "path", i], `expect.path: ${unknownStep(id)}`);
    }
    for (const key of Object.keys(expect.steps ?? {})) {
      if (!knownStep(key)) at([...where, "expect", "steps", key], `expect.steps: ${unknownStep(key)}`, true);
    }
    if (typeof expect.message === "string") {
      try {
        messagePattern(expect.message);
      } catch (error) {
        at(
          [...where, "expect", "message"],
          `expect.message is not a valid /regex/: ${(error as Error).message}`,
        );
      }
    }
  }
}
