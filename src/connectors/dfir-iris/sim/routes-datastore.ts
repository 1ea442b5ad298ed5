import { type Ctx, fieldError, IrisError, type Route } from "./http.ts";
import { type IrisState, isoNow, rfc1123, type SimFolder, sha256 } from "./state.ts";
import { fileView, folderView } from "./views.ts";

const READ = { case: "read" } as const;
const WRITE = { case: "write" } as const;

/** The per-case datastore: a folder tree with stored files. */
export function datastoreRoutes(route: Route, S: () => IrisState): void {
  const folderOf = (ctx: Ctx, id: number, field?: string) => {
    S().datastoreRoot(ctx.caseId);
    const folder = S().folders.get(id);
    if (!folder || folder.path_case_id !== ctx.caseId) {
      if (field) throw fieldError(field, "Invalid folder ID");
      throw new IrisError(400, "Invalid folder ID");
    }
    return folder;
  };
  const fileOf = (ctx: Ctx) => {
    const file = S().files.get(ctx.id("file_id"));
    if (!file || file.file_case_id !== ctx.caseId) throw new IrisError(400, "Invalid file ID");
    return file;
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
    while (current) {
      if (current.path_id === ancestor.path_id) return true;
      current = current.path_parent_id === null ? undefined : S().folders.get(current.path_parent_id);
    }
    return false;
  };
  const flag = (v: unknown) => v === "y" || v === "true" || v === "on" || v === true;
  /** Files flagged as evidence or IOC are registered as such, as IRIS does. */
  const register = (ctx: Ctx, file: ReturnType<typeof fileOf>) => {
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
  };

  route("GET", "/datastore/list/tree", READ, (ctx) => {
    const root = S().datastoreRoot(ctx.caseId);
    return { data: { [`d-${root.path_id}`]: tree(root) } };
  });
  route("POST", "/datastore/file/add/:parent_id", WRITE, (ctx) => {
    const parent = folderOf(ctx, ctx.id("parent_id"));
    const upload = ctx.files.file_content;
    if (!upload) throw fieldError("file_content", "Missing data for required field.");
    const s = S();
    const file = {
      file_id: s.nextId("file"),
      file_uuid: s.uuid(),
      file_case_id: ctx.caseId,
      file_parent_id: parent.path_id,
      file_original_name: String(ctx.body.file_original_name ?? upload.filename),
      file_description: String(ctx.body.file_description ?? ""),
      file_password: String(ctx.body.file_password ?? ""),
      file_tags: String(ctx.body.file_tags ?? ""),
      file_is_evidence: flag(ctx.body.file_is_evidence),
      file_is_ioc: flag(ctx.body.file_is_ioc),
      file_sha256: sha256(upload.data),
      file_size: upload.data.length,
      file_date_added: isoNow(),
      added_by_user_id: ctx.user.id,
      content: upload.data,
      content_type: upload.mimetype,
      modification_history: s.history(ctx.user, "created"),
    };
    s.files.set(file.file_id, file);
    register(ctx, file);
    const extra = file.file_is_evidence ? " and added in evidence" : "";
    return { message: `File saved in datastore${extra}`, data: fileView(file) };
  });
  route("GET", "/datastore/file/info/:file_id", READ, (ctx) => {
    const { file_local_name: _hidden, ...info } = fileView(fileOf(ctx));
    return { data: info };
  });
  route("GET", "/datastore/file/view/:file_id", READ, (ctx) => {
    const file = fileOf(ctx);
    return {
      raw: file.content,
      type: file.content_type || "application/octet-stream",
      filename: file.file_original_name,
    };
  });
  route("POST", "/datastore/file/update/:file_id", WRITE, (ctx) => {
    const file = fileOf(ctx);
    const b = ctx.body;
    if (b.file_original_name !== undefined) file.file_original_name = String(b.file_original_name);
    if (b.file_description !== undefined) file.file_description = String(b.file_description);
    if (b.file_tags !== undefined) file.file_tags = String(b.file_tags);
    file.file_is_evidence = flag(b.file_is_evidence);
    file.file_is_ioc = flag(b.file_is_ioc);
    const upload = ctx.files.file_content;
    if (upload) {
      file.content = upload.data;
      file.content_type = upload.mimetype;
      file.file_sha256 = sha256(upload.data);
      file.file_size = upload.data.length;
    }
    // A password cannot survive an update (IRIS cannot re-encrypt the stored file).
    file.file_password = "";
    file.modification_history = S().history(ctx.user, "updated", file.modification_history);
    register(ctx, file);
    return { message: "File updated in datastore", data: fileView(file) };
  });
  route("POST", "/datastore/file/move/:file_id", WRITE, (ctx) => {
    const file = fileOf(ctx);
    const destination = folderOf(ctx, Number(ctx.body["destination-node"]), "destination-node");
    file.file_parent_id = destination.path_id;
    return { message: `File successfully moved to ${destination.path_name}` };
  });
  route("POST", "/datastore/file/delete/:file_id", WRITE, (ctx) => {
    const file = fileOf(ctx);
    S().files.delete(file.file_id);
    return { message: "File deleted" };
  });
  route("POST", "/datastore/folder/add", WRITE, (ctx) => {
    const name = ctx.body.folder_name;
    if (typeof name !== "string" || name === "")
      throw fieldError("folder_name", "Missing data for required field.");
    const parent = folderOf(ctx, Number(ctx.body.parent_node), "parent_node");
    return { message: "Folder added", data: folderView(S().addFolder(ctx.caseId, name, parent.path_id)) };
  });
  route("POST", "/datastore/folder/rename/:folder_id", WRITE, (ctx) => {
    const folder = folderOf(ctx, ctx.id("folder_id"));
    const name = ctx.body.folder_name;
    if (typeof name !== "string" || name === "")
      throw fieldError("folder_name", "Missing data for required field.");
    folder.path_name = name;
    return { message: "Folder renamed", data: folderView(folder) };
  });
  route("POST", "/datastore/folder/move/:folder_id", WRITE, (ctx) => {
    const folder = folderOf(ctx, ctx.id("folder_id"));
    const destination = folderOf(ctx, Number(ctx.body["destination-node"]), "destination-node");
    if (folder.path_is_root) throw new IrisError(400, "Cannot move the root folder");
    if (isInside(destination, folder)) throw new IrisError(400, "Cannot move a folder into itself");
    folder.path_parent_id = destination.path_id;
    return {
      message: `Folder "${folder.path_name}" successfully moved to "${destination.path_name}"`,
      data: folderView(folder),
    };
  });
  route("POST", "/datastore/folder/delete/:folder_id", WRITE, (ctx) => {
    const folder = folderOf(ctx, ctx.id("folder_id"));
    if (folder.path_is_root) throw new IrisError(400, "Cannot delete the root folder");
    const s = S();
    const doomed = [...s.folders.values()].filter((f) => isInside(f, folder));
    for (const f of doomed) {
      for (const file of [...s.files.values()])
        if (file.file_parent_id === f.path_id) s.files.delete(file.file_id);
      s.folders.delete(f.path_id);
    }
    return { message: "Folder deleted" };
  });
}
