import { Type } from "@sinclair/typebox";
import {
  CustomAttributes,
  Id,
  NonEmpty,
  Note,
  NoteSummary,
  NotesGroup,
  NotesGroupWithNotes,
  ObjectState,
  obj,
} from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const groupId = { group_id: Id("Notes group ID") };
const noteId = { note_id: Id("Note ID") };

/** Notes of a case, organised in groups. */
export const noteOperations = [
  irisOp({
    name: "listNotesGroups",
    title: "List notes and groups",
    description: "Get the notes groups of the case with their notes (titles only, not the content).",
    method: "GET",
    path: "/case/notes/groups/list",
    output: obj({ groups: Type.Array(NotesGroupWithNotes), state: ObjectState }),
  }),
  irisOp({
    name: "getNotesGroup",
    title: "Fetch a notes group",
    description: "Fetch a notes group and the titles of its notes.",
    method: "GET",
    path: "/case/notes/groups/{group_id}",
    fields: groupId,
    output: NotesGroupWithNotes,
  }),
  irisOp({
    name: "addNotesGroup",
    title: "Create a notes group",
    description: "Create an empty notes group; without a title the server names it.",
    method: "POST",
    path: "/case/notes/groups/add",
    fields: { group_title: Type.Optional(NonEmpty("Title of the group")) },
    output: NotesGroup,
  }),
  irisOp({
    name: "updateNotesGroup",
    title: "Update the title of a notes group",
    description: "Rename a notes group.",
    method: "POST",
    path: "/case/notes/groups/update/{group_id}",
    fields: { ...groupId, group_title: NonEmpty("New title of the group") },
    output: NotesGroup,
  }),
  irisOp({
    name: "deleteNotesGroup",
    title: "Delete a notes group",
    description: "Delete a notes group and every note in it.",
    method: "POST",
    path: "/case/notes/groups/delete/{group_id}",
    fields: groupId,
  }),
  irisOp({
    name: "addNote",
    title: "Add a note",
    description: "Add a new note to an existing group.",
    method: "POST",
    path: "/case/notes/add",
    fields: {
      note_title: NonEmpty("Title of the note"),
      note_content: Type.String({ description: "Content of the note (markdown)" }),
      group_id: Id("Group the note goes in"),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Note,
  }),
  irisOp({
    name: "getNote",
    title: "Fetch a note",
    description: "Fetch the content and information of a note.",
    method: "GET",
    path: "/case/notes/{note_id}",
    fields: noteId,
    output: Note,
  }),
  irisOp({
    name: "updateNote",
    title: "Update a note",
    description: "Update the title, content or custom attributes of a note.",
    method: "POST",
    path: "/case/notes/update/{note_id}",
    fields: {
      ...noteId,
      note_title: Type.Optional(NonEmpty("New title")),
      note_content: Type.Optional(Type.String({ description: "New content (markdown)" })),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    check: atLeastOne("note_title", "note_content", "custom_attributes"),
    output: Note,
  }),
  irisOp({
    name: "deleteNote",
    title: "Delete a note",
    description: "Delete a note.",
    method: "POST",
    path: "/case/notes/delete/{note_id}",
    fields: noteId,
  }),
  irisOp({
    name: "searchNotes",
    title: "Search in notes",
    description: "Search the titles and contents of the case notes; % is a wildcard. Returns ids and titles.",
    method: "POST",
    path: "/case/notes/search",
    fields: { search_term: NonEmpty("Term to look for (% is a wildcard)") },
    output: Type.Array(NoteSummary),
  }),
];
