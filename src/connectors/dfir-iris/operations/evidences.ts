import { Type } from "@sinclair/typebox";
import { CustomAttributes, Evidence, EvidenceList, Id, Text } from "../schemas.ts";
import { irisOp } from "./define.ts";

const evidenceId = { evidence_id: Id("Evidence ID") };
const evidenceFields = {
  filename: Type.String({ minLength: 2, description: "Name of the evidence file" }),
  file_size: Type.Optional(
    Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: "Size in bytes" }),
  ),
  file_hash: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "Hash of the file, or null" }),
  ),
  file_description: Type.Optional(
    Type.Union([Text("Description"), Type.Null()], { description: "Description" }),
  ),
  custom_attributes: Type.Optional(CustomAttributes),
};

/** Evidence registered in a case (the files themselves live elsewhere, or in the datastore). */
export const evidenceOperations = [
  irisOp({
    name: "listEvidences",
    title: "List evidences of a case",
    description: "Every evidence registered in the case.",
    method: "GET",
    path: "/case/evidences/list",
    output: EvidenceList,
  }),
  irisOp({
    name: "getEvidence",
    title: "Fetch an evidence",
    description: "Return information of an evidence.",
    method: "GET",
    path: "/case/evidences/{evidence_id}",
    fields: evidenceId,
    output: Evidence,
  }),
  irisOp({
    name: "addEvidence",
    title: "Add an evidence",
    description: "Register a new evidence in the case.",
    method: "POST",
    path: "/case/evidences/add",
    fields: evidenceFields,
    output: Evidence,
  }),
  irisOp({
    name: "updateEvidence",
    title: "Update an evidence",
    description:
      "Update an evidence: its file name is required every time; other fields left out keep their value.",
    method: "POST",
    path: "/case/evidences/update/{evidence_id}",
    fields: { ...evidenceId, ...evidenceFields },
    output: Evidence,
  }),
  irisOp({
    name: "deleteEvidence",
    title: "Delete an evidence",
    description: "Delete an evidence and its comments.",
    method: "POST",
    path: "/case/evidences/delete/{evidence_id}",
    fields: evidenceId,
  }),
];
