import { assign, type Ctx, fieldError, IrisError, load, type Route } from "./http.ts";
import { type IrisState, isoNow, rfc1123, type SimNote, type SimNoteDirectory } from "./state.ts";
import { commentView, groupView, noteRow, noteView } from "./views.ts";

const READ = { case: "read" } as const;
const WRITE = { case: "write" } as const;

/** `%` is SQL's wildcard in IRIS's searches; everything else matches literally, case-insensitively. */
export function likePattern(term: string, anchored = false): RegExp {
  const body = term
    .split("%")
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(anchored ? `^${body}$` : body, "is");
}

/**
 * Notes: IRIS 2.4 files them in nested directories (its group endpoints answer 410 Gone), IRIS 2.0 in
 * flat groups (it has no directories).
 */
export function noteRoutes(route: Route, S: () => IrisState): void {
  const v24 = S().profile.version === "2.4";
  const getNote = (ctx: Ctx, message: string) => {
    const note = S().notes.get(ctx.id("note_id"));
    if (!note || note.case_id !== ctx.caseId) throw new IrisError(400, message);
    return note;
  };
  const deleteNote = (note: SimNote) => {
    S().notes.delete(note.note_id);
    S().dropComments("notes", note.note_id);
  };
  const view = (note: SimNote) => (v24 ? noteView24(S(), note) : noteView(S(), note));

  route("GET", "/case/notes/:note_id", READ, (ctx) => {
    const note = getNote(ctx, "Invalid note ID");
    if (!v24) return { data: view(note) };
    const comments = [...S().comments.values()]
      .filter((c) => c.target === "notes" && c.target_id === note.note_id)
      .map((c) => commentView(S(), c));
    return { data: { ...view(note), comments } };
  });
  route("POST", "/case/notes/update/:note_id", WRITE, (ctx) => {
    const note = getNote(ctx, "Invalid note ID for this case");
    const f = load(ctx.body, {
      note_title: { kind: "string", min: 1 },
      note_content: { kind: "string", nullable: true },
      custom_attributes: { kind: "dict", nullable: true },
      directory_id: { kind: "int", nullable: true },
    });
    if (v24 && f.directory_id !== undefined && f.directory_id !== null)
      directoryOf(ctx, f.directory_id as number, "Invalid directory id for the case");
    assign(note, f, ["note_title", "note_content", ...(v24 ? ["directory_id"] : [])]);
    if (f.custom_attributes) note.custom_attributes = f.custom_attributes as Record<string, unknown>;
    note.note_lastupdate = isoNow();
    S().touch(ctx.caseId, "notes");
    return { message: `Note ID ${note.note_id} saved`, data: view(note) };
  });
  route("POST", "/case/notes/delete/:note_id", WRITE, (ctx) => {
    const note = getNote(ctx, "Invalid note ID for this case");
    deleteNote(note);
    S().touch(ctx.caseId, "notes");
    return { message: `Note deleted ${note.note_id}` };
  });
  const newNote = (
    ctx: Ctx,
    f: Record<string, unknown>,
    place: { group_id?: number; directory_id?: number },
  ) => {
    const s = S();
    const now = isoNow();
    const note: SimNote = {
      note_id: s.nextId("note"),
      note_uuid: s.uuid(),
      case_id: ctx.caseId,
      group_id: place.group_id ?? null,
      directory_id: place.directory_id ?? null,
      note_title: (f.note_title as string | undefined) ?? "",
      note_content: (f.note_content as string | undefined) ?? "",
      note_creationdate: now,
      note_lastupdate: now,
      user_id: ctx.user.id,
      custom_attributes: (f.custom_attributes as Record<string, unknown> | undefined) ?? {},
    };
    s.notes.set(note.note_id, note);
    s.touch(ctx.caseId, "notes");
    return note;
  };

  // A directory of the case, or IRIS's answer: its schema raises outside a load, so the messages are a list.
  const directoryOf = (ctx: Ctx, id: unknown, message: string): SimNoteDirectory => {
    const d = Number.isInteger(Number(id)) ? S().noteDirectories.get(Number(id)) : undefined;
    if (!d || d.case_id !== ctx.caseId) throw new IrisError(400, "Data error", [message]);
    return d;
  };

  if (v24) {
    route("POST", "/case/notes/add", WRITE, (ctx) => {
      if (ctx.body.group_id)
        throw new IrisError(400, "Group ID is deprecated, please use directory_id instead");
      if (!Number.isInteger(ctx.body.directory_id))
        throw new IrisError(400, "Data error", [
          ctx.body.directory_id === undefined || ctx.body.directory_id === null
            ? "Invalid data - non null expected"
            : "Invalid data type",
        ]);
      const directory = directoryOf(ctx, ctx.body.directory_id, "Invalid directory id for the case");
      const f = load(ctx.body, {
        note_title: { kind: "string", nullable: true },
        note_content: { kind: "string", nullable: true },
        custom_attributes: { kind: "dict", nullable: true },
      });
      return { message: "Note added", data: view(newNote(ctx, f, { directory_id: directory.id })) };
    });
    route("GET", "/case/notes/directories/filter", READ, (ctx) => ({
      data: [...S().noteDirectories.values()]
        .filter((d) => d.case_id === ctx.caseId)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((d) => ({
          ...directoryCount(S(), d),
          notes: [...S().notes.values()]
            .filter((n) => n.directory_id === d.id)
            .map((n) => ({ id: n.note_id, title: n.note_title }))
            .sort((a, b) => a.title.localeCompare(b.title)),
        })),
    }));
    const directoryRules = {
      name: { kind: "string" },
      parent_id: { kind: "int", nullable: true },
    } as const;
    // IRIS checks the types before the schema runs, one field at a time.
    const typed = (body: Record<string, unknown>) => {
      if (body.name !== undefined && body.name !== null && typeof body.name !== "string")
        throw fieldError("name", "Invalid data type");
      if (body.parent_id !== undefined && body.parent_id !== null && !Number.isInteger(body.parent_id))
        throw fieldError("parent_id", "Invalid data type");
    };
    route("POST", "/case/notes/directories/add", WRITE, (ctx) => {
      if (ctx.body.parent_id !== undefined && ctx.body.parent_id !== null)
        directoryOf(ctx, ctx.body.parent_id, "Invalid parent id for the directory");
      typed(ctx.body);
      const f = load(ctx.body, { ...directoryRules, name: { kind: "string", required: true } });
      const directory: SimNoteDirectory = {
        id: S().nextId("note_directory"),
        name: f.name as string,
        parent_id: (f.parent_id as number | null | undefined) ?? null,
        case_id: ctx.caseId,
      };
      S().noteDirectories.set(directory.id, directory);
      return { message: "Directory added", data: directory };
    });
    const existing = (ctx: Ctx) => {
      const d = S().noteDirectories.get(Number(ctx.params.directory_id));
      if (!d || d.case_id !== ctx.caseId) throw new IrisError(400, "Invalid directory ID");
      return d;
    };
    route("POST", "/case/notes/directories/update/:directory_id", WRITE, (ctx) => {
      const directory = existing(ctx);
      const parent = ctx.body.parent_id;
      if (parent !== undefined && parent !== null) {
        const target = directoryOf(ctx, parent, "Invalid parent id for the directory");
        // IRIS refuses a directory as its own parent or its child's; a deeper cycle would make its tree
        // endless, so the simulator refuses that too, in the same words.
        if (
          target.id === directory.id ||
          target.parent_id === directory.id ||
          isBelow(S(), target, directory)
        )
          throw new IrisError(400, "Data error", ["Invalid parent id for the directory"]);
      }
      typed(ctx.body);
      const f = load(ctx.body, directoryRules);
      assign(directory, f, ["name", "parent_id"]);
      return { message: "Directory modified", data: directory };
    });
    route("POST", "/case/notes/directories/delete/:directory_id", WRITE, (ctx) => {
      const doomed = (d: SimNoteDirectory) => {
        for (const n of [...S().notes.values()]) if (n.directory_id === d.id) deleteNote(n);
        for (const child of [...S().noteDirectories.values()]) if (child.parent_id === d.id) doomed(child);
        S().noteDirectories.delete(d.id);
      };
      doomed(existing(ctx));
      S().touch(ctx.caseId, "notes");
      return { message: "Directory deleted" };
    });
    route("GET", "/case/notes/search", READ, (ctx) => {
      const pattern = likePattern(`%${ctx.query.search_input ?? "None"}%`, true);
      return {
        data: [...S().notes.values()]
          .filter(
            (n) => n.case_id === ctx.caseId && (pattern.test(n.note_title) || pattern.test(n.note_content)),
          )
          .map(view),
      };
    });
    // Flask's answer to a method the route does not take (IRIS 2.4.7 searches notes by GET only).
    route("POST", "/case/notes/search", { gone: true }, () => {
      throw new IrisError(405, "The method is not allowed for the requested URL.");
    });
    const gone: Array<["GET" | "POST", string, string]> = [
      ["GET", "/case/notes/groups/list", "Use /case/notes/directories/filter"],
      ["POST", "/case/notes/groups/add", "Use /case/notes/directories/add"],
      ["POST", "/case/notes/groups/delete/:group_id", "Use /case/notes/directories/delete/<ID>"],
      ["GET", "/case/notes/groups/:group_id", "Use /case/notes/directories/<ID>"],
      ["POST", "/case/notes/groups/update/:group_id", "Use /case/notes/directories/update/<ID>"],
    ];
    // Deprecated before anything else is checked, the caller's key included.
    for (const [method, url, hint] of gone)
      route(method, url, { gone: true }, () => {
        throw new IrisError(410, `Endpoint deprecated in v2.4.0. ${hint}.`);
      });
    return;
  }

  // IRIS 2.0: groups --------------------------------------------------------
  const getGroup = (ctx: Ctx) => {
    const g = S().noteGroups.get(ctx.id("group_id"));
    return g && g.case_id === ctx.caseId ? g : undefined;
  };
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
  route("GET", "/case/notes/groups/:group_id", READ, (ctx) => {
    const group = getGroup(ctx);
    if (!group) throw new IrisError(400, `Group ID ${ctx.params.group_id} not found`);
    return { data: groupWithNotes(group.group_id) };
  });
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
    return { message: "Notes group added", data: groupView(group) };
  });
  route("POST", "/case/notes/groups/update/:group_id", WRITE, (ctx) => {
    if (typeof ctx.body.group_title !== "string" || ctx.body.group_title === "")
      throw new IrisError(400, "Missing field group_title");
    const group = getGroup(ctx);
    if (!group) throw new IrisError(400, `Group ID ${ctx.params.group_id} not found`);
    group.group_title = ctx.body.group_title;
    group.group_lastupdate = isoNow();
    S().touch(ctx.caseId, "notes");
    return { message: `Updated title of group ID ${group.group_id}`, data: groupView(group) };
  });
  route("POST", "/case/notes/groups/delete/:group_id", WRITE, (ctx) => {
    const group = getGroup(ctx);
    if (!group) throw new IrisError(400, "Invalid group ID");
    for (const n of [...S().notes.values()]) if (n.group_id === group.group_id) deleteNote(n);
    S().noteGroups.delete(group.group_id);
    S().touch(ctx.caseId, "notes");
    return { message: `Group ID ${group.group_id} deleted` };
  });
  route("POST", "/case/notes/add", WRITE, (ctx) => {
    const group = S().noteGroups.get(Number(ctx.body.group_id));
    if (!group || group.case_id !== ctx.caseId) throw fieldError("group_id", "Invalid group id for note");
    const f = load(ctx.body, {
      note_title: { kind: "string", min: 1, required: true },
      note_content: { kind: "string" },
      group_id: { kind: "int", required: true },
      custom_attributes: { kind: "dict", nullable: true },
    });
    return { message: "Note added", data: view(newNote(ctx, f, { group_id: group.group_id })) };
  });
  route("POST", "/case/notes/search", READ, (ctx) => {
    if (!ctx.json) throw new IrisError(400, "Invalid request");
    const term = ctx.body.search_term;
    if (typeof term !== "string" || term === "") return { data: [] };
    const pattern = likePattern(`%${term}%`, true);
    return {
      data: [...S().notes.values()]
        .filter((n) => n.case_id === ctx.caseId && pattern.test(n.note_content))
        .map((n) => ({ note_id: n.note_id, note_title: n.note_title })),
    };
  });
}

