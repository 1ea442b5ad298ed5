/** A misbehaviour a simulator can be told to show, the way real vendors misbehave. */
export type Fault =
  | { kind: "latency"; ms: number }
  /** The request is handled at once (its side effect made), and the reply held back `ms`. */
  | { kind: "reply-latency"; ms: number }
  | { kind: "rate-limit"; retryAfterS?: number }
  | { kind: "status"; status: number; message?: string }
  | { kind: "malformed" }
  | { kind: "hang" }
  | { kind: "reset" }
  | { kind: string; [key: string]: unknown };

export interface FaultRule {
  fault: Fault;
  /** Only requests with this method (any when absent). */
  method?: string;
  /** Only requests whose path (without query) contains this text (any when absent). */
  path?: string;
  /** How many matching requests it affects; default 1, 0 means every one until cleared. */
  times?: number;
}

const KNOWN = new Set(["latency", "reply-latency", "rate-limit", "status", "malformed", "hang", "reset"]);

/** The fault rules of one simulator; per call, in order of injection. */
export class FaultPlan {
  #rules: Array<Required<Pick<FaultRule, "fault">> & FaultRule & { left: number }> = [];
  /** Vendor-specific faults act at once when injected (e.g. expire every issued token). */
  readonly #actions = new Map<string, (fault: Fault) => void>();

  onInject(kind: string, action: (fault: Fault) => void): void {
    this.#actions.set(kind, action);
  }

  kinds(): string[] {
    return [...KNOWN, ...this.#actions.keys()];
  }

  inject(rule: FaultRule): void {
    const action = this.#actions.get(rule.fault.kind);
    if (action) {
      action(rule.fault);
      return;
    }
    if (!KNOWN.has(rule.fault.kind))
      throw new Error(`unknown fault kind "${rule.fault.kind}"; known: ${this.kinds().join(", ")}`);
    const times = rule.times ?? 1;
    this.#rules.push({ ...rule, left: times === 0 ? Number.POSITIVE_INFINITY : times });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The fault for this request, if any; consumes one use of it. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#rules.findIndex(
      (rule) =>
        (!rule.method || rule.method.toUpperCase() === method) && (!rule.path || path.includes(rule.path)),
    );
    if (index < 0) return undefined;
    const rule = this.#rules[index]!;
    rule.left--;
    if (rule.left <= 0) this.#rules.splice(index, 1);
    return rule.fault;
  }
}
