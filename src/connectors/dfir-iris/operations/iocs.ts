import { Type } from "@sinclair/typebox";
import { CustomAttributes, Id, Ioc, IocList, NonEmpty, Tags, Text } from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const iocId = { ioc_id: Id("IOC ID") };

/** Indicators of compromise; one IOC may be linked to several cases. */
export const iocOperations = [
  irisOp({
    name: "listIocs",
    title: "List IOCs of a case",
    description: "List the IOCs of the case, with the other cases each one is also linked to.",
    method: "GET",
    path: "/case/ioc/list",
    output: IocList,
  }),
  irisOp({
    name: "getIoc",
    title: "Fetch an IOC",
    description: "Fetch the content of an IOC.",
    method: "GET",
    path: "/case/ioc/{ioc_id}",
    fields: iocId,
    output: Ioc,
  }),
  irisOp({
    name: "addIoc",
    title: "Add an IOC",
    description:
      "Add an IOC to the case. Its value must match the type's validation regex; an IOC already known with the same type and value is linked instead of duplicated.",
    method: "POST",
    path: "/case/ioc/add",
    fields: {
      ioc_type_id: Id("IOC type ID"),
      ioc_tlp_id: Id("TLP ID"),
      ioc_value: NonEmpty("Value of the IOC"),
      ioc_description: Text("Description of the IOC"),
      ioc_tags: Tags,
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Ioc,
  }),
  irisOp({
    name: "updateIoc",
    title: "Update an IOC",
    description: "Update an IOC; only the given fields change.",
    method: "POST",
    path: "/case/ioc/update/{ioc_id}",
    fields: {
      ...iocId,
      ioc_value: Type.Optional(NonEmpty("Value of the IOC")),
      ioc_tlp_id: Type.Optional(Id("TLP ID")),
      ioc_type_id: Type.Optional(Id("IOC type ID")),
      ioc_description: Type.Optional(Text("Description")),
      ioc_tags: Type.Optional(Tags),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    check: atLeastOne(
      "ioc_value",
      "ioc_tlp_id",
      "ioc_type_id",
      "ioc_description",
      "ioc_tags",
      "custom_attributes",
    ),
    output: Ioc,
  }),
  irisOp({
    name: "deleteIoc",
    title: "Delete an IOC",
    description:
      "Delete an IOC from the case. If another case still references it, it is only unlinked from this one.",
    method: "POST",
    path: "/case/ioc/delete/{ioc_id}",
    fields: iocId,
  }),
];
