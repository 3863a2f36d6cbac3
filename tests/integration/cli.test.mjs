// The command line: --check reports every configuration mistake with its line; --version.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runGatewayCommand, writeConfig } from "../support/gateway.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

test("--version prints the version", async () => {
  const r = await runGatewayCommand(["--version"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^x402-gateway \d+\.\d+\.\d+/);
});

test("--check accepts the documented example configuration", async () => {
  const r = await runGatewayCommand(["--check", "--config", path.join(root, "gateway.example.yaml")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ok \(\d+ routes\)/);
});

test("--check accepts every configuration in conf/", async () => {
  for (const name of fs.readdirSync(path.join(root, "conf")).filter((n) => n.endsWith(".yaml"))) {
    const r = await runGatewayCommand(["--check", "--config", path.join(root, "conf", name)], { env: { FACILITATOR_TOKEN: "t", STELLAR_RELAYER_KEY: "k" } });
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
});

test("--check lists every error with file, line and column, and exits non-zero", async () => {
  const file = writeConfig(`listen: "127.0.0.1:0"
upstreams:
  api: { url: "http://127.0.0.1:3000", timeout: soon }
facilitators:
  f: { url: "http://127.0.0.1:4020" }
payment: { pay_to: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", network: base-sepolia }
routes:
  - match: "GET /a"
    price: "$0.0000001"
  - match: "GET /b"
    prise: "$0.01"
  - match: "GET /c"
    price: "$0.01"
    network: nowhere
`);
  const r = await runGatewayCommand(["--check", "--config", file]);
  assert.equal(r.code, 2);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(lines.length, 4, r.stderr);
  assert.match(r.stderr, new RegExp(`error: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+: upstreams\\.api\\.timeout`));
  assert.match(r.stderr, /:9:12: routes\[0\]\.price: '\$0\.0000001'/);
  assert.match(r.stderr, /:11:5: routes\[1\]\.prise: unknown key/);
  assert.match(r.stderr, /:14:\d+: routes\[2\]\.network: unknown network 'nowhere'/);
  assert.match(r.stderr, /4 error\(s\); the gateway did not start/);
});

test("a missing file is a clear error", async () => {
  const r = await runGatewayCommand(["--check", "--config", "/nonexistent/gateway.yaml"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read the configuration file/);
});

test("an unknown argument prints the usage", async () => {
  const r = await runGatewayCommand(["--frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /usage: x402-gateway/);
});
