import { createHash } from "node:crypto";
import { base, en, Faker } from "@faker-js/faker";
import type { IrisProfile } from "./profile.ts";
import {
  ACCESS,
  ANALYST_PERMISSIONS,
  ASSET_TYPES,
  CASE_CLASSIFICATIONS,
  FULL_PERMISSIONS,
  IOC_TYPES,
  TASK_STATUSES,
} from "./reference-data.ts";

type Attrs = Record<string, unknown>;
export type History = Record<string, { user: string; user_id: number; action: string }>;

export interface SimUser {
  id: number;
  uuid: string;
  login: string;
  name: string;
  email: string;
  password: string;
  api_key: string;
  active: boolean;
  /** IRIS refuses to delete a user who ever did something. */
  has_activity: boolean;
  ctx_case: number;
}
export interface SimGroup {
  group_id: number;
  uuid: string;
  name: string;
  description: string;
  permissions: number;
  auto_follow: boolean;
  auto_follow_access_level: number;
  members: Set<number>;
  cases: Map<number, number>;
}
export interface SimContact {
  id: number;
  uuid: string;
  client_id: number;
  contact_name: string;
  contact_role: string;
  contact_email: string;
  contact_work_phone: string;
  contact_mobile_phone: string;
  contact_note: string;
  custom_attributes: Attrs | null;
}
export interface SimCustomer {
  client_id: number;
  uuid: string;
  name: string;
  description: string | null;
  sla: string | null;
  custom_attributes: Attrs;
  creation_date: string;
  last_update_date: string;
  contacts: SimContact[];
}
export interface SimCase {
  case_id: number;
  uuid: string;
  name: string;
  soc_id: string;
  description: string;
  client_id: number;
  /** Day the case was opened (YYYY-MM-DD). */
  open_date: string;
  close_date: string | null;
  /** When the incident started (defaults to the creation time). */
  initial_date: string;
  user_id: number;
  owner_id: number;
  status_id: number;
  state_id: number;
  classification_id: number | null;
  tags: string;
  custom_attributes: Attrs | null;
  protagonists: Array<Record<string, unknown>>;
}
/** Optional columns stay null until given, as in IRIS's tables. */
export interface SimAsset {
  asset_id: number;
  asset_uuid: string;
  case_id: number;
  asset_name: string;
  asset_description: string | null;
  asset_domain: string | null;
  asset_ip: string | null;
  asset_info: string | null;
  asset_compromise_status_id: number | null;
  asset_type_id: number;
  asset_tags: string | null;
  analysis_status_id: number | null;
  custom_attributes: Attrs | null;
  date_added: string;
  date_update: string;
  user_id: number;
  iocs: Set<number>;
  modification_history: History;
}
export interface SimIoc {
  ioc_id: number;
  ioc_uuid: string;
  ioc_value: string;
  ioc_type_id: number;
  ioc_description: string | null;
  ioc_tags: string | null;
  ioc_tlp_id: number;
  user_id: number;
  custom_attributes: Attrs | null;
  cases: Set<number>;
}
export interface SimNotesGroup {
  group_id: number;
  group_uuid: string;
  case_id: number;
  group_title: string;
  group_creationdate: string;
  group_lastupdate: string;
}
/** IRIS 2.4's notes folders (they nest); IRIS 2.0 has flat groups instead. */
export interface SimNoteDirectory {
  id: number;
  name: string;
  parent_id: number | null;
  case_id: number;
}
export interface SimNote {
  note_id: number;
  note_uuid: string;
  case_id: number;
  /** IRIS 2.0: the note's group. */
  group_id: number | null;
  /** IRIS 2.4: the note's directory. */
  directory_id: number | null;
  note_title: string;
  note_content: string;
  note_creationdate: string;
  note_lastupdate: string;
  user_id: number;
  custom_attributes: Attrs;
}
export interface SimEvent {
  event_id: number;
  event_uuid: string;
  case_id: number;
  event_title: string;
  event_date: string;
  event_tz: string;
  event_category_id: number;
  event_raw: string;
  event_source: string;
  event_content: string;
  event_tags: string;
  event_color: string;
  event_in_summary: boolean;
  event_in_graph: boolean;
  event_is_flagged: boolean;
  event_sync_iocs_assets: boolean;
  /** IRIS 2.4: the event this one is a child of. */
  parent_event_id: number | null;
  event_added: string;
  user_id: number;
  custom_attributes: Attrs;
  modification_history: History;
  assets: Set<number>;
  iocs: Set<number>;
}
export interface SimTask {
  id: number;
  task_uuid: string;
  task_case_id: number;
  task_title: string;
  task_description: string | null;
  task_tags: string | null;
  task_status_id: number;
  task_open_date: string;
  task_close_date: string | null;
  task_last_update: string;
  task_userid_open: number;
  task_userid_update: number;
  task_userid_close: number | null;
  assignees: Set<number>;
  custom_attributes: Attrs;
}
export interface SimGlobalTask {
  task_id: number;
  task_assignee_id: number;
  task_status_id: number;
  task_title: string;
  task_description: string | null;
  task_tags: string | null;
  task_open_date: string;
  task_last_update: string;
  task_close_date: string | null;
  task_userid_open: number | null;
  task_userid_update: number;
  task_userid_close: number | null;
}
export interface SimEvidence {
  id: number;
  file_uuid: string;
  case_id: number;
  filename: string;
  file_size: number | null;
  file_hash: string | null;
  file_description: string | null;
  date_added: string;
  user_id: number;
  custom_attributes: Attrs | null;
}
export interface SimFolder {
  path_id: number;
  path_uuid: string;
  path_case_id: number;
  path_name: string;
  path_parent_id: number | null;
  path_is_root: boolean;
}
export interface SimFile {
  file_id: number;
  file_uuid: string;
  file_case_id: number;
  file_parent_id: number;
  file_original_name: string;
  file_description: string;
  file_password: string;
  file_tags: string;
  file_is_evidence: boolean;
  file_is_ioc: boolean;
  file_sha256: string;
  file_size: number;
  file_date_added: string;
  added_by_user_id: number;
  content: Buffer;
  content_type: string;
  modification_history: History;
}
export type CommentTarget = "notes" | "assets" | "ioc" | "events" | "tasks" | "evidences";
export interface SimComment {
  comment_id: number;
  comment_uuid: string;
  comment_case_id: number;
  comment_user_id: number;
  comment_text: string;
  comment_date: string;
  comment_update_date: string;
  target: CommentTarget;
  target_id: number;
}
export interface SimActivity {
  id: number;
  case_id: number | null;
  user_id: number;
  activity_date: string;
  activity_desc: string;
  user_input: boolean;
}
export interface SimDimTask {
  task_id: string;
  state: string;
  module: string;
  case: string;
  user: string;
  date_done: string;
}

