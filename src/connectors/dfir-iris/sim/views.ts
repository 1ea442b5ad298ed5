import { TLPS } from "./reference-data.ts";
import type {
  IrisState,
  SimAsset,
  SimComment,
  SimEvent,
  SimEvidence,
  SimFile,
  SimFolder,
  SimIoc,
  SimNote,
  SimNotesGroup,
  SimTask,
} from "./state.ts";
import { rfc1123 } from "./state.ts";

/** How IRIS shows each object, so the simulator answers with its field names. */
export function assetView(state: IrisState, a: SimAsset) {
  const type = state.assetTypes.get(a.asset_type_id);
  return {
    asset_id: a.asset_id,
    asset_uuid: a.asset_uuid,
    asset_name: a.asset_name,
    asset_description: a.asset_description,
    asset_domain: a.asset_domain,
    asset_ip: a.asset_ip,
    asset_info: a.asset_info,
    asset_compromise_status_id: a.asset_compromise_status_id,
    asset_type_id: a.asset_type_id,
    asset_tags: a.asset_tags,
    analysis_status_id: a.analysis_status_id,
    custom_attributes: a.custom_attributes,
    case_id: a.case_id,
    date_added: a.date_added,
    date_update: a.date_update,
    user_id: a.user_id,
    ioc_links: [...a.iocs],
    modification_history: a.modification_history,
    // IRIS 2.4 nests the asset's type; 2.0 gives only its id.
    ...(state.profile.version === "2.4"
      ? {
          asset_enrichment: null,
          asset_type: type
            ? {
                asset_id: type.asset_id,
                asset_name: type.asset_name,
                asset_description: type.asset_description,
                asset_icon_not_compromised: type.icon_nc,
                asset_icon_compromised: type.icon_c,
              }
            : null,
        }
      : {}),
  };
}

export function assetRow(state: IrisState, a: SimAsset) {
  const type = state.assetTypes.get(a.asset_type_id);
  const analysis = a.analysis_status_id;
  return {
    analysis_status:
      ["Unspecified", "To be done", "Started", "Pending", "Canceled", "Done"][(analysis ?? 0) - 1] ??
      "Unspecified",
    analysis_status_id: analysis,
    asset_compromise_status_id: a.asset_compromise_status_id,
    asset_description: a.asset_description,
    asset_domain: a.asset_domain,
    asset_icon_compromised: type?.icon_c ?? "",
    asset_icon_not_compromised: type?.icon_nc ?? "",
    asset_id: a.asset_id,
    asset_ip: a.asset_ip,
    asset_name: a.asset_name,
    asset_tags: a.asset_tags,
    asset_type: type?.asset_name ?? "",
    asset_type_id: a.asset_type_id,
    asset_uuid: a.asset_uuid,
    // null, not [], when the asset has no IOC (IRIS looks the links up in a dict).
    ioc_links:
      a.iocs.size === 0
        ? null
        : [...a.iocs].map((id) => ({
            asset_id: a.asset_id,
            ioc_id: id,
            ioc_value: state.iocs.get(id)?.ioc_value ?? "",
          })),
    // Same-named assets in other cases.
    link: [...state.assets.values()]
      .filter((o) => o.case_id !== a.case_id && o.asset_name === a.asset_name)
      .map((o) => ({
        asset_id: o.asset_id,
        case_id: o.case_id,
        case_name: state.cases.get(o.case_id)?.name ?? "",
      })),
  };
}

export function iocView(state: IrisState, i: SimIoc) {
  const type = state.iocTypes.get(i.ioc_type_id);
  return {
    ioc_id: i.ioc_id,
    ioc_uuid: i.ioc_uuid,
    ioc_value: i.ioc_value,
    ioc_type_id: i.ioc_type_id,
    ioc_type: type?.type_name ?? null,
    ioc_description: i.ioc_description,
    ioc_tags: i.ioc_tags,
    ioc_tlp_id: i.ioc_tlp_id,
    ioc_misp: null,
    user_id: i.user_id,
    custom_attributes: i.custom_attributes,
  };
}

export function iocRow(state: IrisState, i: SimIoc, caseId: number) {
  const [tlpName, tlpColor] = TLPS[i.ioc_tlp_id - 1] ?? ["", ""];
  return {
    ...iocView(state, i),
    // Other cases the IOC appears in.
    link: [...i.cases]
      .filter((id) => id !== caseId)
      .map((id) => {
        const c = state.cases.get(id)!;
        return {
          case_id: id,
          case_name: c.name,
          case_open_date: c.open_date,
          case_description: c.description,
          client_name: state.customers.get(c.client_id)?.name ?? "",
        };
      }),
    misp_link: null,
    tlp_name: tlpName,
    tlp_bscolor: tlpColor,
  };
}

export function groupView(g: SimNotesGroup) {
  return {
    group_id: g.group_id,
    group_uuid: g.group_uuid,
    group_title: g.group_title,
    group_creationdate: g.group_creationdate,
    group_lastupdate: g.group_lastupdate,
  };
}

export function noteRow(state: IrisState, n: SimNote) {
  return {
    note_id: n.note_id,
    note_uuid: n.note_uuid,
    note_title: n.note_title,
    note_lastupdate: rfc1123(n.note_lastupdate),
    user: state.users.get(n.user_id)?.login ?? "",
  };
}

