/** One event read from a file: where it came from, and the event or why it could not be read. */
export type SourcedEvent = { source: string; event: unknown } | { source: string; error: string };

/**
 * Splits a text into events: a JSON object (one event), a JSON array (`source[i]`) or NDJSON
 * (`source:line`). A text that is not one JSON document is read as NDJSON when its first
 * non-blank line is a JSON value on its own; otherwise the whole text is reported as unreadable.
 */
export function parseEvents(text: string, source: string): SourcedEvent[] {
  let whole: unknown;
  let wholeError: string | undefined;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    wholeError = (error as Error).message;
  }
  if (wholeError === undefined) {
    if (Array.isArray(whole)) return whole.map((event, i) => ({ source: `${source}[${i}]`, event }));
    return [{ source, event: whole }];
  }
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim() !== "");
  if (first < 0) return [{ source, error: "empty input: no events" }];
  try {
    JSON.parse(lines[first]!);
  } catch {
    return [{ source, error: `not JSON: ${wholeError}` }];
  }
  const events: SourcedEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const at = `${source}:${i + 1}`;
    try {
      events.push({ source: at, event: JSON.parse(line) });
    } catch (error) {
      events.push({ source: at, error: `not JSON: ${(error as Error).message}` });
    }
  });
  return events;
}
