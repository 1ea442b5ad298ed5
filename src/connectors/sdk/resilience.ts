import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
  type IRetryBackoffContext,
  retry,
  wrap,
} from "cockatiel";
import pThrottle from "p-throttle";
import { ConnectionError, isRampartError } from "./errors.ts";

/** Per-connection policy; defaults live in DEFAULT_RESILIENCE, connectors and connections override parts. */
export interface ResilienceOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After the SDK will sleep through itself; longer ones surface as RateLimitedError. */
  maxRetryAfterMs: number;
  /** Requests per interval for this connection; 0 turns the limit off. */
  rateLimit: { limit: number; intervalMs: number };
  /** Consecutive retryable failures that open the circuit, and how long it stays open. */
  breaker: { threshold: number; halfOpenAfterMs: number };
}

export const DEFAULT_RESILIENCE: ResilienceOptions = {
  maxAttempts: 4,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  rateLimit: { limit: 0, intervalMs: 1000 },
  breaker: { threshold: 10, halfOpenAfterMs: 30_000 },
};

export interface Resilience {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

function isRetryable(error: Error, maxRetryAfterMs: number): boolean {
  if (!isRampartError(error) || !error.retryable) return false;
  return error.retryAfterMs === undefined || error.retryAfterMs <= maxRetryAfterMs;
}

/**
 * Retries (exponential backoff with decorrelated jitter, or exactly the vendor's Retry-After),
 * a circuit breaker and a rate limit, all from cockatiel and p-throttle.
 */
export function createResilience(options: ResilienceOptions): Resilience {
  const exponential = new ExponentialBackoff({
    initialDelay: options.initialDelayMs,
    maxDelay: options.maxDelayMs,
  });
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>(
    (context, previous) => {
      const next = previous ? previous.next(context) : exponential.next();
      const error = "error" in context.result ? context.result.error : undefined;
      const retryAfter = isRampartError(error) ? error.retryAfterMs : undefined;
      return { delay: retryAfter ?? next.duration, state: next };
    },
  );
  const retryPolicy = retry(
    handleWhen((error) => isRetryable(error, options.maxRetryAfterMs)),
    { maxAttempts: Math.max(0, options.maxAttempts - 1), backoff },
  );
  const breakerPolicy = circuitBreaker(
    handleWhen((error) => isRampartError(error) && error.retryable && error.type !== "RateLimitedError"),
    {
      halfOpenAfter: options.breaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breaker.threshold),
    },
  );
  const policy = wrap(retryPolicy, breakerPolicy);
  const limit = options.rateLimit.limit;
  const throttle = limit > 0 ? pThrottle({ limit, interval: options.rateLimit.intervalMs }) : undefined;

  return {
    async execute(fn, signal) {
      const attempt = throttle ? throttle(fn) : fn;
      try {
        return await policy.execute(({ signal: policySignal }) => attempt(policySignal), signal);
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          throw new ConnectionError("circuit open after repeated failures; not calling the vendor for now", {
            retryable: false,
            details: { reason: "circuit-open" },
          });
        }
        throw error;
      }
    },
  };
}
