/** Structured logging the SDK writes to; fields are already redacted when they arrive. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ignore = () => {};
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** Writes one JSON line per entry at or above `level` to a stream (stderr by default). */
export function jsonLogger(
  level: "debug" | "info" | "warn" | "error" = "info",
  write = (line: string) => process.stderr.write(line),
): Logger {
  const order = ["debug", "info", "warn", "error"];
  const min = order.indexOf(level);
  const at = (name: string) => (message: string, fields?: Record<string, unknown>) => {
    if (order.indexOf(name) >= min)
      write(`${JSON.stringify({ level: name, time: new Date().toISOString(), message, ...fields })}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
