import { Type } from "@sinclair/typebox";
import { Contact, CustomAttributes, Customer, Id, NonEmpty, obj, Text } from "../schemas.ts";
import { atLeastOne, irisOp } from "./define.ts";

const customerId = { customer_id: Id("Customer ID") };
const contactFields = {
  contact_name: Type.Optional(NonEmpty("Name of the contact")),
  contact_role: Type.Optional(Text("Role")),
  contact_email: Type.Optional(Text("E-mail address")),
  contact_work_phone: Type.Optional(Text("Work phone")),
  contact_mobile_phone: Type.Optional(Text("Mobile phone")),
  contact_note: Type.Optional(Text("Notes on the contact")),
};

/** Customers cases are opened for, and their contacts. */
export const customerOperations = [
  irisOp({
    name: "listCustomers",
    title: "List customers",
    description: "Every customer.",
    method: "GET",
    path: "/manage/customers/list",
    cid: "optional",
    output: Type.Array(Customer),
  }),
  irisOp({
    name: "getCustomer",
    title: "Get a customer",
    description: "A customer with its contacts.",
    method: "GET",
    path: "/manage/customers/{customer_id}",
    cid: "optional",
    fields: customerId,
    output: Customer,
  }),
  irisOp({
    name: "listCustomerCases",
    title: "List the cases of a customer",
    description:
      "The customer's cases with IRIS's statistics on them (opened this week, month, year; still open; average duration).",
    method: "GET",
    path: "/manage/customers/{customer_id}/cases",
    cid: "optional",
    fields: customerId,
    output: obj({
      cases: Type.Array(obj({ case_id: Type.Integer(), case_name: Type.String(), open_date: Type.String() })),
      stats: obj({ cases_total: Type.Integer(), open_cases: Type.Integer() }),
    }),
  }),
  irisOp({
    name: "addCustomer",
    title: "Add a customer",
    description: "Add a customer that cases can then be opened for. Names are unique.",
    method: "POST",
    path: "/manage/customers/add",
    cid: "optional",
    fields: {
      customer_name: Type.String({ minLength: 2, description: "Name (unique, whatever its case)" }),
      customer_description: Type.Optional(Text("Description")),
      customer_sla: Type.Optional(Text("Service level agreement")),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Customer,
  }),
  irisOp({
    name: "updateCustomer",
    title: "Update a customer",
    description: "Update a customer; the new name must not be taken.",
    method: "POST",
    path: "/manage/customers/update/{customer_id}",
    cid: "optional",
    fields: {
      ...customerId,
      customer_name: Type.String({ minLength: 2, description: "Name (unique; IRIS requires it every time)" }),
      customer_description: Type.Optional(Text("Description")),
      customer_sla: Type.Optional(Text("Service level agreement")),
      custom_attributes: Type.Optional(CustomAttributes),
    },
    output: Customer,
  }),
  irisOp({
    name: "deleteCustomer",
    title: "Delete a customer",
    description: "Delete a customer no case references.",
    method: "POST",
    path: "/manage/customers/delete/{customer_id}",
    cid: "optional",
    fields: customerId,
  }),
  irisOp({
    name: "addCustomerContact",
    title: "Add a customer contact",
    description: "Add a contact to a customer.",
    method: "POST",
    path: "/manage/customers/{customer_id}/contacts/add",
    cid: "optional",
    fields: { ...customerId, ...contactFields, contact_name: NonEmpty("Name of the contact") },
    output: Contact,
  }),
  irisOp({
    name: "updateCustomerContact",
    title: "Update a customer contact",
    description: "Update a contact of a customer.",
    method: "POST",
    path: "/manage/customers/{customer_id}/contacts/{contact_id}/update",
    cid: "optional",
    fields: { ...customerId, contact_id: Id("Contact ID"), ...contactFields },
    check: atLeastOne(...Object.keys(contactFields)),
    output: Contact,
  }),
  irisOp({
    name: "deleteCustomerContact",
    title: "Delete a customer contact",
    description: "Delete a contact of a customer.",
    method: "POST",
    path: "/manage/customers/{customer_id}/contacts/{contact_id}/delete",
    cid: "optional",
    fields: { ...customerId, contact_id: Id("Contact ID") },
  }),
];
