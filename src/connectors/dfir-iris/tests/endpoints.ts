import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConnectorClient } from "../../sdk/index.ts";
import type { Simulator } from "../../sdk/sim/server.ts";
import { rejectsWith } from "../../sdk/sim/testing.ts";
import type { Any, CallLog } from "./calls.ts";

/** IRIS endpoints beyond the seed's list, each as an operation over loopback HTTP. */
export function endpointTests(log: CallLog, live: () => { sim: Simulator; admin: ConnectorClient }): void {
  const openCase = async (admin: ConnectorClient, name: string): Promise<number> =>
    (
      await log.call(admin, "createCase", {
        case_soc_id: name,
        case_customer: 1,
        case_name: name,
        case_description: `${name} case`,
      })
    ).case_id;

  test("list states change when their lists do; CSV imports add rows and name the ones refused", async () => {
    const { admin } = live();
    const cid = await openCase(admin, "CSV import");
    const assets0 = await log.call(admin, "getAssetsState", { cid });
    const iocs0 = await log.call(admin, "getIocsState", { cid });
    const assets = await log.call(admin, "uploadAssetsCsv", {
      cid,
      CSVData: [
        "asset_name,asset_type_name,asset_description,asset_ip,asset_domain,asset_tags",
        "DC01,Windows - DC,Domain controller,10.0.0.1,corp.test,ad|critical",
        "TOASTER,Smart toaster,Kitchen,10.0.0.9,corp.test,",
        ",Account,nameless,,,",
      ].join("\n"),
    });
    assert.match(assets.message, /^Data is imported but we got errors with the following rows:/);
    assert.match(assets.message, /TOASTER \(invalid asset type: Smart toaster\) for row 1/);
    assert.match(assets.message, /Empty asset name for row 2/);
    assert.deepEqual(
      assets.imported.map((r: Any) => [r.asset_name, r.asset_tags]),
      [["DC01", "ad,critical"]],
    );
    const listed = (await log.call(admin, "listAssets", { cid })).assets;
    assert.deepEqual(
      listed.map((a: Any) => [a.asset_name, a.asset_type, a.analysis_status]),
      [["DC01", "Windows - DC", "Unspecified"]],
    );
    assert.ok((await log.call(admin, "getAssetsState", { cid })).object_state > assets0.object_state);

    // No header line: IRIS adds it. A TLP it does not know ends the import with its schema's answer.
    const iocs = await log.call(admin, "uploadIocsCsv", {
      cid,
      CSVData: "203.0.113.50,ip-dst,C2,c2|apt,amber\nevil.test,nosuchtype,,,green\n",
    });
    assert.match(iocs.message, /evil\.test \(invalid ioc type: nosuchtype\) for row 1/);
    assert.deepEqual(
      iocs.imported.map((r: Any) => [r.ioc_value, r.ioc_tags, r.ioc_tlp_id]),
      [["203.0.113.50", "c2,apt", 2]],
    );
    const again = await log.call(admin, "uploadIocsCsv", { cid, CSVData: "203.0.113.50,ip-dst,C2,,amber" });
    assert.match(again.message, /203\.0\.113\.50 \(already exists and linked to this case\)/);
    const refused = await rejectsWith(
      log.attempt(admin, "uploadIocsCsv", { cid, CSVData: "198.51.100.1,ip-dst,,,purple" }),
      "ValidationError",
    );
    assert.equal(refused.field, "ioc_tlp_id");
    assert.ok((await log.call(admin, "getIocsState", { cid })).object_state > iocs0.object_state);
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("timeline events are flagged, unflagged and duplicated with their links", async () => {
    const { admin } = live();
    const cid = await openCase(admin, "Timeline tools");
    const asset = await log.call(admin, "addAsset", { cid, asset_name: "WKS-1", asset_type_id: 9 });
    const event = await log.call(admin, "addTimelineEvent", {
      cid,
      event_title: "Macro runs",
      event_date: "2024-05-02T08:00:00",
      event_category_id: 5,
      event_assets: [asset.asset_id],
    });
    assert.equal(
      event.event_date,
      "2024-05-02T08:00:00.000000",
      "the connector adds the fraction IRIS needs",
    );
    const flagged = await log.result(admin, "flagTimelineEvent", { cid, event_id: event.event_id });
    assert.equal(flagged.output.event_is_flagged, true);
    const unflagged = await log.call(admin, "flagTimelineEvent", { cid, event_id: event.event_id });
    assert.equal(unflagged.event_is_flagged, false);
    const copy = await log.call(admin, "duplicateTimelineEvent", { cid, event_id: event.event_id });
    assert.equal(copy.event_title, "[DUPLICATED] - Macro runs");
    assert.notEqual(copy.event_id, event.event_id);
    assert.deepEqual(copy.event_assets, [asset.asset_id]);
    const twice = await log.call(admin, "duplicateTimelineEvent", { cid, event_id: copy.event_id });
    assert.equal(twice.event_title, "[DUPLICATED] - Macro runs", "the prefix is not stacked");
    await rejectsWith(
      log.attempt(admin, "flagTimelineEvent", { cid, event_id: 999999 }),
      "NotFoundError",
      /Invalid event ID for this case/,
    );
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("a task's status changes alone; a comment is fetched by id", async () => {
    const { admin } = live();
    const cid = await openCase(admin, "Task status");
    const task = await log.call(admin, "addTask", { cid, task_title: "Reset passwords", task_status_id: 1 });
    assert.deepEqual(task.task_assignees, [], "no assignee list means none");
    const moved = await log.call(admin, "updateTaskStatus", { cid, task_id: task.id, task_status_id: 2 });
    assert.deepEqual([moved.task_status_id, moved.task_title], [2, "Reset passwords"]);
    await rejectsWith(
      log.attempt(admin, "updateTaskStatus", { cid, task_id: task.id, task_status_id: 99 }),
      "ValidationError",
      /Invalid status/,
    );
    const comment = await log.call(admin, "addComment", {
      cid,
      object_name: "tasks",
      object_id: task.id,
      comment_text: "Done for the VPN users",
    });
    const fetched = await log.call(admin, "getComment", {
      cid,
      object_name: "tasks",
      object_id: task.id,
      comment_id: comment.comment_id,
    });
    assert.deepEqual([fetched.comment_text, fetched.user], ["Done for the VPN users", "administrator"]);
    await rejectsWith(
      log.attempt(admin, "getComment", { cid, object_name: "tasks", object_id: task.id, comment_id: 999999 }),
      "NotFoundError",
      /Invalid comment ID/,
    );
    await log.call(admin, "deleteCase", { case_id: cid });
  });

  test("a customer's cases come with IRIS's statistics", async () => {
    const { admin } = live();
    const customer = await log.call(admin, "addCustomer", { customer_name: "Vandelay Industries" });
    const open = (name: string) =>
      log.call(admin, "createCase", {
        case_soc_id: name,
        case_customer: customer.customer_id,
        case_name: name,
        case_description: `${name} case`,
      });
    const [a, b] = [await open("Latex leak"), await open("Import fraud")];
    await log.call(admin, "closeCase", { case_id: b.case_id });
    const { cases, stats } = await log.call(admin, "listCustomerCases", {
      customer_id: customer.customer_id,
    });
    assert.deepEqual(
      cases.map((c: Any) => c.case_id),
      [a.case_id, b.case_id],
    );
    assert.deepEqual([stats.cases_total, stats.open_cases, stats.cases_current_year], [2, 1, 2]);
    for (const c of [a, b]) await log.call(admin, "deleteCase", { case_id: c.case_id });
    await log.call(admin, "deleteCustomer", { customer_id: customer.customer_id });
  });

  test("users: restricted list and lookups any user may make, activation, removing one case access", async () => {
    const { sim, admin } = live();
    const user = await log.call(admin, "addUser", {
      user_name: "Night Shift",
      user_login: "night",
      user_email: "night@iris.local",
      user_password: "N1ghtShiftPassword",
    });
    assert.equal(user.user_api_key, undefined, "the new user's API key stays out of the output");
    const restricted = await log.call(admin, "listUsersRestricted");
    assert.ok(restricted.some((u: Any) => u.user_login === "night" && u.user_active === true));
    assert.deepEqual(await log.call(admin, "lookupUserById", { user_id: user.id }), {
      user_login: "night",
      user_id: user.id,
      user_name: "Night Shift",
    });
    assert.equal((await log.call(admin, "lookupUserByLogin", { login: "night" })).user_id, user.id);
    await rejectsWith(
      log.attempt(admin, "lookupUserByLogin", { login: "nobody" }),
      "NotFoundError",
      /Invalid login/,
    );
    await log.call(admin, "updateUserCasesAccess", { user_id: user.id, cases_list: [1], access_level: 4 });
    const after = await log.call(admin, "deleteUserCaseAccess", { user_id: user.id, case: 1 });
    assert.deepEqual(after.user_cases_access, []);
    assert.equal((await log.call(admin, "deactivateUser", { user_id: user.id })).active, false);
    const key = ((await (await fetch(`${sim.url}/__sim/state`)).json()) as Any).users.find(
      (u: Any) => u.login === "night",
    ).api_key;
    const res = await fetch(`${sim.url}/api/ping?cid=1`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.status, 401, "a deactivated user's key is refused");
    assert.equal((await log.call(admin, "activateUser", { user_id: user.id })).active, true);
    await rejectsWith(
      log.attempt(admin, "deactivateUser", { user_id: 1 }),
      "ValidationError",
      /We do not recommend deactivating yourself/,
    );
    await log.call(admin, "deactivateUser", { user_id: user.id });
    await log.call(admin, "deleteUser", { user_id: user.id });
  });

  test("reference data one at a time, custom attribute definitions, alert statuses", async () => {
    const { admin } = live();
    assert.deepEqual(await log.call(admin, "getTlp", { tlp_id: 2 }), {
      tlp_id: 2,
      tlp_name: "amber",
      tlp_bscolor: "warning",
    });
    await rejectsWith(log.attempt(admin, "getTlp", { tlp_id: 99 }), "NotFoundError", /Invalid TLP ID 99/);
    assert.equal(
      (await log.call(admin, "getEventCategory", { event_category_id: 13 })).name,
      "Command and Control",
    );
    await rejectsWith(
      log.attempt(admin, "getEventCategory", { event_category_id: 99 }),
      "NotFoundError",
      /Event category ID 99 not found/,
    );
    const attributes = await log.call(admin, "listCustomAttributes");
    assert.deepEqual(
      attributes.map((a: Any) => a.attribute_for),
      ["ioc", "event", "asset", "task", "note", "evidence", "case", "client"],
    );
    const statuses = await log.call(admin, "listAlertStatuses");
    assert.deepEqual(statuses[1], {
      status_id: 2,
      status_name: "New",
      status_description: "Alert is new and unassigned",
    });
    assert.equal((await log.call(admin, "getAlertStatus", { status_id: 7 })).status_name, "Merged");
    assert.deepEqual(
      await log.call(admin, "getAlertStatus", { status_id: 99 }),
      {},
      "IRIS answers an empty object",
    );
  });

  test("case classifications are added, fetched, renamed and deleted; names stay unique", async () => {
    const { admin } = live();
    const fetched = await log.call(admin, "getCaseClassification", { classification_id: 1 });
    assert.equal(fetched.name, "abusive-content:spam");
    assert.equal(typeof fetched.creation_date, "string");
    const added = await log.call(admin, "addCaseClassification", {
      name: "insider:leak",
      name_expanded: "Insider: Leak",
      description: "Data leaked by an insider",
    });
    assert.equal(typeof added.creation_date, "string");
    const taken = await rejectsWith(
      log.attempt(admin, "addCaseClassification", {
        name: "INSIDER:LEAK",
        name_expanded: "Again",
        description: "Again",
      }),
      "ValidationError",
    );
    assert.equal(taken.field, "name");
    const renamed = await log.call(admin, "updateCaseClassification", {
      classification_id: added.id,
      name: "insider:data-leak",
      name_expanded: "Insider: Data-Leak",
      description: "Data leaked by an insider",
    });
    assert.equal(renamed.name, "insider:data-leak");
    assert.ok((await log.call(admin, "listCaseClassifications")).some((c: Any) => c.id === added.id));
    await log.call(admin, "deleteCaseClassification", { classification_id: added.id });
    await rejectsWith(
      log.attempt(admin, "getCaseClassification", { classification_id: added.id }),
      "NotFoundError",
      /Invalid case classification ID/,
    );
  });

  test("a case's outcome is set; a search across cases finds IOCs, notes and comments", async () => {
    const { admin } = live();
    const cid = await openCase(admin, "Search me");
    assert.equal(await log.call(admin, "updateCaseOutcome", { cid, status_id: 4 }), 4);
    assert.equal(
      (await log.call(admin, "getCase", { case_id: cid })).status_name,
      "True Positive Without Impact",
    );
    await rejectsWith(
      log.attempt(admin, "updateCaseOutcome", { cid, status_id: 9 }),
      "ValidationError",
      /Invalid status/,
    );
    await log.call(admin, "addIoc", { cid, ioc_type_id: 11, ioc_tlp_id: 3, ioc_value: "findme.example" });
    const directory = await log.call(admin, "addNotesDirectory", { cid, name: "Notes" });
    const note = await log.call(admin, "addNote", {
      cid,
      directory_id: directory.id,
      note_title: "Pivot",
      note_content: "The findme domain resolves to a parking page",
    });
    const iocs = await log.call(admin, "globalSearch", { search_type: "ioc", search_value: "findme%" });
    assert.deepEqual(
      iocs.map((r: Any) => [r.ioc_name, r.case_id, r.customer_name]),
      [["findme.example", cid, "IrisInitialClient"]],
    );
    assert.deepEqual(
      await log.call(admin, "globalSearch", { search_type: "ioc", search_value: "findme" }),
      [],
      "an IOC search matches the whole value",
    );
    const notes = await log.call(admin, "globalSearch", { search_type: "notes", search_value: "parking" });
    assert.deepEqual(
      notes.map((r: Any) => [r.note_id, r.case_id]),
      [[note.note_id, cid]],
    );
    await log.call(admin, "deleteCase", { case_id: cid });
  });
}
