import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { Ajv as AjvClass, Options, ValidateFunction } from "ajv";
import type { Connector } from "../../sdk/index.ts";
import { checkFile, resolveSchemas } from "./check.ts";
import { connectorOf } from "./compile.ts";
import { type ConnectorFile, connectorFileJsonSchema } from "./format.ts";
import {
  ConnectorFileError,
  describeSchemaError,
  displayPath,
  type FileIssue,
  parseSource,
} from "./source.ts";

const require = createRequire(import.meta.url);
const Ajv = require("ajv").default as new (options: Options) => AjvClass;
const addFormats = require("ajv-formats").default as (ajv: AjvClass) => void;

/** Which file extensions hold connector files. */
export const CONNECTOR_FILE = /\.(ya?ml|json)$/i;

export interface ReadOptions {
  /** Connector names already in use, each with what defines it (`built in`, a file path). */
  taken?: ReadonlyMap<string, string>;
}

/** Checks connector files; one reader compiles the file format's schema once for many files. */
export class ConnectorFileReader {
  readonly #ajv: AjvClass;
  readonly #validate: ValidateFunction;

  constructor() {
    // Compiled once per reader; unoptimized code compiles in half the time and checks a file as fast.
    this.#ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: false,
      discriminator: true,
      code: { optimize: false },
    });
    // The JSON Schema meta-schema checks `pattern` with the regex format.
    addFormats(this.#ajv);
    this.#validate = this.#ajv.compile(connectorFileJsonSchema);
  }

  // Checking schemas against the meta-schema costs a fraction of compiling each (every CLI start
  // loads the shipped files); the validator compiles an operation's schemas on its first call.
  #schemaProblem = (schema: Record<string, unknown>): string | undefined => {
    if (this.#ajv.validateSchema(schema)) return undefined;
    const first = this.#ajv.errors?.[0];
    const where = first?.instancePath.slice(1).replaceAll("/", ".");
    return `${where ? `${where} ` : ""}${first?.message ?? "is invalid"}`;
  };

  /** The connector a file's text describes; throws a ConnectorFileError listing every problem with its line. */
  parse(text: string, path: string, options: ReadOptions = {}): Connector {
    const source = parseSource(text, resolve(path));
    if (source.issues.length > 0) throw new ConnectorFileError(source.issues);
    const data = source.data;
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      source.at(
        [],
        "a connector file must be a mapping with name, title, connection, baseUrl and operations",
      );
      throw new ConnectorFileError(source.issues);
    }
    if (!this.#validate(data)) {
      for (const error of this.#validate.errors ?? []) {
        const described = describeSchemaError(error);
        if (described) source.at(described.path, described.message, described.onKey);
      }
      throw new ConnectorFileError(source.issues);
    }
    const file = data as ConnectorFile;
    const resolved = resolveSchemas(file, source.at);
    checkFile(file, resolved, source.at, {
      taken: options.taken ?? new Map(),
      schemaProblem: this.#schemaProblem,
    });
    if (source.issues.length > 0) throw new ConnectorFileError(source.issues);
    return connectorOf(file, resolved);
  }
}

/**
 * Reads a connector file shipped with Rampart, synchronously, as the registry loads. Its checks
 * (the file format's schema, the semantic rules) are skipped: compiling them costs every CLI start
 * ~0.1 s, and the shipped files' own tests run every check. Any other file goes through a reader.
 */
export function readShippedConnectorFile(path: string): Connector {
  const source = parseSource(readText(path, readFileSync), resolve(path));
  if (source.issues.length > 0) throw new ConnectorFileError(source.issues);
  const file = source.data as ConnectorFile;
  const resolved = resolveSchemas(file, source.at);
  if (source.issues.length > 0) throw new ConnectorFileError(source.issues);
  return connectorOf(file, resolved);
}

/** Reads and checks one connector file. */
export async function loadConnectorFile(path: string, options: ReadOptions = {}): Promise<Connector> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw unreadable(path, error, "the connector file");
  }
  return new ConnectorFileReader().parse(text, path, options);
}

/**
 * Every connector file (`*.yaml`, `*.yml`, `*.json`) directly in each folder, checked together:
 * names must be unique among them and against `taken`. All or nothing: one bad file throws a
 * ConnectorFileError naming every problem in every file, and no connector is returned.
 */
export async function loadConnectorFiles(
  dirs: readonly string[],
  options: ReadOptions = {},
): Promise<Connector[]> {
  let reader: ConnectorFileReader | undefined;
  const taken = new Map(options.taken);
  const issues: FileIssue[] = [];
  const connectors: Connector[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && CONNECTOR_FILE.test(entry.name) && !entry.name.startsWith("."))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      issues.push(...unreadable(dir, error, "the connectors folder").issues);
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        // Made on the first file only: most commands find no connector files at all.
        reader ??= new ConnectorFileReader();
        const connector = reader.parse(await readFile(path, "utf8"), path, { taken });
        taken.set(connector.name, displayPath(resolve(path)));
        connectors.push(connector);
      } catch (error) {
        if (!(error instanceof ConnectorFileError)) throw error;
        issues.push(...error.issues);
      }
    }
  }
  if (issues.length > 0) throw new ConnectorFileError(issues);
  return connectors;
}

function readText(path: string, read: (path: string, encoding: "utf8") => string): string {
  try {
    return read(path, "utf8");
  } catch (error) {
    throw unreadable(path, error, "the connector file");
  }
}

function unreadable(path: string, error: unknown, what: string): ConnectorFileError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new ConnectorFileError([
    {
      file: displayPath(resolve(path)),
      line: 1,
      column: 1,
      path: "",
      message: `cannot read ${what} (${code})`,
    },
  ]);
}
