import { Type } from "@sinclair/typebox";
import { Case, CaseDetails, CaseRow, CustomAttributes, Id, NonEmpty, obj, Tags } from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";
import { findCase } from "./find.ts";

const caseId = { case_id: Id("Case ID") };
const updateFields = {
  case_name: Type.Optional(NonEmpty("Name of the case (the #id prefix is kept)")),
  case_soc_id: Type.Optional(Type.String({ description: "SOC ticket reference" })),
  case_description: Type.Optional(Type.String({ description: "Description / summary" })),
  classification_id: Type.Optional(Id("Case classification ID")),
  owner_id: Type.Optional(Id("User owning the case")),
  status_id: Type.Optional(Type.Integer({ minimum: 0, description: "Outcome status ID" })),
  protagonists: Type.Optional(
    Type.Array(
      Type.Object(
        {
          role: NonEmpty("Role in the case"),
          name: NonEmpty("Name"),
          contact: Type.Optional(Type.String({ description: "How to reach them" })),
          user_id: Type.Optional(Id("IRIS user, when the protagonist is one")),
        },
        { additionalProperties: false },
      ),
      { description: "People involved in the case" },
    ),
  ),
  case_tags: Type.Optional(Tags),
  custom_attributes: Type.Optional(CustomAttributes),
};

/** Cases: open, list, update, close, reopen and delete. */
export const caseOperations = [
  irisOp({
    name: "createCase",
    find: findCase,
    title: "Create a new immediate case",
    description: "Open a case for a customer. The case number is prepended to its name.",
    method: "POST",
    path: "/manage/cases/add",
    cid: "optional",
    fields: {
      case_soc_id: NonEmpty("SOC ticket reference"),
      case_customer: Id("Customer the case is for"),
      case_name: Type.String({ minLength: 2, description: "Short name of the case" }),
      case_description: Type.String({ minLength: 2, description: "Short description; becomes the summary" }),
      classification_id: Type.Optional(Id("Case classification ID")),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Case,
  }),
  irisOp({
    name: "listCases",
    title: "List all the cases",
    description: "Every case the caller may access, open and closed.",
    method: "GET",
    path: "/manage/cases/list",
    cid: "optional",
    output: Type.Array(CaseRow),
  }),
  irisOp({
    name: "getCase",
    title: "Get a case",
    description:
      "One case with its customer, opener, owner, classification, tags and protagonists by name. A case the caller may not read, or that does not exist, is IRIS's 403.",
    method: "GET",
    path: "/manage/cases/{case_id}",
    cid: "optional",
    fields: caseId,
    output: CaseDetails,
  }),
  irisOp({
    name: "updateCase",
    title: "Update information of a case",
    description:
      "Update a case's name, SOC ID, classification, owner, outcome, protagonists, tags or attributes.",
    method: "POST",
    path: "/manage/cases/update/{case_id}",
    cid: "optional",
    fields: { ...caseId, ...updateFields },
    check: atLeastOne(...Object.keys(updateFields)),
    output: Case,
  }),
  irisOp({
    name: "updateCaseOutcome",
    title: "Set the outcome of a case",
    description:
      "Set a case's outcome status (listOutcomeStatuses gives the values of the server's release).",
    method: "POST",
    path: "/case/update-status",
    fields: { status_id: Type.Integer({ minimum: 0, description: "Outcome status value" }) },
    output: Type.Integer({ description: "The outcome status now set" }),
  }),
  irisOp({
    name: "globalSearch",
    // A search sent as POST: it reads only.
    idempotent: true,
    title: "Search across cases",
    description:
      "Search every case for IOCs by value (% is a wildcard; match the whole value), or notes and comments containing a text. Needs the search_across_cases permission.",
    method: "POST",
    path: "/search",
    cid: "optional",
    fields: {
      search_type: Type.Union([Type.Literal("ioc"), Type.Literal("notes"), Type.Literal("comments")], {
        description: "What to search",
      }),
      search_value: NonEmpty("Value or text to look for (% is a wildcard)"),
    },
    output: Type.Array(obj({ case_id: Type.Integer(), case_name: Type.String() })),
  }),
  irisOp({
    name: "closeCase",
    title: "Close a case",
    description: "List the case under closed cases; it stays editable and searchable.",
    method: "POST",
    path: "/manage/cases/close/{case_id}",
    cid: "optional",
    fields: caseId,
    output: Case,
  }),
  irisOp({
    name: "reopenCase",
    title: "Reopen a case",
    description: "Reopen a case (also accepted when it is not closed).",
    method: "POST",
    path: "/manage/cases/reopen/{case_id}",
    cid: "optional",
    fields: caseId,
    output: Case,
  }),
  irisOp({
    name: "deleteCase",
    title: "Delete a case",
    description:
      "Delete a case with everything in it; IOCs still referenced by another case are only unlinked.",
    method: "POST",
    path: "/manage/cases/delete/{case_id}",
    cid: "optional",
    fields: caseId,
  }),
];
