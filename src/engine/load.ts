import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, relative, resolve } from "node:path";
import type { Ajv as AjvClass, ErrorObject, Options } from "ajv";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { Connector } from "../connectors/sdk/index.ts";
import { schemas } from "../connectors/sdk/index.ts";
import { yamlData } from "../core/yaml-data.ts";
import {
  bareExpression,
  ExpressionError,
  Expressions,
  expressionOf,
  isLiteral,
  literalValue,
} from "./expressions.ts";
import { type PlaybookFile, playbookJsonSchema, STEP_TYPES, type Step } from "./playbook-schema.ts";
import { compilePolicies, type StepPolicy } from "./policy.ts";
import { checkScheduleTrigger } from "./trigger-check.ts";

const require = createRequire(import.meta.url);
const Ajv = require("ajv").default as new (options: Options) => AjvClass;

/** One problem in a playbook file, with where it is. */
export interface PlaybookIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. `steps.get_alerts.retry.max_attempts`. */
  path: string;
  message: string;
}

/** A playbook that does not load; `issues` lists every problem found, each with its line. */
export class PlaybookError extends Error {
  readonly issues: PlaybookIssue[];

  constructor(issues: PlaybookIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`).join("\n"));
    this.issues = issues;
  }

  override get name(): string {
    return "PlaybookError";
  }
}

/** Where the loader finds connectors; a ConnectorRegistry fits. */
export interface ConnectorCatalog {
  get(name: string): Connector | undefined;
}

/** A validated playbook with the nested playbooks it calls, loaded too. */
export interface LoadedPlaybook {
  /** Absolute path of the file. */
  path: string;
  definition: PlaybookFile;
  /** Nested playbooks by the id of the `playbook` step that calls them. */
  children: Map<string, LoadedPlaybook>;
  /** Source text of this file and of every nested one, by absolute path (stored with each run). */
  sources: Record<string, string>;
  /** sha256 over every source, so a run records exactly what it ran. */
  hash: string;
  /** Each step's retry, timeout and durations in milliseconds, by step id (compiled here, once). */
  policies: ReadonlyMap<string, StepPolicy>;
}

export interface LoadOptions {
  catalog: ConnectorCatalog;
  /** Reads a file; runs resume from the sources they stored, not from disk. */
  read?: (path: string) => Promise<string>;
}

export type Segment = string | number;

/** Reads, parses and checks a playbook and everything it calls; throws a PlaybookError listing every issue. */
export async function loadPlaybook(path: string, options: LoadOptions): Promise<LoadedPlaybook> {
  const loader = new Loader(options);
  return loader.load(resolve(path), []);
}

/**
 * Loaded playbooks kept by path, handed out again while every source file still reads the same, so
 * a process that starts many runs checks a playbook (JSON Schema, expressions, graph) once per
 * version rather than once per run. The files are read on every load: an edit takes effect at once.
 */
export class PlaybookCache {
  readonly #entries = new Map<string, { playbook: LoadedPlaybook; files?: Map<string, string> }>();
  /** Versions loaded from a run's stored sources, by hash and path. */
  readonly #versions = new Map<string, LoadedPlaybook>();
  readonly #limit: number;

  constructor(limit = 200) {
    this.#limit = limit;
  }

  async load(path: string, options: LoadOptions): Promise<LoadedPlaybook> {
    const absolute = resolve(path);
    const cached = this.#entries.get(absolute);
    if (cached && (await this.#unchanged(cached, options.read))) return cached.playbook;
    const playbook = await loadPlaybook(absolute, options);
    const files = options.read ? undefined : await identities(playbook.sources);
    this.#entries.delete(absolute);
    this.#entries.set(absolute, { playbook, files });
    if (this.#entries.size > this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
    return playbook;
  }

  /**
   * The playbook at `path` as it was at version `hash` (a resumed run's): the loaded one when it is
   * that version, else loaded from the stored `sources` and kept by version (a version never changes).
   */
  async loadVersion(
    path: string,
    hash: string,
    options: { catalog: ConnectorCatalog; sources: () => Promise<Record<string, string>> },
  ): Promise<LoadedPlaybook> {
    const absolute = resolve(path);
    const current = this.#entries.get(absolute);
    if (current?.playbook.hash === hash) return current.playbook;
    const key = `${hash}\0${absolute}`;
    const kept = this.#versions.get(key);
    if (kept) return kept;
    const sources = await options.sources();
    const playbook = await loadPlaybook(absolute, {
      catalog: options.catalog,
      read: async (p) => {
        const text = sources[p];
        if (text === undefined) throw new Error(`the run has no stored source for ${p}`);
        return text;
      },
    });
    this.#versions.set(key, playbook);
    if (this.#versions.size > this.#limit) this.#versions.delete(this.#versions.keys().next().value!);
    return playbook;
  }

  // Files on disk are compared by identity (inode, size, mtime in ns): one stat instead of a read.
  // Sources handed in by `read` (a resumed run's stored ones) are compared by text.
  async #unchanged(
    entry: { playbook: LoadedPlaybook; files?: Map<string, string> },
    read: LoadOptions["read"],
  ): Promise<boolean> {
    try {
      for (const [path, text] of Object.entries(entry.playbook.sources)) {
        if (read) {
          if ((await read(path)) !== text) return false;
        } else if (!entry.files || entry.files.get(path) !== (await identity(path))) return false;
      }
      return true;
    } catch {
      return false;
    }
  }
}

// A synchronous stat of a local file takes microseconds; the promise version costs a thread-pool
// round trip per run, more than the check itself.
async function identity(path: string): Promise<string> {
  const info = statSync(path, { bigint: true });
  return `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/**
 * Each source file's identity, taken before reading it back: kept only when the file still holds the
 * loaded text, so an edit racing the load is never mistaken for the version that was checked.
 */
async function identities(sources: Record<string, string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [path, text] of Object.entries(sources)) {
    try {
      const id = await identity(path);
      if ((await readFile(path, "utf8")) === text) out.set(path, id);
    } catch {
      // A file that cannot be read is checked again on the next load.
    }
  }
  return out;
}

class Loader {
  readonly #catalog: ConnectorCatalog;
  readonly #read: (path: string) => Promise<string>;
  readonly #ajv: AjvClass;
  readonly #expressions = new Expressions();