/** A 2.4 note as its schema dumps it, with its directory. */
function noteView24(state: IrisState, n: SimNote) {
  const directory = n.directory_id === null ? undefined : state.noteDirectories.get(n.directory_id);
  return {
    note_id: n.note_id,
    note_uuid: n.note_uuid,
    note_title: n.note_title,
    note_content: n.note_content,
    note_user: n.user_id,
    note_creationdate: n.note_creationdate,
    note_lastupdate: n.note_lastupdate,
    note_case_id: n.case_id,
    custom_attributes: n.custom_attributes,
    directory_id: n.directory_id,
    modification_history: {},
    directory: directory ?? null,
  };
}

function directoryCount(state: IrisState, d: SimNoteDirectory): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    note_count: [...state.notes.values()].filter((n) => n.directory_id === d.id).length,
    subdirectories: [...state.noteDirectories.values()]
      .filter((c) => c.parent_id === d.id)
      .map((c) => directoryCount(state, c)),
  };
}

/** Whether `d` lies somewhere under `ancestor` (moving `ancestor` into it would loop). */
function isBelow(state: IrisState, d: SimNoteDirectory, ancestor: SimNoteDirectory): boolean {
  let current: SimNoteDirectory | undefined = d;
  for (let hops = 0; current && hops < 10_000; hops++) {
    if (current.parent_id === ancestor.id) return true;
    current = current.parent_id === null ? undefined : state.noteDirectories.get(current.parent_id);
  }
  return false;
}
