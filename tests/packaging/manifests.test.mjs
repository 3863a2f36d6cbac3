// Deployment manifests that cannot be run here (no Kubernetes, no helm, no container engine) are
// checked as far as this machine allows: the rendered example manifests in packaging/kubernetes/
// parse and hang together (selectors, ports, probes on the admin listener, preStop drain,
// Prometheus annotations, Secret and ConfigMap references), every gateway configuration embedded
// in them, in the Helm chart's values and in the container image passes the real binary's --check,
// and the chart's templates have balanced actions.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { runGatewayCommand, writeConfig } from "../support/gateway.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const YAML = createRequire(path.join(root, "packaging/localstack/package.json"))("yaml");
const chart = path.join(root, "packaging/helm/x402-gateway");

function parseAll(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file}: ${d.errors.join("; ")}`);
  return docs.map((d) => d.toJS()).filter(Boolean);
}

async function check(yamlText, env) {
  const file = writeConfig(yamlText);
  try {
    return await runGatewayCommand(["--check", "--config", file], { env });
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const portOf = (address) => Number(String(address).split(":").pop());
// What the chart's Secret holds besides `secrets`: the admin token it generates (48 characters).
const GENERATED_ADMIN_TOKEN = "A".repeat(48);

/** The admin listener's packaged protection: on loopback, or control behind the admin token. */
function assertAdminSafe(config, where) {
  const host = String(config.admin_listen).replace(/:\d+$/, "");
  const loopback = host === "127.0.0.1" || host === "[::1]" || host === "localhost" || /\$\{X402_ADMIN_LISTEN:-127\.0\.0\.1:/.test(host);
  if (!loopback) assert.match(String(config.admin?.token ?? ""), /^\$\{X402_ADMIN_TOKEN(:-)?\}$/, `${where}: admin off loopback needs admin.token from the Secret`);
}
const byKind = (docs, kind) => docs.filter((d) => d.kind === kind);
const one = (docs, kind) => { const found = byKind(docs, kind); assert.equal(found.length, 1, kind); return found[0]; };
const matches = (selector, labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

for (const [name, mode] of [["standalone.yaml", "standalone"], ["sidecar.yaml", "sidecar"]]) {
  test(`packaging/kubernetes/${name}: parses and hangs together (${mode})`, async () => {
    const docs = parseAll(path.join(root, "packaging/kubernetes", name));
    assert.deepEqual(docs.map((d) => d.kind).sort(), ["ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service"]);
    const deployment = one(docs, "Deployment"), service = one(docs, "Service"), pdb = one(docs, "PodDisruptionBudget");
    const configMap = one(docs, "ConfigMap"), secret = one(docs, "Secret");
    const pod = deployment.spec.template;
    assert.ok(matches(deployment.spec.selector.matchLabels, pod.metadata.labels), "Deployment selector");
    assert.ok(matches(service.spec.selector, pod.metadata.labels), "Service selector");
    assert.ok(matches(pdb.spec.selector.matchLabels, pod.metadata.labels), "PDB selector");
    assert.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < deployment.spec.replicas, "the PDB allows a rollout");

    const containers = pod.spec.containers;
    const gateway = containers.find((c) => c.name === "x402-gateway");
    assert.ok(gateway, "the gateway container");
    assert.equal(containers.length, mode === "sidecar" ? 2 : 1);
    const port = (n) => gateway.ports.find((p) => p.name === n).containerPort;
    // Probes and scraping on the admin listener; the Service exposes only the gateway's port.
    assert.deepEqual(gateway.readinessProbe.httpGet, { path: "/readyz", port: "admin" });
    assert.deepEqual(gateway.livenessProbe.httpGet, { path: "/healthz", port: "admin" });
    assert.equal(pod.metadata.annotations["prometheus.io/scrape"], "true");
    assert.equal(Number(pod.metadata.annotations["prometheus.io/port"]), port("admin"));
    assert.equal(pod.metadata.annotations["prometheus.io/path"], "/metrics");
    assert.deepEqual(service.spec.ports.map((p) => p.targetPort), ["http"]);
    // preStop: leave the endpoints before SIGTERM; the grace period covers that and the drain.
    const preStop = Number(gateway.lifecycle.preStop.exec.command[1]);
    assert.equal(gateway.lifecycle.preStop.exec.command[0], "sleep");
    assert.ok(preStop > 0);
    assert.ok(gateway.securityContext.allowPrivilegeEscalation === false && pod.spec.securityContext.runAsNonRoot);

    // The Secret and ConfigMap the pod names are the ones in the manifest.
    assert.equal(gateway.envFrom[0].secretRef.name, secret.metadata.name);
    const volume = pod.spec.volumes.find((v) => v.name === gateway.volumeMounts[0].name);
    assert.equal(volume.configMap.name, configMap.metadata.name);
    assert.equal(gateway.volumeMounts[0].mountPath, "/etc/x402-gateway");
    assert.deepEqual(gateway.args, ["--config", "/etc/x402-gateway/gateway.yaml"]);

    // The embedded configuration: valid for the real binary, with the Secret's variables only.
    const text = configMap.data["gateway.yaml"];
    const res = await check(text, secret.stringData);
    assert.equal(res.code, 0, res.stderr);
    const config = YAML.parse(text);
    assert.equal(portOf(config.listen), port("http"));
    assert.equal(portOf(config.admin_listen), port("admin"));
    assertAdminSafe(config, name);
    assert.ok("X402_ADMIN_TOKEN" in secret.stringData, "the Secret carries the admin token");
    // Off loopback without a token, reload is refused: the binary says so at --check.
    assert.match(res.stderr, /admin_listen is not on loopback and no admin\.token is set/);
    const withToken = await check(text, { ...secret.stringData, X402_ADMIN_TOKEN: GENERATED_ADMIN_TOKEN });
    assert.equal(withToken.code, 0, withToken.stderr);
    assert.doesNotMatch(withToken.stderr, /no admin\.token/);
    const drain = parseInt(config.timeouts.drain, 10);
    assert.ok(pod.spec.terminationGracePeriodSeconds > preStop + drain, "grace period > preStop + drain");
    // Without the Secret, the ${VAR} references fail the check: the config really depends on it.
    const missing = await check(text, Object.fromEntries(Object.keys(secret.stringData).map((k) => [k, ""])));
    assert.equal(missing.code, 2, missing.stderr);

    if (mode === "sidecar") {
      const app = containers.find((c) => c.name !== "x402-gateway");
      const upstream = new URL(Object.values(config.upstreams)[0].url);
      assert.equal(upstream.hostname, "127.0.0.1", "a sidecar forwards to the app on localhost");
      assert.equal(Number(upstream.port), app.ports[0].containerPort);
    }
  });
}

test("Helm chart: values and CI values parse, the default config passes --check, templates are balanced", async () => {
  const chartMeta = YAML.parse(fs.readFileSync(path.join(chart, "Chart.yaml"), "utf8"));
  assert.equal(chartMeta.apiVersion, "v2");
  const cmake = fs.readFileSync(path.join(root, "CMakeLists.txt"), "utf8");
  assert.equal(chartMeta.appVersion, /project\(x402-gateway VERSION ([0-9.]+)/.exec(cmake)[1], "appVersion follows the project");

  const values = YAML.parse(fs.readFileSync(path.join(chart, "values.yaml"), "utf8"));
  assert.equal(values.mode, "standalone");
  const res = await check(YAML.stringify(values.config), { ...values.secrets, X402_ADMIN_TOKEN: GENERATED_ADMIN_TOKEN });
  assert.equal(res.code, 0, res.stderr);
  assert.doesNotMatch(res.stderr, /no admin\.token/);
  assertAdminSafe(values.config, "values.yaml");
  assert.equal(values.adminToken, "", "the token is generated unless given");
  const secretTemplate = fs.readFileSync(path.join(chart, "templates/secret.yaml"), "utf8");
  assert.match(secretTemplate, /X402_ADMIN_TOKEN: \{\{ \$adminToken \| quote \}\}/);
  assert.match(secretTemplate, /randAlphaNum 48/);
  assert.match(secretTemplate, /lookup "v1" "Secret"/, "an upgrade keeps the generated token");
  assert.equal(portOf(values.config.listen), values.ports.http);
  assert.equal(portOf(values.config.admin_listen), values.ports.admin);
  for (const file of fs.readdirSync(path.join(chart, "ci"))) {
    const v = YAML.parse(fs.readFileSync(path.join(chart, "ci", file), "utf8"));
    assert.ok(["standalone", "sidecar"].includes(v.mode), file);
    if (v.config) {
      const r = await check(YAML.stringify(v.config), { ...v.secrets, X402_ADMIN_TOKEN: GENERATED_ADMIN_TOKEN });
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      assertAdminSafe(v.config, file);
    }
  }

  // Go template actions: every {{ opens and closes, and every block (if/range/with/define) ends.
  const templates = fs.readdirSync(path.join(chart, "templates"));
  assert.ok(["deployment.yaml", "service.yaml", "configmap.yaml", "secret.yaml", "pdb.yaml", "_helpers.tpl"].every((t) => templates.includes(t)));
  for (const t of templates) {
    const text = fs.readFileSync(path.join(chart, "templates", t), "utf8");
    assert.equal((text.match(/\{\{/g) || []).length, (text.match(/\}\}/g) || []).length, `${t}: unbalanced braces`);
    const opens = (text.match(/\{\{-?\s*(if|range|with|define)\b/g) || []).length;
    const ends = (text.match(/\{\{-?\s*end\s*-?\}\}/g) || []).length;
    assert.equal(opens, ends, `${t}: ${opens} blocks, ${ends} ends`);
  }
});

test("container image: its default configuration passes --check with X402_PAY_TO, and names it when missing", async () => {
  const text = fs.readFileSync(path.join(root, "packaging/docker/gateway.yaml"), "utf8");
  const ok = await check(text, { X402_PAY_TO: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });
  assert.equal(ok.code, 0, ok.stderr);
  delete process.env.X402_PAY_TO;  // unset, not empty: the check must name the variable
  const missing = await check(text, {});
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /X402_PAY_TO is not set/);
  const dockerfile = fs.readFileSync(path.join(root, "packaging/docker/Dockerfile"), "utf8");
  assert.match(dockerfile, /^FROM debian:bookworm-slim AS build$/m, "multi-stage on Debian bookworm");
  assert.match(dockerfile, /^USER 10402:10402$/m, "non-root");
  assert.match(dockerfile, /^HEALTHCHECK .*\n.*\/healthz/m, "a HEALTHCHECK on the admin /healthz");
  // The image's admin listener is on loopback (the HEALTHCHECK runs inside); a token is optional.
  assert.match(text, /admin_listen: "\$\{X402_ADMIN_LISTEN:-127\.0\.0\.1:9402\}"/);
  assert.doesNotMatch(ok.stderr, /no admin\.token/);
  const exposed = await check(text, { X402_PAY_TO: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", X402_ADMIN_LISTEN: "0.0.0.0:9402" });
  assert.equal(exposed.code, 0, exposed.stderr);
  assert.match(exposed.stderr, /no admin\.token is set: POST \/admin\/reload will be refused/);
});
