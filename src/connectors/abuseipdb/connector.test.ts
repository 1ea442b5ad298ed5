import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { ConnectorFileReader } from "../http/file/load.ts";
import { type ConnectorClient, createClient } from "../sdk/index.ts";
import type { Simulator } from "../sdk/sim/server.ts";
import { rejectsWith, simState, testBadInput } from "../sdk/sim/testing.ts";
import { ABUSEIPDB_FILE, abuseIpdb } from "./index.ts";
import { startAbuseIpdbSimulator } from "./simulator.ts";

interface State {
  apiKey: string;
  quota: Record<string, number>;
  addresses: Array<{ ip: string; reports: number; score: number }>;
}

interface Check {
  ipAddress: string;
  isPublic: boolean;
  isWhitelisted: boolean | null;
  abuseConfidenceScore: number;
  countryName?: string | null;
  totalReports: number;
  numDistinctUsers: number;
  reports?: unknown[];
}

let sim: Simulator;
let client: ConnectorClient;
let known: State["addresses"];

before(async () => {
  sim = await startAbuseIpdbSimulator({ seed: 7 });
  client = createClient(abuseIpdb, sim.config, { resilience: { initialDelayMs: 1, maxDelayMs: 5 } });
  known = (await simState<State>(sim)).addresses.filter((a) => a.score > 0);
});
after(async () => {
  await client.close();
  await sim.close();
});

const check = async (input: Record<string, unknown>) => (await client.call<Check>("check", input)).output;

