import { ValidationError } from "../core/errors.ts";

/** An opaque page cursor: the sort key and id of the last item of the previous page. */
export function encodeCursor(key: string | number, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString("base64url");
}

export function decodeCursor(cursor: string): [string | number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === "string" || typeof value[0] === "number") &&
      typeof value[1] === "string"
    )
      return [value[0], value[1]];
  } catch {}
  throw new ValidationError("cursor is not one this API gave out", { field: "cursor" });
}
