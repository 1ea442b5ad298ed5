import { diffLines } from "diff";
import type { CaseResult, Mismatch } from "./harness.ts";

/** The lines `rampart test` prints for one case: a mark, and for a failure why, with diffs. */
export function formatCase(file: string, result: CaseResult): string[] {
  const lines = [`${result.passed ? "✓" : "✗"} ${file} › ${result.name}`];
  if (result.passed) return lines;
  for (const problem of result.problems) lines.push(`    ${problem}`);
  for (const mismatch of result.mismatches) lines.push(...formatMismatch(mismatch));
  const run = result.actual;
  if (run && result.mismatches.length > 0) {
    const why = run.error ? ` (${run.error.type}: ${run.error.message})` : "";
    lines.push(`    the run ${run.status}${why}; steps: ${run.path.join(" → ") || "none"}`);
  }
  return lines;
}

/** One expectation as a line diff: `-` what the test expected, `+` what the run did. */
export function formatMismatch(mismatch: Mismatch): string[] {
  const lines = [`    ${mismatch.field}:  - expected  + actual`];
  const expected = render(mismatch.expected);
  const actual = render(mismatch.actual);
  const parts = diffLines(expected, actual);
  for (const [index, part] of parts.entries()) {
    const mark = part.added ? "+" : part.removed ? "-" : " ";
    let text = part.value.replace(/\n$/, "").split("\n");
    // Long runs of equal lines are cut to their edges next to a change, so the change stands out.
    if (!part.added && !part.removed && text.length > 2 * CONTEXT + 1) {
      const head = index > 0 ? text.slice(0, CONTEXT) : [];
      const tail = index < parts.length - 1 ? text.slice(-CONTEXT) : [];
      text = [...head, `⋮ (${text.length - head.length - tail.length} equal lines)`, ...tail];
    }
    for (const line of text) lines.push(`      ${mark} ${line}`);
  }
  return lines;
}

const CONTEXT = 3;

function render(value: unknown): string {
  if (value === undefined) return "(nothing)\n";
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `N passed, M failed`, as the last line of a test run. */
export function summary(results: CaseResult[]): string {
  const passed = results.filter((r) => r.passed).length;
  return `${passed} passed, ${results.length - passed} failed`;
}
