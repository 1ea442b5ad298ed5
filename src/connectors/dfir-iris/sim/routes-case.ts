import { csvRows, importMessage } from "./csv.ts";
import { assign, type Ctx, fieldError, IrisError, load, type Route } from "./http.ts";
import {
  ANALYSIS_STATUSES,
  EVENT_CATEGORIES,
  OUTCOME_STATUSES,
  TASK_STATUSES,
  TLPS,
} from "./reference-data.ts";
import {
  type CommentTarget,
  type IrisState,
  isoNow,
  rfc1123,
  type SimAsset,
  type SimEvent,
  type SimEvidence,
  type SimIoc,
  type SimTask,
} from "./state.ts";
import {
  assetRow,
  assetView,
  commentView,
  eventModel,
  eventRow,
  eventView,
  evidenceView,
  iocRow,
  iocView,
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

  route("POST", "/case/update-status", WRITE, (ctx) => {
    const status = ctx.body.status_id;
    if (status === undefined || status === null) throw new IrisError(400, "Invalid status. Expected int");
    const value = Number(status);
    if (!Number.isInteger(value) || !OUTCOME_STATUSES[S().profile.version].some(([v]) => v === value))
      throw new IrisError(400, "Invalid status");
    ctx.case!.status_id = value;
    return { message: "Case status updated", data: value };
  });

  // Assets ------------------------------------------------------------------
  const v20 = S().profile.version === "2.0";
  const assetRules = {
    asset_name: { kind: "string", required: true, min: v20 ? 2 : undefined },
    asset_type_id: { kind: "int" },
    asset_description: { kind: "string", nullable: true },
    asset_domain: { kind: "string", nullable: true },
    asset_ip: { kind: "string", nullable: true },
    asset_info: { kind: "string", nullable: true },
    asset_compromise_status_id: { kind: "int", nullable: true },
    analysis_status_id: { kind: "int", nullable: true },
    asset_tags: { kind: "string", nullable: true },
    ioc_links: { kind: "intList" },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const ASSET_COLUMNS = Object.keys(assetRules).filter((k) => k !== "ioc_links");
  // The schema's pre-load hook, which IRIS runs before any field rule: the first problem is the only one.
  const assetPreload = (body: Record<string, unknown>) => {
    const type = body.asset_type_id;
    if (!v20 && (type === undefined || type === null))
      throw fieldError("asset_type_id", "Invalid data - non null expected");
    if (!v20 && !Number.isInteger(type)) throw fieldError("asset_type_id", "Invalid data type");
    if (!S().assetTypes.has(Number(type))) throw fieldError("asset_type_id", "Invalid asset type ID");
    const status = body.analysis_status_id;
    if (!v20 && status !== undefined && status !== null && !Number.isInteger(status))
      throw fieldError("analysis_status_id", "Invalid data type");
    // IRIS 2.0 requires a known status; 2.4 checks one only when given.
    if ((v20 || status) && !ANALYSIS_STATUSES[Number(status) - 1])
      throw fieldError("analysis_status_id", "Invalid analysis status ID");
  };
  // Links to IOCs that do not exist fail after the asset is saved, as in IRIS (links stay as they were).
  const linkIocs = (asset: SimAsset, ids: number[] | undefined) => {
    if (ids === undefined) return;
    if (ids.some((id) => !S().iocs.has(id)))
      throw new IrisError(400, "Encountered errors while linking IOC. Asset has still been updated.");
    asset.iocs = new Set(ids);
  };
  const getAsset = (ctx: Ctx) => inCase(S().assets.get(ctx.id("asset_id")), (a) => a.case_id, ctx, "asset");
  const createAsset = (ctx: Ctx, f: Record<string, unknown>): SimAsset => {
    const s = S();
    const now = isoNow();
    const asset: SimAsset = {
      asset_id: s.nextId("asset"),
      asset_uuid: s.uuid(),
      case_id: ctx.caseId,
      asset_name: "",
      asset_description: null,
      asset_domain: null,
      asset_ip: null,
      asset_info: null,
      asset_compromise_status_id: null,
      asset_type_id: 0,
      asset_tags: null,
      analysis_status_id: null,
      custom_attributes: null,
      date_added: now,
      date_update: now,
      user_id: ctx.user.id,
      iocs: new Set(),
      modification_history: s.history(ctx.user, "created"),
    };
    assign(asset, f, ASSET_COLUMNS);
    s.assets.set(asset.asset_id, asset);
    s.touch(ctx.caseId, "assets");
    s.log(ctx.caseId, ctx.user.id, `added asset "${asset.asset_name}"`);
    return asset;
  };

  route("GET", "/case/assets/list", READ, (ctx) => ({
    data: {
      // IRIS joins each asset to its analysis status: an asset without one is not listed.
      assets: [...S().assets.values()]
        .filter((a) => a.case_id === ctx.caseId && a.analysis_status_id !== null)
        .map((a) => assetRow(S(), a)),
      state: S().objectState(ctx.caseId, "assets"),
    },
  }));
  route("GET", "/case/assets/state", READ, (ctx) => ({ data: S().objectState(ctx.caseId, "assets") }));
  route("GET", "/case/assets/:asset_id", READ, (ctx) => {
    const asset = getAsset(ctx);
    const linked = [...asset.iocs].flatMap((id) => {
      const i = S().iocs.get(id);
      if (!i) return [];
      const { ioc_id, ioc_value, ioc_tags, ioc_type_id, ioc_description, ioc_tlp_id } = i;
      const type_name = S().iocTypes.get(ioc_type_id)?.type_name ?? "";
      return [{ ioc_id, ioc_value, ioc_tags, ioc_type_id, type_name, ioc_description, ioc_tlp_id }];
    });
    return { data: { ...assetView(S(), asset), linked_ioc: linked } };
  });
  route("POST", "/case/assets/add", WRITE, (ctx) => {
    assetPreload(ctx.body);
    const f = load(ctx.body, assetRules);
    const asset = createAsset(ctx, f);
    const links = f.ioc_links as number[] | undefined;
    if (links?.length) linkIocs(asset, links);
    return { message: "Asset added", data: assetView(S(), asset) };
  });
  route("POST", "/case/assets/upload", WRITE, (ctx) => {
    const headers = [
      "asset_name",
      "asset_type_name",
      "asset_description",
      "asset_ip",
      "asset_domain",
      "asset_tags",
    ];
    const rows = csvRows(ctx.body.CSVData, headers);
    const errors: string[] = [];
    const imported: Array<Record<string, unknown>> = [];
    for (const [index, row] of rows.entries()) {
      const missing = headers.filter((h) => row[h] === undefined);
      if (missing.length) {
        for (const h of missing) errors.push(`${h} is missing for row ${index}`);
        continue;
      }
      if (!row.asset_name) {
        errors.push(`Empty asset name for row ${index}`);
        continue;
      }
      if (!row.asset_type_name) {
        errors.push(`Empty asset type for row ${index}`);
        continue;
      }
      const type = [...S().assetTypes.values()].find(
        (t) => t.asset_name.toLowerCase() === String(row.asset_type_name).toLowerCase(),
      );
      if (!type) {
        errors.push(`${row.asset_name} (invalid asset type: ${row.asset_type_name}) for row ${index}`);
        continue;
      }
      const fields = {
        asset_name: row.asset_name,
        asset_description: row.asset_description,
        asset_ip: row.asset_ip,
        asset_domain: row.asset_domain,
        asset_tags: String(row.asset_tags).replaceAll("|", ","),
        asset_type_id: type.asset_id,
        analysis_status_id: 1,
      };
      createAsset(ctx, fields);
      imported.push(fields);
    }
    return { message: importMessage(errors), data: imported };
  });
  route("POST", "/case/assets/update/:asset_id", WRITE, (ctx) => {
    const asset = getAsset(ctx);
    assetPreload(ctx.body);
    const f = load(ctx.body, assetRules);
    assign(asset, f, ASSET_COLUMNS);
    asset.date_update = isoNow();
    asset.modification_history = S().history(ctx.user, "updated", asset.modification_history);
    S().touch(ctx.caseId, "assets");
    linkIocs(asset, f.ioc_links as number[] | undefined);
    return { message: `Updated asset ${asset.asset_name}`, data: assetView(S(), asset) };
  });
  route("POST", "/case/assets/delete/:asset_id", WRITE, (ctx) => {
    const asset = getAsset(ctx);
    const s = S();
    s.assets.delete(asset.asset_id);
    for (const e of s.events.values()) e.assets.delete(asset.asset_id);
    s.dropComments("assets", asset.asset_id);
    s.touch(ctx.caseId, "assets");
    s.log(ctx.caseId, ctx.user.id, `removed asset ID ${asset.asset_name}`);
    return { message: "Deleted" };
  });

  // IOCs --------------------------------------------------------------------
  const iocRules = {
    ioc_type_id: { kind: "int" },
    ioc_tlp_id: { kind: "int" },
    ioc_value: { kind: "string", min: 1, required: true },
    ioc_description: { kind: "string", nullable: true },
    ioc_tags: { kind: "string", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  // The schema's pre-load hook: type and TLP must be known and the value must match the type's regex.
  const iocPreload = (body: Record<string, unknown>) => {
    const s = S();
    for (const field of ["ioc_type_id", "ioc_tlp_id"])
      if (!v20 && (body[field] === undefined || body[field] === null))
        throw fieldError(field, "Invalid data - non null expected");
      else if (!v20 && !Number.isInteger(body[field])) throw fieldError(field, "Invalid data type");
    const type = s.iocTypes.get(Number(body.ioc_type_id));
    if (!type) throw fieldError("ioc_type_id", "Invalid ioc type ID");
    if (!TLPS[Number(body.ioc_tlp_id) - 1]) throw fieldError("ioc_tlp_id", "Invalid TLP ID");
    const value = body.ioc_value;
    // IRIS names the field ioc_ioc_value here.
    if (
      type.type_validation_regex &&
      !new RegExp(`^(?:${type.type_validation_regex})$`, "is").test(String(value))
    )
      throw fieldError(
        "ioc_ioc_value",
        `The input doesn't match the expected format (expected: ${type.type_validation_expect ?? type.type_validation_regex})`,
      );
  };
  const getIoc = (ctx: Ctx, message = "Invalid IOC ID for this case") => {
    const ioc = S().iocs.get(ctx.id("ioc_id"));
    if (!ioc?.cases.has(ctx.caseId)) throw new IrisError(400, message);
    return ioc;
  };
  /** Adds an IOC, or links the known one with the same type and value: IRIS's three answers. */
  const addIoc = (
    ctx: Ctx,
    f: Record<string, unknown>,
  ): { ioc: SimIoc; message: string; linked: boolean } => {
    const s = S();
    const existing = [...s.iocs.values()].find(
      (i) => i.ioc_type_id === f.ioc_type_id && i.ioc_value === f.ioc_value,
    );
    if (existing?.cases.has(ctx.caseId))
      return { ioc: existing, message: "IOC already exists and linked to this case", linked: true };
    const ioc: SimIoc = existing ?? {
      ioc_id: s.nextId("ioc"),
      ioc_uuid: s.uuid(),
      ioc_value: "",
      ioc_type_id: 0,
      ioc_description: null,
      ioc_tags: null,
      ioc_tlp_id: 2,
      user_id: ctx.user.id,
      custom_attributes: null,
      cases: new Set(),
    };
    if (!existing) assign(ioc, f, Object.keys(iocRules));
    ioc.cases.add(ctx.caseId);
    s.iocs.set(ioc.ioc_id, ioc);
    s.touch(ctx.caseId, "ioc");
    s.log(ctx.caseId, ctx.user.id, `added ioc "${ioc.ioc_value}"`);
    const message = existing ? "IOC already existed in DB. Updated with info on DB." : "IOC added";
    return { ioc, message, linked: false };
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
    iocPreload(ctx.body);
    const { ioc, message } = addIoc(ctx, load(ctx.body, iocRules));
    return { message, data: iocView(S(), ioc) };
  });
  route("POST", "/case/ioc/upload", WRITE, (ctx) => {
    const headers = ["ioc_value", "ioc_type", "ioc_description", "ioc_tags", "ioc_tlp"];
    const rows = csvRows(ctx.body.CSVData, headers);
    const errors: string[] = [];
    const imported: Array<Record<string, unknown>> = [];
    for (const [index, row] of rows.entries()) {
      // IRIS notes a missing column but still tries the row.
      for (const h of headers) if (row[h] === undefined) errors.push(`${h} is missing for row ${index}`);
      if (!row.ioc_value) {
        errors.push(`Empty IOC value for row ${index}`);
        continue;
      }
      const tlp = TLPS.findIndex(([name]) => name === row.ioc_tlp);
      const type = [...S().iocTypes.values()].find(
        (t) => t.type_name.toLowerCase() === String(row.ioc_type).toLowerCase(),
      );
      if (!type) {
        errors.push(`${row.ioc_value} (invalid ioc type: ${row.ioc_type}) for row ${index}`);
        continue;
      }
      const fields = {
        ioc_value: row.ioc_value,
        ioc_description: row.ioc_description ?? null,
        ioc_tags: (row.ioc_tags ?? "").replaceAll("|", ","),
        // An unknown TLP becomes "", which IRIS's schema then refuses, ending the import (earlier rows stay).
        ioc_tlp_id: tlp < 0 ? "" : tlp + 1,
        ioc_type_id: type.type_id,
      };
      iocPreload(fields);
      const added = addIoc(ctx, load(fields, iocRules));
      if (added.linked) {
        errors.push(`${added.ioc.ioc_value} (already exists and linked to this case)`);
        continue;
      }
      imported.push(fields);
    }
    return { message: importMessage(errors), data: imported };
  });
  route("POST", "/case/ioc/update/:ioc_id", WRITE, (ctx) => {
    const ioc = getIoc(ctx);
    iocPreload(ctx.body);
    const f = load(ctx.body, iocRules);
    assign(ioc, f, Object.keys(iocRules));
    ioc.user_id = ctx.user.id;
    S().touch(ctx.caseId, "ioc");
    return { message: `Updated ioc "${ioc.ioc_value}"`, data: iocView(S(), ioc) };
  });
  route("POST", "/case/ioc/delete/:ioc_id", WRITE, (ctx) => {
    const ioc = getIoc(ctx, "Not a valid IOC for this case");
    const dropped = S().unlinkIoc(ioc, ctx.caseId);
    S().touch(ctx.caseId, "ioc");
    S().log(ctx.caseId, ctx.user.id, `${dropped ? "deleted" : "unlinked"} IOC "${ioc.ioc_value}"`);
    return { message: `IOC ${ioc.ioc_id} ${dropped ? "deleted" : "unlinked"}` };
  });

  // Timeline ----------------------------------------------------------------
  const eventRules = {
    event_title: { kind: "string", min: 2, required: true },
    event_date: { kind: "string", required: true },
    event_tz: { kind: "string", required: true },
    event_category_id: { kind: "int", required: true },
    event_raw: { kind: "string", nullable: true },
    event_source: { kind: "string", nullable: true },
    event_content: { kind: "string", nullable: true },
    event_tags: { kind: "string", nullable: true },
    event_color: { kind: "string", nullable: true },
    event_in_summary: { kind: "bool" },
    event_in_graph: { kind: "bool" },
    event_sync_iocs_assets: { kind: "bool" },
    event_assets: { kind: "intList", required: true },
    event_iocs: { kind: "intList", required: true },
    parent_event_id: { kind: "int", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const EVENT_COLORS = ["#fff", "#1572E899", "#6861CE99", "#48ABF799", "#31CE3699", "#F2596199", "#FFAD4699"];
  // The schema's pre-load hook, first problem only: the six fields IRIS requires, then the references.
  const eventPreload = (body: Record<string, unknown>) => {
    for (const field of [
      "event_title",
      "event_date",
      "event_tz",
      "event_category_id",
      "event_assets",
      "event_iocs",
    ])
      if (!(field in body)) throw fieldError(field, `Missing field ${field}`);
    const category = Number(body.event_category_id);
    if (!Number.isInteger(category) || !EVENT_CATEGORIES[category - 1])
      throw fieldError("event_category_id", "Invalid event category ID");
    for (const field of ["event_assets", "event_iocs"])
      if (!Array.isArray(body[field])) throw fieldError(field, "Invalid data type");
    for (const id of body.event_assets as unknown[])
      if (!S().assets.has(Number(id))) throw fieldError("event_assets", "Invalid assets ID");
    // IRIS files an unknown IOC under event_assets too.
    for (const id of body.event_iocs as unknown[])
      if (!S().iocs.has(Number(id))) throw fieldError("event_assets", "Invalid IOC ID");
    if (body.event_color && !EVENT_COLORS.includes(String(body.event_color))) body.event_color = "";
  };
  // marshmallow's DateTime("%Y-%m-%dT%H:%M:%S.%f"): the fraction is required, then date and zone must parse.
  const eventDate = (f: Record<string, unknown>): string => {
    const date = String(f.event_date);
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{1,6})$/.exec(date);
    if (!m || Number.isNaN(Date.parse(`${m[1]}Z`))) throw fieldError("event_date", "Not a valid datetime.");
    if (!/^(Z|[+-]\d{2}(:?\d{2})?)$/.test(String(f.event_tz)))
      throw fieldError("event_date", "Invalid date time");
    return `${m[1]}.${m[2]!.padEnd(6, "0")}`;
  };
  const applyEvent = (event: SimEvent, f: Record<string, unknown>, ctx: Ctx) => {
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
      "parent_event_id",
      "custom_attributes",
    ]);
    event.event_date = eventDate(f);
    // Only the case's own assets and IOCs are linked; others are silently left out, as IRIS does.
    event.assets = new Set(
      (f.event_assets as number[]).filter((id) => S().assets.get(id)?.case_id === ctx.caseId),
    );
    event.iocs = new Set((f.event_iocs as number[]).filter((id) => S().iocs.get(id)?.cases.has(ctx.caseId)));
    if (f.event_sync_iocs_assets)
      for (const a of event.assets) for (const i of event.iocs) S().assets.get(a)?.iocs.add(i);
  };
  const getEvent = (ctx: Ctx, message = "Invalid event ID for this case") => {
    const event = S().events.get(ctx.id("event_id"));
    if (!event || event.case_id !== ctx.caseId) throw new IrisError(400, message);
    return event;
  };
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
    eventPreload(ctx.body);
    const f = load(ctx.body, eventRules);
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
      parent_event_id: null,
      event_added: isoNow(),
      user_id: ctx.user.id,
      custom_attributes: {},
      modification_history: s.history(ctx.user, "created"),
      assets: new Set(),
      iocs: new Set(),
    };
    applyEvent(event, f, ctx);
    s.events.set(event.event_id, event);
    s.touch(ctx.caseId, "timeline");
    s.log(ctx.caseId, ctx.user.id, `added event "${event.event_title}"`);
    return { message: "Event added", data: eventView(s, event) };
  });
  route("POST", "/case/timeline/events/update/:event_id", WRITE, (ctx) => {
    const event = getEvent(ctx);
    eventPreload(ctx.body);
    const f = load(ctx.body, eventRules);
    applyEvent(event, f, ctx);
    event.modification_history = S().history(ctx.user, "updated", event.modification_history);
    S().touch(ctx.caseId, "timeline");
    return { message: "Event updated", data: eventView(S(), event) };
  });
  route("POST", "/case/timeline/events/delete/:event_id", WRITE, (ctx) => {
    const event = getEvent(ctx, "Not a valid event ID for this case");
    S().events.delete(event.event_id);
    S().dropComments("events", event.event_id);
    S().touch(ctx.caseId, "timeline");
    return { message: `Event ID ${event.event_id} deleted` };
  });
  route("GET", "/case/timeline/events/flag/:event_id", WRITE, (ctx) => {
    const event = getEvent(ctx);
    event.event_is_flagged = !event.event_is_flagged;
    return {
      message: event.event_is_flagged ? "Event flagged" : "Event unflagged",
      data: eventModel(event),
    };
  });
  route("GET", "/case/timeline/events/duplicate/:event_id", WRITE, (ctx) => {
    const old = getEvent(ctx);
    const s = S();
    const copy: SimEvent = {
      ...old,
      event_id: s.nextId("event"),
      event_title: old.event_title.startsWith("[DUPLICATED] - ")
        ? old.event_title
        : `[DUPLICATED] - ${old.event_title}`,
      event_added: isoNow(),
      user_id: ctx.user.id,
      assets: new Set(old.assets),
      iocs: new Set(old.iocs),
    };
    s.events.set(copy.event_id, copy);
    s.touch(ctx.caseId, "timeline");
    s.log(ctx.caseId, ctx.user.id, `added event "${copy.event_title}"`);
    return { message: "Event duplicated", data: eventView(s, copy) };
  });

  // Tasks -------------------------------------------------------------------
  const taskRules = {
    task_title: { kind: "string", min: 2, required: true },
    task_description: { kind: "string", nullable: true },
    task_tags: { kind: "string", nullable: true },
    task_status_id: { kind: "int", required: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  // Before its schema, IRIS wants the assignee list (the v1.4 single assignee is refused), then a known status.
  const taskPreload = (body: Record<string, unknown>): unknown[] => {
    if ("task_assignee_id" in body || !("task_assignees_id" in body))
      throw new IrisError(400, "task_assignee_id is not valid anymore since v1.5.0");
    const status = body.task_status_id;
    if (!v20 && (status === undefined || status === null))
      throw fieldError("task_status_id", "Invalid data - non null expected");
    if (!v20 && !Number.isInteger(status)) throw fieldError("task_status_id", "Invalid data type");
    if (!TASK_STATUSES[Number(status) - 1]) throw fieldError("task_status_id", "Invalid task status ID");
    const assignees = body.task_assignees_id;
    delete body.task_assignees_id;
    return Array.isArray(assignees) ? assignees : [];
  };
  const applyTask = (ctx: Ctx, task: SimTask, f: Record<string, unknown>, assignees: unknown[]) => {
    assign(task, f, ["task_title", "task_description", "task_tags", "task_status_id", "custom_attributes"]);
    // Only users who may open the case can be assigned; other ids are dropped without a word.
    task.assignees = new Set(
      assignees.map(Number).filter((id) => S().users.has(id) && S().accessLevel(id, ctx.caseId) > 0),
    );
    task.task_last_update = isoNow();
    task.task_userid_update = ctx.user.id;
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
    const assignees = taskPreload(ctx.body);
    const f = load(ctx.body, taskRules);
    const s = S();
    const now = isoNow();
    const task: SimTask = {
      id: s.nextId("task"),
      task_uuid: s.uuid(),
      task_case_id: ctx.caseId,
      task_title: "",
      task_description: null,
      task_tags: null,
      task_status_id: 1,
      task_open_date: now,
      // IRIS never fills the closing columns, whatever the status.
      task_close_date: null,
      task_last_update: now,
      task_userid_open: ctx.user.id,
      task_userid_update: ctx.user.id,
      task_userid_close: null,
      assignees: new Set(),
      custom_attributes: {},
    };
    applyTask(ctx, task, f, assignees);
    s.tasks.set(task.id, task);
    s.touch(ctx.caseId, "tasks");
    return { message: `Task '${task.task_title}' added`, data: taskView(s, task) };
  });
  route("POST", "/case/tasks/update/:task_id", WRITE, (ctx) => {
    const task = getTask(ctx);
    const assignees = taskPreload(ctx.body);
    applyTask(ctx, task, load(ctx.body, taskRules), assignees);
    S().touch(ctx.caseId, "tasks");
    return { message: `Task '${task.task_title}' updated`, data: taskView(S(), task) };
  });
  route("POST", "/case/tasks/status/update/:task_id", WRITE, (ctx) => {
    const task = getTask(ctx);
    if (!ctx.json) throw new IrisError(400, "Invalid request");
    const status = ctx.body.task_status_id;
    if (!Number.isInteger(Number(status)) || !TASK_STATUSES[Number(status) - 1])
      throw new IrisError(400, "Invalid status");
    task.task_status_id = Number(status);
    S().touch(ctx.caseId, "tasks");
    return { message: "Task status updated", data: taskView(S(), task) };
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
    filename: { kind: "string", min: 2, required: true },
    file_size: { kind: "int", nullable: true },
    file_hash: { kind: "string", nullable: true },
    file_description: { kind: "string", nullable: true },
    custom_attributes: { kind: "dict", nullable: true },
  } as const;
  const getEvidence = (ctx: Ctx) =>
    inCase(S().evidences.get(ctx.id("evidence_id")), (e) => e.case_id, ctx, "evidence");
  // IRIS 2.4 lists evidences through their schema (the user nested); 2.0 through a query naming the user.
  const evidenceRow = (e: SimEvidence) => {
    const u = S().users.get(e.user_id);
    if (v20) return { ...evidenceView(e), date_added: rfc1123(e.date_added), username: u?.name ?? "" };
    const user = u ? { id: u.id, user_name: u.name, user_login: u.login, user_email: u.email } : null;
    return { ...evidenceView(e), user, type: null };
  };
  route("GET", "/case/evidences/list", READ, (ctx) => ({
    data: {
      evidences: [...S().evidences.values()]
        .filter((e) => e.case_id === ctx.caseId)
        .sort((a, b) => b.date_added.localeCompare(a.date_added))
        .map(evidenceRow),
      state: S().objectState(ctx.caseId, "evidences"),
    },
  }));
  route("GET", "/case/evidences/:evidence_id", READ, (ctx) => ({ data: evidenceView(getEvidence(ctx)) }));
  route("POST", "/case/evidences/add", WRITE, (ctx) => {
    const f = load(ctx.body, evidenceRules);
    const s = S();
    const evidence: SimEvidence = {
      id: s.nextId("evidence"),
      file_uuid: s.uuid(),
      case_id: ctx.caseId,
      filename: f.filename as string,
      file_size: (f.file_size as number | null | undefined) ?? null,
      file_hash: (f.file_hash as string | null | undefined) ?? null,
      file_description: (f.file_description as string | null | undefined) ?? null,
      date_added: isoNow(),
      user_id: ctx.user.id,
      custom_attributes: (f.custom_attributes as Record<string, unknown> | undefined) ?? {},
    };
    s.evidences.set(evidence.id, evidence);
    s.touch(ctx.caseId, "evidences");
    return { message: "Evidence added", data: evidenceView(evidence) };
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
      // Anyone with full access to the case may edit a comment; only its author may delete it.
      const c = comment(ctx);
      const f = load(ctx.body, { comment_text: { kind: "string", required: true, min: 1 } });
      c.comment_text = f.comment_text as string;
      c.comment_update_date = isoNow();
      return { message: "Comment edited", data: commentView(S(), c) };
    });
    route("POST", `${base}/:object_id/comments/:comment_id/delete`, WRITE, (ctx) => {
      const c = comment(ctx);
      if (c.comment_user_id !== ctx.user.id)
        throw new IrisError(400, "You are not allowed to delete this comment");
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
