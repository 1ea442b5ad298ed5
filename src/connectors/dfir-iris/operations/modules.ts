import { Type } from "@sinclair/typebox";
import { NonEmpty, obj } from "../schemas.ts";
import { irisOp } from "./define.ts";

export const HOOK_OBJECT_TYPES = ["ioc", "asset", "note", "event", "task", "evidence", "case"] as const;

/** IRIS modules (DIM): manual hooks and the tasks they ran. */
export const moduleOperations = [
  irisOp({
    name: "listModuleTasks",
    title: "List module tasks (deprecated)",
    description:
      "The latest tasks run by IRIS modules (DIM). Deprecated by IRIS in favour of /dim/tasks/list/.",
    method: "GET",
    path: "/dim/tasks/list/{count}",
    cid: "optional",
    fields: { count: Type.Integer({ minimum: 1, maximum: 10000, description: "How many tasks to return" }) },
    output: Type.Array(
      obj({ task_id: Type.String(), state: Type.String(), module: Type.String(), case: Type.String() }),
    ),
  }),
  irisOp({
    name: "listManualHooks",
    title: "List manual hooks for a case object type",
    description: "The manual hooks modules offer for an object type; feed one to callModuleHook.",
    method: "GET",
    path: "/dim/hooks/options/{object_type}/list",
    cid: "optional",
    fields: {
      object_type: Type.Union(
        HOOK_OBJECT_TYPES.map((t) => Type.Literal(t)),
        { description: "Object type" },
      ),
    },
    output: Type.Array(
      obj({ hook_name: Type.String(), manual_hook_ui_name: Type.String(), module_name: Type.String() }),
    ),
  }),
  irisOp({
    name: "callModuleHook",
    title: "Call a manual hook",
    description:
      "Trigger a module's manual hook on case objects, as the UI would. The module runs asynchronously; success means queued.",
    method: "POST",
    path: "/dim/hooks/call",
    fields: {
      hook_name: NonEmpty("Internal name of the hook"),
      module_name: NonEmpty("Module to call"),
      hook_ui_name: NonEmpty("UI name of the hook"),
      type: Type.Union(
        HOOK_OBJECT_TYPES.map((t) => Type.Literal(t)),
        { description: "Type of the targets" },
      ),
      targets: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, description: "IDs of the objects" }),
    },
  }),
];