  constructor(options: LoadOptions) {
    this.#catalog = options.catalog;
    this.#read = options.read ?? ((p) => readFile(p, "utf8"));
    this.#ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: false,
      discriminator: true,
      allowUnionTypes: true,
    });
  }

  async load(path: string, stack: string[]): Promise<LoadedPlaybook> {
    const file = displayPath(path);
    let text: string;
    try {
      text = await this.#read(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new PlaybookError([
        { file, line: 1, column: 1, path: "", message: `cannot read the playbook (${code})` },
      ]);
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const issues: PlaybookIssue[] = [];
    const at = (path: Segment[], message: string, onKey = false) => {
      const offset = locate(doc.contents as Node | null, path, onKey);
      const pos = lines.linePos(offset);
      issues.push({ file, line: pos.line || 1, column: pos.col || 1, path: dotted(path), message });
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
    if (issues.length > 0) throw new PlaybookError(issues);
    const parsed = yamlData(doc);
    if ("error" in parsed)
      throw new PlaybookError([{ file, line: 1, column: 1, path: "", message: parsed.error }]);
    const data = parsed.data;
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      at([], "a playbook must be a mapping with name, start and steps");
      throw new PlaybookError(issues);
    }

    const validate = this.#ajv.compile(playbookJsonSchema);
    if (!validate(data)) {
      for (const error of validate.errors ?? []) {
        const described = describeSchemaError(error);
        if (described) at(described.path, described.message, described.onKey);
      }
      throw new PlaybookError(issues);
    }
    const definition = data as PlaybookFile;
    const children = new Map<string, LoadedPlaybook>();
    const sources: Record<string, string> = { [path]: text };
    this.#checkGraph(definition, at);
    this.#checkInputsSchema(definition, at);
    checkScheduleTrigger(definition, this.#ajv, at);
    this.#checkExpressions(definition, at);
    this.#checkCalls(definition, at);
    const policies = compilePolicies(allSteps(definition.steps, ["steps"]), at);
    for (const [id, step, where] of allSteps(definition.steps, ["steps"])) {
      if (step.type !== "playbook") continue;
      const childPath = resolve(dirname(path), step.path);
      if (stack.includes(childPath) || childPath === path) {
        at([...where, "path"], `step "${id}" calls ${step.path}, which calls this playbook back (a cycle)`);
        continue;
      }
      try {
        const child = await this.load(childPath, [...stack, path]);
        children.set(id, child);
        Object.assign(sources, child.sources);
        this.#checkChildBinding(definition, id, step, child, where, at);
      } catch (error) {
        if (!(error instanceof PlaybookError)) throw error;
        issues.push(...error.issues);
      }
    }
    if (issues.length > 0) throw new PlaybookError(issues);
    return { path, definition, children, sources, hash: hashSources(sources, dirname(path)), policies };
  }

  #checkGraph(pb: PlaybookFile, at: (path: Segment[], message: string, onKey?: boolean) => void): void {
    const seen = new Map<string, string>();
    const scopes: Array<{ start: string; steps: Record<string, Step>; where: Segment[]; owner?: string }> = [
      { start: pb.start, steps: pb.steps, where: [] },
    ];
    for (const [id, step, where] of allSteps(pb.steps, ["steps"])) {
      const previous = seen.get(id);
      if (previous !== undefined)
        at(where, `step id "${id}" is used twice (also at ${previous}); step ids must be unique`, true);
      else seen.set(id, dotted(where));
      if (step.type === "foreach")
        scopes.push({ start: step.start, steps: step.steps, where: where, owner: id });
    }
    for (const scope of scopes) {
      const ids = new Set(Object.keys(scope.steps));
      const inScope = scope.owner ? ` inside foreach "${scope.owner}"` : "";
      if (!ids.has(scope.start)) {
        at([...scope.where, "start"], `start step "${scope.start}" does not exist${inScope}`);
        continue;
      }
      const edges = new Map<string, string[]>();
      for (const [id, step] of Object.entries(scope.steps)) {
        const targets: string[] = [];
        for (const [field, target] of edgesOf(step)) {
          if (!ids.has(target)) {
            const known = [...ids].join(", ");
            at(
              [...scope.where, "steps", id, ...field],
              `step "${id}" goes to "${target}", which is not a step${inScope} (steps: ${known})`,
            );
          } else targets.push(target);
        }
        edges.set(id, targets);
      }
      const reachable = new Set<string>();
      const queue = [scope.start];
      while (queue.length > 0) {
        const id = queue.pop()!;
        if (reachable.has(id)) continue;
        reachable.add(id);
        queue.push(...(edges.get(id) ?? []));
      }
      for (const id of ids) {
        if (!reachable.has(id))
          at(
            [...scope.where, "steps", id],
            `step "${id}" can never run: no edge from "${scope.start}" leads to it`,
            true,
          );
      }
      const cycle = findCycle(scope.start, edges);
      if (cycle) {
        at(
          [...scope.where, "steps", cycle[cycle.length - 1]!],
          `steps form a cycle (${cycle.join(" → ")}); repeat work with a foreach step instead`,
          true,
        );
      }
    }
  }

  #checkInputsSchema(pb: PlaybookFile, at: (path: Segment[], message: string) => void): void {
    if (!pb.inputs) return;
    try {
      this.#ajv.compile(pb.inputs);
    } catch (error) {
      at(["inputs"], `inputs is not a valid JSON Schema: ${(error as Error).message}`);
    }
  }

  #checkExpressions(pb: PlaybookFile, at: (path: Segment[], message: string) => void): void {
    const check = (text: string, path: Segment[]) => {
      try {
        this.#expressions.compile(text);
      } catch (error) {
        if (error instanceof ExpressionError) at(path, error.message);
        else throw error;
      }
    };
    const walk = (value: unknown, path: Segment[]) => {
      const text = expressionOf(value);
      if (text !== undefined) check(text, path);
      else if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) walk(item, [...path, i]);
      } else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
      }
    };
    walk(pb.outputs, ["outputs"]);
    if (pb.trigger?.alert?.when) check(bareExpression(pb.trigger.alert.when), ["trigger", "alert", "when"]);
    for (const [, step, where] of allSteps(pb.steps, ["steps"])) {
      switch (step.type) {
        case "call":
        case "script":
          walk(step.input, [...where, "input"]);
          break;
        case "transform":
          walk(step.output, [...where, "output"]);
          break;
        case "condition":
          step.branches.forEach((b, i) => {
            check(bareExpression(b.when), [...where, "branches", i, "when"]);
          });
          break;
        case "foreach":
          check(bareExpression(step.items), [...where, "items"]);
          walk(step.result, [...where, "result"]);
          break;
        case "playbook":
          walk(step.inputs, [...where, "inputs"]);
          break;
        case "approval":
          walk(step.message, [...where, "message"]);
          break;
        case "end":
          walk(step.message, [...where, "message"]);
          break;
      }
    }
  }

  #checkCalls(pb: PlaybookFile, at: (path: Segment[], message: string) => void): void {
    const aliases = pb.connections ?? {};
    for (const [alias, binding] of Object.entries(aliases)) {
      if (!this.#catalog.get(binding.connector))
        at(
          ["connections", alias, "connector"],
          `connection "${alias}": unknown connector "${binding.connector}"`,
        );
    }
    for (const [id, step, where] of allSteps(pb.steps, ["steps"])) {
      if (step.type !== "call") continue;
      const binding = aliases[step.connection];
      if (!binding) {
        const declared = Object.keys(aliases).join(", ") || "none";
        at(
          [...where, "connection"],
          `step "${id}" uses connection "${step.connection}", which is not declared under connections (declared: ${declared})`,
        );
        continue;
      }
      const connector = this.#catalog.get(binding.connector);
      if (!connector) continue;
      const op = connector.operation(step.operation);
      if (!op) {
        at(
          [...where, "operation"],
          `step "${id}": connector ${connector.name} has no operation "${step.operation}"`,
        );
        continue;
      }
      if (!isLiteral(step.input ?? {})) continue;
      try {
        const valid = schemas.assert<Record<string, unknown>>(
          op.input,
          structuredClone(literalValue(step.input ?? {})),
          "input",
        );
        op.check?.(valid as never);
      } catch (error) {
        const field = (error as { field?: string }).field;
        const path = [...where, "input", ...(field ? field.split(".") : [])];
        at(
          step.input === undefined ? where : path,
          `step "${id}": ${connector.name}.${op.name} ${(error as Error).message}`,
        );
      }
    }
  }

  #checkChildBinding(
    pb: PlaybookFile,
    id: string,
    step: Extract<Step, { type: "playbook" }>,
    child: LoadedPlaybook,
    where: Segment[],
    at: (path: Segment[], message: string) => void,
  ): void {
    const parentAliases = pb.connections ?? {};
    for (const [childAlias, binding] of Object.entries(child.definition.connections ?? {})) {
      const parentAlias = step.connections?.[childAlias] ?? childAlias;
      const parent = parentAliases[parentAlias];
      if (!parent) {
        at(
          [...where, "connections"],
          `step "${id}": ${child.definition.name} needs connection "${childAlias}" (${binding.connector}); declare "${parentAlias}" under connections or map it here`,
        );
      } else if (parent.connector !== binding.connector) {
        at(
          [...where, "connections"],
          `step "${id}": connection "${parentAlias}" is ${parent.connector} but ${child.definition.name} needs ${binding.connector} for "${childAlias}"`,
        );
      }
    }
    for (const childAlias of Object.keys(step.connections ?? {})) {
      if (!child.definition.connections?.[childAlias])
        at(
          [...where, "connections", childAlias],
          `step "${id}": ${child.definition.name} declares no connection "${childAlias}"`,
        );
    }
    if (child.definition.inputs && isLiteral(step.inputs ?? {})) {
      const validate = this.#ajv.compile(child.definition.inputs);
      if (!validate(structuredClone(literalValue(step.inputs ?? {})))) {
        const e = validate.errors?.[0];
        at(
          [...where, "inputs"],
          `step "${id}": inputs for ${child.definition.name} ${e ? `${e.instancePath || ""} ${e.message}`.trim() : "are invalid"}`,
        );
      }
    }
  }
}

