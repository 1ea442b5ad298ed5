// `npm run bench -- --smoke` (bench/run.ts sets RAMPART_BENCH_SMOKE=1): every bench runs with tiny
// sizes, so CI catches a broken bench in seconds. Its figures mean nothing and are labelled so.

export const SMOKE = process.env.RAMPART_BENCH_SMOKE === "1";

/** The size given on the command line, else the smoke size in a smoke run, else the full size. */
export function benchSize(arg: string | undefined, full: number, smoke: number): number {
  if (arg !== undefined) {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`size must be a positive integer, got ${JSON.stringify(arg)}`);
    return n;
  }
  return SMOKE ? smoke : full;
}

/** A count that shrinks in a smoke run (rounds, warm-ups, samples). */
export function smokeOr<T>(full: T, smoke: T): T {
  return SMOKE ? smoke : full;
}
