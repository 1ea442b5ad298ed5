import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { IrisProfile } from "./profile.ts";
import { ACCESS, PERMISSIONS, type PermissionName } from "./reference-data.ts";
import type { IrisState, SimCase, SimUser } from "./state.ts";

/** An IRIS error reply: `{status: "error", message, data}` with its HTTP status. */
export class IrisError extends Error {
  readonly status: number;
  readonly data: unknown;
  constructor(status: number, message: string, data: unknown = []) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

/** 400 "Data error" with marshmallow-style `{field: [messages]}`. */
export const dataError = (fields: Record<string, string[]>) => new IrisError(400, "Data error", fields);
export const fieldError = (field: string, message: string) => dataError({ [field]: [message] });

export interface UploadedFile {
  filename: string;
  mimetype: string;
  data: Buffer;
}

export interface Ctx {
  user: SimUser;
  /** The IRIS release being modelled. */
  profile: IrisProfile;
  /** The case the call works on (case-scoped routes), else the cid given, if any. */
  caseId: number;
  case: SimCase | undefined;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, unknown>;
  /** Whether the request said its body is JSON. */
  json: boolean;
  files: Record<string, UploadedFile>;
  /** Integer path parameter. */
  id(name: string): number;
}

export type Answer = { data?: unknown; message?: string } | { raw: Buffer; type: string; filename: string };

export type Access =
  | { case: "read" | "write" }
  | { permission?: PermissionName }
  /** An endpoint IRIS retired: it answers before authenticating anyone. */
  | { gone: true };

export type Handler = (ctx: Ctx) => Answer | Promise<Answer>;
export type Route = (method: "GET" | "POST", url: string, access: Access, handler: Handler) => void;

/** Flask-style `<int:x>` paths as Fastify's `:x`. */
export function routeFactory(app: FastifyInstance, state: () => IrisState, profile: IrisProfile): Route {
  return (method, url, access, handler) => {
    app.route({
      method,
      url,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        try {
          // A retired endpoint's handler only throws its 410; it reads nothing of the request.
          const ctx = "gone" in access ? ({} as Ctx) : await contextOf(req, state(), access, profile);
          const answer = await handler(ctx);
          if ("raw" in answer) {
            return reply
              .header("content-type", answer.type)
              .header("content-disposition", `attachment; filename="${encodeURIComponent(answer.filename)}"`)
              .send(answer.raw);
          }
          return { status: "success", message: answer.message ?? "", data: answer.data ?? [] };
        } catch (error) {
          if (error instanceof IrisError)
            return reply
              .code(error.status)
              .send({ status: "error", message: error.message, data: error.data });
          throw error;
        }
      },
    });
  };
}

function authenticate(req: FastifyRequest, state: IrisState): SimUser {
  const header = req.headers.authorization;
  const key =
    typeof header === "string" && header.startsWith("Bearer ")
      ? header.slice(7).trim()
      : typeof req.headers["x-iris-auth"] === "string"
        ? req.headers["x-iris-auth"]
        : undefined;
  const user = key ? [...state.users.values()].find((u) => u.api_key === key) : undefined;
  if (!user?.active) throw new IrisError(401, "Authentication required");
  return user;
}

