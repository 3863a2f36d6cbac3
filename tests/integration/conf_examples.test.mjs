// The examples operators copy (conf/*.yaml): each passes --check, and each priced route is settled
// by what its facilitators really settle, as far as their documentation says. --check --online runs
// against scripted facilitators that stand in for the public ones by URL and answer /supported with
// the kinds their documentation lists (below, with the source of each list). A mainnet route pointed
// at the testnet-only x402.org facilitator fails here with the reason, as an operator would see it.
// Routes whose facilitator is a placeholder (*.example.com: a Stellar relayer, an x402-stacks
// facilitator) are checked offline only: there is no documentation to hold them to.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { runGatewayCommand, startFacilitator, writeConfig } from "../support/gateway.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const YAML = createRequire(path.join(root, "packaging/localstack/package.json"))("yaml");
const confDir = path.join(root, "conf");
const examples = fs.readdirSync(confDir).filter((n) => n.endsWith(".yaml")).sort();

const SOLANA = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
// Each network by both names (v1 name, CAIP-2 id), as facilitators list them; a Solana kind names
// the facilitator's fee payer in its extra, as the SVM scheme has it (the stand-ins' own address).
const FEE_PAYER = "2wKupLR9q6wXYppw8Gr2NvWxKBUqm4PPJKkQfoxHDBg4";
const both = (pairs) => pairs.flatMap(([v1, caip2]) => {
  const extra = caip2.startsWith("solana:") ? { extra: { feePayer: FEE_PAYER } } : {};
  return [
    ...(v1 ? [{ x402Version: 1, scheme: "exact", network: v1, ...extra }] : []),
    { x402Version: 2, scheme: "exact", network: caip2, ...extra },
  ];
});
// What each public facilitator settles, per its documentation:
const documented = {
  // x402.org's own facilitator: testnets only, no auth (x402 docs; CDP "Network Support").
  "https://x402.org/facilitator": both([["base-sepolia", "eip155:84532"], ["solana-devnet", SOLANA_DEVNET]]),
  // CDP (docs.cdp.coinbase.com/x402/network-support): Base, Polygon, Arbitrum One, World, Solana
  // mainnets; Base Sepolia and Solana devnet; `upto` (v2) on its EVM networks, naming the address
  // the buyer signs into its Permit2 witness.
  "https://api.cdp.coinbase.com/platform/v2/x402": [
    ...both([["base", "eip155:8453"], ["base-sepolia", "eip155:84532"], ["solana", SOLANA], ["solana-devnet", SOLANA_DEVNET]]),
    ...both([[null, "eip155:137"], [null, "eip155:42161"], [null, "eip155:480"]]),
    ...["eip155:8453", "eip155:84532", "eip155:137", "eip155:42161", "eip155:480"].map((network) => (
      { x402Version: 2, scheme: "upto", network, extra: { facilitatorAddress: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" } })),
  ],
  // PayAI (docs.payai.network/x402/supported-networks): v1 names and CAIP-2 ids alike.
  "https://facilitator.payai.network": both([
    ["avalanche", "eip155:43114"], ["avalanche-fuji", "eip155:43113"], ["base", "eip155:8453"], ["base-sepolia", "eip155:84532"],
    ["polygon", "eip155:137"], ["polygon-amoy", "eip155:80002"], ["sei", "eip155:1329"], ["sei-testnet", "eip155:1328"],
    ["skale-base", "eip155:1187947933"], ["skale-base-sepolia", "eip155:324705682"], ["solana", SOLANA], ["solana-devnet", SOLANA_DEVNET],
  ]),
};
const isPlaceholder = (url) => /\.example\.com(\/|$)/.test(new URL(url).hostname + "/");

// The secrets the examples read: throw-away keys written to files, as a mounted Secret would be.
function secretsEnv(dir) {
  const cdp = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" });
  const payai = crypto.generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
  fs.writeFileSync(path.join(dir, "cdp"), cdp);
  fs.writeFileSync(path.join(dir, "payai"), payai);
  fs.writeFileSync(path.join(dir, "admin"), crypto.randomBytes(24).toString("hex") + "\n");
  return {
    CDP_API_KEY_ID: "organizations/00000000-0000-0000-0000-000000000000/apiKeys/00000000-0000-0000-0000-000000000001",
    CDP_API_KEY_SECRET_FILE: path.join(dir, "cdp"),
    PAYAI_API_KEY_ID: "test-key", PAYAI_API_KEY_SECRET_FILE: path.join(dir, "payai"),
    X402_ADMIN_TOKEN_FILE: path.join(dir, "admin"),
    PAY_TO: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    BASE_RPC_URL: "http://127.0.0.1:8545", REDIS_PASSWORD: "redis-password", STELLAR_RELAYER_KEY: "relayer-key",
  };
}

test("every conf/ example passes --check", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-conf-"));
  try {
    const env = secretsEnv(dir);
    assert.ok(examples.length >= 7, examples.join(", "));
    for (const name of examples) {
      const r = await runGatewayCommand(["--check", "--config", path.join(confDir, name)], { env });
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /settles testnets only/, name);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("every conf/ example's priced routes are settled by what their facilitators document (--check --online)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-conf-"));
  const standIns = {};
  try {
    for (const [url, kinds] of Object.entries(documented))
      standIns[url] = await startFacilitator({ supported: () => ({ body: { kinds, extensions: [], signers: {} } }) });
    const env = secretsEnv(dir);
    let checked = 0;
    for (const name of examples) {
      const config = YAML.parse(fs.readFileSync(path.join(confDir, name), "utf8"));
      const facilitators = config.facilitators ?? {};
      const unknown = Object.values(facilitators).map((f) => f.url).filter((u) => !documented[u] && !isPlaceholder(u));
      assert.deepEqual(unknown, [], `${name}: a facilitator this test does not know; add its documented /supported`);
      // Routes settled by a placeholder facilitator are left out; the others are held to the docs.
      const names = Object.keys(facilitators);
      const chainOf = (route) => [route.facilitator ?? config.payment?.facilitator ?? names[0]].flat();
      const placeholder = (n) => isPlaceholder(facilitators[n].url);
      config.routes = config.routes.filter((route) => !(route.price || route.accepts) || !chainOf(route).some(placeholder));
      for (const n of names.filter(placeholder)) delete facilitators[n];
      if (!config.routes.some((route) => route.price || route.accepts)) continue;
      for (const f of Object.values(facilitators)) f.url = standIns[f.url].url;
      const file = writeConfig(YAML.stringify(config));
      try {
        const r = await runGatewayCommand(["--check", "--online", "--config", file], { env });
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        assert.match(r.stdout, /ok online/);
      } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
      checked++;
    }
    assert.ok(checked >= 5, `only ${checked} examples checked online`);
  } finally {
    for (const f of Object.values(standIns)) await f.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The production example is one that takes real money: a mainnet route, a mainnet facilitator with
// its auth and a failover, no secret written in the file, TLS on the gateway, shared state.
test("conf/production.yaml takes real money: Base mainnet, CDP with auth, PayAI as failover, secrets outside, ACME TLS, Redis", () => {
  const text = fs.readFileSync(path.join(confDir, "production.yaml"), "utf8");
  const c = YAML.parse(text);
  assert.equal(c.payment.network, "base");
  const chain = [c.payment.facilitator].flat();
  assert.deepEqual(chain, ["cdp", "payai"]);
  assert.equal(c.facilitators.cdp.url, "https://api.cdp.coinbase.com/platform/v2/x402");
  assert.equal(c.facilitators.cdp.auth.type, "cdp");
  assert.equal(c.facilitators.payai.url, "https://facilitator.payai.network");
  assert.ok(Object.values(c.facilitators).every((f) => f.url !== "https://x402.org/facilitator"), "x402.org settles testnets only");
  // Every secret is a ${VAR} or a *_file: nothing secret is written in the example.
  for (const f of Object.values(c.facilitators)) {
    for (const [k, v] of Object.entries(f.auth ?? {})) if (k !== "type") assert.match(String(v), /^\$\{[A-Z0-9_]+(:-[^}]*)?\}$/, `auth.${k}`);
    assert.ok(f.auth.key_secret_file && !f.auth.key_secret, "the key's secret from a file");
  }
  assert.match(c.payment.pay_to, /^\$\{PAY_TO\}$/);
  assert.match(c.state.password, /^\$\{REDIS_PASSWORD\}$/);
  assert.equal(c.state.store, "redis");
  assert.ok(c.admin.token_file && !c.admin.token);
  const tls = c.listen.find((l) => l.tls);
  assert.ok(tls?.tls.acme?.domains?.length, "an ACME certificate on the gateway's own TLS listener");
  assert.ok(c.listen.some((l) => l.redirect_https), "port 80 redirects to https and answers HTTP-01");
  assert.ok(c.chains?.base?.rpc, "an RPC endpoint to prove unknown settlements");
});
