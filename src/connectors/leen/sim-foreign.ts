import type { Faker } from "@faker-js/faker";

type Json = Record<string, unknown>;

/**
 * Detection Findings that other products already write as OCSF and a Leen connection passes on
 * as they are, in the two shapes published mappings show: Okta's System Log (OCSF 1.3.0, `time` in
 * seconds, a plural `class_name`) and AWS Security Hub's GuardDuty (OCSF 1.1.0, `*_time_dt` strings
 * with an offset). Unlike Leen's own alerts their severity captions are OCSF's title case
 * (`High`), and a finding may carry `message: null`.
 */
export function foreignFinding(f: Faker, now: number, spanMs: number): { finding: Json; updatedAt: number } {
  const created = now - f.number.int({ min: 0, max: spanMs });
  return f.datatype.boolean() ? oktaSystemLog(f, created) : securityHubGuardDuty(f, created);
}

/** OCSF severity captions as OCSF itself writes them. */
const TITLE: Record<number, string> = {
  0: "Unknown",
  1: "Informational",
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
};

const messageOr = (f: Faker, text: string) => (f.datatype.boolean({ probability: 0.25 }) ? null : text);

function oktaSystemLog(f: Faker, created: number): { finding: Json; updatedAt: number } {
  const seconds = Math.floor(created / 1000);
  const ip = f.internet.ipv4();
  const severityId = f.helpers.arrayElement([0, 1, 2, 3, 4]);
  const blocked = f.datatype.boolean({ probability: 0.7 });
  const uid = f.string.uuid();
  const [title, code] = f.helpers.arrayElement([
    ["Login Failures", "security.threat.detected"],
    ["Password Spray", "security.threat.detected"],
    ["Suspicious Activity Reported", "user.account.report_suspicious_activity_by_enduser"],
  ] as const);
  const city = f.location.city();
  const country = f.location.country();
  const lat = f.location.latitude();
  const long = f.location.longitude();
  const path = `/app/${f.helpers.arrayElement(["office365", "salesforce", "slack"])}/${f.string.numeric(10)}/sso/saml`;
  return {
    updatedAt: seconds * 1000,
    finding: {
      action: blocked ? "Denied" : "Allowed",
      action_id: blocked ? 2 : 1,
      activity_name: "Create",
      activity_id: 1,
      category_name: "Findings",
      category_uid: 2,
      class_name: "Detection Findings",
      class_uid: 2004,
      disposition: blocked ? "Blocked" : "Allowed",
      disposition_id: blocked ? 2 : 1,
      evidences: [
        {
          src_endpoint: {
            autonomous_system: {
              name: `ASN ${f.string.numeric(4)}`,
              number: f.number.int({ min: 1000, max: 400_000 }),
            },
            ip,
            location: {
              city,
              country,
              isp: f.company.name(),
              lat,
              long,
              postal_code: f.location.zipCode("#####"),
            },
            os: f.helpers.arrayElement([
              { name: "Mac OS X", type: "macOS", type_id: 300 },
              { name: "Windows 10", type: "Windows", type_id: 100 },
              { name: "iOS", type: "iOS", type_id: 301 },
            ]),
            type: f.helpers.arrayElement(["Mobile", "Computer"]),
          },
        },
      ],
      finding_info: { title, uid },
      impact: "Unknown",
      impact_id: 99,
      metadata: {
        event_code: code,
        product: { name: "Okta System Log", vendor_name: "Okta", version: "0" },
        profiles: ["datetime", "host", "security_control"],
        uid,
        version: "1.3.0",
      },
      message: messageOr(f, "Request from suspicious actor"),
      resources: [{ name: path }],
      severity: TITLE[severityId],
      severity_id: severityId,
      time: seconds,
      time_dt: new Date(seconds * 1000).toISOString(),
      type_name: "Detection Finding: Create",
      type_uid: 200401,
      unmapped: {
        actor: { id: ip, type: "IP address", alternateId: "unknown", displayName: ip },
        authenticationContext: { authenticationStep: 0 },
        debugContext: {
          debugData: {
            dtHash: f.string.hexadecimal({ length: 14, casing: "lower", prefix: "" }),
            requestUri: path,
            threatSuspected: "true",
            threatDetections: JSON.stringify({ [title]: TITLE[severityId]!.toUpperCase() }),
          },
        },
        legacyEventType: code,
        transaction: { type: "WEB", id: f.string.alphanumeric({ length: 32, casing: "lower" }) },
        request: {
          ipChain: [
            {
              ip,
              geographicalContext: {
                city,
                state: f.location.state(),
                country,
                postalCode: f.number.int({ min: 10_000, max: 99_999 }),
                geolocation: { lat, lon: long },
              },
              version: "V4",
              source: null,
            },
          ],
        },
      },
    },
  };
}

