import type { Ajv as AjvClass } from "ajv";
import { ValidationError } from "../connectors/sdk/index.ts";
import type { PlaybookFile } from "./playbook-schema.ts";
import { compileSchedule } from "./schedule.ts";

type At = (path: Array<string | number>, message: string) => void;

/** Load-time checks of `trigger.schedule`: the cron pattern and time zone parse, and `input` fits `inputs`. */
export function checkScheduleTrigger(pb: PlaybookFile, ajv: AjvClass, at: At): void {
  const schedule = pb.trigger?.schedule;
  if (!schedule) return;
  try {
    compileSchedule(schedule);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    at(["trigger", "schedule", error.field ?? "cron"], `trigger.schedule.${error.field}: ${error.message}`);
  }
  if (!pb.inputs) return;
  let validate: ReturnType<AjvClass["compile"]>;
  try {
    validate = ajv.compile(pb.inputs);
  } catch {
    return; // #checkInputsSchema reports a broken inputs schema
  }
  if (validate(structuredClone(schedule.input ?? {}))) return;
  for (const e of validate.errors ?? []) {
    const segments = e.instancePath.split("/").slice(1);
    const missing =
      e.keyword === "required" ? String((e.params as { missingProperty?: unknown }).missingProperty) : "";
    const field = ["trigger.schedule.input", ...segments, ...(missing ? [missing] : [])].join(".");
    at(
      ["trigger", "schedule", ...(schedule.input === undefined ? [] : ["input", ...segments])],
      `${field} ${e.keyword === "required" ? "is required by inputs" : `${e.message ?? "is invalid"} (inputs)`}`,
    );
  }
}
