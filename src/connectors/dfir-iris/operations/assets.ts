import { Type } from "@sinclair/typebox";
import { Asset, AssetList, CustomAttributes, Id, IdList, NonEmpty, Tags, Text } from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const assetFields = {
  asset_domain: Type.Optional(Text("Domain the asset belongs to")),
  asset_ip: Type.Optional(Text("IP address of the asset")),
  asset_info: Type.Optional(Text("Additional information")),
  asset_compromise_status_id: Type.Optional(
    Type.Integer({ minimum: 0, description: "Compromise status ID" }),
  ),
  analysis_status_id: Type.Optional(Id("Analysis status ID")),
  ioc_links: Type.Optional(IdList("IDs of the case IOCs linked to the asset")),
  asset_tags: Type.Optional(Tags),
  asset_description: Type.Optional(Text("Description of the asset")),
  custom_attributes: Type.Optional(CustomAttributes),
};

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
    name: "getAsset",
    title: "Fetch an asset",
    description: "Fetch the content of an asset.",
    method: "GET",
    path: "/case/assets/{asset_id}",
    fields: { asset_id: Id("Asset ID") },
    output: Asset,
  }),
  irisOp({
    name: "addAsset",
    title: "Create an asset",
    description: "Create an asset and link it to the case.",
    method: "POST",
    path: "/case/assets/add",
    fields: { asset_name: NonEmpty("Name of the asset"), asset_type_id: Id("Asset type ID"), ...assetFields },
    output: Asset,
  }),
  irisOp({
    name: "updateAsset",
    title: "Update an asset",
    description: "Update an asset; only the given fields change.",
    method: "POST",
    path: "/case/assets/update/{asset_id}",
    fields: {
      asset_id: Id("Asset ID"),
      asset_name: Type.Optional(NonEmpty("Name of the asset")),
      asset_type_id: Type.Optional(Id("Asset type ID")),
      ...assetFields,
    },
    check: atLeastOne("asset_name", "asset_type_id", ...Object.keys(assetFields)),
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
