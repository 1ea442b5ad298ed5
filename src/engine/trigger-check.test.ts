import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { defaultRegistry } from "../connectors/registry.ts";
import { loadPlaybook, PlaybookError, type PlaybookIssue } from "./load.ts";

describe("loading a playbook's webhook and schedule triggers", () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-trigger-load-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const playbook = (trigger: string, inputs = "") => `name: scheduled
${inputs}trigger:
${trigger}
start: done
steps:
  done:
    type: end
    status: success
`;
  const load = (text: string) => {
    const path = join(root, "p.yaml");
    writeFileSync(path, text);
    return loadPlaybook(path, { catalog: defaultRegistry() });
  };
  const issues = async (text: string): Promise<PlaybookIssue[]> => {
    try {
      await load(text);
    } catch (error) {
      assert.ok(error instanceof PlaybookError, String(error));
      return error.issues;
    }
    assert.fail("the playbook loaded");
  };
  const inputs = `inputs:
  type: object
  required: [window]
  properties:
    window: { type: integer, minimum: 1 }
`;

  test("webhook, schedule and alert triggers load side by side", async () => {
    const loaded = await load(
      playbook(
        `  alert: { connector: thinkst-canary }
  webhook: { auth: either }
  schedule: { cron: "*/5 * * * *", timezone: Europe/Berlin, input: { window: 5 }, catch_up: none }`,
        inputs,
      ),
    );
    const trigger = loaded.definition.trigger!;
    assert.deepEqual(trigger.webhook, { auth: "either" });
    assert.equal(trigger.schedule?.cron, "*/5 * * * *");
    assert.equal(trigger.alert?.connector, "thinkst-canary");
  });

  test("a bad cron pattern is an issue at its line naming trigger.schedule.cron", async () => {
    const [issue, ...rest] = await issues(playbook(`  schedule:\n    cron: "61 * * * *"`));
    assert.equal(rest.length, 0);
    assert.equal(issue!.line, 4);
    assert.equal(issue!.column, 11);
    assert.equal(issue!.path, "trigger.schedule.cron");
    assert.match(
      issue!.message,
      /^trigger\.schedule\.cron: "61 \* \* \* \*" is not a cron pattern: .*minute/,
    );
  });

  test("an unknown time zone names trigger.schedule.timezone; a pattern with the wrong number of fields is refused", async () => {
    const found = await issues(playbook(`  schedule:\n    cron: "* * *"\n    timezone: Mars/Olympus`));
    assert.deepEqual(
      found.map((i) => [i.line, i.path]),
      [[5, "trigger.schedule.timezone"]],
      "the time zone is checked first; the pattern needs a valid zone to be read",
    );
    const pattern = await issues(playbook(`  schedule:\n    cron: "* * *"`));
    assert.match(pattern[0]!.message, /five, six, or seven/);
  });

  test("the schedule's input is checked against the playbook's inputs", async () => {
    const wrongType = await issues(
      playbook(`  schedule:\n    cron: "0 * * * *"\n    input: { window: zero }`, inputs),
    );
    assert.equal(wrongType.length, 1);
    assert.equal(wrongType[0]!.path, "trigger.schedule.input.window");
    assert.equal(wrongType[0]!.line, 10);
    assert.match(wrongType[0]!.message, /trigger\.schedule\.input\.window must be integer/);
    const missing = await issues(playbook(`  schedule:\n    cron: "0 * * * *"`, inputs));
    assert.match(missing[0]!.message, /trigger\.schedule\.input\.window is required by inputs/);
  });

  test("unknown trigger kinds, options and an empty trigger are refused", async () => {
    const unknown = await issues(playbook(`  cron: { every: 5m }`));
    assert.match(unknown[0]!.message, /trigger has an unknown key "cron"/);
    const option = await issues(playbook(`  webhook: { auth: password }`));
    assert.ok(
      option.some((i) => i.path === "trigger.webhook.auth"),
      JSON.stringify(option),
    );
    const catchUp = await issues(playbook(`  schedule: { cron: "* * * * *", catch_up: all }`));
    assert.ok(
      catchUp.some((i) => i.path === "trigger.schedule.catch_up"),
      JSON.stringify(catchUp),
    );
    const empty = await issues(playbook(`  {}`));
    assert.equal(empty[0]!.path, "trigger");
    assert.equal(empty[0]!.message, "trigger must not be empty");
  });
});
