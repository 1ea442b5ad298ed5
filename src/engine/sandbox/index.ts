export { isScriptError, ScriptError } from "./errors.ts";
export { createScriptRunner } from "./runner.ts";
export type {
  ScriptErrorData,
  ScriptErrorKind,
  ScriptLanguage,
  ScriptLimits,
  ScriptRequest,
  ScriptResult,
  ScriptRunner,
  ScriptRunnerOptions,
} from "./types.ts";
export { DEFAULT_LIMITS } from "./types.ts";
