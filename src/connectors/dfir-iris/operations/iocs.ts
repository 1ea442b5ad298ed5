import { Type } from "@sinclair/typebox";
import { CustomAttributes, Id, Ioc, IocList, NonEmpty, ObjectState, Tags, Text } from "../schemas.ts";
import { CsvData, ImportResult, importResult, irisOp } from "./define.ts";
import { findIoc } from "./find.ts";

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
    find: findIoc,
    title: "Add an IOC",
    description:
      "Add an IOC to the case. Its value must match the type's validation regex; an IOC already known with the same type and value is linked instead of duplicated, and one already on the case is returned as it is (the message says which).",
    method: "POST",
    path: "/case/ioc/add",
    fields: {
      ioc_type_id: Id("IOC type ID"),
      ioc_tlp_id: Id("TLP ID"),
      ioc_value: NonEmpty("Value of the IOC"),
      ioc_description: Type.Optional(Text("Description of the IOC")),
      ioc_tags: Type.Optional(Tags),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Ioc,
  }),
  irisOp({
    name: "updateIoc",
    title: "Update an IOC",
    description:
      "Update an IOC (in every case it is linked to): IRIS requires its value, type and TLP every time; description, tags and attributes left out keep their value.",
    method: "POST",
    path: "/case/ioc/update/{ioc_id}",
    fields: {
      ...iocId,
      ioc_value: NonEmpty("Value of the IOC"),
      ioc_tlp_id: Id("TLP ID"),
      ioc_type_id: Id("IOC type ID"),
      ioc_description: Type.Optional(Text("Description")),
      ioc_tags: Type.Optional(Tags),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Ioc,
  }),
  irisOp({
    name: "getIocsState",
    title: "Fetch the state of the IOC list",
    description: "The IOC list's change counter and last update, to see whether it changed.",
    method: "GET",
    path: "/case/ioc/state",
    output: ObjectState,
  }),
  irisOp({
    name: "uploadIocsCsv",
    title: "Import IOCs from CSV",
    description:
      "Add IOCs from CSV text with the columns ioc_value,ioc_type,ioc_description,ioc_tags,ioc_tlp (header optional; types and TLPs by name, tags separated by |). Rows IRIS cannot take are listed in the message; the output holds the rows it imported.",
    method: "POST",
    path: "/case/ioc/upload",
    fields: { CSVData: CsvData("ioc_value,ioc_type,ioc_description,ioc_tags,ioc_tlp") },
    output: ImportResult,
    response: importResult,
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
