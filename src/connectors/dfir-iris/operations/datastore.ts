import { Type } from "@sinclair/typebox";
import { ValidationError } from "../../sdk/index.ts";
import { DatastoreFile, DatastoreFolder, Id, NonEmpty, obj, Tags, Text } from "../schemas.ts";
import { atLeastOne, FileInput, irisOp, multipartOf } from "./define.ts";

const fileId = { file_id: Id("Datastore file ID") };
const folderId = { folder_id: Id("Datastore folder ID") };
const fileFields = {
  file_original_name: Type.Optional(NonEmpty("Name the file is shown with")),
  file_description: Type.Optional(Text("Description of the file")),
  file_tags: Type.Optional(Tags),
  file_is_evidence: Type.Optional(Type.Boolean({ description: "Also register the file as an evidence" })),
  file_is_ioc: Type.Optional(Type.Boolean({ description: "Also register the file's SHA-256 as an IOC" })),
  file_content: Type.Optional(FileInput("The file")),
};
const FILES = ["file_content"];
const FLAGS = ["file_is_evidence", "file_is_ioc"];

/** Datastore: a per-case tree of folders and stored files (optionally password-protected archives). */
export const datastoreOperations = [
  irisOp({
    name: "listDatastoreTree",
    title: "List datastore folders and files",
    description: "The case's datastore as a tree: d-<id> folders and f-<id> files.",
    method: "GET",
    path: "/datastore/list/tree",
    output: Type.Record(Type.String(), Type.Unknown()),
  }),
  irisOp({
    name: "addDatastoreFile",
    title: "Add a file to the datastore",
    description:
      "Upload a file (multipart) into a datastore folder. The password is stored unencrypted and returned by file info.",
    method: "POST",
    path: "/datastore/file/add/{parent_id}",
    body: "multipart",
    fields: {
      parent_id: Id("Folder the file goes in"),
      ...fileFields,
      file_password: Type.Optional(Type.String({ description: "Password protecting the stored file" })),
    },
    check: (input) => {
      if (input.file_content === undefined)
        throw new ValidationError("input.file_content is required", { field: "file_content" });
    },
    request: (_input, req) => multipartOf(req, FILES, FLAGS),
    output: DatastoreFile,
  }),
  irisOp({
    name: "getDatastoreFileInfo",
    title: "Get datastore file information",
    description: "Information about a stored file; download it with viewDatastoreFile.",
    method: "GET",
    path: "/datastore/file/info/{file_id}",
    fields: fileId,
    output: DatastoreFile,
  }),
  irisOp({
    name: "viewDatastoreFile",
    title: "Download a datastore file",
    description: "Download a stored file; the content comes back in base64.",
    method: "GET",
    path: "/datastore/file/view/{file_id}",
    fields: fileId,
    output: obj({
      filename: Type.String(),
      content_type: Type.String(),
      size: Type.Integer(),
      content_base64: Type.String(),
    }),
    response: (_data, res) => {
      const bytes = res.raw ?? new Uint8Array();
      const disposition = res.headers["content-disposition"] ?? "";
      const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
      return {
        filename: name ? decodeURIComponent(name) : "",
        content_type: res.headers["content-type"] ?? "application/octet-stream",
        size: bytes.byteLength,
        content_base64: Buffer.from(bytes).toString("base64"),
      };
    },
  }),
  irisOp({
    name: "updateDatastoreFile",
    title: "Update a datastore file",
    description:
      "Update a stored file's information or replace its content (multipart). A previous password is removed.",
    method: "POST",
    path: "/datastore/file/update/{file_id}",
    body: "multipart",
    fields: { ...fileId, ...fileFields },
    check: atLeastOne(...Object.keys(fileFields)),
    request: (_input, req) => multipartOf(req, FILES, FLAGS),
    output: DatastoreFile,
  }),
  irisOp({
    name: "moveDatastoreFile",
    title: "Move a datastore file",
    description: "Move a file to another folder.",
    method: "POST",
    path: "/datastore/file/move/{file_id}",
    fields: { ...fileId, "destination-node": Id("Destination folder ID") },
  }),
  irisOp({
    name: "deleteDatastoreFile",
    title: "Delete a datastore file",
    description: "Delete a stored file.",
    method: "POST",
    path: "/datastore/file/delete/{file_id}",
    fields: fileId,
  }),
  irisOp({
    name: "addDatastoreFolder",
    title: "Add a datastore folder",
    description: "Create a folder under another one.",
    method: "POST",
    path: "/datastore/folder/add",
    fields: { folder_name: NonEmpty("Name of the folder"), parent_node: Id("Parent folder ID") },
    output: DatastoreFolder,
  }),
  irisOp({
    name: "renameDatastoreFolder",
    title: "Rename a datastore folder",
    description: "Rename a folder.",
    method: "POST",
    path: "/datastore/folder/rename/{folder_id}",
    fields: { ...folderId, folder_name: NonEmpty("New name") },
    // IRIS wants the folder's own id a second time, as parent_node, and refuses the rename without it.
    request: (input, req) => {
      if (req.body?.kind === "json")
        (req.body.value as Record<string, unknown>).parent_node = input.folder_id;
      return undefined;
    },
    output: DatastoreFolder,
  }),
  irisOp({
    name: "moveDatastoreFolder",
    title: "Move a datastore folder",
    description: "Move a folder (and what it holds) into another folder.",
    method: "POST",
    path: "/datastore/folder/move/{folder_id}",
    fields: { ...folderId, "destination-node": Id("Destination folder ID") },
    output: DatastoreFolder,
  }),
  irisOp({
    name: "deleteDatastoreFolder",
    title: "Delete a datastore folder",
    description: "Delete a folder with its subfolders and files.",
    method: "POST",
    path: "/datastore/folder/delete/{folder_id}",
    fields: folderId,
  }),
];
