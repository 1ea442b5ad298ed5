import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { ConnectorFileError, parseSource, type Segment, type SourceFile } from "../file/source.ts";

/** The parts of an OpenAPI 3.x document the importer reads; everything else is kept as data. */
export interface OpenApiDocument {
  openapi: string;
  info: {
    title: string;
    version: string;
    description?: string;
    summary?: string;
    license?: { name?: string };
  };
  servers?: Array<{ url: string; description?: string; variables?: Record<string, ServerVariable> }>;
  paths?: Record<string, PathItem>;
  components?: { securitySchemes?: Record<string, SecurityScheme> };
  security?: SecurityRequirement[];
  webhooks?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ServerVariable {
  default: string;
  enum?: string[];
  description?: string;
}

export type SecurityRequirement = Record<string, string[]>;

export interface SecurityScheme {
  type: "apiKey" | "http" | "oauth2" | "openIdConnect" | "mutualTLS";
  name?: string;
  in?: "header" | "query" | "cookie";
  scheme?: string;
  flows?: Record<string, { tokenUrl?: string; scopes?: Record<string, string> }>;
  description?: string;
}

export type Schema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  description?: string;
  schema?: Schema;
  content?: Record<string, unknown>;
  style?: string;
  explode?: boolean;
  deprecated?: boolean;
}

export interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

export interface OperationObject {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, MediaType>; description?: string };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: SecurityRequirement[];
  callbacks?: Record<string, unknown>;
}

export type PathItem = Record<string, unknown> & { parameters?: Parameter[] };

/** A checked document: its dereferenced form, and where it came from. */
export interface LoadedDocument {
  path: string;
  source: SourceFile;
  api: OpenApiDocument;
}

/**
 * Reads, parses and validates an OpenAPI 3.0 or 3.1 document with swagger-parser, `$ref`s resolved.
 * Every problem (syntax, a version that is not 3.x, a missing `$ref`, a schema violation) is a
 * ConnectorFileError naming the file, line and field.
 */
export async function loadOpenApi(path: string): Promise<LoadedDocument> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const source = parseSource("", absolute);
    source.at([], `cannot read the OpenAPI document (${code})`);
    throw new ConnectorFileError(source.issues);
  }
  const source = parseSource(text, absolute);
  if (source.issues.length > 0) throw new ConnectorFileError(source.issues);
  const data = source.data as Record<string, unknown> | null;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    source.at([], "an OpenAPI document must be a mapping with openapi, info and paths");
    throw new ConnectorFileError(source.issues);
  }
  const version = data.openapi ?? data.swagger;
  if (typeof data.openapi !== "string" || !/^3\.[01]\./.test(data.openapi)) {
    source.at(
      [data.openapi === undefined && data.swagger !== undefined ? "swagger" : "openapi"],
      `only OpenAPI 3.0 and 3.1 documents can be imported (this one says ${JSON.stringify(version ?? "nothing")}); convert Swagger 2.0 first`,
    );
    throw new ConnectorFileError(source.issues);
  }
  checkLocalRefs(data, source);
  if (source.issues.length > 0) throw new ConnectorFileError(source.issues);
  let api: OpenApiDocument;
  try {
    api = (await SwaggerParser.validate(absolute, structuredClone(data) as never, {
      resolve: { http: false },
    })) as unknown as OpenApiDocument;
  } catch (error) {
    reportParserError(error, source);
    throw new ConnectorFileError(source.issues);
  }
  return { path: absolute, source, api };
}

/** Every local `$ref` (`#/...`) must point at something in the document; reported where it is written. */
function checkLocalRefs(data: unknown, source: SourceFile): void {
  const walk = (node: unknown, at: Segment[]) => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, [...at, i]);
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string" && value.startsWith("#")) {
          if (pointer(data, value) === undefined)
            source.at([...at, key], `$ref "${value}" points at nothing in this document`);
        } else walk(value, [...at, key]);
      }
    }
  };
  walk(data, []);
}

function pointer(root: unknown, ref: string): unknown {
  let node = root;
  for (const raw of ref.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** swagger-parser's errors, placed at the value they are about when they say which. */
function reportParserError(error: unknown, source: SourceFile): void {
  const details = (error as { details?: Array<{ instancePath: string; message?: string; keyword: string }> })
    .details;
  if (Array.isArray(details) && details.length > 0) {
    const seen = new Set<string>();
    for (const detail of details) {
      // "X or a Reference Object" alternatives: their $ref branch and the oneOf itself only add noise.
      if (detail.keyword === "oneOf" || detail.keyword === "anyOf") continue;
      if (detail.keyword === "required" && /'\$ref'/.test(detail.message ?? "")) continue;
      const path = detail.instancePath
        .split("/")
        .slice(1)
        .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"))
        .map((s): Segment => (/^\d+$/.test(s) ? Number(s) : s));
      const key = `${detail.instancePath} ${detail.message}`;
      if (seen.has(key) || seen.size >= 8) continue;
      seen.add(key);
      const where = path.map(String).join(".") || "the document";
      source.at(path, `OpenAPI: ${where} ${detail.message ?? "is invalid"}`);
    }
    return;
  }
  const message = String((error as Error)?.message ?? error).split("\n")[0];
  source.at([], `OpenAPI: ${message}`);
}