/** `2023-09-19T11:05:22.487-04:00`: Security Hub's times keep the offset they were written with. */
function withOffset(ms: number, hours: number): string {
  const local = new Date(ms + hours * 3_600_000).toISOString().slice(0, 23);
  const sign = hours < 0 ? "-" : "+";
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, "0")}:00`;
}

function securityHubGuardDuty(f: Faker, created: number): { finding: Json; updatedAt: number } {
  const account = f.string.numeric(12);
  const region = f.helpers.arrayElement(["us-east-1", "us-east-2", "eu-west-1", "ap-southeast-2"]);
  const detector = f.string.hexadecimal({ length: 32, casing: "lower", prefix: "" });
  const findingId = f.string.hexadecimal({ length: 32, casing: "lower", prefix: "" });
  const offset = f.helpers.arrayElement([-4, 0, 2]);
  const seen = created - f.number.int({ min: 60_000, max: 3_600_000 });
  const ip = f.internet.ipv4();
  const keyId = `ASIA${f.string.alphanumeric({ length: 16, casing: "upper" })}`;
  const [operation, service, type] = f.helpers.arrayElement([
    [
      "DeleteTrail",
      "cloudtrail.amazonaws.com",
      "TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled",
    ],
    ["ListBuckets", "s3.amazonaws.com", "TTPs/Discovery/Discovery:S3-MaliciousIPCaller"],
    ["CreateAccessKey", "iam.amazonaws.com", "TTPs/Persistence/Persistence:IAMUser-AnomalousBehavior"],
  ] as const);
  const severityId = f.helpers.arrayElement([1, 2, 3, 4, 5]);
  const arn = `arn:aws:guardduty:${region}:${account}:detector/${detector}`;
  const title = `${operation} was called from ${ip} under unusual circumstances.`;
  return {
    updatedAt: created,
    finding: {
      activity_id: 1,
      activity_name: "Create",
      category_name: "Findings",
      category_uid: 2,
      class_name: "Detection Finding",
      class_uid: 2004,
      cloud: { account: { uid: account }, provider: "AWS", region },
      evidences: [
        {
          api: { operation, service: { name: service } },
          data: "",
          src_endpoint: {
            ip,
            location: {
              city: f.helpers.arrayElement(["", f.location.city()]),
              coordinates: [f.location.longitude(), f.location.latitude()],
              country: f.location.country(),
            },
          },
        },
      ],
      finding_info: {
        created_time_dt: withOffset(created, offset),
        desc: `${title} This can be an attacker's attempt to act with stolen credentials.`,
        first_seen_time_dt: withOffset(seen, offset),
        last_seen_time_dt: withOffset(seen, offset),
        modified_time_dt: withOffset(created, offset),
        src_url: `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?fId=${findingId}`,
        title,
        types: [type],
        uid: `${arn}/finding/${findingId}`,
      },
      metadata: {
        extensions: [{ name: "linux", uid: "1", version: "1.1.0" }],
        log_version: "2018-10-08",
        product: {
          feature: { uid: arn },
          name: "GuardDuty",
          uid: `arn:aws:securityhub:${region}::product/aws/guardduty`,
          vendor_name: "Amazon",
        },
        profiles: ["cloud", "datetime", "linux"],
        version: "1.1.0",
      },
      observables: [
        { name: "evidences[].src_endpoint.ip", type: "IP Address", type_id: 2, value: ip },
        { name: "resources[].uid", type: "Resource UID", type_id: 10, value: `AWS::IAM::AccessKey:${keyId}` },
      ],
      resources: [
        {
          cloud_partition: "aws",
          data: JSON.stringify({
            AwsIamAccessKey: { PrincipalName: f.internet.username(), PrincipalType: "AssumedRole" },
          }),
          region,
          type: "AwsIamAccessKey",
          uid: `AWS::IAM::AccessKey:${keyId}`,
        },
      ],
      severity: TITLE[severityId],
      severity_id: severityId,
      status: "New",
      time: created,
      time_dt: withOffset(created, offset),
      type_name: "Detection Finding: Create",
      type_uid: 200401,
      unmapped: {
        "FindingProviderFields.Severity.Label": TITLE[severityId]!.toUpperCase(),
        "ProductFields.aws/guardduty/service/serviceName": "guardduty",
        "ProductFields.aws/guardduty/service/count": String(f.number.int({ min: 1, max: 20 })),
        RecordState: "ACTIVE",
        WorkflowState: "NEW",
      },
    },
  };
}
