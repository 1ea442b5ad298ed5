import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadOcsfBundle } from "./bundle.ts";
import { createOcsfValidator, type OcsfValidation } from "./validator.ts";

const bundle = loadOcsfBundle();
const lenient = createOcsfValidator({ bundle });
const strict = createOcsfValidator({ bundle, strict: true });

/** A complete, valid Detection Finding: a Suricata-style alert on a web server. */
function finding(): Record<string, any> {
  return {
    class_uid: 2004,
    class_name: "Detection Finding",
    category_uid: 2,
    category_name: "Findings",
    activity_id: 2,
    activity_name: "Update",
    type_uid: 200402,
    type_name: "Detection Finding: Update",
    severity_id: 3,
    severity: "Medium",
    status_id: 2,
    status: "In Progress",
    time: 1_718_000_000_000,
    message: "SQL injection attempt against shop-web-02",
    metadata: {
      version: "1.8.0",
      product: { name: "Example IDS", vendor_name: "Example Corp", version: "7.1" },
      profiles: ["host"],
      labels: ["web", "prod"],
    },
    finding_info: {
      uid: "alert-5521",
      title: "SQL injection attempt",
      types: ["Web Attack"],
      first_seen_time: 1_717_999_990_000,
      last_seen_time: 1_718_000_000_000,
      analytic: { type_id: 1, type: "Rule", uid: "sid:2011035", name: "ET WEB_SERVER SQLi" },
    },
    device: { type_id: 1, type: "Server", hostname: "shop-web-02", ip: "2001:db8::17" },
    actor: { user: { name: "www-data", type_id: 3, type: "System" } },
    evidences: [
      {
        src_endpoint: { ip: "198.51.100.23", port: 51022 },
        dst_endpoint: { ip: "2001:db8::17", port: 443, svc_name: "https" },
        http_request: { http_method: "GET", url: { path: "/search", query_string: "q=1' OR '1'='1" } },
        data: { sid: 2011035, rev: 4 },
      },
    ],
    observables: [
      { name: "evidences[0].src_endpoint.ip", type_id: 2, type: "IP Address", value: "198.51.100.23" },
      { name: "device.hostname", type_id: 1, type: "Hostname", value: "shop-web-02" },
      { name: "actor.user.name", type_id: 4, type: "User Name", value: "www-data" },
    ],
    raw_data: '{"alert":5521}',
    unmapped: { sensor: { zone: "dmz", tags: [1, "two", null] } },
  };
}

/** "<path> <code>" of every error and warning, sorted, for exact comparisons. */
function found(result: OcsfValidation): { errors: string[]; warnings: string[] } {
  return {
    errors: result.errors.map((p) => `${p.path} ${p.code}`).sort(),
    warnings: result.warnings.map((p) => `${p.path} ${p.code}`).sort(),
  };
}

function expectOnly(event: unknown, errors: string[], warnings: string[] = [], validator = lenient) {
  const result = validator.validate(event);
  assert.deepEqual(found(result), { errors: [...errors].sort(), warnings: [...warnings].sort() });
  assert.equal(result.valid, errors.length === 0);
  return result;
}

