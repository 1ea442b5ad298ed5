import { type Ctx, IrisError, type Route } from "./http.ts";
import { type IrisState, isoNow, rfc1123, type SimFolder, sha256 } from "./state.ts";
import { fileView, folderView } from "./views.ts";

const READ = { case: "read" } as const;
const WRITE = { case: "write" } as const;

/** The per-case datastore: a folder tree with stored files. */
export function datastoreRoutes(route: Route, S: () => IrisState): void {
  // The folder of this case with that id, if any (IRIS words each refusal differently, per endpoint).
  const folderIn = (ctx: Ctx, id: unknown): SimFolder | undefined => {
    S().datastoreRoot(ctx.caseId);
    const folder = Number.isInteger(Number(id)) ? S().folders.get(Number(id)) : undefined;
    return folder && folder.path_case_id === ctx.caseId ? folder : undefined;
  };
  const fileIn = (ctx: Ctx) => {
    const file = S().files.get(ctx.id("file_id"));
    return file && file.file_case_id === ctx.caseId ? file : undefined;
  };
  const fileOf = (ctx: Ctx) => {
    const file = fileIn(ctx);
    if (!file) throw new IrisError(400, "Invalid file ID for this case");
    return file;
  };
  const needsJson = (ctx: Ctx, message = "Invalid data") => {
    if (!ctx.json || Object.keys(ctx.body).length === 0) throw new IrisError(400, message);
  };
  const tree = (folder: SimFolder): Record<string, unknown> => {
    const children: Record<string, unknown> = {};
    for (const f of S().folders.values())
      if (f.path_parent_id === folder.path_id) children[`d-${f.path_id}`] = tree(f);
    for (const f of S().files.values())
      if (f.file_parent_id === folder.path_id)
        children[`f-${f.file_id}`] = {
          ...fileView(f),
          file_date_added: rfc1123(f.file_date_added),
          type: "file",
        };
    return {
      children,
      name: folder.path_name,
      type: "directory",
      ...(folder.path_is_root ? { is_root: true } : {}),
    };
  };
  const isInside = (folder: SimFolder, ancestor: SimFolder): boolean => {
    let current: SimFolder | undefined = folder;
    for (let hops = 0; current && hops < 10_000; hops++) {
      if (current.path_id === ancestor.path_id) return true;
      current = current.path_is_root ? undefined : S().folders.get(current.path_parent_id ?? 0);
    }
    return false;
  };
  const flag = (v: unknown) => v === "y" || v === "true" || v === "on" || v === true;
  /** Files flagged as evidence or IOC are registered as such, as IRIS does; returns how it says so. */
  const register = (ctx: Ctx, file: ReturnType<typeof fileOf>): string => {
    const s = S();
    if (
      file.file_is_evidence &&
      ![...s.evidences.values()].some((e) => e.case_id === ctx.caseId && e.file_hash === file.file_sha256)
    ) {
      const id = s.nextId("evidence");
      s.evidences.set(id, {
        id,
        file_uuid: s.uuid(),
        case_id: ctx.caseId,
        filename: file.file_original_name,
        file_size: file.file_size,
        file_hash: file.file_sha256,
        file_description: `Imported from datastore. ${file.file_description}`,
        date_added: isoNow(),
        user_id: ctx.user.id,
        custom_attributes: {},
      });
      s.touch(ctx.caseId, "evidences");
    }
    if (file.file_is_ioc) {
      const typeId = [...s.iocTypes.values()].find((t) => t.type_name === "sha256")?.type_id ?? 1;
      let ioc = [...s.iocs.values()].find(
        (i) => i.ioc_type_id === typeId && i.ioc_value === file.file_sha256,
      );
      if (!ioc) {
        ioc = {
          ioc_id: s.nextId("ioc"),
          ioc_uuid: s.uuid(),
          ioc_value: file.file_sha256,
          ioc_type_id: typeId,
          ioc_description: `SHA256 of ${file.file_original_name}. Imported from datastore.`,
          ioc_tags: "datastore",
          ioc_tlp_id: 2,
          user_id: ctx.user.id,
          custom_attributes: {},
          cases: new Set(),
        };
        s.iocs.set(ioc.ioc_id, ioc);
      }
      ioc.cases.add(ctx.caseId);
      s.touch(ctx.caseId, "ioc");
    }
    const asIoc = file.file_is_ioc ? "and added in IOC" : "";
    if (!file.file_is_evidence) return asIoc;
    return asIoc ? `${asIoc} and evidence` : "and added in evidence";
  };

  route("GET", "/datastore/list/tree", READ, (ctx) => {
    const root = S().datastoreRoot(ctx.caseId);
    return { data: { [`d-${root.path_id}`]: tree(root) } };
  });
  route("POST", "/datastore/file/add/:parent_id", WRITE, (ctx) => {
    const parent = folderIn(ctx, ctx.params.parent_id);
    if (!parent) throw new IrisError(400, "Invalid path node for this case");
    const upload = ctx.files.file_content;
    // IRIS raises this outside its schema's load, so the messages come as a list.
    if (!upload) throw new IrisError(400, "Data error", ["No file provided"]);
    const s = S();
    const isIoc = flag(ctx.body.file_is_ioc);
    const password = String(ctx.body.file_password ?? "");
    const file = {
      file_id: s.nextId("file"),
      file_uuid: s.uuid(),
      file_case_id: ctx.caseId,
      file_parent_id: parent.path_id,
      file_original_name: String(ctx.body.file_original_name ?? upload.filename),
      file_description: String(ctx.body.file_description ?? ""),
      // A file stored as an IOC is zipped with a password, "infected" unless one is given.
      file_password: isIoc && !password ? "infected" : password,
      file_tags: String(ctx.body.file_tags ?? ""),
      file_is_evidence: flag(ctx.body.file_is_evidence),
      file_is_ioc: isIoc,
      file_sha256: sha256(upload.data),
      file_size: upload.data.length,
      file_date_added: isoNow(),
      added_by_user_id: ctx.user.id,
      content: upload.data,
      content_type: upload.mimetype,
      modification_history: s.history(ctx.user, "created"),
    };
    s.files.set(file.file_id, file);
    return { message: `File saved in datastore ${register(ctx, file)}`, data: fileView(file) };
  });
  route("GET", "/datastore/file/info/:file_id", READ, (ctx) => {
    const { file_local_name: _hidden, ...info } = fileView(fileOf(ctx));
    return { data: info };
  });
  route("GET", "/datastore/file/view/:file_id", READ, (ctx) => {
    const file = fileIn(ctx);
    if (!file)
      throw new IrisError(400, "Unable to get requested file ID", "Invalid DS file ID for this case");
    return {
      raw: file.content,
      type: file.content_type || "application/octet-stream",
      // IRIS serves a password-protected file as a zip named <name>.zip; the simulator stores and serves it
      // as uploaded (no encryption), so it keeps the name too.
      filename: file.file_original_name,
    };
  });
  route("POST", "/datastore/file/update/:file_id", WRITE, (ctx) => {
    const file = fileOf(ctx);
    const b = ctx.body;
    if (b.file_original_name !== undefined) file.file_original_name = String(b.file_original_name);
    if (b.file_description !== undefined) file.file_description = String(b.file_description);
    if (b.file_tags !== undefined) file.file_tags = String(b.file_tags);
    if (b.file_password !== undefined) file.file_password = String(b.file_password);
    // IRIS reads these flags as "present in the form", whatever their value.
    file.file_is_evidence = b.file_is_evidence !== undefined;
    file.file_is_ioc = b.file_is_ioc !== undefined;
    const upload = ctx.files.file_content;
    if (upload) {
      file.content = upload.data;
      file.content_type = upload.mimetype;
      file.file_sha256 = sha256(upload.data);
      file.file_size = upload.data.length;
      if (file.file_is_ioc && !file.file_password) file.file_password = "infected";
    }
    file.modification_history = S().history(ctx.user, "updated", file.modification_history);
    register(ctx, file);
    return { message: "File updated in datastore", data: fileView(file) };
  });
  route("POST", "/datastore/file/move/:file_id", WRITE, (ctx) => {
    needsJson(ctx);
    const file = fileOf(ctx);
    const destination = folderIn(ctx, ctx.body["destination-node"]);
    if (!destination) throw new IrisError(400, "Invalid destination node ID for this case");
    file.file_parent_id = destination.path_id;
    return { message: `File successfully moved to ${destination.path_name}` };
  });
  route("POST", "/datastore/file/delete/:file_id", WRITE, (ctx) => {
    const file = fileIn(ctx);
    if (!file) throw new IrisError(400, "Invalid DS file ID for this case");
    S().files.delete(file.file_id);
    return { message: `File ${file.file_id} deleted` };
  });
  route("POST", "/datastore/folder/add", WRITE, (ctx) => {
    needsJson(ctx);
    const { parent_node: parentNode, folder_name: name } = ctx.body;
    if (!parentNode || !name) throw new IrisError(400, "Invalid data");
    const parent = folderIn(ctx, parentNode);
    if (!parent) throw new IrisError(400, "Parent node is invalid for this case");
    return {
      message: "Folder added",
      data: folderView(S().addFolder(ctx.caseId, String(name), parent.path_id)),
    };
  });
  route("POST", "/datastore/folder/rename/:folder_id", WRITE, (ctx) => {
    needsJson(ctx);
    const { parent_node: parentNode, folder_name: name } = ctx.body;
    // IRIS wants the folder's own id again, as parent_node.
    if (!parentNode || !name || Number(parentNode) !== ctx.id("folder_id"))
      throw new IrisError(400, "Invalid data");
    const folder = folderIn(ctx, parentNode);
    if (!folder) throw new IrisError(400, "Parent node is invalid for this case");
    folder.path_name = String(name);
    return { message: "Folder renamed", data: folderView(folder) };
  });
  route("POST", "/datastore/folder/move/:folder_id", WRITE, (ctx) => {
    needsJson(ctx);
    const folder = folderIn(ctx, ctx.params.folder_id);
    if (!folder) throw new IrisError(400, "Invalid file ID for this case");
    const destination = folderIn(ctx, ctx.body["destination-node"]);
    if (!destination) throw new IrisError(400, "Invalid destination node ID for this case");
    if (destination.path_id === folder.path_id)
      throw new IrisError(400, "If that's true, then I've made a mistake, and you should kill me now.");
    // IRIS does not look further; a folder moved under its own child would make its tree endless.
    if (isInside(destination, folder)) throw new IrisError(400, "Invalid destination node ID for this case");
    folder.path_parent_id = destination.path_id;
    return {
      message: `Folder "${folder.path_name}" successfully moved to "${destination.path_name}"`,
      data: folderView(folder),
    };
  });
  route("POST", "/datastore/folder/delete/:folder_id", WRITE, (ctx) => {
    const folder = folderIn(ctx, ctx.params.folder_id);
    if (!folder) throw new IrisError(400, "Parent node is invalid for this case");
    // The root may go too: the next look at the tree recreates it with its three folders.
    const s = S();
    const doomed = [...s.folders.values()].filter(
      (f) => f.path_case_id === ctx.caseId && isInside(f, folder),
    );
    for (const f of doomed) {
      for (const file of [...s.files.values()])
        if (file.file_parent_id === f.path_id) s.files.delete(file.file_id);
      s.folders.delete(f.path_id);
    }
    return { message: "Folder and children deleted" };
  });
}
