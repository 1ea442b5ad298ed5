import assert from "node:assert/strict";
import { test } from "node:test";
import { loadOcsfBundle } from "./bundle.ts";
import {
  ACTIVITY,
  ACTIVITY_ID,
  ANALYTIC_TYPE,
  CONFIDENCE,
  DETECTION_FINDING,
  DEVICE_TYPE,
  FILE_TYPE,
  OBSERVABLE_TYPE,
  OBSERVABLE_TYPE_ID,
  OCSF_VERSION,
  SEVERITY,
  SEVERITY_ID,
  STATUS,
  STATUS_ID,
} from "./enums.ts";

const bundle = loadOcsfBundle();
const finding = bundle.classes[String(DETECTION_FINDING.class_uid)]!;

/** Every id → caption of ours must be the schema's; `complete` also demands every schema value. */
function sameEnum(
  ours: Record<number, string>,
  schema: Record<string, string> | undefined,
  complete: boolean,
) {
  assert.ok(schema, "the schema has this enum");
  for (const [id, caption] of Object.entries(ours)) assert.equal(schema[id], caption, `id ${id}`);
  if (complete) assert.deepEqual(Object.keys(ours).sort(), Object.keys(schema).sort());
}

test("the constants match the shipped schema bundle", () => {
  assert.equal(bundle.schema.version, OCSF_VERSION);
  assert.equal(finding.caption, DETECTION_FINDING.class_name);
  assert.equal(finding.category_uid, DETECTION_FINDING.category_uid);
  assert.equal(bundle.categories[String(finding.category_uid)]!.caption, DETECTION_FINDING.category_name);
  sameEnum(ACTIVITY, finding.attrs.activity_id!.e, true);
  sameEnum(SEVERITY, finding.attrs.severity_id!.e, true);
  sameEnum(STATUS, finding.attrs.status_id!.e, true);
  sameEnum(CONFIDENCE, finding.attrs.confidence_id!.e, true);
  sameEnum(OBSERVABLE_TYPE, bundle.objects.observable!.attrs.type_id!.e, true);
  sameEnum(DEVICE_TYPE, bundle.objects.device!.attrs.type_id!.e, true);
  sameEnum(ANALYTIC_TYPE, bundle.objects.analytic!.attrs.type_id!.e, false);
  sameEnum(FILE_TYPE, bundle.objects.file!.attrs.type_id!.e, false);
});

test("the named ids point at the captions their names spell", () => {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z]/g, "");
  for (const [table, ids] of [
    [ACTIVITY, ACTIVITY_ID],
    [SEVERITY, SEVERITY_ID],
    [STATUS, STATUS_ID],
  ] as const) {
    for (const [name, id] of Object.entries(ids))
      assert.equal(squash((table as Record<number, string>)[id]!), squash(name));
  }
  // Observable names abbreviate some captions ("HttpUserAgent", "DeviceUid"), so compare loosely.
  for (const [name, id] of Object.entries(OBSERVABLE_TYPE_ID)) {
    const caption = squash(OBSERVABLE_TYPE[id]);
    const words = squash(name).replace("uid", "");
    assert.ok(caption.includes(words) || words.includes(caption), `${name} → ${OBSERVABLE_TYPE[id]}`);
  }
});
