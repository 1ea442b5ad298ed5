import { Type } from "@sinclair/typebox";
import { NonEmpty, obj, Text } from "../schemas.ts";
import { irisOp } from "./define.ts";

/** The case's summary and its activity log. */
export const caseCoreOperations = [
  irisOp({
    name: "getCaseSummary",
    title: "Fetch the summary of a case",
    description: "Return the markdown summary of the case.",
    method: "GET",
    path: "/case/summary/fetch",
    output: obj({ case_description: Type.String(), crc32: Type.Integer() }),
  }),
  irisOp({
    name: "updateCaseSummary",
    title: "Update the summary of a case",
    description:
      "Overwrite the case summary (markdown). Every user editing it at the same time receives the change.",
    method: "POST",
    path: "/case/summary/update",
    fields: { case_description: Text("The new summary (markdown)") },
    output: Type.Integer({ description: "CRC32 of the saved summary" }),
  }),
  irisOp({
    name: "addCaseTaskLog",
    title: "Add a task log to the case",
    description:
      "Register a free-text entry under the case activities (usable in reports). Without cid, the user's default case is used.",
    method: "POST",
    path: "/case/tasklog/add",
    cid: "current",
    fields: { log_content: NonEmpty("Text of the log entry") },
    output: obj({ id: Type.Integer(), activity_desc: Type.String(), case_id: Type.Integer() }),
  }),
  irisOp({
    name: "checkCaseExists",
    title: "Check that a case exists",
    description:
      "Succeed when the case exists and the caller may read it; otherwise IRIS answers 403 (an AuthError), as it does for a case that does not exist.",
    method: "GET",
    path: "/case/exists",
    output: Type.Unknown(),
  }),
];
