import { basename } from "node:path";
import { Document } from "yaml";
import type { Connector } from "../../sdk/index.ts";
import { ValidationError } from "../../sdk/index.ts";
import type { ConnectorFile } from "../file/format.ts";
import { ConnectorFileReader, type ReadOptions } from "../file/load.ts";
import { mapSecurity } from "./auth.ts";
import { loadOpenApi, type OpenApiDocument } from "./document.ts";
import { mapOperations, type Selection } from "./operations.ts";
import { Notes } from "./schema.ts";

export interface ImportOptions extends Selection {
  /** The connector's name (default: the document's title, lowercased with dashes). */
  name?: string;
  /** Names already taken (the built-in connectors): the import is refused before anything is written. */
  taken?: ReadOptions["taken"];
}

/** An imported connector: the file's data and text, what could not be mapped, and the connector it loads as. */
export interface ImportResult {
  file: ConnectorFile;
  /** The connector file as written: YAML, headed by where it came from and what was not mapped. */
  text: string;
  unmapped: string[];
  connector: Connector;
}

/**
 * A connector file from an OpenAPI 3.0/3.1 document: one operation per selected operation, input
 * from its parameters and body, output from its 2xx response, auth from securitySchemes, base URL
 * from servers. The result is checked by the same reader as any connector file.
 */
export async function importOpenApi(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { api } = await loadOpenApi(path);
  const notes = new Notes();
  const name = options.name ?? slug(api.info.title);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
    throw new ValidationError(
      `connector name "${name}" must be lowercase letters, digits and -, starting with a letter (choose one with --name)`,
      { field: "name" },
    );
  const { operations, security } = mapOperations(api, options, notes);
  if (operations.length === 0)
    throw new ValidationError(`${basename(path)}: no operation could be imported`, { field: "operations" });
  const auth = mapSecurity(api, security, notes);
  const server = mapServer(api, notes);
  const connection = {
    type: "object",
    additionalProperties: false,
    required: [...server.required, ...auth.required],
    properties: { ...server.fields, ...auth.fields },
  };
  const file: ConnectorFile = {
    name,
    title: api.info.title,
    description: summaryOf(api),
    connection,
    baseUrl: server.baseUrl,
    ...(auth.auth.type === "none" ? {} : { auth: auth.auth }),
    operations,
  };
  const unmapped = notes.list();
  const text = render(file, path, api, unmapped);
  const connector = new ConnectorFileReader().parse(text, `${name}.yaml`, { taken: options.taken });
  return { file, text, unmapped, connector };
}

/**
 * The base URL from the first server. An absolute one becomes the default of the `url` field (its
 * variables filled with their defaults, and noted); a relative one (`/api/v1`) is relative to
 * wherever the product runs, so `url` is required and the path follows it.
 */
function mapServer(
  api: OpenApiDocument,
  notes: Notes,
): {
  baseUrl: string;
  fields: Record<string, Record<string, unknown>>;
  required: string[];
} {
  const [first, ...others] = api.servers ?? [];
  for (const other of others)
    notes.add(`server ${other.url} is not used: the first server is the default URL`);
  let url = (first?.url ?? "/").replace(/\/+$/, "");
  for (const [name, variable] of Object.entries(first?.variables ?? {})) {
    url = url.replaceAll(`{${name}}`, variable.default);
    notes.add(
      `server variable ${name} is filled with its default ${variable.default}${variable.enum ? ` (one of ${variable.enum.join(", ")})` : ""}; change url for another`,
    );
  }
  if (/^https?:\/\//.test(url))
    return {
      baseUrl: "{url}",
      fields: {
        url: { type: "string", format: "uri", default: url, description: `API base URL (default ${url})` },
      },
      required: [],
    };
  const suffix = url === "/" ? "" : url;
  return {
    baseUrl: `{url}${suffix}`,
    fields: {
      url: {
        type: "string",
        format: "uri",
        description: `Where the product runs, e.g. https://api.example.com${suffix ? ` (requests go to {url}${suffix})` : ""}`,
      },
    },
    required: ["url"],
  };
}

function summaryOf(api: OpenApiDocument): string {
  const text = api.info.summary ?? api.info.description ?? api.info.title;
  const paragraph = text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/^#+\s.*$/gm, "").trim())
    .find((p) => p.length > 0);
  return (paragraph ?? api.info.title).replace(/\s+/g, " ").slice(0, 400);
}

function render(file: ConnectorFile, path: string, api: OpenApiDocument, unmapped: string[]): string {
  const doc = new Document(file);
  const lines = [
    ` Imported by rampart connector import from ${basename(path)}: ${[api.info.title, api.info.version].filter(Boolean).join(" ")} (OpenAPI ${api.openapi}).`,
    " Check it with rampart connector validate; see docs/connectors.md for the format.",
  ];
  if (unmapped.length > 0) lines.push("", " Not mapped:", ...unmapped.map((line) => `   - ${line}`));
  doc.commentBefore = lines.join("\n");
  return doc.toString({ lineWidth: 0 });
}

function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^[^a-z]+/, "")
    .slice(0, 63);
}
