// The command line: --check reports every configuration mistake with its line; --version.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runGatewayCommand, startFacilitator, writeConfig, PAY_TO } from "../support/gateway.mjs";

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

// Every configuration in conf/: tests/integration/conf_examples.test.mjs.

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

// Proves: --check --online says why a facilitator cannot serve a route's network, in words an
// operator acts on: which network (and that it is a mainnet), which facilitator, and that the
// facilitator settles testnets only when its /supported lists nothing else (the mistake of pointing a
// Base mainnet route at the public testnet facilitator, which takes no money). Also a network listed
// under another scheme only, and a route with two facilitators that both lack it.
test("--check --online explains an unsupported network: which network, which facilitator, testnets only", async () => {
  const testnets = await startFacilitator({ supported: () => ({ body: { kinds: [
    { x402Version: 2, scheme: "exact", network: "eip155:84532" },
    { x402Version: 1, scheme: "exact", network: "base-sepolia" },
    { x402Version: 2, scheme: "exact", network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1" },
  ], extensions: [], signers: {} } }) });
  const otherScheme = await startFacilitator({ supported: () => ({ body: { kinds: [
    { x402Version: 2, scheme: "upto", network: "eip155:8453" },
  ], extensions: [], signers: {} } }) });
  try {
    const config = (facilitator) => writeConfig(`upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  testnets: { url: "${testnets.url}" }
  upto_only: { url: "${otherScheme.url}" }
payment: { pay_to: "${PAY_TO}", network: base, facilitator: ${facilitator} }
routes:
  - { match: "GET /search", name: search, price: "$0.002" }
`);
    let r = await runGatewayCommand(["--check", "--online", "--config", config("testnets")]);
    assert.equal(r.code, 3, r.stderr);
    const line = r.stderr.split("\n").find((l) => l.includes("error: route 'search'"));
    assert.ok(line, r.stderr);
    assert.match(line, /accepts exact on eip155:8453, which facilitator 'testnets' does not list in \/supported/);
    assert.match(line, /eip155:8453 is Base mainnet/);
    assert.match(line, /facilitator 'testnets' settles testnets only \(its \/supported lists eip155:84532 \(Base Sepolia\), solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1 \(Solana devnet\)\)/);
    assert.match(line, /a mainnet route needs a facilitator that settles mainnet payments/);

    r = await runGatewayCommand(["--check", "--online", "--config", config("upto_only")]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /facilitator 'upto_only' lists eip155:8453 only with scheme upto, not exact/);
    assert.doesNotMatch(r.stderr, /testnets only/);

    r = await runGatewayCommand(["--check", "--online", "--config", config("[testnets, upto_only]")]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /which none of its facilitators \('testnets', 'upto_only'\) lists in \/supported: eip155:8453 is Base mainnet; facilitator 'testnets' settles testnets only .*; facilitator 'upto_only' lists eip155:8453 only with scheme upto/);
  } finally {
    await testnets.close();
    await otherScheme.close();
  }
});

// Proves: plain --check (no network) already warns when a mainnet route's first facilitator is the
// public x402.org one, which settles testnets only: the configuration loads (exit 0) and the warning
// names the route, its line, the network and the facilitator. A testnet route gets no warning.
test("--check warns offline that a mainnet route on x402.org/facilitator takes no money", async () => {
  const config = (network) => writeConfig(`upstreams:
  api: { url: "http://127.0.0.1:3000" }
facilitators:
  primary: { url: "https://x402.org/facilitator" }
payment: { pay_to: "${PAY_TO}", network: ${network} }
routes:
  - { match: "GET /api/search", name: search, price: "$0.002" }
`);
  let r = await runGatewayCommand(["--check", "--config", config("base")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: .*:7:\d+: routes\[0\]: route 'search' sells on eip155:8453 \(Base mainnet\) through facilitator 'primary' \(https:\/\/x402\.org\/facilitator\), which settles testnets only: it takes no money/);
  r = await runGatewayCommand(["--check", "--config", config("base-sepolia")]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /testnets only/);
});
