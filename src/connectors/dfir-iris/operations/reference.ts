import { Type } from "@sinclair/typebox";
import { AssetType, Id, IocType, Named, NonEmpty, obj, TaskStatus, Text } from "../schemas.ts";
import { atLeastOne, FileInput, irisOp, multipartOf } from "./define.ts";

const assetTypeId = { asset_type_id: Id("Asset type ID") };
const iocTypeId = { ioc_type_id: Id("IOC type ID") };
const ICONS = ["asset_icon_not_compromised", "asset_icon_compromised"];
const iocTypeFields = {
  type_name: NonEmpty("Name of the type"),
  type_description: Text("Description"),
  type_taxonomy: Type.Optional(Text("Taxonomy")),
  type_validation_regex: Type.Optional(Text("Regular expression values must match")),
  type_validation_expect: Type.Optional(Text("What a valid value looks like, shown on errors")),
};
const list = (name: string, title: string, path: string, item: ReturnType<typeof obj>, description: string) =>
  irisOp({ name, title, description, method: "GET", path, cid: "optional", output: Type.Array(item) });
const get = (name: string, title: string, path: string, idField: string, item: ReturnType<typeof obj>) =>
  irisOp({
    name,
    title,
    description: `${title}.`,
    method: "GET",
    path,
    cid: "optional",
    fields: { [idField]: Id("ID") },
    output: item,
  });

/** Reference data: asset and IOC types (administrators edit them), statuses, TLPs and other lists. */
export const referenceOperations = [
  list("listAssetTypes", "List asset types", "/manage/asset-type/list", AssetType, "Every asset type."),
  get("getAssetType", "Get an asset type", "/manage/asset-type/{asset_type_id}", "asset_type_id", AssetType),
  irisOp({
    name: "addAssetType",
    title: "Add an asset type",
    description: "Create an asset type with its two icons (multipart).",
    method: "POST",
    path: "/manage/asset-type/add",
    cid: "optional",
    body: "multipart",
    fields: {
      asset_name: NonEmpty("Name of the type"),
      asset_description: NonEmpty("Description"),
      asset_icon_not_compromised: FileInput("Icon of a healthy asset (PNG)"),
      asset_icon_compromised: FileInput("Icon of a compromised asset (PNG)"),
    },
    request: (_input, req) => multipartOf(req, ICONS),
    output: AssetType,
  }),
  irisOp({
    name: "updateAssetType",
    title: "Update an asset type",
    description: "Update an asset type's name, description or icons (multipart).",
    method: "POST",
    path: "/manage/asset-type/update/{asset_type_id}",
    cid: "optional",
    body: "multipart",
    fields: {
      ...assetTypeId,
      asset_name: Type.Optional(NonEmpty("Name of the type")),
      asset_description: Type.Optional(NonEmpty("Description")),
      asset_icon_not_compromised: Type.Optional(FileInput("Icon of a healthy asset (PNG)")),
      asset_icon_compromised: Type.Optional(FileInput("Icon of a compromised asset (PNG)")),
    },
    check: atLeastOne("asset_name", "asset_description", ...ICONS),
    request: (_input, req) => multipartOf(req, ICONS),
    output: AssetType,
  }),
  irisOp({
    name: "deleteAssetType",
    title: "Delete an asset type",
    description: "Delete an asset type no asset uses.",
    method: "POST",
    path: "/manage/asset-type/delete/{asset_type_id}",
    cid: "optional",
    fields: assetTypeId,
  }),
  list(
    "listIocTypes",
    "List IOC types",
    "/manage/ioc-types/list",
    IocType,
    "Every IOC type with its validation.",
  ),
  get("getIocType", "Get an IOC type", "/manage/ioc-types/{ioc_type_id}", "ioc_type_id", IocType),
  irisOp({
    name: "addIocType",
    title: "Add an IOC type",
    description: "Create an IOC type, optionally with a validation regex.",
    method: "POST",
    path: "/manage/ioc-types/add",
    cid: "optional",
    fields: iocTypeFields,
    output: IocType,
  }),
  irisOp({
    name: "updateIocType",
    title: "Update an IOC type",
    description: "Update an IOC type.",
    method: "POST",
    path: "/manage/ioc-types/update/{ioc_type_id}",
    cid: "optional",
    fields: {
      ...iocTypeId,
      type_name: Type.Optional(NonEmpty("Name of the type")),
      type_description: Type.Optional(Text("Description")),
      type_taxonomy: Type.Optional(Text("Taxonomy")),
      type_validation_regex: Type.Optional(Text("Regular expression values must match")),
      type_validation_expect: Type.Optional(Text("What a valid value looks like")),
    },
    check: atLeastOne(
      "type_name",
      "type_description",
      "type_taxonomy",
      "type_validation_regex",
      "type_validation_expect",
    ),
    output: IocType,
  }),
  irisOp({
    name: "deleteIocType",
    title: "Delete an IOC type",
    description: "Delete an IOC type no IOC uses.",
    method: "POST",
    path: "/manage/ioc-types/delete/{ioc_type_id}",
    cid: "optional",
    fields: iocTypeId,
  }),
  list(
    "listTaskStatuses",
    "List task statuses",
    "/manage/task-status/list",
    TaskStatus,
    "Every task status.",
  ),
  get(
    "getTaskStatus",
    "Get a task status",
    "/manage/task-status/{task_status_id}",
    "task_status_id",
    TaskStatus,
  ),
  list(
    "listAnalysisStatuses",
    "List analysis statuses",
    "/manage/analysis-status/list",
    Named,
    "Every analysis status of assets.",
  ),
  get(
    "getAnalysisStatus",
    "Get an analysis status",
    "/manage/analysis-status/{analysis_status_id}",
    "analysis_status_id",
    Named,
  ),
  list(
    "listTlps",
    "List TLPs",
    "/manage/tlp/list",
    obj({ tlp_id: Type.Integer(), tlp_name: Type.String(), tlp_bscolor: Type.String() }),
    "Traffic Light Protocol levels for IOCs.",
  ),
  list(
    "listEventCategories",
    "List event categories",
    "/manage/event-categories/list",
    Named,
    "Timeline event categories (MITRE tactics).",
  ),
  list(
    "listCompromiseStatuses",
    "List compromise statuses",
    "/manage/compromise-status/list",
    obj({ value: Type.Integer(), name: Type.String() }),
    "Compromise statuses of assets.",
  ),
  list(
    "listOutcomeStatuses",
    "List case outcome statuses",
    "/manage/outcome-status/list",
    obj({ value: Type.Integer(), name: Type.String() }),
    "Outcomes a case can be closed with.",
  ),
  list(
    "listCaseClassifications",
    "List case classifications",
    "/manage/case-classifications/list",
    obj({ id: Type.Integer(), name: Type.String(), name_expanded: Type.String() }),
    "Case classifications (MISP taxonomy).",
  ),
];
