import { Type } from "@sinclair/typebox";

/** One entry of a list of HTTP statuses: a code (404) or a class ("2xx"). */
export const StatusEntry = Type.Union([
  Type.Integer({ minimum: 100, maximum: 599 }),
  Type.String({ pattern: "^[1-5]xx$", description: 'a status class such as "2xx"' }),
]);

/** Whether a status is one of the listed codes or classes. */
export function statusMatcher(list: readonly (number | string)[]): (status: number) => boolean {
  const codes = new Set(list.filter((s) => typeof s === "number"));
  const classes = new Set(list.filter((s) => typeof s === "string").map((s) => Number(s[0])));
  return (status) => codes.has(status) || classes.has(Math.floor(status / 100));
}
