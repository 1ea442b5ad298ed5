import { Type } from "@sinclair/typebox";
import { ValidationError } from "../../sdk/index.ts";
import {
  CustomAttributes,
  Id,
  NonEmpty,
  Note,
  NoteSummary,
  NotesDirectory,
  NotesGroup,
  NotesGroupWithNotes,
  ObjectState,
  obj,
} from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const groupId = { group_id: Id("Notes group ID") };
const noteId = { note_id: Id("Note ID") };
const directoryId = { directory_id: Id("Notes directory ID") };

/** One note of a directory listing: its id and title. */
const NoteTitle = obj({ id: Type.Integer(), title: Type.String() });
const NotesDirectoryRow = obj({
  id: Type.Integer(),
  name: Type.String(),
  note_count: Type.Integer(),
  subdirectories: Type.Array(obj({}), { description: "Directories inside, each with the same fields" }),
  notes: Type.Array(NoteTitle),
});

/**
 * Notes of a case: IRIS 2.4 files them in nested directories, IRIS 2.0 in flat groups (each release
 * refuses the other's endpoints: 2.4 answers 410 to groups, 2.0 404 to directories).
 */
export const noteOperations = [
  irisOp({
    name: "listNotesDirectories",
    title: "List notes directories (IRIS 2.4)",
    description:
      "The notes directories of the case by name, each with its note count, subdirectories and note titles.",
    method: "GET",
    path: "/case/notes/directories/filter",
    output: Type.Array(NotesDirectoryRow),
  }),
  irisOp({
    name: "addNotesDirectory",
    title: "Create a notes directory (IRIS 2.4)",
    description: "Create a notes directory, at the top or inside another one; names need not be unique.",
    method: "POST",
    path: "/case/notes/directories/add",
    fields: {
      name: NonEmpty("Name of the directory"),
      parent_id: Type.Optional(Id("Directory to create it in")),
    },
    output: NotesDirectory,
  }),
  irisOp({
    name: "updateNotesDirectory",
    title: "Rename or move a notes directory (IRIS 2.4)",
    description: "Rename a notes directory or move it under another one of the case.",
    method: "POST",
    path: "/case/notes/directories/update/{directory_id}",
    fields: {
      ...directoryId,
      name: Type.Optional(NonEmpty("New name")),
      parent_id: Type.Optional(Id("Directory to move it into")),
    },
    check: atLeastOne("name", "parent_id"),
    output: NotesDirectory,
  }),
  irisOp({
    name: "deleteNotesDirectory",
    title: "Delete a notes directory (IRIS 2.4)",
    description: "Delete a notes directory with every note and subdirectory in it.",
    method: "POST",
    path: "/case/notes/directories/delete/{directory_id}",
    fields: directoryId,
  }),
  irisOp({
    name: "findNotes",
    title: "Search in notes (IRIS 2.4)",
    description: "Notes of the case whose title or content contains the text (% is a wildcard), in full.",
    method: "GET",
    path: "/case/notes/search",
    fields: { search_input: NonEmpty("Text to look for (% is a wildcard)") },
    output: Type.Array(Note),
  }),
  irisOp({
    name: "listNotesGroups",
    title: "List notes and groups (IRIS 2.0)",
    description: "Get the notes groups of the case with their notes (titles only, not the content).",
    method: "GET",
    path: "/case/notes/groups/list",
    output: obj({ groups: Type.Array(NotesGroupWithNotes), state: ObjectState }),
  }),
  irisOp({
    name: "getNotesGroup",
    title: "Fetch a notes group (IRIS 2.0)",
    description: "Fetch a notes group and the titles of its notes.",
    method: "GET",
    path: "/case/notes/groups/{group_id}",
    fields: groupId,
    output: NotesGroupWithNotes,
  }),
  irisOp({
    name: "addNotesGroup",
    title: "Create a notes group (IRIS 2.0)",
    description: "Create an empty notes group; without a title the server names it.",
    method: "POST",
    path: "/case/notes/groups/add",
    fields: { group_title: Type.Optional(NonEmpty("Title of the group")) },
    output: NotesGroup,
  }),
  irisOp({
    name: "updateNotesGroup",
    title: "Update the title of a notes group (IRIS 2.0)",
    description: "Rename a notes group.",
    method: "POST",
    path: "/case/notes/groups/update/{group_id}",
    fields: { ...groupId, group_title: NonEmpty("New title of the group") },
    output: NotesGroup,
  }),
  irisOp({
    name: "deleteNotesGroup",
    title: "Delete a notes group (IRIS 2.0)",
    description: "Delete a notes group and every note in it.",
    method: "POST",
    path: "/case/notes/groups/delete/{group_id}",
    fields: groupId,
  }),
  irisOp({
    name: "addNote",
    title: "Add a note",
    description: "Add a note to a directory (IRIS 2.4) or to a group (IRIS 2.0).",
    method: "POST",
    path: "/case/notes/add",
    fields: {
      note_title: NonEmpty("Title of the note"),
      note_content: Type.String({ description: "Content of the note (markdown)" }),
      directory_id: Type.Optional(Id("Directory the note goes in (IRIS 2.4)")),
      group_id: Type.Optional(Id("Group the note goes in (IRIS 2.0)")),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    check: (input) => {
      if ((input.directory_id === undefined) === (input.group_id === undefined))
        throw new ValidationError("give exactly one of directory_id (IRIS 2.4) and group_id (IRIS 2.0)", {
          field: "directory_id",
        });
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
      directory_id: Type.Optional(Id("Directory to move the note to (IRIS 2.4)")),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    check: atLeastOne("note_title", "note_content", "directory_id", "custom_attributes"),
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
    title: "Search in notes (IRIS 2.0)",
    description: "Search the contents of the case notes; % is a wildcard. Returns ids and titles.",
    method: "POST",
    path: "/case/notes/search",
    fields: { search_term: NonEmpty("Term to look for (% is a wildcard)") },
    output: Type.Array(NoteSummary),
  }),
];