export function noteView(state: IrisState, n: SimNote) {
  const group = n.group_id === null ? undefined : state.noteGroups.get(n.group_id);
  return {
    note_id: n.note_id,
    note_uuid: n.note_uuid,
    note_title: n.note_title,
    note_content: n.note_content,
    note_creationdate: n.note_creationdate,
    note_lastupdate: n.note_lastupdate,
    custom_attributes: n.custom_attributes,
    group_id: n.group_id,
    group_title: group?.group_title ?? "",
    group_uuid: group?.group_uuid ?? "",
  };
}

export function eventView(state: IrisState, e: SimEvent) {
  return {
    event_id: e.event_id,
    event_uuid: e.event_uuid,
    case_id: e.case_id,
    event_title: e.event_title,
    event_date: e.event_date,
    event_date_wtz: e.event_date,
    event_tz: e.event_tz,
    event_category_id: e.event_category_id,
    event_raw: e.event_raw,
    event_source: e.event_source,
    event_content: e.event_content,
    event_tags: e.event_tags,
    event_color: e.event_color,
    event_in_summary: e.event_in_summary,
    event_in_graph: e.event_in_graph,
    event_is_flagged: e.event_is_flagged,
    event_sync_iocs_assets: e.event_sync_iocs_assets,
    event_added: e.event_added,
    user_id: e.user_id,
    custom_attributes: e.custom_attributes,
    modification_history: e.modification_history,
    ...(state.profile.version === "2.4" ? { parent_event_id: e.parent_event_id } : {}),
    event_assets: [...e.assets],
    event_iocs: [...e.iocs],
    event_comments_map: [...state.comments.values()]
      .filter((c) => c.target === "events" && c.target_id === e.event_id)
      .map((c) => ({ comment_event_id: e.event_id, comment_id: c.comment_id })),
  };
}

/** The event's own columns, as IRIS serialises the model object it hands back from a flag toggle. */
export function eventModel(e: SimEvent) {
  const { assets: _a, iocs: _i, ...columns } = e;
  return { ...columns, case: null, user: null, category: null };
}

export function eventRow(state: IrisState, e: SimEvent, categories: readonly string[]) {
  return {
    event_id: e.event_id,
    event_uuid: e.event_uuid,
    event_date: e.event_date,
    event_date_wtz: e.event_date,
    event_tz: e.event_tz,
    event_title: e.event_title,
    event_color: e.event_color,
    event_tags: e.event_tags,
    event_content: e.event_content,
    event_in_summary: e.event_in_summary,
    event_in_graph: e.event_in_graph,
    event_is_flagged: e.event_is_flagged,
    category_name: categories[e.event_category_id - 1] ?? "",
    event_category_id: e.event_category_id,
    assets: [...e.assets].map((id) => {
      const a = state.assets.get(id)!;
      return {
        asset_id: id,
        name: `${a.asset_name} (${state.assetTypes.get(a.asset_type_id)?.asset_name ?? ""})`,
        description: a.asset_description,
        ip: a.asset_ip,
        compromised: a.asset_compromise_status_id === 1,
      };
    }),
    iocs: [...e.iocs].map((id) => ({
      ioc_id: id,
      ioc_value: state.iocs.get(id)?.ioc_value ?? "",
      event_id: e.event_id,
    })),
  };
}

export function taskView(state: IrisState, t: SimTask) {
  return {
    id: t.id,
    task_uuid: t.task_uuid,
    task_case_id: t.task_case_id,
    task_title: t.task_title,
    task_description: t.task_description,
    task_tags: t.task_tags,
    task_status_id: t.task_status_id,
    task_open_date: t.task_open_date,
    task_close_date: t.task_close_date,
    task_last_update: t.task_last_update,
    task_userid_open: t.task_userid_open,
    task_userid_update: t.task_userid_update,
    task_userid_close: t.task_userid_close,
    custom_attributes: t.custom_attributes,
    task_assignees: [...t.assignees].map((id) => {
      const u = state.users.get(id);
      return { id, name: u?.name ?? "", user: u?.login ?? "" };
    }),
  };
}

export function evidenceView(e: SimEvidence) {
  return {
    id: e.id,
    file_uuid: e.file_uuid,
    filename: e.filename,
    file_size: e.file_size,
    file_hash: e.file_hash,
    file_description: e.file_description,
    date_added: e.date_added,
    custom_attributes: e.custom_attributes,
    case_id: e.case_id,
    user_id: e.user_id,
  };
}

export function fileView(f: SimFile) {
  return {
    file_id: f.file_id,
    file_uuid: f.file_uuid,
    file_case_id: f.file_case_id,
    file_parent_id: f.file_parent_id,
    file_original_name: f.file_original_name,
    file_description: f.file_description,
    file_password: f.file_password,
    file_tags: f.file_tags,
    file_is_evidence: f.file_is_evidence,
    file_is_ioc: f.file_is_ioc,
    file_sha256: f.file_sha256,
    file_size: f.file_size,
    file_date_added: f.file_date_added,
    file_local_name: `/Evidences/case-${f.file_case_id}/dsf-${f.file_uuid}`,
    added_by_user_id: f.added_by_user_id,
    modification_history: f.modification_history,
  };
}

export function folderView(f: SimFolder) {
  return { ...f, case: null, registry: null };
}

export function commentView(state: IrisState, c: SimComment) {
  const user = state.users.get(c.comment_user_id);
  return {
    comment_id: c.comment_id,
    comment_uuid: c.comment_uuid,
    comment_text: c.comment_text,
    comment_date: c.comment_date,
    comment_update_date: c.comment_update_date,
    comment_case_id: c.comment_case_id,
    comment_user_id: c.comment_user_id,
    name: user?.name ?? "",
    user: user?.login ?? "",
  };
}
