// Lenient readers of the scalar values vendors send, shared by every normalizer. Real replies
// carry numbers and booleans as strings ("53", "False"), protobuf-JSON int64 as strings, "" or
// null for nothing, and timestamps in every form (epoch seconds, milliseconds or microseconds,
// ISO 8601 with 0 to 9 fractional digits, with or without a zone). Each reader answers the value
// or undefined; none throws, so a normalizer decides what an unreadable value means (usually:
// keep it in `unmapped`).
import { parseTime } from "./parse.ts";

/** undefined, null, or a string of nothing but white space. */
export function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== "string") return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 32) return false;
  return true;
}

/** A string that is not blank, as given; a number or boolean as its text; otherwise undefined. */
export function readText(value: unknown): string | undefined {
  if (typeof value === "string") {
    // Most values start with a printable character: no need to look further.
    if (value.length > 0 && value.charCodeAt(0) > 32) return value;
    return isBlank(value) ? undefined : value;
  }
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/** Whether `text[from, to)` is an optional sign followed by one or more ASCII digits. */
function isDigits(text: string, from: number, to: number): boolean {
  let i = from;
  const first = text.charCodeAt(i);
  if (first === 43 /* + */ || first === 45 /* - */) i++;
  if (i >= to) return false;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The bounds of `text` without leading and trailing white space. */
function trimmed(text: string): [number, number] {
  let from = 0;
  let to = text.length;
  while (from < to && text.charCodeAt(from) <= 32) from++;
  while (to > from && text.charCodeAt(to - 1) <= 32) to--;
  return [from, to];
}

/**
 * A safe integer from a number or an integer string (`"53"`, `"-1"`, `" 7 "`, protobuf-JSON
 * int64 such as `"1014890"`); undefined for anything else, fractions and out-of-range values included.
 */
export function readInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const [from, to] = trimmed(value);
  if (!isDigits(value, from, to)) return undefined;
  const n = Number(value.slice(from, to));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A finite number from a number or a numeric string (`"0.75"`, `"1e3"`); undefined otherwise. */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || isBlank(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const TRUE_WORDS = new Set(["true", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "no", "0"]);

/** A boolean from a boolean, `"True"`/`"false"`/`"TRUE"`, `"yes"`/`"no"`, `"1"`/`"0"` or 1/0; undefined otherwise. */
export function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 1) return true;
  if (value === 0) return false;
  if (typeof value !== "string") return undefined;
  // Canary's two words, without building a lower-case copy.
  if (value === "True") return true;
  if (value === "False") return false;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/**
 * Epoch milliseconds from an epoch number in seconds, milliseconds, microseconds or nanoseconds
 * (told apart by magnitude: 1e11 ms is 1973, 1e11 s the year 5138), given as a number or a
 * numeric string. Zero and negative numbers are "no time".
 */
function epochNumber(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n < 1e11) return Math.round(n * 1000);
  if (n < 1e14) return Math.round(n);
  if (n < 1e17) return Math.round(n / 1000);
  return Math.round(n / 1e6);
}

// ISO 8601 and its common relatives: a `T` or a space between date and time, seconds and
// fraction optional, and a zone that may be missing (read as UTC), `Z`, `UTC`/`GMT`, an offset,
// or both (`2020-04-17 20:29:30 UTC+0000`, as Canary's *_std fields are).
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:Z|z|UTC|GMT)?(?:([+-])(\d{2})(?::?(\d{2}))?)?$/;
/** A date Date.parse reads the same in every time zone: it names its zone (RFC 1123 `… GMT`, an offset). */
const NAMES_ZONE = /(?:\b(?:GMT|UTC|UT)|[+-]\d{2}:?\d{2}|Z)\s*$/i;
const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits with at most one dot inside, the epoch numbers vendors send as text ("1586249623"). */
function isEpochText(text: string): boolean {
  let dot = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */ && dot < 0 && i > 0) dot = i;
    else if (c < 48 || c > 57) return false;
  }
  return text.length > 0 && dot !== text.length - 1;
}

function isoMs(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return undefined;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
    return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Milliseconds: the first three fractional digits; Date.parse too drops the rest.
  const fraction = m[7] ?? "";
  const ms = fraction === "" ? 0 : Number(`${fraction.slice(0, 3)}00`.slice(0, 3));
  let offsetMin = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = m[10] === undefined ? 0 : Number(m[10]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[8] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, ms);
  return at.getTime() - offsetMin * 60_000;
}

/**
 * Epoch milliseconds of a timestamp in any form vendors send: an epoch number (seconds,
 * milliseconds, microseconds or nanoseconds) as a number or a numeric string, ISO 8601 with 0 to
 * 9 fractional digits and with or without a zone (none is UTC), or a date that names its zone
 * (`Fri, 17 Apr 2020 20:29:30 GMT`). Undefined for blanks, zero, and anything unreadable or
 * ambiguous. The UTC form `YYYY-MM-DDTHH:MM:SS[.fraction]Z` takes parseTime's fast path.
 */
export function readTime(value: unknown): number | undefined {
  if (typeof value === "number") return epochNumber(value);
  if (typeof value !== "string") return undefined;
  const n = value.length;
  if (n === 0) return undefined;
  const last = value.charCodeAt(n - 1);
  if (last === 90 /* Z */ && n >= 20) {
    const at = parseTime(value);
    if (!Number.isNaN(at)) return at;
  }
  if (isEpochText(value)) return epochNumber(Number(value));
  const [from, to] = trimmed(value);
  if (from === to) return undefined;
  const text = from === 0 && to === n ? value : value.slice(from, to);
  if (EPOCH.test(text)) return epochNumber(Number(text));
  const iso = isoMs(text);
  if (iso !== undefined) return iso;
  if (!NAMES_ZONE.test(text)) return undefined;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : parsed;
}
