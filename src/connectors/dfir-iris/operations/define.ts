import { type Static, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import {
  defineOperation,
  type FilePart,
  type HttpRequest,
  type HttpResponse,
  type Operation,
  type OperationInvoker,
  ValidationError,
} from "../../sdk/index.ts";
import { Cid, Done, input } from "../schemas.ts";

export interface IrisOpSpec {
  name: string;
  title: string;
  description: string;
  method: "GET" | "POST";
  path: string;
  /**
   * How the endpoint takes its case: `required` (case objects); `optional` (server-wide endpoints, which
   * send the initial case #1 when none is given: IRIS 2.0 answers 404 "Invalid case ID" to a call naming no
   * case, and IRIS 2.4 ignores it there, as the official client does); `current` (a case endpoint falling
   * back to the user's current case); `none`.
   */
  cid?: "required" | "optional" | "current" | "none";
  fields?: TProperties;
  /** The reply's `data`; omit for actions whose answer is only IRIS's message. */
  output?: TSchema;
  body?: "json" | "multipart";
  check?: (input: Record<string, unknown>) => void;
  request?: (input: Record<string, unknown>, req: HttpRequest) => HttpRequest | undefined;
  response?: (data: unknown, res: HttpResponse, input: Record<string, unknown>) => unknown;
  /** Default: GETs and the POSTs that set, change, remove or read what is named (see SETTING). */
  idempotent?: boolean;
  /** How to find what an interrupted attempt made (operations/find.ts). */
  find?: (input: Record<string, unknown>, client: OperationInvoker) => Promise<unknown>;
}

/**
 * IRIS sends nearly everything as POST: those that update, delete, close, move or search a named
 * object leave it the same however often they are sent; those that add or upload make a new one.
 */
const SETTING = /^(update|edit|delete|close|reopen|move|rename|search|set)[A-Z]/;

/** The case every IRIS has and none may delete. */
const INITIAL_CASE = 1;

/** One IRIS endpoint as data: the case goes in `?cid=`, the rest in the body (or the query for GETs). */
export function irisOp(spec: IrisOpSpec): Operation {
  const properties: TProperties = { ...spec.fields };
  const cid = spec.cid ?? "required";
  if (cid === "required") properties.cid = Cid;
  else if (cid === "optional" || cid === "current") properties.cid = Type.Optional(Cid);
  const messageOnly = spec.output === undefined;
  const request = (input: Record<string, unknown>, req: HttpRequest): HttpRequest | undefined => {
    const built = spec.request?.(input, req) ?? req;
    if (cid === "optional" && built.query.cid === undefined) built.query.cid = INITIAL_CASE;
    return built;
  };
  return defineOperation({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    method: spec.method,
    path: spec.path,
    input: input(properties),
    output: spec.output ?? Done,
    query: ["cid"],
    body: spec.body ?? "json",
    idempotent: spec.idempotent ?? (spec.method === "GET" || SETTING.test(spec.name)),
    find: spec.find as ((input: Static<TSchema>, client: OperationInvoker) => Promise<unknown>) | undefined,
    check: spec.check as ((input: Static<TSchema>) => void) | undefined,
    request: request as (input: Static<TSchema>, req: HttpRequest) => HttpRequest | undefined,
    response: messageOnly
      ? (_data, res) => ({ message: String((res.body as { message?: unknown }).message ?? "") })
      : (spec.response as
          | ((body: unknown, res: HttpResponse, input: Static<TSchema>) => unknown)
          | undefined),
  });
}

/** Refuses an update that would change nothing. */
export function atLeastOne(...fields: string[]) {
  return (input: Record<string, unknown>): void => {
    if (fields.every((field) => input[field] === undefined)) {
      throw new ValidationError(`input needs at least one of ${fields.join(", ")}`, { field: fields[0] });
    }
  };
}

/** A file to upload, as JSON can carry it. */
export const FileInput = (description: string) =>
  Type.Object(
    {
      filename: Type.String({ minLength: 1, description: "File name sent to IRIS" }),
      content: Type.String({ description: "File content, as text or base64 (see encoding)" }),
      encoding: Type.Optional(
        Type.Union([Type.Literal("utf8"), Type.Literal("base64")], {
          description: "How content is written (default utf8)",
        }),
      ),
      content_type: Type.Optional(
        Type.String({ description: "MIME type (default application/octet-stream)" }),
      ),
    },
    { additionalProperties: false, description },
  );

export type FileInputValue = {
  filename: string;
  content: string;
  encoding?: "utf8" | "base64";
  content_type?: string;
};

export function toFilePart(file: FileInputValue): FilePart {
  return {
    filename: file.filename,
    content: file.encoding === "base64" ? Buffer.from(file.content, "base64") : file.content,
    contentType: file.content_type ?? "application/octet-stream",
  };
}

/** Multipart fields as IRIS's forms read them: files as parts, booleans as its checkbox value "y". */
export function multipartOf(
  req: HttpRequest,
  files: readonly string[],
  flags: readonly string[] = [],
): HttpRequest {
  if (req.body?.kind !== "multipart") return req;
  const value = { ...req.body.value } as Record<string, unknown>;
  for (const key of files) {
    if (value[key] !== undefined) value[key] = toFilePart(value[key] as FileInputValue);
  }
  for (const key of flags) {
    if (value[key] === true) value[key] = "y";
    else delete value[key];
  }
  return { ...req, body: { kind: "multipart", value: value as Record<string, never> } };
}

/** A CSV import's text, as IRIS takes it in `{"CSVData": "..."}`. */
export const CsvData = (columns: string) =>
  Type.String({ minLength: 1, description: `CSV text; columns ${columns} (the header line is optional)` });

/** What a CSV import answers: IRIS's message (naming every row it refused) and the rows it took. */
export const ImportResult = Type.Object(
  {
    message: Type.String({ description: "IRIS's summary, listing the rows it could not import" }),
    imported: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: "The rows imported" }),
  },
  { additionalProperties: false },
);

export function importResult(data: unknown, res: HttpResponse): unknown {
  const message = (res.body as { message?: unknown } | undefined)?.message;
  return { message: String(message ?? ""), imported: Array.isArray(data) ? data : [] };
}
