import { type TProperties, type TSchema, Type } from "@sinclair/typebox";

/** IRIS objects carry more fields than Rampart relies on; outputs pin the ones it does and let the rest through. */
export const obj = (properties: TProperties, description?: string) =>
  Type.Object(properties, { additionalProperties: true, description });

/** Input objects: unknown fields are refused before anything is sent. */
export const input = (properties: TProperties) => Type.Object(properties, { additionalProperties: false });

export const Id = (description: string) => Type.Integer({ minimum: 1, description });
export const Cid = Id("Case ID the call works on");
export const Text = (description: string) => Type.String({ description });
export const NonEmpty = (description: string) => Type.String({ minLength: 1, description });
export const Tags = Type.String({ description: "Comma-separated tags" });
export const CustomAttributes = Type.Record(Type.String(), Type.Unknown(), {
  description: "Custom attributes as defined by the administrators (free structure)",
});
export const IdList = (description: string) => Type.Array(Type.Integer({ minimum: 1 }), { description });

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const NullableString = Nullable(Type.String());
export const NullableInt = Nullable(Type.Integer());

/** `{object_state, object_last_update}`: lets a client see that a list changed since it last looked. */
export const ObjectState = obj({ object_state: Type.Integer(), object_last_update: Type.String() });

/** What a deletion (or another data-less action) answers: IRIS's message. */
export const Done = obj({ message: Type.String() });

export const Asset = obj({
  asset_id: Type.Integer(),
  asset_name: Type.String(),
  asset_uuid: Type.String(),
  asset_type_id: Type.Integer(),
});
export const AssetList = obj({ assets: Type.Array(Asset), state: ObjectState });

export const Ioc = obj({
  ioc_id: Type.Integer(),
  ioc_value: Type.String(),
  ioc_type_id: Type.Integer(),
  ioc_tlp_id: Type.Integer(),
});
export const IocList = obj({ ioc: Type.Array(Ioc), state: ObjectState });

export const NoteSummary = obj({ note_id: Type.Integer(), note_title: Type.String() });
export const Note = obj({
  note_id: Type.Integer(),
  note_title: Type.String(),
  note_content: Type.String(),
});
export const NotesDirectory = obj({
  id: Type.Integer(),
  name: Type.String(),
  parent_id: NullableInt,
  case_id: Type.Integer(),
});
export const NotesGroup = obj({
  group_id: Type.Integer(),
  group_title: Type.String(),
});
export const NotesGroupWithNotes = obj({
  group_id: Type.Integer(),
  group_title: Type.String(),
  notes: Type.Array(NoteSummary),
});

export const Event = obj({
  event_id: Type.Integer(),
  event_title: Type.String(),
  event_date: Type.String(),
});
export const Timeline = obj({ timeline: Type.Array(Event), state: ObjectState });

export const TaskStatus = obj({
  id: Type.Integer(),
  status_name: Type.String(),
  status_bscolor: Type.String(),
});
export const Task = obj({ id: Type.Integer(), task_title: Type.String(), task_status_id: Type.Integer() });
export const TaskRow = obj({
  task_id: Type.Integer(),
  task_title: Type.String(),
  task_status_id: Type.Integer(),
});
export const TaskList = obj({
  tasks: Type.Array(TaskRow),
  tasks_status: Type.Array(TaskStatus),
  state: ObjectState,
});
export const GlobalTask = obj({
  task_id: Type.Integer(),
  task_title: Type.String(),
  task_assignee_id: Type.Integer(),
  task_status_id: Type.Integer(),
});
export const GlobalTaskList = obj({ tasks: Type.Array(GlobalTask), tasks_status: Type.Array(TaskStatus) });

export const Evidence = obj({
  id: Type.Integer(),
  filename: Type.String(),
  file_hash: NullableString,
  file_size: NullableInt,
});
export const EvidenceList = obj({ evidences: Type.Array(Evidence), state: ObjectState });

export const DatastoreFile = obj({
  file_id: Type.Integer(),
  file_original_name: Type.String(),
  file_sha256: Type.String(),
  file_size: Type.Integer(),
  file_parent_id: Type.Integer(),
});
export const DatastoreFolder = obj({
  path_id: Type.Integer(),
  path_name: Type.String(),
  path_parent_id: NullableInt,
  path_is_root: Type.Boolean(),
});

export const Comment = obj({ comment_id: Type.Integer(), comment_text: Type.String() });

export const Case = obj({
  case_id: Type.Integer(),
  case_name: Type.String(),
  case_soc_id: Type.String(),
  case_customer: Type.Integer(),
});
export const CaseDetails = obj({
  case_id: Type.Integer(),
  case_name: Type.String(),
  case_soc_id: Type.String(),
  customer_name: Type.String(),
  open_by_user: Type.String(),
  status_id: Type.Integer(),
});
export const CaseRow = obj({
  case_id: Type.Integer(),
  case_name: Type.String(),
  case_soc_id: Type.String(),
  client_name: Type.String(),
});

export const Contact = obj({ id: Type.Integer(), contact_name: Type.String(), client_id: Type.Integer() });
export const Customer = obj({ customer_id: Type.Integer(), customer_name: Type.String() });

export const UserRow = obj({
  user_id: Type.Integer(),
  user_login: Type.String(),
  user_name: Type.String(),
  user_active: Type.Boolean(),
});
export const User = obj({ id: Type.Integer(), user_login: Type.String(), user_name: Type.String() });
export const UserDetails = obj({
  user_id: Type.Integer(),
  user_login: Type.String(),
  user_groups: Type.Array(obj({ group_id: Type.Integer(), group_name: Type.String() })),
  user_cases_access: Type.Array(obj({ case_id: Type.Integer(), access_level: Type.Integer() })),
  user_permissions: Type.Record(Type.String(), Type.Unknown()),
});
export const Group = obj({
  group_id: Type.Integer(),
  group_name: Type.String(),
  group_permissions: Type.Integer(),
});

export const AssetType = obj({ asset_id: Type.Integer(), asset_name: Type.String() });
export const IocType = obj({ type_id: Type.Integer(), type_name: Type.String() });
export const Named = obj({ id: Type.Integer(), name: Type.String() });
