// Small statistics the benches print.
import { smokeOr } from "./smoke.ts";

/** The value at fraction `p` (0..1) of the sorted values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);

/**
 * Per-step cost as the slope between runs of a 1-step and an N-step playbook (interleaved, so drift
 * hits both), and the 1-step run as the fixed cost of a run.
 */
export async function slope(
  one: () => Promise<void>,
  many: () => Promise<void>,
  steps: number,
  rounds: number,
): Promise<{ perStep: number; fixed: number }> {
  for (let i = 0; i < smokeOr(5, 1); i++) {
    await one();
    await many();
  }
  let tOne = 0;
  let tMany = 0;
  for (let i = 0; i < rounds; i++) {
    let start = performance.now();
    await one();
    tOne += performance.now() - start;
    start = performance.now();
    await many();
    tMany += performance.now() - start;
  }
  return { perStep: (tMany - tOne) / rounds / (steps - 1), fixed: tOne / rounds };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `check` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