/** Every step of a playbook, foreach bodies included, with its path in the file. */
export function* allSteps(
  steps: Record<string, Step>,
  where: Segment[],
): Generator<[string, Step, Segment[]]> {
  for (const [id, step] of Object.entries(steps)) {
    const path = [...where, id];
    yield [id, step, path];
    if (step.type === "foreach") yield* allSteps(step.steps, [...path, "steps"]);
  }
}

/** The outgoing edges of a step, each with the field that holds it. */
export function edgesOf(step: Step): Array<[Segment[], string]> {
  const edges: Array<[Segment[], string]> = [];
  if ("on_success" in step && step.on_success) edges.push([["on_success"], step.on_success]);
  if ("on_failure" in step && step.on_failure) edges.push([["on_failure"], step.on_failure]);
  if (step.type === "condition") {
    step.branches.forEach((b, i) => {
      edges.push([["branches", i, "next"], b.next]);
    });
    if (step.otherwise) edges.push([["otherwise"], step.otherwise]);
  }
  return edges;
}

// Depth-first with an explicit stack: a playbook of thousands of chained steps must not overflow the call stack.
function findCycle(start: string, edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">([[start, "open"]]);
  const path: string[] = [start];
  const cursor: number[] = [0];
  while (path.length > 0) {
    const id = path[path.length - 1]!;
    const nexts = edges.get(id) ?? [];
    const i = cursor[cursor.length - 1]!;
    if (i >= nexts.length) {
      state.set(id, "done");
      path.pop();
      cursor.pop();
      continue;
    }
    cursor[cursor.length - 1] = i + 1;
    const next = nexts[i]!;
    if (state.get(next) === "open") return [...path.slice(path.indexOf(next)), next];
    if (!state.has(next)) {
      state.set(next, "open");
      path.push(next);
      cursor.push(0);
    }
  }
  return undefined;
}

