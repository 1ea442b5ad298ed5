import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ConnectorClient, createClient, jsonLogger } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { type BadInputCase, rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { dfirIris } from "./connector.ts";
import { startIrisSimulator } from "./simulator.ts";
import { type Any, CallLog, schemaBadInput } from "./tests/calls.ts";
import { endpointTests } from "./tests/endpoints.ts";
import { fidelityTests } from "./tests/fidelity.ts";
import { versionTests } from "./tests/versions.ts";

interface SimState {
  users: Array<{ id: number; login: string; api_key: string }>;
  counts: Record<string, number>;
  iocs: Array<{ ioc_id: number; cases: number[] }>;
}

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

const text = (content: string) => ({ filename: "notes.md", content, content_type: "text/markdown" });

describe("dfir-iris against its simulator", () => {
  let sim: Simulator;
  let admin: ConnectorClient;
  const log = new CallLog();
  const call = (client: ConnectorClient, op: string, input?: Record<string, unknown>) =>
    log.call(client, op, input);

  before(async () => {
    sim = await startIrisSimulator({ seed: 11 });
    // Strict: every reply must match its operation's output schema, as the simulator is IRIS's shapes.
    admin = createClient(dfirIris, { ...sim.config, strict_output: true }, { resilience: fast });
  });
  after(async () => {
    await admin.close();
    await sim.close();
  });

  test("answers like a fresh IRIS 2.4: versions, ping, the initial case and customer", async () => {
    const versions = await call(admin, "getApiVersions");
    // What every IRIS 2.4.x reports; the official Python client 2.0.4 starts only if 2.0.4 lies in the range.
    assert.deepEqual(versions, { iris_current: "v2.4.7", api_min: "2.0.4", api_current: "2.0.5" });
    assert.deepEqual(await call(admin, "ping"), []);
    const raw = await fetch(`${sim.url}/api/ping?cid=1`, {
      headers: { authorization: `Bearer ${sim.config.api_key}` },
    });
    assert.deepEqual(await raw.json(), { status: "success", message: "pong", data: [] });
    const cases = await call(admin, "listCases");
    assert.deepEqual(
      cases.map((c: Any) => [c.case_id, c.case_name, c.client_name]),
      [[1, "#1 - Initial Demo", "IrisInitialClient"]],
    );
    assert.equal((await call(admin, "checkCaseExists", { cid: 1 })).length, 0);
  });

  test("a full investigation: customer → case → asset → IOC → event → task → notes → evidence → datastore → comments → close, reopen, delete", async () => {
    const customer = await call(admin, "addCustomer", {
      customer_name: "Globex",
      customer_description: "Energy",
      customer_sla: "4h",
    });
    const contact = await call(admin, "addCustomerContact", {
      customer_id: customer.customer_id,
      contact_name: "Hank Scorpio",
      contact_role: "CISO",
      contact_email: "hank@globex.test",
    });
    await call(admin, "updateCustomerContact", {
      customer_id: customer.customer_id,
      contact_id: contact.id,
      contact_work_phone: "555-0100",
    });
    const withContacts = await call(admin, "getCustomer", { customer_id: customer.customer_id });
    assert.equal(withContacts.contacts[0].contact_work_phone, "555-0100");
    await call(admin, "updateCustomer", {
      customer_id: customer.customer_id,
      customer_name: "Globex",
      customer_sla: "2h",
    });
    assert.equal(
      (await call(admin, "listCustomers")).find((c: Any) => c.customer_id === customer.customer_id)
        .customer_sla,
      "2h",
    );

    const created = await call(admin, "createCase", {
      case_soc_id: "SOC-4242",
      case_customer: customer.customer_id,
      case_name: "Ransomware on file server",
      case_description: "Files encrypted on FS01",
      classification_id: 4,
    });
    const cid = created.case_id as number;
    assert.equal(created.case_name, `#${cid} - Ransomware on file server`);
    await call(admin, "updateCase", { case_id: cid, case_tags: "ransomware", owner_id: 1 });
    assert.equal((await call(admin, "getCase", { case_id: cid })).case_tags, "ransomware");

    await call(admin, "updateCaseSummary", { cid, case_description: "# Summary\nFS01 encrypted." });
    assert.equal(
      (await call(admin, "getCaseSummary", { cid })).case_description,
      "# Summary\nFS01 encrypted.",
    );
    const log = await call(admin, "addCaseTaskLog", { cid, log_content: "Isolated FS01" });
    assert.equal(log.activity_desc, "Isolated FS01");

    const asset = await call(admin, "addAsset", {
      cid,
      asset_name: "FS01",
      asset_type_id: 10,
      asset_ip: "10.0.0.5",
      asset_compromise_status_id: 1,
    });
    const ioc = await call(admin, "addIoc", {
      cid,
      ioc_type_id: 27,
      ioc_tlp_id: 2,
      ioc_value: "203.0.113.7",
      ioc_description: "C2 server",
      ioc_tags: "c2",
    });
    await call(admin, "updateAsset", {
      cid,
      asset_id: asset.asset_id,
      asset_name: "FS01",
      asset_type_id: 10,
      analysis_status_id: 3,
      ioc_links: [ioc.ioc_id],
    });
    const assets = await call(admin, "listAssets", { cid });
    assert.deepEqual(assets.assets[0].ioc_links, [
      { asset_id: asset.asset_id, ioc_id: ioc.ioc_id, ioc_value: "203.0.113.7" },
    ]);
    assert.equal((await call(admin, "getAsset", { cid, asset_id: asset.asset_id })).asset_ip, "10.0.0.5");
    await call(admin, "updateIoc", {
      cid,
      ioc_id: ioc.ioc_id,
      ioc_value: "203.0.113.7",
      ioc_type_id: 27,
      ioc_tlp_id: 2,
      ioc_tags: "c2,cobalt",
    });
    assert.equal((await call(admin, "getIoc", { cid, ioc_id: ioc.ioc_id })).ioc_description, "C2 server");
    assert.equal((await call(admin, "getIoc", { cid, ioc_id: ioc.ioc_id })).ioc_tags, "c2,cobalt");
    assert.equal((await call(admin, "listIocs", { cid })).ioc.length, 1);

    const event = await call(admin, "addTimelineEvent", {
      cid,
      event_title: "Beacon to C2",
      event_date: "2024-05-01T10:00:00.000",
      event_tz: "+00:00",
      event_category_id: 13,
      event_assets: [asset.asset_id],
      event_iocs: [ioc.ioc_id],
      event_in_summary: true,
    });
    await call(admin, "addTimelineEvent", {
      cid,
      event_title: "Encryption starts",
      event_date: "2024-05-01T12:00:00",
      event_category_id: 15,
    });
    assert.deepEqual((await call(admin, "getTimelineEvent", { cid, event_id: event.event_id })).event_iocs, [
      ioc.ioc_id,
    ]);
    await call(admin, "updateTimelineEvent", {
      cid,
      event_id: event.event_id,
      event_title: "Beacon to C2",
      event_date: "2024-05-01T10:00:00.000",
      event_tz: "+00:00",
      event_category_id: 13,
      event_assets: [asset.asset_id],
      event_iocs: [ioc.ioc_id],
      event_tags: "c2",
    });
    const all = await call(admin, "listTimelineEvents", { cid });
    assert.deepEqual(
      all.timeline.map((e: Any) => e.event_title),
      ["Beacon to C2", "Encryption starts"],
    );
    assert.ok((await call(admin, "getTimelineState", { cid })).object_state >= 3);
    const byIoc = await call(admin, "filterTimeline", { cid, q: { ioc: ["203.0.113.7"], tag: ["c2"] } });
    assert.deepEqual(
      byIoc.timeline.map((e: Any) => e.event_id),
      [event.event_id],
    );
    const byAsset = await call(admin, "listTimelineEventsByAsset", { cid, asset_id: asset.asset_id });
    assert.equal(byAsset.timeline.length, 1);

    const task = await call(admin, "addTask", {
      cid,
      task_title: "Image FS01",
      task_status_id: 1,
      task_assignees_id: [1],
    });
    await call(admin, "updateTask", {
      cid,
      task_id: task.id,
      task_title: "Image FS01",
      task_status_id: 4,
      task_assignees_id: [1],
    });
    const fetched = await call(admin, "getTask", { cid, task_id: task.id });
    assert.equal(fetched.task_assignees[0].user, "administrator");
    assert.equal(fetched.task_close_date, null, "IRIS never fills a task's closing date");
    assert.equal((await call(admin, "listTasks", { cid })).tasks[0].status_name, "Done");

    const directory = await call(admin, "addNotesDirectory", { cid, name: "Analysis" });
    const sub = await call(admin, "addNotesDirectory", { cid, name: "Loader", parent_id: directory.id });
    await call(admin, "updateNotesDirectory", { cid, directory_id: directory.id, name: "Malware analysis" });
    const note = await call(admin, "addNote", {
      cid,
      directory_id: sub.id,
      note_title: "Loader",
      note_content: "Loader beacons to 203.0.113.7",
    });
    await call(admin, "updateNote", { cid, note_id: note.note_id, note_content: "Loader uses rundll32" });
    const read = await call(admin, "getNote", { cid, note_id: note.note_id });
    assert.equal(read.note_content, "Loader uses rundll32");
    assert.equal(read.directory.name, "Loader");
    assert.deepEqual(
      (await call(admin, "findNotes", { cid, search_input: "rundll%" })).map((n: Any) => n.note_id),
      [note.note_id],
    );
    // IRIS lists every directory by name, nested ones too, each with its subdirectories' counts.
    const directories = await call(admin, "listNotesDirectories", { cid });
    assert.deepEqual(
      directories.map((d: Any) => [d.name, d.note_count, d.subdirectories.map((c: Any) => c.name), d.notes]),
      [
        ["Loader", 1, [], [{ id: note.note_id, title: "Loader" }]],
        ["Malware analysis", 0, ["Loader"], []],
      ],
    );

    const evidence = await call(admin, "addEvidence", {
      cid,
      filename: "fs01.E01",
      file_size: 1024,
      file_hash: "abc",
      file_description: "Disk image",
    });
    await call(admin, "updateEvidence", {
      cid,
      evidence_id: evidence.id,
      filename: "fs01.E01",
      file_size: 2048,
      file_hash: "abcd",
      file_description: "Disk image (full)",
    });
    assert.equal((await call(admin, "getEvidence", { cid, evidence_id: evidence.id })).file_size, 2048);

    const tree = await call(admin, "listDatastoreTree", { cid });
    const rootKey = Object.keys(tree)[0]!;
    const folders = tree[rootKey].children;
    const evidencesFolder = Number(
      Object.keys(folders)
        .find((k) => folders[k].name === "Evidences")!
        .slice(2),
    );
    const imagesFolder = Number(
      Object.keys(folders)
        .find((k) => folders[k].name === "Images")!
        .slice(2),
    );
    const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff]);
    const stored = await call(admin, "addDatastoreFile", {
      cid,
      parent_id: evidencesFolder,
      file_original_name: "ransom-note.zip",
      file_description: "Ransom note",
      file_password: "infected",
      file_tags: "ransom",
      file_is_evidence: true,
      file_content: { filename: "ransom-note.zip", content: bytes.toString("base64"), encoding: "base64" },
    });
    assert.equal(stored.file_password, "infected");
    assert.equal(stored.file_size, bytes.length);
    const info = await call(admin, "getDatastoreFileInfo", { cid, file_id: stored.file_id });
    assert.equal(info.file_sha256.length, 64);
    const download = await call(admin, "viewDatastoreFile", { cid, file_id: stored.file_id });
    assert.deepEqual(Buffer.from(download.content_base64, "base64"), bytes);
    assert.equal(download.filename, "ransom-note.zip");
    assert.ok(
      (await call(admin, "listEvidences", { cid })).evidences.some(
        (e: Any) => e.filename === "ransom-note.zip",
      ),
      "a file stored as evidence is registered as one",
    );
    const updated = await call(admin, "updateDatastoreFile", {
      cid,
      file_id: stored.file_id,
      file_description: "Ransom note (decrypted)",
      file_content: text("pay us"),
    });
    assert.equal(updated.file_password, "infected", "an update keeps the password unless given one");
    assert.equal(updated.file_size, 6);
    const folder = await call(admin, "addDatastoreFolder", {
      cid,
      folder_name: "Screenshots",
      parent_node: imagesFolder,
    });
    await call(admin, "renameDatastoreFolder", { cid, folder_id: folder.path_id, folder_name: "Screens" });
    const moved = await call(admin, "moveDatastoreFolder", {
      cid,
      folder_id: folder.path_id,
      "destination-node": evidencesFolder,
    });
    assert.equal(moved.path_parent_id, evidencesFolder);
    await call(admin, "moveDatastoreFile", {
      cid,
      file_id: stored.file_id,
      "destination-node": folder.path_id,
    });
    const after = await call(admin, "listDatastoreTree", { cid });
    const screens = after[rootKey].children[`d-${evidencesFolder}`].children[`d-${folder.path_id}`];
    assert.equal(screens.name, "Screens");
    assert.ok(screens.children[`f-${stored.file_id}`]);

    const commented: Array<[string, number]> = [
      ["assets", asset.asset_id],
      ["ioc", ioc.ioc_id],
      ["events", event.event_id],
      ["tasks", task.id],
      ["notes", note.note_id],
      ["evidences", evidence.id],
    ];
    for (const [object_name, object_id] of commented) {
      const comment = await call(admin, "addComment", {
        cid,
        object_name,
        object_id,
        comment_text: `On ${object_name}`,
      });
      await call(admin, "editComment", {
        cid,
        object_name,
        object_id,
        comment_id: comment.comment_id,
        comment_text: `Edited ${object_name}`,
      });
      const comments = await call(admin, "listComments", { cid, object_name, object_id });
      assert.deepEqual(
        comments.map((c: Any) => c.comment_text),
        [`Edited ${object_name}`],
      );
    }
    const onAsset = (
      await call(admin, "listComments", { cid, object_name: "assets", object_id: asset.asset_id })
    )[0];
    await call(admin, "deleteComment", {
      cid,
      object_name: "assets",
      object_id: asset.asset_id,
      comment_id: onAsset.comment_id,
    });
    assert.equal(
      (await call(admin, "listComments", { cid, object_name: "assets", object_id: asset.asset_id })).length,
      0,
    );

    const hooks = await call(admin, "listManualHooks", { object_type: "ioc" });
    const vt = hooks.find((h: Any) => h.module_name === "iris_vt_module");
    await call(admin, "callModuleHook", {
      cid,
      hook_name: vt.hook_name,
      module_name: vt.module_name,
      hook_ui_name: vt.manual_hook_ui_name,
      type: "ioc",
      targets: [ioc.ioc_id],
    });
    assert.ok((await call(admin, "getIoc", { cid, ioc_id: ioc.ioc_id })).custom_attributes["VT report"]);
    assert.equal((await call(admin, "listModuleTasks", { count: 10 }))[0].module, "iris_vt_module");

    const closed = await call(admin, "closeCase", { case_id: cid });
    assert.ok(closed.close_date);
    assert.equal((await call(admin, "reopenCase", { case_id: cid })).close_date, null);

    // Deleting objects one by one, then the case with what is left.
    await call(admin, "deleteDatastoreFile", { cid, file_id: stored.file_id });
    await call(admin, "deleteDatastoreFolder", { cid, folder_id: folder.path_id });
    await call(admin, "deleteNote", { cid, note_id: note.note_id });
    await call(admin, "deleteNotesDirectory", { cid, directory_id: directory.id });
    assert.deepEqual(await call(admin, "listNotesDirectories", { cid }), [], "its subdirectory went with it");
    await call(admin, "deleteTask", { cid, task_id: task.id });
    await call(admin, "deleteEvidence", { cid, evidence_id: evidence.id });
    await call(admin, "deleteTimelineEvent", { cid, event_id: event.event_id });
    await call(admin, "deleteAsset", { cid, asset_id: asset.asset_id });
    assert.equal((await call(admin, "listAssets", { cid })).assets.length, 0);
    await call(admin, "deleteCustomerContact", { customer_id: customer.customer_id, contact_id: contact.id });
    await call(admin, "deleteCase", { case_id: cid });
    // Nobody has access to a case that is gone: IRIS answers 403, as for any case one may not open.
    assert.equal(
      (await rejectsWith(admin.call("getCase", { case_id: cid }), "AuthError", /Permission denied/)).status,
      403,
    );
    assert.equal(
      (await rejectsWith(admin.call("listIocs", { cid }), "AuthError", /Permission denied/)).status,
      403,
    );
    const left = await simState<SimState>(sim);
    assert.ok(!left.iocs.some((i) => i.cases.includes(cid)), "the case's IOCs went with it");
    await call(admin, "deleteCustomer", { customer_id: customer.customer_id });
  });

  test("an IOC another case still uses is only unlinked; a customer in use cannot be deleted", async () => {
    const customer = await call(admin, "addCustomer", { customer_name: "Initech" });
    const open = (name: string) =>
      call(admin, "createCase", {
        case_soc_id: name,
        case_customer: customer.customer_id,
        case_name: name,
        case_description: `${name} case`,
      });
    const [a, b] = [await open("Alpha"), await open("Beta")];
    const ioc = {
      ioc_type_id: 13,
      ioc_tlp_id: 3,
      ioc_value: "evil@phish.test",
      ioc_description: "sender",
      ioc_tags: "",
    };
    const first = await call(admin, "addIoc", { cid: a.case_id, ...ioc });
    const second = await call(admin, "addIoc", { cid: b.case_id, ...ioc });
    assert.equal(second.ioc_id, first.ioc_id, "the same IOC is linked, not duplicated");
    const listed = await call(admin, "listIocs", { cid: a.case_id });
    assert.deepEqual(
      listed.ioc[0].link.map((l: Any) => l.case_id),
      [b.case_id],
    );
    // Adding it again to a case it is on is no error in IRIS: the IOC comes back as it is.
    const again = await call(admin, "addIoc", { cid: a.case_id, ...ioc, ioc_description: "changed" });
    assert.deepEqual([again.ioc_id, again.ioc_description], [first.ioc_id, "sender"]);
    assert.deepEqual(await call(admin, "deleteIoc", { cid: a.case_id, ioc_id: first.ioc_id }), {
      message: `IOC ${first.ioc_id} unlinked`,
    });
    assert.equal((await call(admin, "listIocs", { cid: b.case_id })).ioc[0].ioc_value, "evil@phish.test");
    await call(admin, "deleteCase", { case_id: b.case_id });
    assert.ok(
      !(await simState<SimState>(sim)).iocs.some((i) => i.ioc_id === first.ioc_id),
      "no case uses it any more",
    );
    const refused = await rejectsWith(
      admin.call("deleteCustomer", { customer_id: customer.customer_id }),
      "ValidationError",
      /referenced customer/,
    );
    assert.equal(refused.status, 400);
    await call(admin, "deleteCase", { case_id: a.case_id });
    await call(admin, "deleteCustomer", { customer_id: customer.customer_id });
    await rejectsWith(admin.call("getCustomer", { customer_id: customer.customer_id }), "NotFoundError");
  });

  test("global tasks are assigned to users and change status", async () => {
    const task = await call(admin, "addGlobalTask", {
      task_assignee_id: 1,
      task_status_id: 1,
      task_title: "Rotate the VPN keys",
      task_description: "After the incident",
      task_tags: "vpn",
    });
    await call(admin, "updateGlobalTask", {
      task_id: task.task_id,
      task_assignee_id: 1,
      task_status_id: 2,
      task_title: "Rotate the VPN keys",
      task_description: "After the incident",
      task_tags: "vpn",
    });
    assert.equal((await call(admin, "getGlobalTask", { task_id: task.task_id })).task_status_id, 2);
    const list = await call(admin, "listGlobalTasks");
    assert.equal(list.tasks.find((t: Any) => t.task_id === task.task_id).status_name, "In progress");
    await call(admin, "deleteGlobalTask", { task_id: task.task_id });
    await rejectsWith(admin.call("getGlobalTask", { task_id: task.task_id }), "NotFoundError");
  });

  test("stock reference data, and administrators edit asset and IOC types", async () => {
    assert.equal((await call(admin, "listAssetTypes")).length, 21);
    assert.equal((await call(admin, "getAssetType", { asset_type_id: 2 })).asset_name, "Firewall");
    const md5 = (await call(admin, "listIocTypes")).find((t: Any) => t.type_name === "md5");
    assert.equal(md5.type_validation_regex, "[a-f0-9]{32}");
    assert.equal((await call(admin, "getIocType", { ioc_type_id: md5.type_id })).type_name, "md5");
    assert.deepEqual(
      (await call(admin, "listTaskStatuses")).map((s: Any) => s.status_name),
      ["To do", "In progress", "On hold", "Done", "Canceled"],
    );
    assert.equal((await call(admin, "getTaskStatus", { task_status_id: 4 })).status_name, "Done");
    assert.equal((await call(admin, "listAnalysisStatuses")).length, 6);
    assert.equal((await call(admin, "getAnalysisStatus", { analysis_status_id: 3 })).name, "Started");
    assert.equal((await call(admin, "listTlps"))[1].tlp_name, "amber");
    assert.equal((await call(admin, "listEventCategories"))[12].name, "Command and Control");
    assert.equal((await call(admin, "listCompromiseStatuses"))[1].name, "Compromised");
    assert.equal((await call(admin, "listOutcomeStatuses"))[1].name, "False positive");
    assert.ok((await call(admin, "listCaseClassifications")).some((c: Any) => c.name === "fraud:phishing"));

    const png = {
      filename: "icon.png",
      content: Buffer.from("\x89PNG").toString("base64"),
      encoding: "base64",
    };
    const type = await call(admin, "addAssetType", {
      asset_name: "OT - PLC",
      asset_description: "Programmable logic controller",
      asset_icon_not_compromised: png,
      asset_icon_compromised: png,
    });
    assert.match(type.asset_icon_compromised, /\.png$/);
    await call(admin, "updateAssetType", { asset_type_id: type.asset_id, asset_description: "PLC" });
    assert.equal(
      (await call(admin, "getAssetType", { asset_type_id: type.asset_id })).asset_description,
      "PLC",
    );
    await call(admin, "deleteAssetType", { asset_type_id: type.asset_id });
    await rejectsWith(admin.call("getAssetType", { asset_type_id: type.asset_id }), "NotFoundError");

    const iocType = await call(admin, "addIocType", {
      type_name: "ticket-id",
      type_description: "Internal ticket",
      type_validation_regex: "TCK-\\d+",
      type_validation_expect: "TCK-<number>",
    });
    await call(admin, "updateIocType", { ioc_type_id: iocType.type_id, type_taxonomy: "internal" });
    const refused = await rejectsWith(
      admin.call("addIoc", {
        cid: 1,
        ioc_type_id: iocType.type_id,
        ioc_tlp_id: 2,
        ioc_value: "nope",
        ioc_description: "",
        ioc_tags: "",
      }),
      "ValidationError",
    );
    assert.equal(refused.field, "ioc_value");
    assert.match(refused.message, /TCK-<number>/);
    const added = await call(admin, "addIoc", {
      cid: 1,
      ioc_type_id: iocType.type_id,
      ioc_tlp_id: 2,
      ioc_value: "TCK-12",
      ioc_description: "",
      ioc_tags: "",
    });
    await rejectsWith(
      admin.call("deleteIocType", { ioc_type_id: iocType.type_id }),
      "ValidationError",
      /referenced/,
    );
    await call(admin, "deleteIoc", { cid: 1, ioc_id: added.ioc_id });
    await call(admin, "deleteIocType", { ioc_type_id: iocType.type_id });
  });

  test("access control: a restricted user sees only the cases granted, reads where read-only, and gets 403 on admin endpoints", async () => {
    const customer = await call(admin, "addCustomer", { customer_name: "Umbrella" });
    const open = async (name: string) =>
      (
        await call(admin, "createCase", {
          case_soc_id: name,
          case_customer: customer.customer_id,
          case_name: name,
          case_description: name,
        })
      ).case_id as number;
    const [granted, readOnly, hidden] = [await open("Granted"), await open("ReadOnly"), await open("Hidden")];
    const user = await call(admin, "addUser", {
      user_name: "Junior Analyst",
      user_login: "junior",
      user_email: "junior@iris.local",
      user_password: "Sup3rSecretPassw0rd",
    });
    await call(admin, "updateUser", { user_id: user.id, user_name: "Junior A." });
    const contractors = await call(admin, "addGroup", {
      group_name: "Contractors",
      group_description: "External help",
      group_permissions: 1,
    });
    await call(admin, "updateGroup", {
      group_id: contractors.group_id,
      group_name: "Contractors",
      group_description: "External responders",
      group_permissions: 1,
    });
    await call(admin, "updateUserGroups", { user_id: user.id, groups_membership: [contractors.group_id] });
    await call(admin, "updateGroupMembers", { group_id: contractors.group_id, group_members: [user.id] });
    await call(admin, "updateGroupCasesAccess", {
      group_id: contractors.group_id,
      access_level: 2,
      cases_list: [readOnly, granted],
      auto_follow_cases: false,
    });
    await call(admin, "updateUserCasesAccess", {
      user_id: user.id,
      cases_list: [granted, hidden],
      access_level: 4,
    });
    await call(admin, "deleteUserCasesAccess", { user_id: user.id, cases: [hidden] });
    const details = await call(admin, "getUser", { user_id: user.id });
    assert.deepEqual(
      details.user_cases_access.map((a: Any) => [a.case_id, a.access_level]),
      [[granted, 4]],
    );
    assert.deepEqual(
      details.user_groups.map((g: Any) => g.group_name),
      ["Contractors"],
    );
    assert.equal((await call(admin, "getGroup", { group_id: contractors.group_id })).group_members.length, 1);
    assert.ok((await call(admin, "listGroups")).some((g: Any) => g.group_name === "Contractors"));
    assert.ok((await call(admin, "listUsers")).some((u: Any) => u.user_login === "junior"));

    const key = (await simState<SimState>(sim)).users.find((u) => u.login === "junior")!.api_key;
    const junior = createClient(
      dfirIris,
      { url: sim.url, api_key: key, strict_output: true },
      { resilience: fast },
    );
    try {
      const visible = (await junior.call<Any[]>("listCases")).output.map((c) => c.case_id).sort();
      assert.deepEqual(visible, [granted, readOnly].sort());
      await junior.call("addAsset", { cid: granted, asset_name: "HOST1", asset_type_id: 9 });
      assert.equal((await junior.call<Any>("listAssets", { cid: readOnly })).output.assets.length, 0);
      const denied = await rejectsWith(
        junior.call("addAsset", { cid: readOnly, asset_name: "HOST2", asset_type_id: 9 }),
        "AuthError",
        /Permission denied/,
      );
      assert.equal(denied.status, 403);
      assert.equal((await rejectsWith(junior.call("listAssets", { cid: hidden }), "AuthError")).status, 403);
      assert.equal((await rejectsWith(junior.call("getCase", { case_id: hidden }), "AuthError")).status, 403);
      for (const [op, input] of [
        ["listUsers", {}],
        ["addGroup", { group_name: "x", group_description: "x", group_permissions: 1 }],
        ["deleteIocType", { ioc_type_id: 1 }],
        ["listCustomers", {}],
      ] as const) {
        const e = await rejectsWith(junior.call(op, input), "AuthError");
        assert.equal(e.status, 403, op);
      }
    } finally {
      await junior.close();
    }
    await call(admin, "deleteGroupCasesAccess", { group_id: contractors.group_id, cases: [readOnly] });
    await call(admin, "deleteGroupMember", { group_id: contractors.group_id, user_id: user.id });
    await call(admin, "deleteGroup", { group_id: contractors.group_id });
    await rejectsWith(
      admin.call("deleteUser", { user_id: user.id }),
      "ValidationError",
      /Cannot delete active user/,
    );
    const fresh = await call(admin, "addUser", {
      user_name: "Temp",
      user_login: "temp",
      user_email: "temp@iris.local",
      user_password: "An0therLongPassword",
    });
    await rejectsWith(admin.call("deleteUser", { user_id: fresh.id }), "ValidationError", /active user/);
    assert.equal((await call(admin, "deactivateUser", { user_id: fresh.id })).active, false);
    await call(admin, "deleteUser", { user_id: fresh.id });
    await rejectsWith(admin.call("getUser", { user_id: fresh.id }), "NotFoundError");
  });

  test("a wrong API key is a 401 AuthError", async () => {
    const bad = createClient(dfirIris, { url: sim.url, api_key: "not-the-key-1234" }, { resilience: fast });
    const e = await rejectsWith(bad.call("listCases"), "AuthError", /Authentication required/);
    assert.equal(e.status, 401);
    await bad.close();
  });

  test("IRIS's field messages come back as typed ValidationErrors naming the field", async () => {
    const weak = await rejectsWith(
      admin.call("addUser", {
        user_name: "w",
        user_login: "weak",
        user_email: "w@iris.local",
        user_password: "short",
      }),
      "ValidationError",
    );
    assert.equal(weak.field, "user_password");
    assert.equal(weak.status, 400);
    assert.deepEqual((weak.details as Any).fields.user_password.slice(0, 1), [
      "Password must be longer than 12 characters",
    ]);
    const noType = await rejectsWith(
      admin.call("addAsset", { cid: 1, asset_name: "X", asset_type_id: 999 }),
      "ValidationError",
      /asset_type_id: Invalid asset type ID/,
    );
    assert.equal(noType.field, "asset_type_id");
    // Straight to the server: a missing required field as marshmallow words it.
    const raw = await fetch(`${sim.url}/case/assets/add?cid=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${sim.config.api_key}`, "content-type": "application/json" },
      body: JSON.stringify({ asset_type_id: 1 }),
    });
    assert.equal(raw.status, 400);
    assert.deepEqual(await raw.json(), {
      status: "error",
      message: "Data error",
      data: { asset_name: ["Missing data for required field."] },
    });
  });

  test("the API key never shows in errors, logs or outputs", async () => {
    const key = String(sim.config.api_key);
    const lines: string[] = [];
    const logged = createClient(dfirIris, sim.config, {
      resilience: fast,
      logger: jsonLogger("debug", (line) => lines.push(line) > 0),
    });
    const seen: string[] = [];
    seen.push(JSON.stringify((await logged.call("listCases")).output));
    sim.faults.inject({ fault: { kind: "status", status: 500, message: `boom ${key}` }, times: 0 });
    try {
      const e = await rejectsWith(logged.call("ping"), "UpstreamError");
      seen.push(JSON.stringify(e), e.message, String(e.stack));
    } finally {
      sim.faults.clear();
    }
    const denied = await rejectsWith(logged.call("listAssets", { cid: 424242 }), "AuthError");
    seen.push(JSON.stringify(denied));
    await logged.close();
    assert.ok(lines.length > 0);
    for (const text of [...seen, ...lines])
      assert.ok(!text.includes(key), `key leaked in: ${text.slice(0, 200)}`);
  });

  test("fault injection: 429 is retried, malformed bodies and resets are typed errors", async () => {
    sim.faults.inject({ fault: { kind: "rate-limit", retryAfterS: 0 }, path: "/manage/cases/list" });
    const res = await admin.call("listCases");
    assert.equal(res.attempts, 2);
    sim.faults.inject({ fault: { kind: "malformed" }, path: "/api/ping", times: 0 });
    await rejectsWith(admin.call("ping"), "UpstreamError", /malformed/);
    sim.faults.clear();
    const once = createClient(dfirIris, sim.config, { resilience: { ...fast, maxAttempts: 1 } });
    sim.faults.inject({ fault: { kind: "reset" }, path: "/api/ping" });
    await rejectsWith(once.call("ping"), "ConnectionError");
    await once.close();
    sim.faults.clear();
  });

  endpointTests(log, () => ({ sim, admin }));
  fidelityTests(log, () => ({ sim, admin }));
  versionTests(log);

  test("every operation has been exercised against a simulator", () => {
    const missing = dfirIris.operations.map((op) => op.name).filter((name) => !log.called.has(name));
    assert.deepEqual(missing, []);
  });
});