/** IRIS's model datetime: `2023-03-06T10:01:13.818445` (UTC, microseconds). */
export function isoNow(date = new Date()): string {
  return `${date.toISOString().slice(0, 23)}000`;
}
/** Today as IRIS's date columns hold it: `2023-03-06`. */
export function today(date = new Date()): string {
  return date.toISOString().slice(0, 10);
}
/** IRIS's list datetime: `Mon, 06 Mar 2023 09:44:22 GMT`. */
export function rfc1123(iso: string): string {
  const d = new Date(`${iso.slice(0, 23)}Z`);
  return Number.isNaN(d.getTime()) ? iso : d.toUTCString();
}
export const sha256 = (data: Buffer | string) =>
  createHash("sha256").update(data).digest("hex").toUpperCase();

/** The whole server: users and access, customers, cases and everything in them. */
export class IrisState {
  readonly faker: Faker;
  readonly users = new Map<number, SimUser>();
  readonly groups = new Map<number, SimGroup>();
  /** Per-user case access set directly on the user (overrides the groups'). */
  readonly userAccess = new Map<number, Map<number, number>>();
  readonly customers = new Map<number, SimCustomer>();
  readonly cases = new Map<number, SimCase>();
  readonly summaries = new Map<number, string>();
  readonly assets = new Map<number, SimAsset>();
  readonly iocs = new Map<number, SimIoc>();
  readonly noteGroups = new Map<number, SimNotesGroup>();
  readonly noteDirectories = new Map<number, SimNoteDirectory>();
  readonly notes = new Map<number, SimNote>();
  readonly events = new Map<number, SimEvent>();
  readonly tasks = new Map<number, SimTask>();
  readonly globalTasks = new Map<number, SimGlobalTask>();
  readonly evidences = new Map<number, SimEvidence>();
  readonly folders = new Map<number, SimFolder>();
  readonly files = new Map<number, SimFile>();
  readonly comments = new Map<number, SimComment>();
  readonly activities: SimActivity[] = [];
  readonly dimTasks: SimDimTask[] = [];
  readonly assetTypes = new Map<
    number,
    { asset_id: number; asset_name: string; asset_description: string; icon_nc: string; icon_c: string }
  >();
  readonly iocTypes = new Map<
    number,
    {
      type_id: number;
      type_name: string;
      type_description: string;
      type_taxonomy: string | null;
      type_validation_regex: string | null;
      type_validation_expect: string | null;
    }
  >();
  readonly classifications = new Map<
    number,
    {
      id: number;
      name: string;
      name_expanded: string;
      description: string;
      creation_date: string;
      created_by_id: number | null;
    }
  >();
  /** `object_state` counters per case and kind of object (assets, ioc, notes, timeline, tasks, evidences). */
  readonly objectStates = new Map<string, { object_state: number; object_last_update: string }>();
  #ids = new Map<string, number>();

