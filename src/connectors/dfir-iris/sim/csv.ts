import { IrisError } from "./http.ts";

/** One CSV line as Python's csv module reads it: commas, double quotes, "" for a quote inside quotes. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(cell);
      cell = "";
    } else cell += c;
  }
  out.push(cell);
  return out;
}

/**
 * The rows of an IRIS CSV import (`{"CSVData": "..."}`), keyed by `headers`: IRIS inserts the header
 * line when the first line is not it, and a short row leaves its last columns undefined.
 */
export function csvRows(
  data: unknown,
  headers: readonly string[],
): Array<Record<string, string | undefined>> {
  // IRIS reads jsdata["CSVData"].splitlines(): anything but a string is a server error there.
  if (typeof data !== "string") throw new IrisError(500, "Internal server error");
  const lines = data.split(/\r\n|\r|\n/);
  if (lines.at(-1) === "") lines.pop();
  const header = headers.join(",");
  if ((lines[0] ?? "").toLowerCase() === header) lines.shift();
  return lines
    .filter((line) => line !== "")
    .map((line) => {
      const values = cells(line);
      return Object.fromEntries(headers.map((h, i) => [h, values[i]]));
    });
}

/** IRIS's summary of a CSV import. */
export function importMessage(errors: readonly string[]): string {
  return errors.length === 0
    ? "Successfully imported data."
    : `Data is imported but we got errors with the following rows:\n- ${errors.join("\n- ")}`;
}
