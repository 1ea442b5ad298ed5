import { type Static, type TProperties, Type } from "@sinclair/typebox";
import { type AuthSpec, authSpecSchema } from "../auth-spec.ts";
import { StatusEntry } from "../statuses.ts";

// The connector-file format: the fields defineConnector and defineOperation take, as data. Where
// the TypeScript form takes a function, the file takes its data form: a `{field}` template for
// baseUrl, a dotted path for errorMessage and response unwrapping, a status list for success.

/** A JSON Schema written inline (checked to compile when the file loads). */
const JsonSchema = Type.Unsafe<Record<string, unknown>>({ type: "object", description: "a JSON Schema" });
const DottedPath = (what: string) => Type.String({ minLength: 1, description: `a dotted path to ${what}` });
const FieldName = Type.String({ minLength: 1, description: "an input field" });

const Unwrap = Type.Object(
  { unwrap: DottedPath("the part of the reply to keep, e.g. data") },
  { additionalProperties: false },
);

const page = (style: string, properties: TProperties) =>
  Type.Object(
    { style: Type.Literal(style), items: DottedPath("each page's items"), ...properties },
    { additionalProperties: false },
  );

const PageSize = Type.Integer({ minimum: 1, maximum: 100_000 });

/** How a listing pages, as the SDK's PaginationSpec. */
export const paginationSchema = {
  type: "object",
  required: ["style"],
  discriminator: { propertyName: "style" },
  oneOf: [
    page("offset", { limitParam: FieldName, offsetParam: FieldName, pageSize: PageSize }),
    page("cursor", {
      cursorParam: FieldName,
      nextCursor: DottedPath("the next cursor in a page"),
      pageSize: Type.Optional(
        Type.Object({ param: FieldName, value: PageSize }, { additionalProperties: false }),
      ),
      firstPageOnly: Type.Optional(Type.Array(FieldName)),
    }),
    page("next-link", { nextLink: DottedPath("the next page's URL in a page") }),
    page("drain", {
      limitParam: FieldName,
      pageSize: PageSize,
      maxPages: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
  ],
};

const OperationSchema = Type.Object(
  {
    name: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$", description: "an identifier, e.g. checkIp" }),
    title: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    method: Type.Unsafe<"GET" | "POST" | "PUT" | "PATCH" | "DELETE">({
      type: "string",
      enum: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    }),
    path: Type.String({ pattern: "^/", description: "a path starting with /, e.g. /ip/{ip}" }),
    input: Type.Optional(JsonSchema),
    output: Type.Optional(JsonSchema),
    query: Type.Optional(Type.Array(FieldName, { description: "input fields sent in the query string" })),
    headers: Type.Optional(Type.Array(FieldName, { description: "input fields sent as request headers" })),
    body: Type.Optional(
      Type.Unsafe<"json" | "form" | "multipart" | "none">({
        type: "string",
        enum: ["json", "form", "multipart", "none"],
      }),
    ),
    contentType: Type.Optional(Type.String({ minLength: 1, description: "content type of a JSON body" })),
    success: Type.Optional(Type.Array(StatusEntry, { minItems: 1 })),
    response: Type.Optional(Unwrap),
    paginate: Type.Optional(Type.Unsafe<Record<string, unknown>>({ $ref: "#/$defs/pagination" })),
  },
  { additionalProperties: false },
);

const Resilience = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    initialDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxRetryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
    rateLimit: Type.Optional(
      Type.Object(
        { limit: Type.Integer({ minimum: 0 }), intervalMs: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
    breaker: Type.Optional(
      Type.Object(
        { threshold: Type.Integer({ minimum: 1 }), halfOpenAfterMs: Type.Integer({ minimum: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const ConnectorFileSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({
      pattern: "^[a-z][a-z0-9-]{0,62}$",
      description: "lowercase letters, digits and -, starting with a letter",
    }),
    title: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    connection: JsonSchema,
    baseUrl: Type.String({ minLength: 1, description: "the base URL; {field} takes a connection field" }),
    auth: Type.Optional(Type.Unsafe<AuthSpec>({ $ref: "#/$defs/auth" })),
    response: Type.Optional(Unwrap),
    errorMessage: Type.Optional(DottedPath("the vendor's message in an error reply, e.g. errors.0.detail")),
    resilience: Type.Optional(Resilience),
    allowedOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    test: Type.Optional(
      Type.Object(
        { operation: Type.String({ minLength: 1 }), input: Type.Optional(Type.Unknown()) },
        { additionalProperties: false },
      ),
    ),
    operations: Type.Array(OperationSchema, { minItems: 1 }),
    $defs: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z0-9_.-]+$" }), JsonSchema)),
  },
  { additionalProperties: false },
);

/** The JSON Schema of a connector file (editors can use it too). */
export const connectorFileJsonSchema = {
  ...ConnectorFileSchema,
  $defs: { auth: authSpecSchema, pagination: paginationSchema },
};

export type OperationFile = Static<typeof OperationSchema>;
export type ConnectorFile = Omit<Static<typeof ConnectorFileSchema>, "operations"> & {
  operations: OperationFile[];
};
