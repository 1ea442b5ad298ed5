/** The bounds every expression evaluation runs within. */
export interface ExpressionLimits {
  /** Wall-clock time of one evaluation (a whole mapping counts as one), `$eval` included. */
  timeoutMs: number;
  /** Nesting of the evaluation (recursion, `$eval` chains) as JSONata counts it. */
  depth: number;
  /** Items in any one sequence or array an evaluation builds. */
  sequence: number;
  /** Characters in a string a builtin makes ($pad, $join, $replace, $split's input…). */
  maxStringLength: number;
  /** Bytes of the JSON of a result. */
  maxResultBytes: number;
  /** Heap of the evaluation thread; a thread that passes it is stopped and replaced. */
  memoryMb: number;
  /** How far past `timeoutMs` an evaluation that does not stop by itself is stopped by force. */
  graceMs: number;
}

export const DEFAULT_EXPRESSION_LIMITS: ExpressionLimits = {
  timeoutMs: 2_000,
  depth: 500,
  sequence: 1_000_000,
  maxStringLength: 10_000_000,
  maxResultBytes: 16 * 1024 * 1024,
  memoryMb: 256,
  graceMs: 1_000,
};

/** Longest expression text accepted, in playbooks and through `$eval`. */
export const MAX_EXPRESSION_LENGTH = 65_536;
