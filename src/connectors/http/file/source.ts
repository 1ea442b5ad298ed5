import { relative } from "node:path";
import type { ErrorObject } from "ajv";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { yamlData } from "../../../core/yaml-data.ts";
import { ValidationError } from "../../sdk/index.ts";

export type Segment = string | number;

/** One problem in a connector file, with where it is. */
export interface FileIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. `operations[2].path`. */
  path: string;
  message: string;
}

/** A connector file (or several) that does not load; `issues` lists every problem, each with its line. */
export class ConnectorFileError extends ValidationError {
  readonly issues: FileIssue[];

  constructor(issues: FileIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`).join("\n"), {
      field: issues[0]?.path || undefined,
      details: { issues },
    });
    this.issues = issues;
  }
}

/** A parsed YAML or JSON file that can say where any of its values is. */
export interface SourceFile {
  file: string;
  data: unknown;
  issues: FileIssue[];
  /** Records a problem at the value (or, with `onKey`, the key) at `path`. */
  at(path: Segment[], message: string, onKey?: boolean): void;
}

/** Parses YAML (JSON is YAML too) keeping source positions; syntax errors become issues. */
export function parseSource(text: string, path: string): SourceFile {
  const file = displayPath(path);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: FileIssue[] = [];
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    issues.push({
      file,
      line: pos.line,
      column: pos.col,
      path: "",
      message: `syntax: ${error.message.split("\n")[0]}`,
    });
  }
  const seen = new Set<string>();
  const at = (where: Segment[], message: string, onKey = false) => {
    const pos = lines.linePos(locate(doc.contents as Node | null, where, onKey));
    const issue = { file, line: pos.line || 1, column: pos.col || 1, path: dotted(where), message };
    const key = `${issue.path}\0${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push(issue);
  };
  if (issues.length > 0) return { file, data: undefined, issues, at };
  const parsed = yamlData(doc);
  if ("error" in parsed) {
    issues.push({ file, line: 1, column: 1, path: "", message: parsed.error });
    return { file, data: undefined, issues, at };
  }
  return { file, data: parsed.data, issues, at };
}

/** Offset of the node at `path` (or of its key), or of the deepest ancestor that exists. */
function locate(root: Node | null, path: Segment[], onKey: boolean): number {
  let node: unknown = root;
  let offset = (root as { range?: number[] } | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(segment),
      );
      if (!pair) break;
      const key = pair.key as { range?: number[] } | null;
      if (i === path.length - 1 && onKey && key?.range) return key.range[0]!;
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

/** `operations[2].input.properties.ip` */
export function dotted(path: Segment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/** A path relative to the working directory when it is below it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

/** A JSON Schema error as a sentence about the value it concerns. */
export function describeSchemaError(
  error: ErrorObject,
): { path: Segment[]; message: string; onKey?: boolean } | undefined {
  const path: Segment[] = error.instancePath
    .split("/")
    .slice(1)
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const where = dotted(path) || "the connector file";
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties": {
      const key = String(params.additionalProperty);
      return { path: [...path, key], message: `${where} has an unknown key "${key}"`, onKey: true };
    }
    case "required":
      return { path, message: `${where} is missing "${String(params.missingProperty)}"` };
    case "discriminator": {
      const tag = String(params.tag);
      const branches = (error.parentSchema?.oneOf ?? []) as Array<{
        properties: Record<string, { const: string }>;
      }>;
      const allowed = branches.map((s) => s.properties[tag]?.const).join(", ");
      return {
        path: [...path, tag],
        message:
          params.error === "mapping"
            ? `${where}.${tag} "${String(params.tagValue)}" is not one of ${allowed}`
            : `${where} needs a "${tag}" (one of ${allowed})`,
      };
    }
    case "enum":
    case "const":
      return {
        path,
        message: `${where} must be ${((params.allowedValues as unknown[]) ?? [params.allowedValue]).map((v) => JSON.stringify(v)).join(" or ")}`,
      };
    case "pattern":
      return {
        path,
        message:
          typeof error.parentSchema?.description === "string"
            ? `${where} must be ${error.parentSchema.description}`
            : `${where} does not match ${String(params.pattern)}`,
      };
    case "anyOf":
    case "oneOf":
      return undefined;
    default:
      return { path, message: `${where} ${error.message ?? "is invalid"}` };
  }
}
