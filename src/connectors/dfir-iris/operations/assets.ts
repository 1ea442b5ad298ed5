import { Type } from "@sinclair/typebox";
import {
  Asset,
  AssetList,
  CustomAttributes,
  Id,
  IdList,
  NonEmpty,
  ObjectState,
  Tags,
  Text,
} from "../schemas.ts";
import { CsvData, ImportResult, importResult, irisOp } from "./define.ts";
import { findAsset } from "./find.ts";

const assetFields = {
  asset_domain: Type.Optional(Text("Domain the asset belongs to")),
  asset_ip: Type.Optional(Text("IP address of the asset")),
  asset_info: Type.Optional(Text("Additional information")),
  asset_compromise_status_id: Type.Optional(
    Type.Integer({ minimum: 0, description: "Compromise status ID" }),
  ),
  ioc_links: Type.Optional(IdList("IDs of IOCs linked to the asset (the full list)")),
  asset_tags: Type.Optional(Tags),
  asset_description: Type.Optional(Text("Description of the asset")),
  custom_attributes: Type.Optional(CustomAttributes),
};
// IRIS 2.0 requires an analysis status, and IRIS 2.4 leaves an asset without one out of the case's list.
const AnalysisStatus = Type.Integer({
  minimum: 1,
  default: 1,
  description: "Analysis status ID (default 1, Unspecified)",
});

/** Assets of a case (hosts, accounts, network gear) and their links to IOCs. */
export const assetOperations = [
  irisOp({
    name: "listAssets",
    title: "List assets of a case",
    description: "Get the assets linked to the case, with their IOC links and the list state.",
    method: "GET",
    path: "/case/assets/list",
    output: AssetList,
  }),
  irisOp({
    name: "getAssetsState",
    title: "Fetch the state of the asset list",
    description: "The asset list's change counter and last update, to see whether it changed.",
    method: "GET",
    path: "/case/assets/state",
    output: ObjectState,
  }),
  irisOp({
    name: "getAsset",
    title: "Fetch an asset",
    description: "Fetch the content of an asset, with the IOCs linked to it.",
    method: "GET",
    path: "/case/assets/{asset_id}",
    fields: { asset_id: Id("Asset ID") },
    output: Asset,
  }),
  irisOp({
    name: "addAsset",
    find: findAsset,
    title: "Create an asset",
    description:
      "Create an asset and link it to the case. IRIS does not refuse a second asset with the same name and type.",
    method: "POST",
    path: "/case/assets/add",
    fields: {
      asset_name: NonEmpty("Name of the asset"),
      asset_type_id: Id("Asset type ID"),
      analysis_status_id: Type.Optional(AnalysisStatus),
      ...assetFields,
    },
    output: Asset,
  }),
  irisOp({
    name: "uploadAssetsCsv",
    title: "Import assets from CSV",
    description:
      "Add assets from CSV text with the columns asset_name,asset_type_name,asset_description,asset_ip,asset_domain,asset_tags (header optional; types by name, tags separated by |). Rows IRIS cannot take are listed in the message; the output holds the rows it imported.",
    method: "POST",
    path: "/case/assets/upload",
    fields: {
      CSVData: CsvData("asset_name,asset_type_name,asset_description,asset_ip,asset_domain,asset_tags"),
    },
    output: ImportResult,
    response: importResult,
  }),
  irisOp({
    name: "updateAsset",
    title: "Update an asset",
    description:
      "Update an asset: IRIS requires its name, type and analysis status every time (fetch it first to keep them); other fields left out keep their value.",
    method: "POST",
    path: "/case/assets/update/{asset_id}",
    fields: {
      asset_id: Id("Asset ID"),
      asset_name: NonEmpty("Name of the asset"),
      asset_type_id: Id("Asset type ID"),
      analysis_status_id: Id("Analysis status ID"),
      ...assetFields,
    },
    output: Asset,
  }),
  irisOp({
    name: "deleteAsset",
    title: "Delete an asset",
    description: "Delete an asset; events that reference it lose the reference but stay.",
    method: "POST",
    path: "/case/assets/delete/{asset_id}",
    fields: { asset_id: Id("Asset ID") },
  }),
];
