import { Type } from "@sinclair/typebox";
import { Comment, Id, NonEmpty } from "../schemas.ts";
import { irisOp } from "./define.ts";

/** The case objects that carry comments, by the names the IRIS documentation gives them. */
export const COMMENTABLE = ["notes", "assets", "ioc", "events", "tasks", "evidences"] as const;

const target = {
  object_name: Type.Union(
    COMMENTABLE.map((name) => Type.Literal(name)),
    { description: "Kind of case object" },
  ),
  object_id: Id("ID of the object"),
};
const commentId = { comment_id: Id("Comment ID") };

// Timeline events live under /case/timeline/events, not /case/events.
const eventsPath = (_input: Record<string, unknown>, req: { url: string }) => {
  req.url = req.url.replace("/case/events/", "/case/timeline/events/");
  return undefined;
};

/** Comments on any commentable case object. */
export const commentOperations = [
  irisOp({
    name: "addComment",
    title: "Add a comment to a case object",
    description: "Add a comment to a note, asset, IOC, timeline event, task or evidence.",
    method: "POST",
    path: "/case/{object_name}/{object_id}/comments/add",
    fields: { ...target, comment_text: NonEmpty("Text of the comment") },
    request: eventsPath,
    output: Comment,
  }),
  irisOp({
    name: "listComments",
    title: "List the comments of a case object",
    description: "The comments of a case object, oldest first.",
    method: "GET",
    path: "/case/{object_name}/{object_id}/comments/list",
    fields: target,
    request: eventsPath,
    output: Type.Array(Comment),
  }),
  irisOp({
    name: "getComment",
    title: "Fetch a comment",
    description: "One comment of a case object, with its author's name and login.",
    method: "GET",
    path: "/case/{object_name}/{object_id}/comments/{comment_id}",
    fields: { ...target, ...commentId },
    request: eventsPath,
    output: Comment,
  }),
  irisOp({
    name: "editComment",
    title: "Edit a comment",
    description: "Change the text of a comment (anyone with full access to the case may).",
    method: "POST",
    path: "/case/{object_name}/{object_id}/comments/{comment_id}/edit",
    fields: { ...target, ...commentId, comment_text: NonEmpty("New text") },
    request: eventsPath,
    output: Comment,
  }),
  irisOp({
    name: "deleteComment",
    title: "Delete a comment",
    description: "Delete one's own comment on a case object.",
    method: "POST",
    path: "/case/{object_name}/{object_id}/comments/{comment_id}/delete",
    fields: { ...target, ...commentId },
    request: eventsPath,
  }),
];