async function contextOf(
  req: FastifyRequest,
  state: IrisState,
  access: Access,
  profile: IrisProfile,
): Promise<Ctx> {
  const user = authenticate(req, state);
  const query = { ...(req.query as Record<string, string>) };
  let body: Record<string, unknown> = {};
  const files: Record<string, UploadedFile> = {};
  if (req.isMultipart()) {
    for await (const part of req.parts()) {
      if (part.type === "file")
        files[part.fieldname] = {
          filename: part.filename,
          mimetype: part.mimetype,
          data: await part.toBuffer(),
        };
      else body[part.fieldname] = part.value;
    }
  } else if (req.body && typeof req.body === "object" && !Buffer.isBuffer(req.body)) {
    body = { ...(req.body as Record<string, unknown>) };
  } else if (Buffer.isBuffer(req.body) && req.body.length > 0) {
    try {
      body = JSON.parse(req.body.toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new IrisError(400, "Invalid JSON");
    }
  }
  // IRIS takes the case from ?cid=, else from the body (popping it), else the user's current case.
  const bodyCid = body.cid;
  const json = !req.isMultipart() && String(req.headers["content-type"] ?? "").includes("json");
  const jsonWithContent = json && (req.method === "GET" || Object.keys(body).length > 0);
  delete body.cid;
  const rawCid = query.cid ?? (bodyCid === undefined || bodyCid === null ? undefined : String(bodyCid));
  // IRIS 2.0 falls back to the current case only when the request claims JSON (a GET with the header, a
  // POST with a non-empty object): any other call naming no case gets 404 "Invalid case ID", server-wide
  // endpoints included. IRIS 2.4 always falls back.
  if (profile.version === "2.0" && rawCid === undefined && !jsonWithContent)
    throw new IrisError(404, "Invalid case ID");
  const params = req.params as Record<string, string>;
  const id = (name: string) => {
    const value = Number(params[name]);
    if (!Number.isInteger(value)) throw new IrisError(404, "Not found");
    return value;
  };
  const base = { user, profile, params, query, body, json, files, id };
  if ("case" in access) {
    const caseId = rawCid === undefined ? user.ctx_case : Number(rawCid);
    // Access is checked before existence: nobody has access to a case that does not exist.
    const level = Number.isInteger(caseId) ? state.accessLevel(user.id, caseId) : 0;
    const allowed = access.case === "read" ? level >= ACCESS.read_only : level >= ACCESS.full_access;
    if (!allowed) throw accessDenied(state, user, caseId);
    const found = state.cases.get(caseId);
    if (!found) throw new IrisError(404, "Invalid case ID");
    return { ...base, caseId, case: found };
  }
  // Server-wide endpoints ignore the case they are given.
  const caseId = rawCid !== undefined && Number.isInteger(Number(rawCid)) ? Number(rawCid) : user.ctx_case;
  const needed = "permission" in access ? access.permission : undefined;
  if (needed && (state.permissions(user.id) & PERMISSIONS[needed]) === 0)
    throw new IrisError(403, "Permission denied");
  return { ...base, caseId, case: state.cases.get(caseId) };
}

/** IRIS's 403 for a case the user may not reach (or that does not exist), with its trace id. */
export function accessDenied(state: IrisState, user: SimUser, caseId: unknown): IrisError {
  return new IrisError(403, "Permission denied", {
    user_id: user.id,
    case_id: caseId,
    error_uuid: state.uuid(),
  });
}

type FieldKind = "string" | "int" | "bool" | "intList" | "dict" | "list" | "any";
export interface FieldRule {
  kind: FieldKind;
  required?: boolean;
  /** Shortest accepted string. */
  min?: number;
  nullable?: boolean;
}

/** Marshmallow-like loading: type checks with its messages, all fields at once. */
export function load(
  body: Record<string, unknown>,
  rules: Record<string, FieldRule>,
): Record<string, unknown> {
  const errors: Record<string, string[]> = {};
  const out: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(rules)) {
    let value = body[field];
    if (value === undefined) {
      if (rule.required) errors[field] = ["Missing data for required field."];
      continue;
    }
    if (value === null) {
      if (!rule.nullable) errors[field] = ["Field may not be null."];
      else out[field] = null;
      continue;
    }
    switch (rule.kind) {
      case "string":
        if (typeof value !== "string") {
          errors[field] = ["Not a valid string."];
          continue;
        }
        if (rule.min !== undefined && value.length < rule.min) {
          errors[field] = [`Shorter than minimum length ${rule.min}.`];
          continue;
        }
        break;
      case "int": {
        const n = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n)) {
          errors[field] = ["Not a valid integer."];
          continue;
        }
        value = n;
        break;
      }
      case "bool":
        if (typeof value !== "boolean") {
          errors[field] = ["Not a valid boolean."];
          continue;
        }
        break;
      case "intList":
        if (!Array.isArray(value) || value.some((v) => !Number.isInteger(Number(v)))) {
          errors[field] = ["Not a valid list."];
          continue;
        }
        value = value.map(Number);
        break;
      case "list":
        if (!Array.isArray(value)) {
          errors[field] = ["Not a valid list."];
          continue;
        }
        break;
      case "dict":
        if (typeof value !== "object" || Array.isArray(value)) {
          errors[field] = ["Not a valid mapping type."];
          continue;
        }
        break;
    }
    out[field] = value;
  }
  if (Object.keys(errors).length > 0) throw dataError(errors);
  return out;
}

/** Copies the loaded fields that are set onto an object. */
export function assign<T extends object>(
  target: T,
  fields: Record<string, unknown>,
  keys: readonly string[],
): T {
  for (const key of keys)
    if (fields[key] !== undefined) (target as Record<string, unknown>)[key] = fields[key];
  return target;
}