/** A JSON Schema error as a sentence about the YAML value it concerns (`root` names the whole file). */
export function describeSchemaError(
  error: ErrorObject,
  root = "the playbook",
): { path: Segment[]; message: string; onKey?: boolean } | undefined {
  const path: Segment[] = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  const where = dotted(path) || root;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      return { path: [...path, key], message: `${where} has an unknown key "${key}"`, onKey: true };
    }
    case "required":
      return { path, message: `${where} is missing "${String(params.missingProperty)}"` };
    case "discriminator":
      return {
        path: [...path, "type"],
        message:
          params.error === "mapping"
            ? `${where}.type "${String(params.tagValue)}" is not a step type (one of ${STEP_TYPES.join(", ")})`
            : `${where} needs a "type" (one of ${STEP_TYPES.join(", ")})`,
      };
    case "pattern":
      return {
        path,
        message:
          typeof error.parentSchema?.description === "string"
            ? `${where} must be ${error.parentSchema.description}`
            : `${where} does not match ${String(params.pattern)}`,
      };
    case "enum":
    case "const":
      return {
        path,
        message: `${where} must be ${((params.allowedValues as unknown[]) ?? [params.allowedValue]).map((v) => JSON.stringify(v)).join(" or ")}`,
      };
    case "minProperties":
      return { path, message: `${where} must not be empty` };
    case "anyOf":
    case "oneOf":
      // The branches' own errors say more; a union of literals reports each, keep one line.
      return undefined;
    default:
      return { path, message: `${where} ${error.message ?? "is invalid"}` };
  }
}

/** Offset in the source of the node at `path` (or of its key), or of the deepest ancestor that exists. */
export function locate(root: Node | null, path: Segment[], onKey: boolean): number {
  let node: unknown = root;
  let offset = (root as { range?: number[] } | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) === segment);
      if (!pair) break;
      const key = pair.key as { range?: number[] } | null;
      if (last && onKey && key?.range) return key.range[0]!;
      node = pair.value;
      const range = (pair.value as { range?: number[] } | null)?.range ?? key?.range;
      if (range) offset = range[0]!;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as { range?: number[] } | undefined;
      if (!item) break;
      node = item;
      if (item.range) offset = item.range[0]!;
    } else break;
  }
  return offset;
}

/** `steps.fetch.branches[0].when` */
export function dotted(path: Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** A path relative to the working directory when it is below it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

// Paths relative to the root playbook, so moving a checkout does not change the hash.
function hashSources(sources: Record<string, string>, root: string): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(sources).sort()) hash.update(`${relative(root, key)}\0${sources[key]}\0`);
  return hash.digest("hex");
}
