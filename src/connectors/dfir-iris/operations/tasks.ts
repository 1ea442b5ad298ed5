import { Type } from "@sinclair/typebox";
import {
  CustomAttributes,
  GlobalTask,
  GlobalTaskList,
  Id,
  IdList,
  NonEmpty,
  Tags,
  Task,
  TaskList,
  Text,
} from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const taskId = { task_id: Id("Task ID") };
const caseTaskFields = {
  task_assignees_id: Type.Optional(IdList("IDs of the users the task is assigned to")),
  task_description: Type.Optional(Text("Description of the task")),
  task_tags: Type.Optional(Tags),
  custom_attributes: Type.Optional(CustomAttributes),
};
const globalTaskFields = {
  task_assignee_id: Id("User the task is assigned to"),
  task_status_id: Id("Task status ID"),
  task_title: Type.String({ minLength: 2, description: "Title of the task" }),
  task_description: Text("Description of the task"),
  task_tags: Tags,
};

/** Tasks of a case, and global tasks that belong to no case. */
export const taskOperations = [
  irisOp({
    name: "listTasks",
    title: "List tasks of a case",
    description: "Every task of the case, with the task statuses.",
    method: "GET",
    path: "/case/tasks/list",
    output: TaskList,
  }),
  irisOp({
    name: "getTask",
    title: "Fetch a task",
    description: "Return a task of the case with its assignees.",
    method: "GET",
    path: "/case/tasks/{task_id}",
    fields: taskId,
    output: Task,
  }),
  irisOp({
    name: "addTask",
    title: "Add a task",
    description: "Add a new task to the case, optionally assigned to users.",
    method: "POST",
    path: "/case/tasks/add",
    fields: {
      task_title: NonEmpty("Title of the task"),
      task_status_id: Id("Task status ID"),
      ...caseTaskFields,
    },
    output: Task,
  }),
  irisOp({
    name: "updateTask",
    title: "Update a task",
    description: "Update a task of the case; only the given fields change.",
    method: "POST",
    path: "/case/tasks/update/{task_id}",
    fields: {
      ...taskId,
      task_title: Type.Optional(NonEmpty("Title of the task")),
      task_status_id: Type.Optional(Id("Task status ID")),
      ...caseTaskFields,
    },
    check: atLeastOne("task_title", "task_status_id", ...Object.keys(caseTaskFields)),
    output: Task,
  }),
  irisOp({
    name: "deleteTask",
    title: "Delete a task",
    description: "Delete a task of the case and its comments.",
    method: "POST",
    path: "/case/tasks/delete/{task_id}",
    fields: taskId,
  }),
  irisOp({
    name: "listGlobalTasks",
    title: "List global tasks",
    description: "Every global task, with the task statuses.",
    method: "GET",
    path: "/global/tasks/list",
    cid: "optional",
    output: GlobalTaskList,
  }),
  irisOp({
    name: "getGlobalTask",
    title: "Fetch a global task",
    description: "Return one global task.",
    method: "GET",
    path: "/global/tasks/{task_id}",
    cid: "optional",
    fields: taskId,
    output: GlobalTask,
  }),
  irisOp({
    name: "addGlobalTask",
    title: "Add a global task",
    description: "Add a global task and assign it to a user.",
    method: "POST",
    path: "/global/tasks/add",
    cid: "optional",
    fields: globalTaskFields,
    output: GlobalTask,
  }),
  irisOp({
    name: "updateGlobalTask",
    title: "Update a global task",
    description: "Replace the fields of a global task.",
    method: "POST",
    path: "/global/tasks/update/{task_id}",
    cid: "optional",
    fields: { ...taskId, ...globalTaskFields },
    output: GlobalTask,
  }),
  irisOp({
    name: "deleteGlobalTask",
    title: "Delete a global task",
    description: "Delete a global task.",
    method: "POST",
    path: "/global/tasks/delete/{task_id}",
    cid: "optional",
    fields: taskId,
  }),
];
