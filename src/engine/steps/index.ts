import type { Step } from "../playbook-schema.ts";
import { approvalStep } from "./approval.ts";
import { callStep } from "./call.ts";
import { conditionStep } from "./condition.ts";
import { endStep } from "./end.ts";
import { foreachStep } from "./foreach.ts";
import type { StepKind } from "./kind.ts";
import { playbookStep } from "./playbook.ts";
import { scriptStep } from "./script.ts";
import { transformStep } from "./transform.ts";
import { waitStep } from "./wait.ts";

/** Every step kind by its `type`; a new kind is one file here and one line below. */
export const STEP_KINDS: { [T in Step["type"]]: StepKind<Extract<Step, { type: T }>> } = {
  call: callStep,
  condition: conditionStep,
  transform: transformStep,
  script: scriptStep,
  wait: waitStep,
  approval: approvalStep,
  foreach: foreachStep,
  playbook: playbookStep,
  end: endStep,
};

/** The kind that runs `step`. */
export function kindOf(step: Step): StepKind {
  return STEP_KINDS[step.type] as StepKind;
}