describe("AbuseIPDB connector file against its simulator", () => {
  test("the shipped file passes every check a connector file gets (the registry loads it without them)", () => {
    const checked = new ConnectorFileReader().parse(readFileSync(ABUSEIPDB_FILE, "utf8"), ABUSEIPDB_FILE);
    assert.deepEqual(
      JSON.stringify(checked.operations.map((op) => [op.name, op.input, op.output])),
      JSON.stringify(abuseIpdb.operations.map((op) => [op.name, op.input, op.output])),
    );
  });

  test("the connector is the file's: six operations, the API key marked secret, the key sent as Key", async () => {
    assert.deepEqual(
      abuseIpdb.operations.map((op) => op.name),
      ["check", "reports", "checkBlock", "report", "clearAddress", "blacklist"],
    );
    assert.equal((abuseIpdb.connection.properties.api_key as { secret?: boolean }).secret, true);
    assert.equal(client.redactor.text(String(sim.config.api_key)), "[REDACTED]");
  });

  test("a reported address has a score, its reports with verbose, and the country name", async () => {
    const target = known[0]!;
    const out = await check({ ipAddress: target.ip, maxAgeInDays: 365, verbose: true });
    assert.equal(out.isPublic, true);
    assert.ok(out.abuseConfidenceScore > 0);
    assert.ok(out.totalReports > 0);
    assert.equal(out.reports?.length, out.totalReports);
    assert.equal(typeof out.countryName, "string");
    const plain = await check({ ipAddress: target.ip, maxAgeInDays: 365 });
    assert.equal(plain.reports, undefined, "no reports without verbose");
  });

  test("a private address is not public and scores 0; a whitelisted one is marked so", async () => {
    const lan = await check({ ipAddress: "10.64.199.0" });
    assert.equal(lan.isPublic, false);
    assert.equal(lan.abuseConfidenceScore, 0);
    assert.equal(lan.isWhitelisted, null);
    const dns = await check({ ipAddress: "8.8.8.8" });
    assert.equal(dns.isWhitelisted, true);
    assert.equal(dns.abuseConfidenceScore, 0);
  });

  test("a report shows in the next check; reporting it again within 15 minutes is rate limited", async () => {
    const ip = "203.0.113.77";
    assert.equal((await check({ ipAddress: ip })).totalReports, 0);
    const reported = await client.call<{ abuseConfidenceScore: number }>("report", {
      ip,
      categories: "18,22",
      comment: "sshd brute force from the Canary",
    });
    assert.ok(reported.output.abuseConfidenceScore > 0);
    const after = await check({ ipAddress: ip, verbose: true });
    assert.equal(after.totalReports, 1);
    const error = await rejectsWith(
      client.call("report", { ip, categories: "18" }),
      "RateLimitedError",
      /once in 15 minutes/,
    );
    assert.ok((error.retryAfterMs ?? 0) > 60_000, "longer than the SDK sleeps through itself");
    const cleared = await client.call<{ numReportsDeleted: number }>("clearAddress", { ipAddress: ip });
    assert.equal(cleared.output.numReportsDeleted, 1);
    assert.equal((await check({ ipAddress: ip })).totalReports, 0);
  });

  test("reports page through nextPageUrl until the last page", async () => {
    const target = known.reduce((a, b) => (b.reports > a.reports ? b : a));
    const items: unknown[] = [];
    for await (const item of client.items("reports", { ipAddress: target.ip, maxAgeInDays: 365, perPage: 5 }))
      items.push(item);
    assert.equal(items.length, target.reports);
    assert.ok(target.reports > 5, "the address has more than one page");
  });

  test("a network's reported addresses, and a network larger than the plan allows refused by AbuseIPDB", async () => {
    const target = known[0]!;
    const network = `${target.ip.split(".").slice(0, 3).join(".")}.0/24`;
    const out = await client.call<{
      reportedAddress: Array<{ ipAddress: string }>;
      numPossibleHosts: number;
    }>("checkBlock", { network, maxAgeInDays: 365 });
    assert.equal(out.output.numPossibleHosts, 254);
    assert.ok(out.output.reportedAddress.some((a) => a.ipAddress === target.ip));
    const error = await rejectsWith(
      client.call("checkBlock", { network: "198.51.0.0/8" }),
      "ValidationError",
      /larger than your plan allows/,
    );
    assert.equal(error.status, 422);
  });

  test("the blacklist holds the addresses at or above the minimum, highest first", async () => {
    const out = await client.call<{ data: Array<{ abuseConfidenceScore: number }> }>("blacklist", {
      confidenceMinimum: 25,
    });
    assert.ok(out.output.data.length > 0);
    assert.ok(out.output.data.every((a) => a.abuseConfidenceScore >= 25));
    const scores = out.output.data.map((a) => a.abuseConfidenceScore);
    assert.deepEqual(
      scores,
      [...scores].sort((a, b) => b - a),
    );
  });

  test("a wrong key is an AuthError carrying AbuseIPDB's own words, not the key", async () => {
    const wrong = createClient(abuseIpdb, { ...sim.config, api_key: "not-the-key-0000" });
    try {
      const error = await rejectsWith(
        wrong.call("check", { ipAddress: "1.2.3.4" }),
        "AuthError",
        /Authentication failed/,
      );
      assert.doesNotMatch(error.message, /not-the-key-0000/);
    } finally {
      await wrong.close();
    }
  });

  test("a 503 is retried; an exhausted daily quota is a RateLimitedError with when it resets", async () => {
    sim.faults.inject({ fault: { kind: "status", status: 503 }, path: "/api/v2/check", times: 1 });
    assert.equal((await client.call("check", { ipAddress: "1.2.3.4" })).attempts, 2);
    sim.faults.inject({ fault: { kind: "exhaust-quota" } });
    const error = await rejectsWith(
      client.call("check", { ipAddress: "1.2.3.4" }),
      "RateLimitedError",
      /Daily rate limit/,
    );
    assert.ok((error.retryAfterMs ?? 0) > 0);
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
  });
});

describe("AbuseIPDB bad input is refused before anything is sent", () => {
  testBadInput(
    abuseIpdb,
    [
      ["check", {}, "ipAddress"],
      ["check", { ipAddress: "not-an-ip" }, "ipAddress"],
      ["check", { ipAddress: "1.2.3.4", maxAgeInDays: 400 }, "maxAgeInDays"],
      ["reports", { ipAddress: "1.2.3.4", perPage: 101 }, "perPage"],
      ["checkBlock", { network: "1.2.3.4" }, "network"],
      ["report", { ip: "1.2.3.4", categories: "ssh" }, "categories"],
      ["report", { ip: "1.2.3.4" }, "categories"],
      ["clearAddress", { ipAddress: 12 }, "ipAddress"],
      ["blacklist", { confidenceMinimum: 10 }, "confidenceMinimum"],
      ["blacklist", { onlyCountries: "usa" }, "onlyCountries"],
    ],
    () => ({ sim, client }),
  );
});
