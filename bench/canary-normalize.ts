// Canary → OCSF normalization throughput on one core, against the ingestion target of
// 200,000 normalizations per second; validation shown beside it (it is not on the hot path).
// Time is the process's CPU time. Run: node bench/canary-normalize.ts
import { normalizeCanaryIncident } from "../src/connectors/thinkst-canary/normalize.ts";
import { CanaryState, flatIncident, LOGTYPES } from "../src/connectors/thinkst-canary/sim-state.ts";
import { createOcsfValidator } from "../src/ocsf/validator.ts";

const TARGET = 200_000;
const state = new CanaryState(3, () => Date.UTC(2025, 0, 1));
const incidents = state.generate(1000).map((i) => ({
  description: flatIncident(i),
  hash_id: i.hash_id,
  id: i.id,
  summary: LOGTYPES[i.logtype]!.summary,
  updated_id: i.updated_id,
  updated_time: String(i.updated_time),
}));
const validator = createOcsfValidator({ strict: true });
const findings = incidents.map(normalizeCanaryIncident);

/** Process CPU seconds, so that other processes sharing the machine do not skew the figure. */
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

function rate(label: string, work: (i: number) => unknown, minSeconds = 1.5): [string, number] {
  for (let i = 0; i < 20_000; i++) work(i); // warm up
  let n = 0;
  const start = cpuSeconds();
  while (cpuSeconds() - start < minSeconds) {
    for (let i = 0; i < 1000; i++) work(n++);
  }
  return [label, n / (cpuSeconds() - start)];
}

const rows = [
  rate("normalizeCanaryIncident", (i) => normalizeCanaryIncident(incidents[i % 1000]!)),
  rate("normalize + JSON.stringify", (i) => JSON.stringify(normalizeCanaryIncident(incidents[i % 1000]!))),
  rate("validate (strict)", (i) => validator.validate(findings[i % 1000]!)),
];
console.log(`| operation | per second | vs ${TARGET.toLocaleString("en")}/s target |`);
console.log("| --- | ---: | ---: |");
for (const [label, perSecond] of rows) {
  console.log(
    `| ${label} | ${Math.round(perSecond).toLocaleString("en")} | ${(perSecond / TARGET).toFixed(2)}× |`,
  );
}