describe("OCSF validator", () => {
  test("a complete Detection Finding is valid even in strict mode, with no warnings", () => {
    expectOnly(finding(), [], [], strict);
    assert.equal(strict.version, "1.8.0");
  });

  test("required attributes are reported where they are missing, in nested objects too", () => {
    const event = finding();
    delete event.time;
    delete event.finding_info.uid;
    delete event.metadata.product;
    delete event.evidences[0].http_request.url.path;
    delete event.evidences[0].http_request.url.query_string;
    expectOnly(event, [
      "$.time attribute_required_missing",
      "$.finding_info.uid attribute_required_missing",
      "$.metadata.product attribute_required_missing",
      "$.evidences[0].http_request.url constraint_failed",
    ]);
  });

  test("scalar types follow the dictionary: integers, timestamps, booleans, strings", () => {
    const event = finding();
    event.severity_id = "3";
    event.time = 1_718_000_000_000.5;
    event.count = 2.5;
    event.is_alert = "true";
    event.message = 42;
    event.finding_info.first_seen_time = "2024-06-10T06:13:10Z";
    const result = expectOnly(event, [
      "$.severity_id attribute_wrong_type",
      "$.time attribute_wrong_type",
      "$.count attribute_wrong_type",
      "$.is_alert attribute_wrong_type",
      "$.message attribute_wrong_type",
      "$.finding_info.first_seen_time attribute_wrong_type",
    ]);
    assert.match(result.errors.find((e) => e.path === "$.time")!.message, /integer/);
  });

  test("a timestamp that looks like seconds or nanoseconds is a warning", () => {
    const event = finding();
    event.finding_info.first_seen_time = 1_717_999_990;
    event.finding_info.last_seen_time = 1_718_000_000_000_000_000;
    expectOnly(
      event,
      [],
      [
        "$.finding_info.first_seen_time timestamp_suspicious",
        "$.finding_info.last_seen_time timestamp_suspicious",
      ],
    );
  });

  test("IP addresses must be real IPv4 or IPv6 addresses; ports stay within 0..65535", () => {
    const event = finding();
    event.evidences[0].src_endpoint.ip = "198.51.100.300";
    event.evidences[0].dst_endpoint.ip = "2001:db8::g";
    event.evidences[0].dst_endpoint.port = 70_000;
    event.evidences[0].src_endpoint.port = -1;
    event.device.ip = "::ffff:192.0.2.1";
    expectOnly(
      event,
      [
        "$.evidences[0].src_endpoint.ip attribute_format_invalid",
        "$.evidences[0].dst_endpoint.ip attribute_format_invalid",
        "$.evidences[0].dst_endpoint.port attribute_value_out_of_range",
        "$.evidences[0].src_endpoint.port attribute_value_out_of_range",
      ],
      ["$.observables[0].value observable_value_mismatch"],
    );
  });

  test("arrays and objects must not be confused, and arrays hold no nulls", () => {
    const event = finding();
    event.metadata.product = ["Example IDS"];
    event.finding_info.types = "Web Attack";
    event.device = "shop-web-02";
    event.evidences = [event.evidences[0], null];
    event.metadata.labels = ["web", { env: "prod" }];
    expectOnly(
      event,
      [
        "$.metadata.product attribute_wrong_type",
        "$.finding_info.types attribute_wrong_type",
        "$.device attribute_wrong_type",
        "$.evidences[1] attribute_wrong_type",
        "$.metadata.labels[1] attribute_wrong_type",
      ],
      ["$.observables[1].name observable_not_in_event"],
    );
  });

  test("enum ids must exist; a caption that does not match its id is a warning; 99 keeps its own caption", () => {
    const event = finding();
    event.status_id = 7;
    event.severity = "MEDIUM";
    event.evidences[0].http_request.http_method = "FETCH";
    event.device.type_id = 99;
    event.device.type = "Honeypot";
    event.evidences[0].http_request.url.category_ids = [0, 2];
    expectOnly(
      event,
      [
        "$.status_id attribute_enum_value_unknown",
        "$.evidences[0].http_request.http_method attribute_enum_value_unknown",
        "$.evidences[0].http_request.url.category_ids[1] attribute_enum_value_unknown",
      ],
      ["$.severity attribute_enum_sibling_incorrect"],
    );
  });

  test("object constraints: at_least_one and just_one", () => {
    const event = finding();
    event.evidences.push({});
    event.device = { type_id: 1, type: "Server", os: { name: "Linux", type_id: 200 } };
    event.vulnerabilities = [{ cve: { uid: "CVE-2024-1234" }, cwe: { uid: "CWE-89" } }];
    const result = expectOnly(
      event,
      [
        "$.evidences[1] constraint_failed",
        "$.device constraint_failed",
        "$.vulnerabilities[0] constraint_failed",
      ],
      ["$.observables[1].name observable_not_in_event"],
    );
    assert.match(result.errors.find((e) => e.path === "$.vulnerabilities[0]")!.message, /exactly one/);
  });

  test("unknown attributes are warnings, errors in strict mode, and say whether OCSF knows the name", () => {
    const event = finding();
    event.alert_category = "web";
    event.finding_info.hostname = "shop-web-02";
    const expected = ["$.alert_category attribute_unknown", "$.finding_info.hostname attribute_unknown"];
    const loose = expectOnly(event, [], expected);
    assert.match(loose.warnings.find((w) => w.path === "$.alert_category")!.message, /not an OCSF attribute/);
    assert.match(
      loose.warnings.find((w) => w.path === "$.finding_info.hostname")!.message,
      /dictionary attribute/,
    );
    expectOnly(event, expected, [], strict);
  });

  test("free-form objects (unmapped, evidences[].data) accept anything", () => {
    const event = finding();
    event.unmapped = { anything: [{ deep: { at: 1 } }], "odd key": null };
    event.evidences[0].data = ["a", 1];
    expectOnly(event, [], [], strict);
  });

  test("profiles: attributes of an undeclared profile, unknown profiles, and what a declared profile requires", () => {
    const event = finding();
    event.metadata.profiles = ["cloud", "no_such_profile"];
    expectOnly(
      event,
      ["$.metadata.profiles[1] profile_unknown", "$.cloud attribute_required_missing"],
      ["$.actor attribute_profile_not_declared"],
    );
    expectOnly(
      event,
      [
        "$.metadata.profiles[1] profile_unknown",
        "$.cloud attribute_required_missing",
        "$.actor attribute_profile_not_declared",
      ],
      [],
      strict,
    );
    event.metadata.profiles = ["host", "cloud"];
    event.cloud = { provider: "AWS", region: "eu-west-1" };
    expectOnly(event, [], [], strict);
  });

  test("type_uid must be class_uid * 100 + activity_id, and category_uid the class's category", () => {
    const event = finding();
    event.type_uid = 200401;
    event.category_uid = 1;
    const result = expectOnly(
      event,
      ["$.type_uid type_uid_incorrect", "$.category_uid category_uid_mismatch"],
      ["$.type_name attribute_enum_sibling_incorrect"],
    );
    assert.match(result.errors.find((e) => e.code === "type_uid_incorrect")!.message, /200402/);
  });

  test("the class comes from class_uid: missing, non-integer and unknown classes, and non-objects", () => {
    const { class_uid: _, ...noClass } = finding();
    expectOnly(noClass, ["$.class_uid attribute_required_missing"]);
    expectOnly({ ...finding(), class_uid: "2004" }, ["$.class_uid attribute_wrong_type"]);
    expectOnly({ ...finding(), class_uid: 2099 }, ["$.class_uid class_uid_unknown"]);
    expectOnly([finding()], ["$ event_not_object"]);
    expectOnly(null, ["$ event_not_object"]);
  });

  test("other classes are checked against their own definition", () => {
    const event = {
      class_uid: 3002,
      category_uid: 3,
      activity_id: 1,
      type_uid: 300201,
      severity_id: 1,
      time: 1_718_000_000_000,
      metadata: { version: "1.8.0", product: { name: "Okta" } },
      user: { name: "ada@example.com" },
      dst_endpoint: { hostname: "login.example.com" },
    };
    expectOnly(event, [], [], strict);
    const { dst_endpoint: _, ...noTarget } = event;
    expectOnly({ ...noTarget, category_uid: 2, type_uid: 200401 }, [
      "$.category_uid category_uid_mismatch",
      "$.type_uid type_uid_incorrect",
      "$ constraint_failed",
    ]);
  });

  test("metadata.version: newer than the schema is an error, older a warning, not semver an error", () => {
    const at = (version: string) => {
      const event = finding();
      event.metadata.version = version;
      return event;
    };
    expectOnly(at("1.9.0"), ["$.metadata.version version_incompatible_later"]);
    expectOnly(at("1.8.1-dev"), ["$.metadata.version version_incompatible_later"]);
    expectOnly(at("1.1.0"), [], ["$.metadata.version version_earlier"]);
    expectOnly(at("1.8.0-rc.1"), [], ["$.metadata.version version_earlier"]);
    expectOnly(at("v1.8"), ["$.metadata.version version_invalid"]);
  });

  test("observables must name an attribute path of the class; their value and type are compared", () => {
    const event = finding();
    event.observables = [
      { name: "evidences.src_endpoint.ip", type_id: 2, value: "198.51.100.23" },
      { name: "src_endpoint.ip", type_id: 2, value: "198.51.100.23" },
      { name: "device.hostname[0]", type_id: 1, value: "shop-web-02" },
      { name: "evidences[0].dst_endpoint.port", type_id: 2, value: "443" },
      { name: "evidences[0].dst_endpoint.ip", type_id: 2, value: "2001:db8::18" },
      { name: "evidences[3].src_endpoint.ip", type_id: 2, value: "198.51.100.23" },
      { name: "device.uid", type_id: 47, value: "abc" },
      { name: "device", type_id: 20 },
      { name: "unmapped.sensor.zone", type_id: 99, value: "dmz" },
      { name: "actor.user", value: "www-data" },
    ];
    expectOnly(
      event,
      [
        "$.observables[1].name observable_name_invalid_reference",
        "$.observables[2].name observable_name_invalid_reference",
        "$.observables[9].type_id attribute_required_missing",
      ],
      [
        "$.observables[3].type_id observable_type_id_mismatch",
        "$.observables[4].value observable_value_mismatch",
        "$.observables[5].name observable_not_in_event",
        "$.observables[6].name observable_not_in_event",
      ],
    );
  });

  test("deprecated attributes and deprecated enum values are warnings, also in strict mode", () => {
    const event = finding();
    event.finding_info.product_uid = "ids-7";
    expectOnly(event, [], ["$.finding_info.product_uid attribute_deprecated"], strict);
  });

  test("a value that does not match its type's pattern is a warning, an error in strict mode", () => {
    const event = finding();
    event.device.mac = "00-1A-2B-3C-4D";
    expectOnly(event, [], ["$.device.mac attribute_pattern_mismatch"]);
    expectOnly(event, ["$.device.mac attribute_pattern_mismatch"], [], strict);
  });

  test("on request, missing recommended attributes are warnings", () => {
    const recommended = createOcsfValidator({ bundle, recommended: true });
    const result = recommended.validate(finding());
    assert.equal(result.valid, true);
    const paths = result.warnings.map((w) => w.path);
    assert.ok(paths.includes("$.confidence_id"));
    assert.ok(paths.includes("$.observables[0].value") === false);
    assert.ok(result.warnings.every((w) => w.code === "attribute_recommended_missing"));
  });
});
