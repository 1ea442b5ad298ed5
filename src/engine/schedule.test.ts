import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileSchedule, dueFiring, scheduleRunId } from "./schedule.ts";

describe("compiled schedules", () => {
  test("firings follow the time zone across a daylight-saving change", () => {
    const nine = compileSchedule({ cron: "0 9 * * *", timezone: "Europe/Berlin" });
    // Berlin moves from UTC+1 to UTC+2 on 2026-03-29.
    assert.equal(
      new Date(nine.nextAfter(Date.parse("2026-03-28T00:00:00Z"))!).toISOString(),
      "2026-03-28T08:00:00.000Z",
    );
    assert.equal(
      new Date(nine.nextAfter(Date.parse("2026-03-29T00:00:00Z"))!).toISOString(),
      "2026-03-29T07:00:00.000Z",
    );
    assert.equal(compileSchedule({ cron: "0 9 * * *" }).timezone, "UTC");
  });

  test("a six-field pattern counts seconds; the latest firing at or before a moment includes that moment", () => {
    const everyTen = compileSchedule({ cron: "*/10 * * * * *" });
    const t = Date.parse("2026-12-03T10:00:20Z");
    assert.equal(everyTen.latestAtOrBefore(t), t);
    assert.equal(everyTen.latestAtOrBefore(t - 1), t - 10_000);
    assert.equal(everyTen.nextAfter(t), t + 10_000);
  });

  test("dueFiring: nothing before the next firing, on time within the grace, missed after it with the count skipped", () => {
    const hourly = compileSchedule({ cron: "0 * * * *", catch_up: "none" });
    const ten = Date.parse("2026-12-03T10:00:00Z");
    assert.equal(hourly.catchUp, "none");
    assert.equal(dueFiring(hourly, ten, ten + 59 * 60_000, 60_000), undefined);
    assert.deepEqual(dueFiring(hourly, ten, ten + 3_600_000 + 30_000, 60_000), {
      fireTime: ten + 3_600_000,
      missed: false,
      skipped: 0,
    });
    assert.deepEqual(dueFiring(hourly, ten, ten + 3 * 3_600_000 + 120_000, 60_000), {
      fireTime: ten + 3 * 3_600_000,
      missed: true,
      skipped: 2,
    });
  });

  test("bad patterns and zones are ValidationErrors naming their field", () => {
    assert.throws(() => compileSchedule({ cron: "0 25 * * *" }), { field: "cron" });
    assert.throws(() => compileSchedule({ cron: "0 * * * *", timezone: "Nowhere/City" }), {
      field: "timezone",
    });
  });

  test("the run id of a firing depends on the playbook and the fire time only", () => {
    const t = Date.parse("2026-12-03T10:00:00Z");
    assert.equal(scheduleRunId("a", t), scheduleRunId("a", t));
    assert.notEqual(scheduleRunId("a", t), scheduleRunId("b", t));
    assert.notEqual(scheduleRunId("a", t), scheduleRunId("a", t + 1000));
    assert.match(
      scheduleRunId("a", t),
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