  readonly profile: IrisProfile;

  constructor(seed: number, profile: IrisProfile) {
    this.profile = profile;
    this.faker = new Faker({ locale: [en, base], seed });
    const installed = isoNow();
    CASE_CLASSIFICATIONS.forEach(([name, expanded, description]) => {
      const id = this.nextId("classification");
      this.classifications.set(id, {
        id,
        name,
        name_expanded: expanded,
        description,
        creation_date: installed,
        created_by_id: null,
      });
    });
    ASSET_TYPES.forEach(([name, description, icon]) => {
      const id = this.nextId("asset_type");
      this.assetTypes.set(id, {
        asset_id: id,
        asset_name: name,
        asset_description: description,
        icon_nc: icon,
        icon_c: `ioc_${icon}`,
      });
    });
    IOC_TYPES.forEach(([name, description, validation]) => {
      const id = this.nextId("ioc_type");
      this.iocTypes.set(id, {
        type_id: id,
        type_name: name,
        type_description: description,
        type_taxonomy: null,
        type_validation_regex: validation?.[0] ?? null,
        type_validation_expect: validation?.[1] ?? null,
      });
    });
    const admins = this.addGroup(
      "Administrators",
      "Administrators",
      FULL_PERMISSIONS,
      true,
      ACCESS.full_access,
    );
    const analysts = this.addGroup(
      "Analysts",
      "Standard Analysts",
      ANALYST_PERMISSIONS,
      false,
      ACCESS.full_access,
    );
    const admin = this.addUser("administrator", "administrator", "administrator@iris.local");
    admin.has_activity = true;
    admins.members.add(admin.id);
    const customer = this.addCustomer("IrisInitialClient", null, null);
    const initial = this.addCase(admin.id, {
      name: "Initial Demo",
      description: "This is a demonstration.",
      soc_id: "soc_id_demo",
      client_id: customer.client_id,
    });
    analysts.cases.set(initial.case_id, ACCESS.full_access);
  }

