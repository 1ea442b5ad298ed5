import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectorClient } from "../../sdk/index.ts";
import type { Simulator } from "../../sdk/sim/server.ts";
import { rejectsWith } from "../../sdk/sim/testing.ts";
import type { Any, CallLog } from "./calls.ts";

/**
 * What the official Python client (dfir-iris-client 2.0.4) found the simulator answering unlike IRIS 2.4,
 * pinned here so they stay fixed without the client: rules and messages read in IRIS's own source.
 */
export function fidelityTests(log: CallLog, live: () => { sim: Simulator; admin: ConnectorClient }): void {
  const raw = async (path: string, init: RequestInit = {}) => {
    const { sim } = live();
    const res = await fetch(`${sim.url}${path}`, {
      redirect: "manual",
      ...init,
      headers: {
        authorization: `Bearer ${sim.config.api_key}`,
        ...(init.body && typeof init.body === "string" ? { "content-type": "application/json" } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
    const text = await res.text();
    let body: Any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, body };
  };
  const openCase = async (name: string): Promise<number> =>
    (
      await log.call(live().admin, "createCase", {
        case_soc_id: name,
        case_customer: 1,
        case_name: name,
        case_description: `${name} case`,
      })
    ).case_id;

  test("a doubled slash is merged by a 308 redirect, as Werkzeug does, so a customer is found by name", async () => {
    const { sim } = live();
    const moved = await raw("//manage/customers/list?cid=1");
    assert.equal(moved.status, 308);
    assert.equal(moved.headers.get("location"), `${sim.url}/manage/customers/list?cid=1`);
    const followed = await fetch(`${sim.url}//manage//customers/list`, {
      headers: { authorization: `Bearer ${sim.config.api_key}` },
    });
    const listed = (await followed.json()) as Any;
    assert.ok(listed.data.some((c: Any) => c.customer_name === "IrisInitialClient" && c.customer_id === 1));
  });

  test("an unknown route answers IRIS's 404: its envelope to JSON, a page to anything else", async () => {
    const json = await raw("/case/nothing-here", { method: "POST", body: "{}" });
    assert.deepEqual(
      [json.status, json.body],
      [404, { status: "error", message: "Resource not found", data: [] }],
    );
    const page = await raw("/case/nothing-here");
    assert.equal(page.status, 404);
    assert.match(String(page.body), /<h1>404<\/h1>/);
  });

  test("IOC description and tags are optional (null when absent); an evidence's hash and size may be null", async () => {
    const { admin } = live();
    const cid = await openCase("Optional fields");
    const ioc = await log.call(admin, "addIoc", {
      cid,
      ioc_type_id: 11,
      ioc_tlp_id: 2,
      ioc_value: "bare.example",
    });
    assert.deepEqual([ioc.ioc_description, ioc.ioc_tags], [null, null]);
    const evidence = await log.call(admin, "addEvidence", { cid, filename: "memory.raw", file_hash: null });
    assert.deepEqual([evidence.file_hash, evidence.file_size, evidence.file_description], [null, null, null]);
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("assets: a second one of the same name is created; unset columns stay null; no analysis status, no listing", async () => {
    const { admin } = live();
    const cid = await openCase("Assets as IRIS 2.4.7");
    const first = await log.call(admin, "addAsset", { cid, asset_name: "SRV-9", asset_type_id: 10 });
    const second = await log.call(admin, "addAsset", { cid, asset_name: "srv-9", asset_type_id: 10 });
    assert.notEqual(first.asset_id, second.asset_id);
    assert.deepEqual(
      [first.asset_compromise_status_id, first.asset_description, first.asset_ip, first.custom_attributes],
      [null, null, null, null],
    );
    assert.equal(first.analysis_status_id, 1, "the connector sends Unspecified unless told otherwise");
    assert.equal(first.asset_type.asset_name, "Windows - Server", "IRIS 2.4 nests the type");
    // Straight to the server without a status: IRIS stores it, then its listing (a join on the status) skips it.
    const bare = await raw(`/case/assets/add?cid=${cid}`, {
      method: "POST",
      body: JSON.stringify({ asset_name: "HIDDEN", asset_type_id: 1 }),
    });
    assert.equal(bare.status, 200);
    const names = (await log.call(admin, "listAssets", { cid })).assets.map((a: Any) => a.asset_name);
    assert.deepEqual(names.sort(), ["SRV-9", "srv-9"]);
    const noType = await raw(`/case/assets/add?cid=${cid}`, {
      method: "POST",
      body: JSON.stringify({ asset_name: "X" }),
    });
    assert.deepEqual(noType.body.data, { asset_type_id: ["Invalid data - non null expected"] });
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("IRIS's own words for ids that are not there", async () => {
    const { admin } = live();
    const cid = await openCase("Missing ids");
    const expect = async (op: string, input: Record<string, unknown>, message: RegExp) => {
      const e = await rejectsWith(log.attempt(admin, op, { cid, ...input }), "NotFoundError", message);
      assert.equal(e.status, 400, op);
    };
    await expect("deleteTimelineEvent", { event_id: 999999 }, /Not a valid event ID for this case/);
    await expect("getTimelineEvent", { event_id: 999999 }, /Invalid event ID for this case/);
    await expect("deleteIoc", { ioc_id: 999999 }, /Not a valid IOC for this case/);
    await expect("getIoc", { ioc_id: 999999 }, /Invalid IOC ID for this case/);
    await expect("getAsset", { asset_id: 999999 }, /Invalid asset ID for this case/);
    await expect("deleteDatastoreFolder", { folder_id: 999999 }, /Parent node is invalid for this case/);
    await expect("deleteDatastoreFile", { file_id: 999999 }, /Invalid DS file ID for this case/);
    await expect("viewDatastoreFile", { file_id: 999999 }, /Unable to get requested file ID/);
    await expect("getDatastoreFileInfo", { file_id: 999999 }, /Invalid file ID for this case/);
    await expect(
      "addDatastoreFile",
      { parent_id: 999999, file_content: { filename: "a.txt", content: "a" } },
      /Invalid path node for this case/,
    );
    // A file-less upload is refused outside IRIS's schema: its message comes as a bare list.
    const tree = await log.call(admin, "listDatastoreTree", { cid });
    const root = Object.keys(tree)[0]!.slice(2);
    const form = new FormData();
    form.set("file_original_name", "empty");
    const noFile = await raw(`/datastore/file/add/${root}?cid=${cid}`, { method: "POST", body: form });
    assert.deepEqual(
      [noFile.status, noFile.body.message, noFile.body.data],
      [400, "Data error", ["No file provided"]],
    );
    // A case nobody can reach, whether it exists or not, is IRIS's 403 with a trace id.
    const denied = await raw("/case/notes/delete/1?cid=424242", { method: "POST", body: "{}" });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.message, "Permission denied");
    assert.equal(denied.body.data.case_id, 424242);
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("tasks drop assignees who may not open the case; the root folder may be deleted and comes back", async () => {
    const { admin } = live();
    const cid = await openCase("Assignees");
    const task = await log.call(admin, "addTask", {
      cid,
      task_title: "Contain",
      task_status_id: 1,
      task_assignees_id: [1, 4242],
    });
    assert.deepEqual(
      task.task_assignees.map((a: Any) => a.id),
      [1],
    );
    assert.deepEqual([task.task_close_date, task.task_userid_close], [null, null]);
    const noList = await raw(`/case/tasks/add?cid=${cid}`, {
      method: "POST",
      body: JSON.stringify({ task_title: "Old style", task_status_id: 1, task_assignee_id: 1 }),
    });
    assert.equal(noList.body.message, "task_assignee_id is not valid anymore since v1.5.0");
    const tree = await log.call(admin, "listDatastoreTree", { cid });
    const rootId = Number(Object.keys(tree)[0]!.slice(2));
    await log.call(admin, "deleteDatastoreFolder", { cid, folder_id: rootId });
    const again = await log.call(admin, "listDatastoreTree", { cid });
    const [key] = Object.keys(again);
    assert.notEqual(key, `d-${rootId}`);
    assert.deepEqual(
      Object.values(again[key!].children).map((c: Any) => c.name),
      ["Evidences", "IOCs", "Images"],
    );
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("cases carry IRIS 2.4's fields: the list its access level, the case its opener and state", async () => {
    const { admin } = live();
    const cid = await openCase("Fields");
    await log.call(admin, "updateCase", { case_id: cid, classification_id: 4 });
    const row = (await log.call(admin, "listCases")).find((c: Any) => c.case_id === cid);
    assert.deepEqual(
      [row.access_level, row.opened_by, row.opened_by_user_id, row.owner, row.classification, row.state_name],
      [4, "administrator", 1, "administrator", "malicious-code:ransomware", "Open"],
    );
    assert.match(row.case_open_date, /^\d{2}\/\d{2}\/\d{4}$/);
    const details = await log.call(admin, "getCase", { case_id: cid });
    assert.deepEqual(
      [
        details.open_by_user,
        details.customer_name,
        details.customer_id,
        details.state_name,
        details.status_name,
      ],
      ["administrator", "IrisInitialClient", 1, "Open", "Unknown"],
    );
    const refused = await rejectsWith(
      log.attempt(admin, "createCase", {
        case_soc_id: "x",
        case_customer: 9999,
        case_name: "No such customer",
        case_description: "None",
      }),
      "ValidationError",
    );
    assert.deepEqual(
      [refused.field, refused.message.endsWith("case_customer: Invalid client id")],
      ["case_customer", true],
    );
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("a manual hook IRIS does not know is queued for nothing; a missing target is its 400 with the list", async () => {
    const { admin } = live();
    const cid = await openCase("Hooks");
    const queued = await log.result(admin, "callModuleHook", {
      cid,
      hook_name: "on_manual_trigger_ioc",
      module_name: "iris_check_module",
      hook_ui_name: "iris_check_module::on_manual_trigger_case",
      type: "case",
      targets: [1],
    });
    assert.equal(queued.output.message, "Queued task with 1 objects");
    const missing = await rejectsWith(
      log.attempt(admin, "callModuleHook", {
        cid,
        hook_name: "on_manual_trigger_asset",
        module_name: "iris_check_module",
        hook_ui_name: "Check asset",
        type: "asset",
        targets: [999999],
      }),
      "NotFoundError",
      /Queued task with 0 objects: Object ID 999999 not found/,
    );
    assert.equal(missing.status, 400);
    await log.call(admin, "deleteCase", { case_id: cid });
  });
}
