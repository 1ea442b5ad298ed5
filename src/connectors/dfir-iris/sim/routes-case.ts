import { assign, type Ctx, dataError, fieldError, IrisError, load, type Route } from "./http.ts";
import { ANALYSIS_STATUSES, COMPROMISE_STATUSES, EVENT_CATEGORIES, TASK_STATUSES } from "./reference-data.ts";
import {
  type CommentTarget,
  type IrisState,
  isoNow,
  rfc1123,
  type SimAsset,
  type SimEvent,
  type SimIoc,
  type SimTask,
} from "./state.ts";
import {
  assetRow,
  assetView,
  commentView,
  eventRow,
  eventView,
  evidenceView,
  groupView,
  iocRow,
  iocView,
  noteRow,
  noteView,
  taskView,
} from "./views.ts";

const READ = { case: "read" } as const;
const WRITE = { case: "write" } as const;

function inCase<T>(item: T | undefined, caseOf: (t: T) => number, ctx: Ctx, what: string): T {
  if (!item || caseOf(item) !== ctx.caseId) throw new IrisError(400, `Invalid ${what} ID for this case`);
  return item;
}

/** Case-scoped endpoints: summary, activities, assets, IOCs, notes, timeline, tasks, evidences, comments. */
export function caseRoutes(route: Route, st: () => IrisState): void {
  const S = st;

  route("GET", "/case/exists", READ, () => ({ message: "Case exists" }));
  route("GET", "/case/summary/fetch", READ, (ctx) => {
    const text = S().summaries.get(ctx.caseId) ?? "";
    return { data: { case_description: text, crc32: crc32(text) } };
  });
  route("POST", "/case/summary/update", WRITE, (ctx) => {
    const f = load(ctx.body, { case_description: { kind: "string", required: true } });
    S().summaries.set(ctx.caseId, f.case_description as string);
    S().cases.get(ctx.caseId)!.description = f.case_description as string;
    S().log(ctx.caseId, ctx.user.id, "updated summary");
    return { message: "Summary updated", data: crc32(f.case_description as string) };
  });
  route("POST", "/case/tasklog/add", WRITE, (ctx) => {
    const f = load(ctx.body, { log_content: { kind: "string", required: true, min: 1 } });
    const a = S().log(ctx.caseId, ctx.user.id, f.log_content as string, true);
    return { message: "Log saved", data: { ...a, case: null, user: null } };
  });

  // Assets ------------------------------------------------------------------
  const assetRules = {
    asset_name: { kind: "string", min: 1 },
    asset_type_id: { kind: "int" },
    asset_description: { kind: "string", nullable: true },
    asset_domain: { kind: "string", nullable: true },
    asset_ip: { kind: "string", nullable: true },
    asset_info: { kind: "string", nullable: true },
    asset_compromise_status_id: { kind: "int", nullable: true },
    analysis_status_id: { kind: "int" },
    asset_tags: { kind: "string", nullable: true },
    ioc_links: { kind: "intList", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const checkAsset = (f: Record<string, unknown>, ctx: Ctx) => {
    const errors: Record<string, string[]> = {};
    if (f.asset_type_id !== undefined && !S().assetTypes.has(f.asset_type_id as number))
      errors.asset_type_id = ["Invalid asset type ID"];
    if (f.analysis_status_id !== undefined && !ANALYSIS_STATUSES[(f.analysis_status_id as number) - 1])
      errors.analysis_status_id = ["Invalid analysis status ID"];
    if (
      f.asset_compromise_status_id !== undefined &&
      f.asset_compromise_status_id !== null &&
      !COMPROMISE_STATUSES.some(([v]) => v === f.asset_compromise_status_id)
    )
      errors.asset_compromise_status_id = ["Invalid compromise status"];
    for (const id of (f.ioc_links as number[] | null | undefined) ?? [])
      if (!S().iocs.get(id)?.cases.has(ctx.caseId)) errors.ioc_links = [`IOC ${id} is not in this case`];
    if (Object.keys(errors).length) throw dataError(errors);
  };
  const getAsset = (ctx: Ctx) => inCase(S().assets.get(ctx.id("asset_id")), (a) => a.case_id, ctx, "asset");

  route("GET", "/case/assets/list", READ, (ctx) => ({
    data: {
      assets: [...S().assets.values()].filter((a) => a.case_id === ctx.caseId).map((a) => assetRow(S(), a)),
      state: S().objectState(ctx.caseId, "assets"),
    },
  }));
  route("GET", "/case/assets/state", READ, (ctx) => ({ data: S().objectState(ctx.caseId, "assets") }));
  route("GET", "/case/assets/:asset_id", READ, (ctx) => ({ data: assetView(S(), getAsset(ctx)) }));
  route("POST", "/case/assets/add", WRITE, (ctx) => {
    const f = load(ctx.body, {
      ...assetRules,
      asset_name: { kind: "string", min: 1, required: true },
      asset_type_id: { kind: "int", required: true },
    });
    checkAsset(f, ctx);
    const s = S();
    const now = isoNow();
    const asset: SimAsset = {
      asset_id: s.nextId("asset"),
      asset_uuid: s.uuid(),
      case_id: ctx.caseId,
      asset_name: "",
      asset_description: "",
      asset_domain: "",
      asset_ip: "",
      asset_info: "",
      asset_compromise_status_id: 0,
      asset_type_id: 0,
      asset_tags: "",
      analysis_status_id: 1,
      custom_attributes: {},
      date_added: now,
      date_update: now,
      user_id: ctx.user.id,
      iocs: new Set((f.ioc_links as number[] | undefined) ?? []),
      modification_history: s.history(ctx.user, "created"),
    };
    if (
      [...s.assets.values()].some(
        (a) =>
          a.case_id === ctx.caseId && a.asset_name === f.asset_name && a.asset_type_id === f.asset_type_id,
      )
    )
      throw new IrisError(400, "Asset with same value and type already exists");
    assign(
      asset,
      f,
      Object.keys(assetRules).filter((k) => k !== "ioc_links"),
    );
    s.assets.set(asset.asset_id, asset);
    s.touch(ctx.caseId, "assets");
    s.log(ctx.caseId, ctx.user.id, `added asset "${asset.asset_name}"`);
    return { message: "Asset added", data: assetView(s, asset) };
  });
  route("POST", "/case/assets/update/:asset_id", WRITE, (ctx) => {
    const asset = getAsset(ctx);
    const f = load(ctx.body, assetRules);
    checkAsset(f, ctx);
    assign(
      asset,
      f,
      Object.keys(assetRules).filter((k) => k !== "ioc_links"),
    );
    if (f.ioc_links !== undefined) asset.iocs = new Set((f.ioc_links as number[] | null) ?? []);
    asset.date_update = isoNow();
    asset.modification_history = S().history(ctx.user, "updated", asset.modification_history);
    S().touch(ctx.caseId, "assets");
    return { message: `Updated asset ${asset.asset_name}`, data: assetView(S(), asset) };
  });
  route("POST", "/case/assets/delete/:asset_id", WRITE, (ctx) => {
    const asset = getAsset(ctx);
    const s = S();
    s.assets.delete(asset.asset_id);
    for (const e of s.events.values()) e.assets.delete(asset.asset_id);
    s.dropComments("assets", asset.asset_id);
    s.touch(ctx.caseId, "assets");
    s.log(ctx.caseId, ctx.user.id, `removed asset "${asset.asset_name}"`);
    return { message: "Deleted" };
  });

  // IOCs --------------------------------------------------------------------
  const iocRules = {
    ioc_type_id: { kind: "int" },
    ioc_tlp_id: { kind: "int" },
    ioc_value: { kind: "string", min: 1 },
    ioc_description: { kind: "string", nullable: true },
    ioc_tags: { kind: "string", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const checkIoc = (f: Record<string, unknown>, current?: SimIoc) => {
    const s = S();
    const typeId = (f.ioc_type_id ?? current?.ioc_type_id) as number;
    const type = s.iocTypes.get(typeId);
    if (!type) throw fieldError("ioc_type_id", "Invalid ioc type ID");
    if (f.ioc_tlp_id !== undefined && !((f.ioc_tlp_id as number) >= 1 && (f.ioc_tlp_id as number) <= 5))
      throw fieldError("ioc_tlp_id", "Invalid TLP ID");
    const value = (f.ioc_value ?? current?.ioc_value) as string;
    if (type.type_validation_regex && !new RegExp(`^(?:${type.type_validation_regex})$`, "i").test(value))
      throw fieldError(
        "ioc_value",
        `The input doesn't match the expected format (expected: ${type.type_validation_expect ?? type.type_validation_regex})`,
      );
  };
  const getIoc = (ctx: Ctx) => {
    const ioc = S().iocs.get(ctx.id("ioc_id"));
    if (!ioc?.cases.has(ctx.caseId)) throw new IrisError(400, "Invalid IOC ID for this case");
    return ioc;
  };
  route("GET", "/case/ioc/list", READ, (ctx) => ({
    data: {
      ioc: [...S().iocs.values()]
        .filter((i) => i.cases.has(ctx.caseId))
        .map((i) => iocRow(S(), i, ctx.caseId)),
      state: S().objectState(ctx.caseId, "ioc"),
    },
  }));
  route("GET", "/case/ioc/state", READ, (ctx) => ({ data: S().objectState(ctx.caseId, "ioc") }));
  route("GET", "/case/ioc/:ioc_id", READ, (ctx) => ({ data: iocView(S(), getIoc(ctx)) }));
  route("POST", "/case/ioc/add", WRITE, (ctx) => {
    const f = load(ctx.body, {
      ...iocRules,
      ioc_type_id: { kind: "int", required: true },
      ioc_tlp_id: { kind: "int", required: true },
      ioc_value: { kind: "string", min: 1, required: true },
      ioc_description: { kind: "string", required: true, nullable: true },
      ioc_tags: { kind: "string", required: true, nullable: true },
    });
    checkIoc(f);
    const s = S();
    const existing = [...s.iocs.values()].find(
      (i) => i.ioc_type_id === f.ioc_type_id && i.ioc_value === f.ioc_value,
    );
    if (existing?.cases.has(ctx.caseId))
      throw new IrisError(400, "IOC already exists and linked to this case");
    const ioc: SimIoc = existing ?? {
      ioc_id: s.nextId("ioc"),
      ioc_uuid: s.uuid(),
      ioc_value: "",
      ioc_type_id: 0,
      ioc_description: "",
      ioc_tags: "",
      ioc_tlp_id: 2,
      user_id: ctx.user.id,
      custom_attributes: {},
      cases: new Set(),
    };
    if (!existing) assign(ioc, f, Object.keys(iocRules));
    ioc.cases.add(ctx.caseId);
    s.iocs.set(ioc.ioc_id, ioc);
    s.touch(ctx.caseId, "ioc");
    s.log(ctx.caseId, ctx.user.id, `added ioc "${ioc.ioc_value}"`);
    return { message: existing ? "IOC linked to case" : "IOC added", data: iocView(s, ioc) };
  });
  route("POST", "/case/ioc/update/:ioc_id", WRITE, (ctx) => {
    const ioc = getIoc(ctx);
    const f = load(ctx.body, iocRules);
    checkIoc(f, ioc);
    assign(ioc, f, Object.keys(iocRules));
    S().touch(ctx.caseId, "ioc");
    return { message: `Updated ioc "${ioc.ioc_value}"`, data: iocView(S(), ioc) };
  });
  route("POST", "/case/ioc/delete/:ioc_id", WRITE, (ctx) => {
    const ioc = getIoc(ctx);
    const dropped = S().unlinkIoc(ioc, ctx.caseId);
    S().touch(ctx.caseId, "ioc");
    S().log(ctx.caseId, ctx.user.id, `${dropped ? "deleted" : "unlinked"} IOC "${ioc.ioc_value}"`);
    return { message: dropped ? "IOC deleted" : "IOC unlinked from case" };
  });

  // Notes -------------------------------------------------------------------
  const getGroup = (ctx: Ctx) =>
    inCase(S().noteGroups.get(ctx.id("group_id")), (g) => g.case_id, ctx, "group");
  const getNote = (ctx: Ctx) => inCase(S().notes.get(ctx.id("note_id")), (n) => n.case_id, ctx, "note");
  const groupWithNotes = (groupId: number) => {
    const g = S().noteGroups.get(groupId)!;
    return {
      ...groupView(g),
      group_creationdate: rfc1123(g.group_creationdate),
      group_lastupdate: rfc1123(g.group_lastupdate),
      notes: [...S().notes.values()].filter((n) => n.group_id === groupId).map((n) => noteRow(S(), n)),
    };
  };
  route("GET", "/case/notes/groups/list", READ, (ctx) => ({
    data: {
      groups: [...S().noteGroups.values()]
        .filter((g) => g.case_id === ctx.caseId)
        .map((g) => groupWithNotes(g.group_id)),
      state: S().objectState(ctx.caseId, "notes"),
    },
  }));
  route("GET", "/case/notes/groups/:group_id", READ, (ctx) => ({
    data: groupWithNotes(getGroup(ctx).group_id),
  }));
  route("POST", "/case/notes/groups/add", WRITE, (ctx) => {
    const f = load(ctx.body, { group_title: { kind: "string", nullable: true } });
    const s = S();
    const now = isoNow();
    const id = s.nextId("note_group");
    const group = {
      group_id: id,
      group_uuid: s.uuid(),
      case_id: ctx.caseId,
      group_title: (f.group_title as string | undefined) || `New notes group ${id}`,
      group_creationdate: now,
      group_lastupdate: now,
    };
    s.noteGroups.set(id, group);
    s.touch(ctx.caseId, "notes");
    return { data: groupView(group) };
  });
  route("POST", "/case/notes/groups/update/:group_id", WRITE, (ctx) => {
    const group = getGroup(ctx);
    const f = load(ctx.body, { group_title: { kind: "string", required: true, min: 1 } });
    group.group_title = f.group_title as string;
    group.group_lastupdate = isoNow();
    S().touch(ctx.caseId, "notes");
    return { message: `Updated title of group ID ${group.group_id}`, data: groupView(group) };
  });
  route("POST", "/case/notes/groups/delete/:group_id", WRITE, (ctx) => {
    const group = getGroup(ctx);
    const s = S();
    for (const n of [...s.notes.values()])
      if (n.group_id === group.group_id) {
        s.notes.delete(n.note_id);
        s.dropComments("notes", n.note_id);
      }
    s.noteGroups.delete(group.group_id);
    s.touch(ctx.caseId, "notes");
    return { message: `Group ID ${group.group_id} deleted` };
  });
  const noteRules = {
    note_title: { kind: "string", min: 1 },
    note_content: { kind: "string" },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  route("POST", "/case/notes/add", WRITE, (ctx) => {
    const f = load(ctx.body, {
      ...noteRules,
      note_title: { kind: "string", min: 1, required: true },
      note_content: { kind: "string", required: true },
      group_id: { kind: "int", required: true },
    });
    const s = S();
    const group = s.noteGroups.get(f.group_id as number);
    if (!group || group.case_id !== ctx.caseId)
      throw fieldError("group_id", "Invalid group ID for this case");
    const now = isoNow();
    const note = {
      note_id: s.nextId("note"),
      note_uuid: s.uuid(),
      case_id: ctx.caseId,
      group_id: group.group_id,
      note_title: f.note_title as string,
      note_content: f.note_content as string,
      note_creationdate: now,
      note_lastupdate: now,
      user_id: ctx.user.id,
      custom_attributes: (f.custom_attributes as Record<string, unknown> | undefined) ?? {},
    };
    s.notes.set(note.note_id, note);
    s.touch(ctx.caseId, "notes");
    const { group_id: _g, group_title: _t, group_uuid: _u, ...view } = noteView(s, note);
    return { message: "Note added", data: view };
  });
  route("GET", "/case/notes/:note_id", READ, (ctx) => ({ data: noteView(S(), getNote(ctx)) }));
  route("POST", "/case/notes/update/:note_id", WRITE, (ctx) => {
    const note = getNote(ctx);
    const f = load(ctx.body, noteRules);
    assign(note, f, ["note_title", "note_content"]);
    if (f.custom_attributes) note.custom_attributes = f.custom_attributes as Record<string, unknown>;
    note.note_lastupdate = isoNow();
    S().touch(ctx.caseId, "notes");
    return { message: `Note ID ${note.note_id} saved`, data: noteView(S(), note) };
  });
  route("POST", "/case/notes/delete/:note_id", WRITE, (ctx) => {
    const note = getNote(ctx);
    S().notes.delete(note.note_id);
    S().dropComments("notes", note.note_id);
    S().touch(ctx.caseId, "notes");
    return { message: "Note deleted" };
  });
  route("POST", "/case/notes/search", READ, (ctx) => {
    const f = load(ctx.body, { search_term: { kind: "string", required: true, min: 1 } });
    const pattern = new RegExp(
      (f.search_term as string)
        .split("%")
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*"),
      "i",
    );
    return {
      data: [...S().notes.values()]
        .filter(
          (n) => n.case_id === ctx.caseId && (pattern.test(n.note_content) || pattern.test(n.note_title)),
        )
        .map((n) => ({ note_id: n.note_id, note_title: n.note_title })),
    };
  });

  // Timeline ----------------------------------------------------------------
  const eventRules = {
    event_title: { kind: "string", min: 1 },
    event_date: { kind: "string" },
    event_tz: { kind: "string" },
    event_category_id: { kind: "int" },
    event_raw: { kind: "string", nullable: true },
    event_source: { kind: "string", nullable: true },
    event_content: { kind: "string", nullable: true },
    event_tags: { kind: "string", nullable: true },
    event_color: { kind: "string", nullable: true },
    event_in_summary: { kind: "bool" },
    event_in_graph: { kind: "bool" },
    event_sync_iocs_assets: { kind: "bool" },
    event_assets: { kind: "intList" },
    event_iocs: { kind: "intList" },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const checkEvent = (f: Record<string, unknown>, ctx: Ctx) => {
    const errors: Record<string, string[]> = {};
    if (
      f.event_date !== undefined &&
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(f.event_date as string)
    )
      errors.event_date = ["Invalid date format. Expected YYYY-MM-DDTHH:MM:SS.ffffff"];
    if (f.event_tz !== undefined && !/^[+-]\d{2}:\d{2}$/.test(f.event_tz as string))
      errors.event_tz = ["Invalid timezone. Expected +HH:MM"];
    if (f.event_category_id !== undefined && !EVENT_CATEGORIES[(f.event_category_id as number) - 1])
      errors.event_category_id = ["Invalid event category ID"];
    for (const id of (f.event_assets as number[] | undefined) ?? [])
      if (S().assets.get(id)?.case_id !== ctx.caseId)
        errors.event_assets = [`Asset ${id} is not in this case`];
    for (const id of (f.event_iocs as number[] | undefined) ?? [])
      if (!S().iocs.get(id)?.cases.has(ctx.caseId)) errors.event_iocs = [`IOC ${id} is not in this case`];
    if (Object.keys(errors).length) throw dataError(errors);
  };
  const normalDate = (d: string) => {
    const [main, frac = ""] = d.split(".");
    return `${main}.${frac.padEnd(6, "0")}`;
  };
  const applyEvent = (event: SimEvent, f: Record<string, unknown>) => {
    assign(event, f, [
      "event_title",
      "event_tz",
      "event_category_id",
      "event_raw",
      "event_source",
      "event_content",
      "event_tags",
      "event_color",
      "event_in_summary",
      "event_in_graph",
      "event_sync_iocs_assets",
      "custom_attributes",
    ]);
    if (f.event_date !== undefined) event.event_date = normalDate(f.event_date as string);
    if (f.event_assets !== undefined) event.assets = new Set(f.event_assets as number[]);
    if (f.event_iocs !== undefined) event.iocs = new Set(f.event_iocs as number[]);
    if (event.event_sync_iocs_assets)
      for (const a of event.assets) for (const i of event.iocs) S().assets.get(a)?.iocs.add(i);
  };
  const getEvent = (ctx: Ctx) => inCase(S().events.get(ctx.id("event_id")), (e) => e.case_id, ctx, "event");
  const timeline = (ctx: Ctx, keep: (e: SimEvent) => boolean) => ({
    data: {
      timeline: [...S().events.values()]
        .filter((e) => e.case_id === ctx.caseId && keep(e))
        .sort((a, b) => a.event_date.localeCompare(b.event_date))
        .map((e) => eventRow(S(), e, EVENT_CATEGORIES)),
      state: S().objectState(ctx.caseId, "timeline"),
    },
  });
  route("GET", "/case/timeline/events/list", READ, (ctx) => timeline(ctx, () => true));
  route("GET", "/case/timeline/events/list/filter/:asset_id", READ, (ctx) => {
    const asset = Number(ctx.params.asset_id);
    return timeline(ctx, (e) => asset === 0 || e.assets.has(asset));
  });
  route("GET", "/case/timeline/advanced-filter", READ, (ctx) => {
    let q: Record<string, unknown[]>;
    try {
      q = JSON.parse(ctx.query.q ?? "") as Record<string, unknown[]>;
      if (!q || typeof q !== "object" || Array.isArray(q)) throw new Error("not a mapping");
    } catch {
      throw new IrisError(400, "Invalid query string");
    }
    const s = S();
    const low = (v: unknown) => String(v).toLowerCase();
    const has = (text: string, values: unknown[] | undefined) =>
      !values || values.every((v) => text.toLowerCase().includes(low(v)));
    return timeline(ctx, (e) => {
      if (q.asset && ![...e.assets].some((a) => q.asset!.map(low).includes(low(s.assets.get(a)?.asset_name))))
        return false;
      if (q.asset_id && ![...e.assets].some((a) => q.asset_id!.map(Number).includes(a))) return false;
      if (q.ioc && ![...e.iocs].some((i) => q.ioc!.map(low).includes(low(s.iocs.get(i)?.ioc_value))))
        return false;
      if (q.ioc_id && ![...e.iocs].some((i) => q.ioc_id!.map(Number).includes(i))) return false;
      if (q.event_id && !q.event_id.map(Number).includes(e.event_id)) return false;
      if (q.category && !q.category.map(low).includes(low(EVENT_CATEGORIES[e.event_category_id - 1])))
        return false;
      if (q.flag && (low(q.flag[0]) === "true") !== e.event_is_flagged) return false;
      if (q.startDate && e.event_date < String(q.startDate[0])) return false;
      if (q.endDate && e.event_date > String(q.endDate[0])) return false;
      return (
        has(e.event_tags, q.tag) &&
        has(e.event_title, q.title) &&
        has(e.event_content, q.description) &&
        has(e.event_raw, q.raw) &&
        has(e.event_source, q.source)
      );
    });
  });
  route("GET", "/case/timeline/state", READ, (ctx) => ({ data: S().objectState(ctx.caseId, "timeline") }));
  route("GET", "/case/timeline/events/:event_id", READ, (ctx) => ({ data: eventView(S(), getEvent(ctx)) }));
  route("POST", "/case/timeline/events/add", WRITE, (ctx) => {
    const f = load(ctx.body, {
      ...eventRules,
      event_title: { kind: "string", min: 1, required: true },
      event_date: { kind: "string", required: true },
      event_category_id: { kind: "int", required: true },
    });
    checkEvent(f, ctx);
    const s = S();
    const event: SimEvent = {
      event_id: s.nextId("event"),
      event_uuid: s.uuid(),
      case_id: ctx.caseId,
      event_title: "",
      event_date: "",
      event_tz: "+00:00",
      event_category_id: 1,
      event_raw: "",
      event_source: "",
      event_content: "",
      event_tags: "",
      event_color: "",
      event_in_summary: false,
      event_in_graph: true,
      event_is_flagged: false,
      event_sync_iocs_assets: false,
      event_added: isoNow(),
      user_id: ctx.user.id,
      custom_attributes: {},
      modification_history: s.history(ctx.user, "created"),
      assets: new Set(),
      iocs: new Set(),
    };
    applyEvent(event, f);
    s.events.set(event.event_id, event);
    s.touch(ctx.caseId, "timeline");
    s.log(ctx.caseId, ctx.user.id, `added event "${event.event_title}"`);
    return { message: "Event added", data: eventView(s, event) };
  });
  route("POST", "/case/timeline/events/update/:event_id", WRITE, (ctx) => {
    const event = getEvent(ctx);
    const f = load(ctx.body, eventRules);
    checkEvent(f, ctx);
    applyEvent(event, f);
    event.modification_history = S().history(ctx.user, "updated", event.modification_history);
    S().touch(ctx.caseId, "timeline");
    return { message: "Event updated", data: eventView(S(), event) };
  });
  route("POST", "/case/timeline/events/delete/:event_id", WRITE, (ctx) => {
    const event = getEvent(ctx);
    S().events.delete(event.event_id);
    S().dropComments("events", event.event_id);
    S().touch(ctx.caseId, "timeline");
    return { message: "Event ID deleted" };
  });

  // Tasks -------------------------------------------------------------------
  const taskRules = {
    task_title: { kind: "string", min: 1 },
    task_description: { kind: "string", nullable: true },
    task_tags: { kind: "string", nullable: true },
    task_status_id: { kind: "int" },
    task_assignees_id: { kind: "intList", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const checkTask = (f: Record<string, unknown>) => {
    if (f.task_status_id !== undefined && !TASK_STATUSES[(f.task_status_id as number) - 1])
      throw fieldError("task_status_id", "Invalid task status ID");
    for (const id of (f.task_assignees_id as number[] | null | undefined) ?? [])
      if (!S().users.has(id)) throw fieldError("task_assignees_id", `Invalid user ID ${id}`);
  };
  const applyTask = (task: SimTask, f: Record<string, unknown>, userId: number) => {
    assign(task, f, ["task_title", "task_description", "task_tags", "task_status_id", "custom_attributes"]);
    if (f.task_assignees_id !== undefined)
      task.assignees = new Set((f.task_assignees_id as number[] | null) ?? []);
    task.task_last_update = isoNow();
    task.task_userid_update = userId;
    const done = task.task_status_id === 4;
    task.task_close_date = done ? (task.task_close_date ?? isoNow()) : null;
    task.task_userid_close = done ? userId : null;
  };
  const getTask = (ctx: Ctx) => inCase(S().tasks.get(ctx.id("task_id")), (t) => t.task_case_id, ctx, "task");
  const statuses = () =>
    TASK_STATUSES.map(([name, color], i) => ({
      id: i + 1,
      registry: null,
      status_bscolor: color,
      status_description: "",
      status_name: name,
    }));
  route("GET", "/case/tasks/list", READ, (ctx) => ({
    data: {
      tasks: [...S().tasks.values()]
        .filter((t) => t.task_case_id === ctx.caseId)
        .map((t) => {
          const v = taskView(S(), t);
          const [name, color] = S().taskStatusName(t.task_status_id);
          return {
            task_id: t.id,
            task_uuid: t.task_uuid,
            task_title: t.task_title,
            task_description: t.task_description,
            task_tags: t.task_tags,
            task_status_id: t.task_status_id,
            task_open_date: rfc1123(t.task_open_date),
            task_assignees: v.task_assignees,
            status_name: name,
            status_bscolor: color,
          };
        }),
      tasks_status: statuses(),
      state: S().objectState(ctx.caseId, "tasks"),
    },
  }));
  route("GET", "/case/tasks/:task_id", READ, (ctx) => ({ data: taskView(S(), getTask(ctx)) }));
  route("POST", "/case/tasks/add", WRITE, (ctx) => {
    const f = load(ctx.body, {
      ...taskRules,
      task_title: { kind: "string", min: 1, required: true },
      task_status_id: { kind: "int", required: true },
    });
    checkTask(f);
    const s = S();
    const now = isoNow();
    const task: SimTask = {
      id: s.nextId("task"),
      task_uuid: s.uuid(),
      task_case_id: ctx.caseId,
      task_title: "",
      task_description: "",
      task_tags: "",
      task_status_id: 1,
      task_open_date: now,
      task_close_date: null,
      task_last_update: now,
      task_userid_open: ctx.user.id,
      task_userid_update: ctx.user.id,
      task_userid_close: null,
      assignees: new Set(),
      custom_attributes: {},
    };
    applyTask(task, f, ctx.user.id);
    s.tasks.set(task.id, task);
    s.touch(ctx.caseId, "tasks");
    return { message: `Task '${task.task_title}' added`, data: taskView(s, task) };
  });
  route("POST", "/case/tasks/update/:task_id", WRITE, (ctx) => {
    const task = getTask(ctx);
    const f = load(ctx.body, taskRules);
    checkTask(f);
    applyTask(task, f, ctx.user.id);
    S().touch(ctx.caseId, "tasks");
    return { message: `Task '${task.task_title}' updated`, data: taskView(S(), task) };
  });
  route("POST", "/case/tasks/delete/:task_id", WRITE, (ctx) => {
    const task = getTask(ctx);
    S().tasks.delete(task.id);
    S().dropComments("tasks", task.id);
    S().touch(ctx.caseId, "tasks");
    return { message: "Task deleted" };
  });

  // Evidences ---------------------------------------------------------------
  const evidenceRules = {
    filename: { kind: "string", min: 1, required: true },
    file_size: { kind: "int", required: true },
    file_hash: { kind: "string", required: true },
    file_description: { kind: "string", required: true, nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const getEvidence = (ctx: Ctx) =>
    inCase(S().evidences.get(ctx.id("evidence_id")), (e) => e.case_id, ctx, "evidence");
  route("GET", "/case/evidences/list", READ, (ctx) => ({
    data: {
      evidences: [...S().evidences.values()]
        .filter((e) => e.case_id === ctx.caseId)
        .map((e) => ({
          ...evidenceView(e),
          date_added: rfc1123(e.date_added),
          username: S().users.get(e.user_id)?.login ?? "",
        })),
      state: S().objectState(ctx.caseId, "evidences"),
    },
  }));
  route("GET", "/case/evidences/:evidence_id", READ, (ctx) => ({ data: evidenceView(getEvidence(ctx)) }));
  route("POST", "/case/evidences/add", WRITE, (ctx) => {
    const f = load(ctx.body, evidenceRules);
    const s = S();
    const evidence = {
      id: s.nextId("evidence"),
      file_uuid: s.uuid(),
      case_id: ctx.caseId,
      filename: f.filename as string,
      file_size: f.file_size as number,
      file_hash: f.file_hash as string,
      file_description: (f.file_description as string | null) ?? "",
      date_added: isoNow(),
      user_id: ctx.user.id,
      custom_attributes: (f.custom_attributes as Record<string, unknown> | undefined) ?? {},
    };
    s.evidences.set(evidence.id, evidence);
    s.touch(ctx.caseId, "evidences");
    return { message: `Evidence ${evidence.filename} added`, data: evidenceView(evidence) };
  });
  route("POST", "/case/evidences/update/:evidence_id", WRITE, (ctx) => {
    const evidence = getEvidence(ctx);
    const f = load(ctx.body, evidenceRules);
    assign(evidence, f, ["filename", "file_size", "file_hash", "file_description", "custom_attributes"]);
    S().touch(ctx.caseId, "evidences");
    return { message: `Evidence ${evidence.filename} updated`, data: evidenceView(evidence) };
  });
  route("POST", "/case/evidences/delete/:evidence_id", WRITE, (ctx) => {
    const evidence = getEvidence(ctx);
    S().evidences.delete(evidence.id);
    S().dropComments("evidences", evidence.id);
    S().touch(ctx.caseId, "evidences");
    return { message: "Evidence deleted" };
  });

  // Comments ----------------------------------------------------------------
  const targets: Array<[CommentTarget, string, string, (ctx: Ctx, id: number) => boolean]> = [
    ["assets", "/case/assets", "asset", (ctx, id) => S().assets.get(id)?.case_id === ctx.caseId],
    ["ioc", "/case/ioc", "IOC", (ctx, id) => S().iocs.get(id)?.cases.has(ctx.caseId) === true],
    ["notes", "/case/notes", "note", (ctx, id) => S().notes.get(id)?.case_id === ctx.caseId],
    ["events", "/case/timeline/events", "event", (ctx, id) => S().events.get(id)?.case_id === ctx.caseId],
    ["tasks", "/case/tasks", "task", (ctx, id) => S().tasks.get(id)?.task_case_id === ctx.caseId],
    ["evidences", "/case/evidences", "evidence", (ctx, id) => S().evidences.get(id)?.case_id === ctx.caseId],
  ];
  for (const [target, base, label, exists] of targets) {
    const objectId = (ctx: Ctx) => {
      const id = ctx.id("object_id");
      if (!exists(ctx, id)) throw new IrisError(400, `Invalid ${label} ID`);
      return id;
    };
    const comment = (ctx: Ctx) => {
      const id = objectId(ctx);
      const c = S().comments.get(ctx.id("comment_id"));
      if (!c || c.target !== target || c.target_id !== id) throw new IrisError(400, "Invalid comment ID");
      return c;
    };
    route("GET", `${base}/:object_id/comments/list`, READ, (ctx) => {
      const id = objectId(ctx);
      return {
        data: [...S().comments.values()]
          .filter((c) => c.target === target && c.target_id === id)
          .map((c) => ({
            ...commentView(S(), c),
            comment_date: rfc1123(c.comment_date),
            comment_update_date: rfc1123(c.comment_update_date),
          })),
      };
    });
    route("GET", `${base}/:object_id/comments/:comment_id`, READ, (ctx) => ({
      data: commentView(S(), comment(ctx)),
    }));
    route("POST", `${base}/:object_id/comments/add`, WRITE, (ctx) => {
      const id = objectId(ctx);
      const f = load(ctx.body, { comment_text: { kind: "string", required: true, min: 1 } });
      const s = S();
      const now = isoNow();
      const c = {
        comment_id: s.nextId("comment"),
        comment_uuid: s.uuid(),
        comment_case_id: ctx.caseId,
        comment_user_id: ctx.user.id,
        comment_text: f.comment_text as string,
        comment_date: now,
        comment_update_date: now,
        target,
        target_id: id,
      };
      s.comments.set(c.comment_id, c);
      if (target === "events") {
        const e = s.events.get(id)!;
        e.modification_history = s.history(ctx.user, "commented", e.modification_history);
      }
      const name = {
        assets: "Asset",
        ioc: "IOC",
        notes: "Note",
        events: "Event",
        tasks: "Task",
        evidences: "Evidence",
      }[target];
      return { message: `${name} commented`, data: commentView(s, c) };
    });
    route("POST", `${base}/:object_id/comments/:comment_id/edit`, WRITE, (ctx) => {
      const c = comment(ctx);
      if (c.comment_user_id !== ctx.user.id) throw new IrisError(400, "Permission denied");
      const f = load(ctx.body, { comment_text: { kind: "string", required: true, min: 1 } });
      c.comment_text = f.comment_text as string;
      c.comment_update_date = isoNow();
      return { message: "Comment edited", data: commentView(S(), c) };
    });
    route("POST", `${base}/:object_id/comments/:comment_id/delete`, WRITE, (ctx) => {
      const c = comment(ctx);
      if (c.comment_user_id !== ctx.user.id) throw new IrisError(400, "Permission denied");
      S().comments.delete(c.comment_id);
      return { message: "Comment deleted" };
    });
  }
}

/** CRC32 of the summary, as IRIS returns to detect concurrent edits. */
function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, "utf8")) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
