import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ConnectorClient, createClient } from "../../sdk/index.ts";
import type { Simulator } from "../../sdk/sim/server.ts";
import { rejectsWith } from "../../sdk/sim/testing.ts";
import { dfirIris } from "../connector.ts";
import { startIrisSimulator } from "../simulator.ts";
import type { Any, CallLog } from "./calls.ts";

const fast = { initialDelayMs: 5, maxDelayMs: 20 };

/** The connector against an IRIS 2.0 simulator, and what separates the two releases' APIs. */
export function versionTests(log: CallLog): void {
  describe("against IRIS 2.0", () => {
    let sim: Simulator;
    let admin: ConnectorClient;
    before(async () => {
      sim = await startIrisSimulator({ seed: 3, version: "2.0" });
      admin = createClient(dfirIris, { ...sim.config, strict_output: true }, { resilience: fast });
    });
    after(async () => {
      await admin.close();
      await sim.close();
    });

    test("reports API 2.0.0 only, the range of every IRIS 2.0.x (the official client 2.0.0's API)", async () => {
      assert.deepEqual(await log.call(admin, "getApiVersions"), {
        iris_current: "v2.0.2",
        api_min: "2.0.0",
        api_current: "2.0.0",
      });
    });

    test("a call naming no case is IRIS 2.0's 404, so the connector names case #1 on server-wide endpoints", async () => {
      const bare = await fetch(`${sim.url}/manage/cases/list`, {
        headers: { authorization: `Bearer ${sim.config.api_key}` },
      });
      assert.deepEqual([bare.status, ((await bare.json()) as Any).message], [404, "Invalid case ID"]);
      const emptyPost = await fetch(`${sim.url}/manage/customers/delete/1`, {
        method: "POST",
        headers: { authorization: `Bearer ${sim.config.api_key}`, "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(emptyPost.status, 404);
      assert.ok((await log.call(admin, "listCases")).length >= 1);
      assert.equal(await log.call(admin, "ping").then(() => "pong"), "pong");
    });

    test("notes live in groups; directories do not exist", async () => {
      const cid = 1;
      const group = await log.call(admin, "addNotesGroup", { cid, group_title: "Analysis" });
      const renamed = await log.call(admin, "updateNotesGroup", {
        cid,
        group_id: group.group_id,
        group_title: "Malware analysis",
      });
      assert.equal(renamed.group_title, "Malware analysis");
      const note = await log.call(admin, "addNote", {
        cid,
        group_id: group.group_id,
        note_title: "Loader",
        note_content: "Loader uses rundll32",
      });
      assert.equal(
        (await log.call(admin, "getNote", { cid, note_id: note.note_id })).group_title,
        "Malware analysis",
      );
      assert.deepEqual(await log.call(admin, "searchNotes", { cid, search_term: "rundll%" }), [
        { note_id: note.note_id, note_title: "Loader" },
      ]);
      assert.equal(
        (await log.call(admin, "getNotesGroup", { cid, group_id: group.group_id })).notes.length,
        1,
      );
      assert.ok(
        (await log.call(admin, "listNotesGroups", { cid })).groups.some(
          (g: Any) => g.group_id === group.group_id,
        ),
      );
      await rejectsWith(
        admin.call("addNote", { cid, directory_id: 1, note_title: "x", note_content: "y" }),
        "ValidationError",
        /group_id: Invalid group id for note/,
      );
      await rejectsWith(admin.call("listNotesDirectories", { cid }), "NotFoundError");
      await log.call(admin, "deleteNotesGroup", { cid, group_id: group.group_id });
      await rejectsWith(
        admin.call("getNote", { cid, note_id: note.note_id }),
        "NotFoundError",
        /Invalid note ID/,
      );
    });

    test("2.0's own rules: outcome names, no case states, an analysis status required, short asset names", async () => {
      assert.deepEqual(
        (await log.call(admin, "listOutcomeStatuses")).map((s: Any) => s.name),
        ["Other", "False positive", "True positive", "Not applicable"],
      );
      const c = await log.call(admin, "getCase", { case_id: 1 });
      assert.equal(c.state_name, undefined, "case states came with IRIS 2.1");
      assert.equal(c.open_by_user, "administrator");
      const asset = await log.call(admin, "addAsset", { cid: 1, asset_name: "DC", asset_type_id: 11 });
      assert.equal(asset.asset_type, undefined, "IRIS 2.0 does not nest the asset type");
      const post = (body: unknown) =>
        fetch(`${sim.url}/case/assets/add?cid=1`, {
          method: "POST",
          headers: { authorization: `Bearer ${sim.config.api_key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        }).then(async (r) => (await r.json()) as Any);
      assert.deepEqual((await post({ asset_name: "DC2", asset_type_id: 11 })).data, {
        analysis_status_id: ["Invalid analysis status ID"],
      });
      assert.deepEqual((await post({ asset_name: "D", asset_type_id: 11, analysis_status_id: 1 })).data, {
        asset_name: ["Shorter than minimum length 2."],
      });
      await log.call(admin, "deleteAsset", { cid: 1, asset_id: asset.asset_id });
    });
  });

  describe("IRIS 2.4 retired the notes groups", () => {
    let sim: Simulator;
    let admin: ConnectorClient;
    before(async () => {
      sim = await startIrisSimulator({ seed: 4 });
      admin = createClient(dfirIris, { ...sim.config, strict_output: true }, { resilience: fast });
    });
    after(async () => {
      await admin.close();
      await sim.close();
    });

    test("its group endpoints answer 410 before anything else, a missing key included", async () => {
      const gone = await fetch(`${sim.url}/case/notes/groups/list?cid=1`);
      assert.deepEqual(
        [gone.status, await gone.json()],
        [
          410,
          {
            status: "error",
            message: "Endpoint deprecated in v2.4.0. Use /case/notes/directories/filter.",
            data: [],
          },
        ],
      );
      const e = await rejectsWith(
        admin.call("listNotesGroups", { cid: 1 }),
        "UpstreamError",
        /deprecated in v2\.4\.0/,
      );
      assert.equal(e.status, 410);
      await rejectsWith(
        admin.call("addNote", { cid: 1, group_id: 1, note_title: "x", note_content: "y" }),
        "ValidationError",
        /Group ID is deprecated, please use directory_id instead/,
      );
      const post = await fetch(`${sim.url}/case/notes/search?cid=1`, {
        method: "POST",
        headers: { authorization: `Bearer ${sim.config.api_key}`, "content-type": "application/json" },
        body: JSON.stringify({ search_term: "x" }),
      });
      assert.equal(post.status, 405, "IRIS 2.4.7 searches notes by GET only");
    });
  });
}
