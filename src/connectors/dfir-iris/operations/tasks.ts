import { Type } from "@sinclair/typebox";
import {
  CustomAttributes,
  GlobalTask,
  GlobalTaskList,
  Id,
  IdList,
  Tags,
  Task,
  TaskList,
  Text,
} from "../schemas.ts";
import { irisOp } from "./define.ts";

const taskId = { task_id: Id("Task ID") };
const caseTaskFields = {
  task_description: Type.Optional(Text("Description of the task")),
  task_tags: Type.Optional(Tags),
  custom_attributes: Type.Optional(CustomAttributes),
};
const TaskTitle = Type.String({ minLength: 2, description: "Title of the task" });
const Assignees = (description: string) =>
  IdList(`${description}; users who may not open the case (or do not exist) are left out, as IRIS does`);
const globalTaskFields = {
  task_assignee_id: Id("User the task is assigned to"),
  task_status_id: Id("Task status ID"),
  task_title: TaskTitle,
  task_description: Type.Optional(Text("Description of the task")),
  task_tags: Type.Optional(Tags),
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
      task_title: TaskTitle,
      task_status_id: Id("Task status ID"),
      // IRIS refuses a task sent without the list (the pre-1.5 single assignee is gone).
      task_assignees_id: Type.Optional(
        Type.Array(Type.Integer({ minimum: 1 }), {
          default: [],
          description: "IDs of the assignees (default none); users who may not open the case are left out",
        }),
      ),
      ...caseTaskFields,
    },
    output: Task,
  }),
  irisOp({
    name: "updateTask",
    title: "Update a task",
    description:
      "Replace a task: IRIS requires its title, status and full assignee list every time (fetch it first to keep them); description, tags and attributes left out keep their value.",
    method: "POST",
    path: "/case/tasks/update/{task_id}",
    fields: {
      ...taskId,
      task_title: TaskTitle,
      task_status_id: Id("Task status ID"),
      task_assignees_id: Assignees("IDs of the assignees (the full list)"),
      ...caseTaskFields,
    },
    output: Task,
  }),
  irisOp({
    name: "updateTaskStatus",
    title: "Change the status of a task",
    description: "Set only the status of a task of the case.",
    method: "POST",
    path: "/case/tasks/status/update/{task_id}",
    fields: { ...taskId, task_status_id: Id("Task status ID") },
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
    description:
      "Replace a global task: IRIS requires its assignee, status and title every time; description and tags left out keep their value.",
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