  nextId(kind: string): number {
    const id = (this.#ids.get(kind) ?? 0) + 1;
    this.#ids.set(kind, id);
    return id;
  }

  uuid(): string {
    return this.faker.string.uuid();
  }

  /** An API key like IRIS issues (URL-safe, 86 characters). */
  apiKey(): string {
    return this.faker.string.alphanumeric({ length: 86 });
  }

  addGroup(name: string, description: string, permissions: number, autoFollow = false, level = 0): SimGroup {
    const group: SimGroup = {
      group_id: this.nextId("group"),
      uuid: this.uuid(),
      name,
      description,
      permissions,
      auto_follow: autoFollow,
      auto_follow_access_level: level,
      members: new Set(),
      cases: new Map(),
    };
    this.groups.set(group.group_id, group);
    return group;
  }

  addUser(
    login: string,
    name: string,
    email: string,
    password = this.faker.internet.password({ length: 16 }),
  ): SimUser {
    const user: SimUser = {
      id: this.nextId("user"),
      uuid: this.uuid(),
      login,
      name,
      email,
      password,
      api_key: this.apiKey(),
      active: true,
      has_activity: false,
      ctx_case: 1,
    };
    this.users.set(user.id, user);
    return user;
  }

  addCustomer(name: string, description: string | null, sla: string | null, attrs: Attrs = {}): SimCustomer {
    const now = isoNow();
    const customer: SimCustomer = {
      client_id: this.nextId("customer"),
      uuid: this.uuid(),
      name,
      description,
      sla,
      custom_attributes: attrs,
      creation_date: now,
      last_update_date: now,
      contacts: [],
    };
    this.customers.set(customer.client_id, customer);
    return customer;
  }

  /** Opens a case: the creator and every auto-following group get access to it. */
  addCase(
    userId: number,
    fields: {
      name: string;
      description: string;
      soc_id: string;
      client_id: number;
      classification_id?: number;
      custom_attributes?: Attrs | null;
    },
  ): SimCase {
    const id = this.nextId("case");
    const created: SimCase = {
      case_id: id,
      uuid: this.uuid(),
      name: `#${id} - ${fields.name}`,
      soc_id: fields.soc_id,
      description: fields.description,
      client_id: fields.client_id,
      open_date: today(),
      initial_date: isoNow(),
      close_date: null,
      user_id: userId,
      owner_id: userId,
      status_id: 0,
      state_id: 3,
      classification_id: fields.classification_id ?? null,
      tags: "",
      custom_attributes: fields.custom_attributes ?? null,
      protagonists: [],
    };
    this.cases.set(id, created);
    this.summaries.set(id, fields.description);
    this.setUserAccess(userId, id, ACCESS.full_access);
    for (const group of this.groups.values()) {
      if (group.auto_follow) group.cases.set(id, group.auto_follow_access_level);
    }
    return created;
  }

  setUserAccess(userId: number, caseId: number, level: number): void {
    let map = this.userAccess.get(userId);
    if (!map) {
      map = new Map();
      this.userAccess.set(userId, map);
    }
    map.set(caseId, level);
  }

  /** Effective access: the user's own entry wins; else the best level among their groups. 0: none. */
  accessLevel(userId: number, caseId: number): number {
    const own = this.userAccess.get(userId)?.get(caseId);
    let level = own;
    if (level === undefined) {
      for (const group of this.groups.values()) {
        if (!group.members.has(userId)) continue;
        const granted = group.cases.get(caseId);
        if (granted !== undefined) level = Math.max(level ?? 0, granted);
      }
    }
    return level === undefined || level === ACCESS.deny_all ? 0 : level;
  }

  permissions(userId: number): number {
    let mask = 0;
    for (const group of this.groups.values()) if (group.members.has(userId)) mask |= group.permissions;
    return mask;
  }

  /** Bumps the change counter of a case's list of objects. */
  touch(caseId: number, kind: string): void {
    const key = `${caseId}:${kind}`;
    const current = this.objectStates.get(key)?.object_state ?? 0;
    this.objectStates.set(key, { object_state: current + 1, object_last_update: new Date().toUTCString() });
  }

  objectState(caseId: number, kind: string): { object_state: number; object_last_update: string } {
    return (
      this.objectStates.get(`${caseId}:${kind}`) ?? {
        object_state: 0,
        object_last_update: new Date().toUTCString(),
      }
    );
  }

  history(user: SimUser, action: string, previous: History = {}): History {
    const key = (Date.now() / 1000 + Object.keys(previous).length * 1e-6).toFixed(6);
    return { ...previous, [key]: { user: user.login, user_id: user.id, action } };
  }

  taskStatusName(id: number): [string, string] {
    return TASK_STATUSES[id - 1] ?? ["Unknown", "muted"];
  }

  /** Unlinks an IOC from a case (and that case's assets and events); drops it when no case uses it any more. */
  unlinkIoc(ioc: SimIoc, caseId: number): boolean {
    ioc.cases.delete(caseId);
    for (const asset of this.assets.values()) if (asset.case_id === caseId) asset.iocs.delete(ioc.ioc_id);
    for (const event of this.events.values()) if (event.case_id === caseId) event.iocs.delete(ioc.ioc_id);
    if (ioc.cases.size > 0) return false;
    this.iocs.delete(ioc.ioc_id);
    this.dropComments("ioc", ioc.ioc_id);
    return true;
  }

  dropComments(target: CommentTarget, id: number): void {
    for (const comment of [...this.comments.values()])
      if (comment.target === target && comment.target_id === id) this.comments.delete(comment.comment_id);
  }

  /** Everything in the case goes; IOCs other cases use are only unlinked. */
  deleteCase(caseId: number): void {
    const inCase = <T>(map: Map<number, T>, key: (item: T) => number) => {
      for (const [id, item] of [...map]) if (key(item) === caseId) map.delete(id);
    };
    for (const ioc of [...this.iocs.values()]) if (ioc.cases.has(caseId)) this.unlinkIoc(ioc, caseId);
    inCase(this.assets, (a) => a.case_id);
    inCase(this.events, (e) => e.case_id);
    inCase(this.tasks, (t) => t.task_case_id);
    inCase(this.notes, (n) => n.case_id);
    inCase(this.noteGroups, (g) => g.case_id);
    inCase(this.noteDirectories, (d) => d.case_id);
    inCase(this.evidences, (e) => e.case_id);
    inCase(this.files, (f) => f.file_case_id);
    inCase(this.folders, (f) => f.path_case_id);
    inCase(this.comments, (c) => c.comment_case_id);
    for (let i = this.activities.length - 1; i >= 0; i--)
      if (this.activities[i]!.case_id === caseId) this.activities.splice(i, 1);
    for (const map of this.userAccess.values()) map.delete(caseId);
    for (const group of this.groups.values()) group.cases.delete(caseId);
    for (const key of [...this.objectStates.keys()])
      if (key.startsWith(`${caseId}:`)) this.objectStates.delete(key);
    this.summaries.delete(caseId);
    this.cases.delete(caseId);
  }

  /** The datastore root of a case, created with IRIS's default folders the first time it is needed. */
  datastoreRoot(caseId: number): SimFolder {
    const existing = [...this.folders.values()].find((f) => f.path_case_id === caseId && f.path_is_root);
    if (existing) return existing;
    const root = this.addFolder(caseId, `Case ${caseId}`, 0);
    for (const name of ["Evidences", "IOCs", "Images"]) this.addFolder(caseId, name, root.path_id);
    return root;
  }

  addFolder(caseId: number, name: string, parentId: number | null): SimFolder {
    const folder: SimFolder = {
      path_id: this.nextId("path"),
      path_uuid: this.uuid(),
      path_case_id: caseId,
      path_name: name,
      path_parent_id: parentId,
      // IRIS gives the root parent 0.
      path_is_root: parentId === 0,
    };
    this.folders.set(folder.path_id, folder);
    return folder;
  }

  log(caseId: number | null, userId: number, text: string, userInput = false): SimActivity {
    const activity: SimActivity = {
      id: this.nextId("activity"),
      case_id: caseId,
      user_id: userId,
      activity_date: new Date().toUTCString(),
      activity_desc: text,
      user_input: userInput,
    };
    this.activities.push(activity);
    const user = this.users.get(userId);
    if (user) user.has_activity = true;
    return activity;
  }
}
