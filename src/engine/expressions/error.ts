/** An expression that does not parse or fails while it is evaluated; `expression` is its text. */
export class ExpressionError extends Error {
  readonly expression: string;
  readonly position?: number;
  /** JSONata's error code (`D1012`…) or Rampart's (`R1001`…), when there is one. */
  readonly code?: string;

  constructor(message: string, expression: string, position?: number, code?: string) {
    super(message);
    this.expression = expression;
    this.position = position;
    this.code = code;
  }

  override get name(): string {
    return "ExpressionError";
  }
}