describe("dfir-iris input is checked before any request", () => {
  let sim: Simulator;
  let client: ConnectorClient;
  before(async () => {
    sim = await startIrisSimulator({ seed: 5 });
    client = createClient(dfirIris, sim.config);
  });
  after(async () => {
    await client.close();
    await sim.close();
  });

  const cases: BadInputCase[] = [
    ["listAssets", {}, "cid"],
    ["addAsset", { cid: 1, asset_type_id: 1 }, "asset_name"],
    [
      "addIoc",
      { cid: 1, ioc_type_id: 1, ioc_tlp_id: 2, ioc_value: "", ioc_description: "", ioc_tags: "" },
      "ioc_value",
    ],
    [
      "addTimelineEvent",
      { cid: 1, event_title: "Logon", event_date: "yesterday", event_category_id: 1 },
      "event_date",
    ],
    ["updateAsset", { cid: 1, asset_id: 3 }, "asset_name"],
    ["addComment", { cid: 1, object_name: "cases", object_id: 1, comment_text: "x" }, "object_name"],
    [
      "createCase",
      { case_soc_id: "s", case_customer: 1, case_name: "x", case_description: "long enough" },
      "case_name",
    ],
    ["addDatastoreFile", { cid: 1, parent_id: 1 }, "file_content"],
    ["updateUserCasesAccess", { user_id: 1, cases_list: [1], access_level: 3 }, "access_level"],
    ["filterTimeline", { cid: 1, q: { colour: ["red"] } }, "q.colour"],
    ["addNote", { cid: 1, note_title: "t", note_content: "c" }, "directory_id"],
    ["addNote", { cid: 1, note_title: "t", note_content: "c", directory_id: 1, group_id: 1 }, "directory_id"],
    ["updateNotesDirectory", { cid: 1, directory_id: 1 }, "name"],
    [
      "updateTimelineEvent",
      {
        cid: 1,
        event_id: 1,
        event_title: "Logon",
        event_date: "2024-05-01T10:00:00",
        event_tz: "+00:00",
        event_category_id: 1,
        event_assets: [],
      },
      "event_iocs",
    ],
    ["updateTask", { cid: 1, task_id: 1, task_title: "Image", task_status_id: 1 }, "task_assignees_id"],
    ["updateIoc", { cid: 1, ioc_id: 1, ioc_value: "x", ioc_type_id: 1 }, "ioc_tlp_id"],
    ["addEvidence", { cid: 1, filename: "e.bin", file_size: -1 }, "file_size"],
    ["uploadIocsCsv", { cid: 1, CSVData: "" }, "CSVData"],
    ["globalSearch", { search_type: "cases", search_value: "x" }, "search_type"],
    ["deleteUserCaseAccess", { user_id: 2, case: 0 }, "case"],
    ["lookupUserByLogin", { login: "" }, "login"],
    // One more per operation, from its schema: the first required field of the wrong type.
    ...dfirIris.operations.map(schemaBadInput),
  ];
  testBadInput(dfirIris, cases, () => ({ sim, client }));
});
