// The monitoring kit shipped with the gateway: the Prometheus alert rules pass promtool's checks
// and their unit tests, and neither the rules nor the Grafana dashboard name a metric the gateway
// does not export (metrics/gateway_metrics.cpp is the one list of families).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const rulesDir = path.join(root, "packaging/prometheus");
const rules = fs.readFileSync(path.join(rulesDir, "x402-gateway.rules.yml"), "utf8");
const dashboard = JSON.parse(fs.readFileSync(path.join(root, "packaging/grafana/x402-gateway.json"), "utf8"));

// The families the gateway registers, and for histograms the series promtool sees.
function exportedSeries() {
  const source = fs.readFileSync(path.join(root, "src/metrics/gateway_metrics.cpp"), "utf8");
  const names = new Set();
  for (const m of source.matchAll(/registry_\.add\(\{"(x402gw_\w+)",[^}]*Type::(\w+)/g)) {
    names.add(m[1]);
    if (m[2] === "histogram") for (const s of ["_bucket", "_count", "_sum"]) names.add(m[1] + s);
  }
  return names;
}

const used = (text) => new Set([...text.matchAll(/\bx402gw_\w+/g)].map((m) => m[0]));

function promtool(...args) {
  const r = spawnSync("promtool", args, { cwd: rulesDir, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test("promtool: the alert rules check and their unit tests pass", () => {
  const check = promtool("check", "rules", "x402-gateway.rules.yml");
  assert.equal(check.status, 0, check.out);
  const unit = promtool("test", "rules", "x402-gateway.rules.test.yml");
  assert.equal(unit.status, 0, unit.out);
});

test("the rule tests can fail: a rule whose threshold drifted is caught", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-rules-"));
  try {
    fs.writeFileSync(path.join(dir, "x402-gateway.rules.yml"), rules.replace("oldest_age_seconds) > 300", "oldest_age_seconds) > 600"));
    fs.copyFileSync(path.join(rulesDir, "x402-gateway.rules.test.yml"), path.join(dir, "x402-gateway.rules.test.yml"));
    const r = spawnSync("promtool", ["test", "rules", "x402-gateway.rules.test.yml"], { cwd: dir, encoding: "utf8" });
    assert.notEqual(r.status, 0, "a changed threshold must fail the rule tests");
    assert.match(r.stdout + r.stderr, /X402GatewayUnknownSettlementsStuck/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the rules cover what the operator must hear about", () => {
  for (const alert of ["X402GatewayFacilitatorBreakerOpen", "X402GatewayUnknownSettlementsStuck", "X402GatewayCertificateExpiringSoon",
                       "X402GatewayStateStoreDown", "X402GatewayHigh5xxRate"])
    assert.match(rules, new RegExp(`alert: ${alert}\\b`));
});

test("the rules and the Grafana dashboard name only metrics the gateway exports", () => {
  const exported = exportedSeries();
  assert.ok(exported.size > 30);
  for (const [what, text] of [["rules", rules], ["grafana", JSON.stringify(dashboard)]])
    for (const name of used(text)) assert.ok(exported.has(name), `${what} uses ${name}, which the gateway does not export`);
});

test("the Grafana dashboard: unique panel ids, every panel queries the chosen Prometheus", () => {
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const panels = dashboard.panels.filter((p) => p.type !== "row");
  assert.ok(panels.length >= 15);
  for (const p of panels) {
    assert.ok(p.targets?.length > 0 && p.targets.every((t) => t.expr), `panel "${p.title}" has a query`);
    assert.equal(p.datasource.uid, "${datasource}", p.title);
  }
  // The revenue, unknown-settlement and breaker panels are there.
  const all = JSON.stringify(dashboard.panels);
  for (const name of ["x402gw_revenue_atomic_units_total", "x402gw_unknown_settlements", "x402gw_facilitator_breaker_state",
                      "x402gw_tls_certificate_expiry_timestamp_seconds"])
    assert.ok(all.includes(name), name);
});

test("every Grafana query is valid PromQL (promtool parses them as recording rules)", () => {
  const exprs = [];
  for (const p of dashboard.panels) for (const t of p.targets || []) exprs.push(t.expr);
  for (const a of dashboard.annotations.list) if (a.expr) exprs.push(a.expr);
  assert.ok(exprs.length >= 20);
  // Grafana's variables become what they stand for; each query a recording rule of its own.
  const rulesText = "groups:\n  - name: grafana\n    rules:\n" +
    exprs.map((e, i) => `      - record: grafana_query_${i}\n        expr: ${JSON.stringify(e.replaceAll("$instance", ".*"))}\n`).join("");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-grafana-"));
  try {
    fs.writeFileSync(path.join(dir, "grafana.rules.yml"), rulesText);
    const r = spawnSync("promtool", ["check", "rules", "grafana.rules.yml"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
