import { type TSchema, Type } from "@sinclair/typebox";
import { ROLES } from "../core/roles.ts";
import { ErrorResponse } from "./errors.ts";

export const RoleSchema = Type.Unsafe<(typeof ROLES)[number]>({ type: "string", enum: [...ROLES] });

/** ISO-8601 time, as every API response gives times. */
export const Time = Type.String({ format: "date-time" });

export const NameParam = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

/** `limit` and the opaque `cursor` every list takes. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
};

/** The error answers a route may give, by status, for the OpenAPI document. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse as unknown as TSchema]));
}

export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
