// Issue 21, section 1: the `upto` scheme, settled for what the answer says it cost. Against the real
// gateway, a real upstream that names its charge (Settlement-Overrides header, or trailer on a
// chunked SSE answer) and the scripted facilitator whose /supported lists `upto` with its
// facilitatorAddress. Each test says what it proves; the money rules (R1-R6) are checked by the
// invariant checker too (tests/invariants, upto routes).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startGateway, startUpstream, startFacilitator, baseConfig, decodeHeader, writeConfig, runGatewayCommand, BUYER, PAY_TO } from "../support/gateway.mjs";
import { metric, request, waitFor } from "../support/raw.mjs";

const FACILITATOR_ADDRESS = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const UPTO_PROXY = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";
const MAX = "100000"; // "$0.10" of USDC (6 decimals)

let upstream, facilitator, gw, stateDir;
// /settle: "ok" answers at once (naming the amount it was asked for, as @x402/evm's upto
// facilitator does); "hang" answers past the gateway's timeout once, then "ok".
let settleMode = "ok";

const uptoKind = { x402Version: 2, scheme: "upto", network: "eip155:84532", extra: { facilitatorAddress: FACILITATOR_ADDRESS } };

before(async () => {
  // The upstream charges what the query says: ?o=<Settlement-Overrides JSON> as a header, ?t=<...>
  // as a trailer of a chunked SSE answer; ?status=<n> answers that status.
  upstream = await startUpstream((req, res) => {
    const q = new URL(req.url, "http://x").searchParams;
    const status = Number(q.get("status") || 200);
    if (q.has("t")) {
      res.writeHead(status, { "content-type": "text/event-stream", trailer: "Settlement-Overrides" });
      res.write("data: {\"n\":1}\n\n");
      res.write("data: {\"n\":2}\n\n");
      res.addTrailers({ "Settlement-Overrides": q.get("t") });
      return res.end("data: [DONE]\n\n");
    }
    const headers = { "content-type": "application/json" };
    if (q.has("o")) headers["settlement-overrides"] = q.get("o");
    res.writeHead(status, headers);
    res.end(JSON.stringify({ ok: status < 400, path: req.url }));
  });
  facilitator = await startFacilitator({
    supported: () => ({ body: { kinds: [uptoKind, { x402Version: 2, scheme: "exact", network: "eip155:84532" }], extensions: [], signers: {} } }),
    settle: (b) => {
      const answer = { body: { success: true, transaction: "0x" + crypto.randomBytes(32).toString("hex"), network: b.paymentRequirements.network, payer: BUYER, amount: b.paymentRequirements.amount } };
      if (settleMode === "hang") {
        settleMode = "ok";
        return { ...answer, delayMs: 2500 };
      }
      return answer;
    },
  });
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-upto-"));
  gw = await startGateway(config());
  // The 402 is complete once the facilitator's /supported named its upto address.
  assert.ok(await waitFor(async () => (await uptoChallenge("/h")).v2?.extra?.facilitatorAddress), gw.stderr());
});

after(async () => {
  await gw.stop();
  await upstream.close();
  await facilitator.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function config() {
  return baseConfig({
    upstream: upstream.url, facilitator: facilitator.url,
    facilitatorExtra: ", timeout: 1s",
    extra: `state: { dir: "${stateDir}" }`,
    routes: `  - { match: "GET /h", scheme: upto, price: "$0.10" }
  - match: "GET /mixed"
    accepts:
      - { price: "$0.01" }
      - { price: "$0.10", scheme: upto }
  - { match: "GET /exact", price: "$0.01" }`,
  }).replace(/timeout: 2s, timeout: 1s/, "timeout: 1s");
}

async function uptoChallenge(route) {
  const response = await fetch(gw.url(route));
  const body = await response.json();
  const doc = decodeHeader(response.headers.get("payment-required"));
  return { response, body, doc, v2: doc.accepts.find((a) => a.scheme === "upto") };
}

/** An upto payment for `accepted` as @x402/evm's upto client builds it (the signature is not real:
 *  the scripted facilitator decides what is valid). */
function uptoPayment(accepted, { amount = accepted.amount, facilitatorAddress = accepted.extra.facilitatorAddress, to = accepted.payTo, spender = UPTO_PROXY } = {}) {
  const payload = {
    signature: "0x" + "aa".repeat(65),
    permit2Authorization: {
      from: BUYER,
      permitted: { token: accepted.asset, amount },
      spender,
      nonce: BigInt("0x" + crypto.randomBytes(32).toString("hex")).toString(),
      deadline: String(Math.floor(Date.now() / 1000) + accepted.maxTimeoutSeconds),
      witness: { to, facilitator: facilitatorAddress, validAfter: "0" },
    },
  };
  return Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload, resource: { url: "http://x/" } })).toString("base64");
}

const settles = () => facilitator.calls.filter((c) => c.endpoint === "settle");
const verifies = () => facilitator.calls.filter((c) => c.endpoint === "verify");
const reset = () => { facilitator.calls.length = 0; upstream.requests.length = 0; settleMode = "ok"; };
const q = (o) => encodeURIComponent(JSON.stringify(o));

async function pay(target, { route = target.split("?")[0] } = {}) {
  const c = await uptoChallenge(route);
  const header = uptoPayment(c.v2);
  const res = await fetch(gw.url(target), { headers: { "PAYMENT-SIGNATURE": header } });
  return { res, header, accepted: c.v2, body: await res.text() };
}

async function accessLine(check) {
  return waitFor(() => gw.access.findLast(check), { ms: 3000 });
}

// Proves: the 402 advertises upto as @x402/evm's upto server does (amount = the maximum, Permit2,
// the facilitator's address from /supported), beside exact; v1 clients are not offered upto.
test("the 402 advertises upto with the maximum and extra.facilitatorAddress from /supported", async () => {
  const c = await uptoChallenge("/mixed");
  assert.equal(c.response.status, 402);
  assert.deepEqual(c.doc.accepts.map((a) => a.scheme), ["exact", "upto"]);
  assert.equal(c.v2.amount, MAX);
  assert.equal(c.v2.extra.facilitatorAddress, FACILITATOR_ADDRESS);
  assert.equal(c.v2.extra.assetTransferMethod, "permit2");
  assert.equal(c.v2.extra.name, "USDC");
  assert.deepEqual(c.body.accepts.map((a) => a.scheme), ["exact"], "x402 v1 has no upto");
});

// Proves: the upstream names the charge in a header; /verify sees the maximum, /settle the charge,
// the payload unchanged; the client never sees the header; the receipt, the access log and the
// revenue count what was charged.
test("header override: settles the named amount, strips the header, the receipt says the amount", async () => {
  reset();
  const revenue = await metric(gw, 'x402gw_revenue_atomic_units_total{route="GET /h",network="eip155:84532",asset="USDC"}');
  const { res, body } = await pay(`/h?o=${q({ amount: "$0.0213" })}`, { route: "/h" });
  assert.equal(res.status, 200, body);
  assert.equal(res.headers.get("settlement-overrides"), null);
  assert.equal(verifies().length, 1);
  assert.equal(verifies()[0].body.paymentRequirements.amount, MAX);
  assert.equal(settles().length, 1);
  assert.equal(settles()[0].body.paymentRequirements.amount, "21300");
  assert.deepEqual(settles()[0].body.paymentPayload, verifies()[0].body.paymentPayload, "the payload is unchanged");
  assert.equal(settles()[0].body.paymentPayload.accepted.amount, MAX);
  const receipt = decodeHeader(res.headers.get("payment-response"));
  assert.equal(receipt.success, true);
  assert.equal(receipt.amount, "21300");
  const line = await accessLine((l) => l.path === "/h" && l.transaction === receipt.transaction);
  assert.ok(line);
  assert.equal(line.amount, "21300");
  assert.equal(line.payment, "settled");
  assert.equal(await metric(gw, 'x402gw_revenue_atomic_units_total{route="GET /h",network="eip155:84532",asset="USDC"}'), revenue + 21300);
  assert.ok(await metric(gw, 'x402gw_settle_amounts_total{route="GET /h",decision="header"}') >= 1);
});

for (const [amount, charged] of [["21300", "21300"], ["50%", "50000"], ["$0.1", MAX]]) {
  test(`header override "${amount}" settles ${charged}`, async () => {
    reset();
    const { res } = await pay(`/h?o=${q({ amount })}`, { route: "/h" });
    assert.equal(res.status, 200);
    assert.equal(settles()[0].body.paymentRequirements.amount, charged);
  });
}

// Proves: a streamed (chunked SSE) answer may name its charge in a trailer; the held path reads it
// and the client sees neither the trailer nor its value anywhere.
test("trailer override on a chunked SSE answer: settled, and stripped from what the client gets", async () => {
  reset();
  const c = await uptoChallenge("/h");
  const header = uptoPayment(c.v2);
  const raw = await request(gw.port, `GET /h?t=${q({ amount: "50%" })} HTTP/1.1\r\nHost: x\r\nPAYMENT-SIGNATURE: ${header}\r\n\r\n`);
  assert.equal(raw.status, 200, raw.text);
  assert.match(raw.text, /data: \[DONE\]/);
  assert.doesNotMatch(raw.head + "\r\n\r\n" + raw.text, /settlement-overrides|50%/i);
  for (const name of Object.keys(raw.headers)) assert.notEqual(name.toLowerCase(), "settlement-overrides");
  assert.equal(settles().length, 1);
  assert.equal(settles()[0].body.paymentRequirements.amount, "50000");
  assert.ok(await metric(gw, 'x402gw_settle_amounts_total{route="GET /h",decision="trailer"}') >= 1);
});

// Proves: more than the buyer authorized is clamped to the maximum, logged and counted.
test("an override above the maximum is clamped, logged and counted", async () => {
  reset();
  const clamped = await metric(gw, 'x402gw_settle_amounts_total{route="GET /h",decision="clamped"}');
  const { res } = await pay(`/h?o=${q({ amount: "$5" })}`, { route: "/h" });
  assert.equal(res.status, 200);
  assert.equal(settles()[0].body.paymentRequirements.amount, MAX);
  assert.equal(decodeHeader(res.headers.get("payment-response")).amount, MAX);
  assert.equal(await metric(gw, 'x402gw_settle_amounts_total{route="GET /h",decision="clamped"}'), clamped + 1);
  assert.match(gw.stderr(), /asked for more than the buyer authorized.*"requested":"5000000"/);
});

// Proves: no override, no meter: the maximum is settled (what the reference middleware does).
test("no override: the maximum is settled", async () => {
  reset();
  const { res } = await pay("/h");
  assert.equal(res.status, 200);
  assert.equal(settles()[0].body.paymentRequirements.amount, MAX);
});

// Proves: an upstream failure (>= 400) settles nothing, whatever it says it costs, and the override
// is stripped from the error too.
test("an answer >= 400 settles nothing, even with an override", async () => {
  reset();
  const { res } = await pay(`/h?status=500&o=${q({ amount: "5" })}`, { route: "/h" });
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("settlement-overrides"), null);
  assert.equal(res.headers.get("payment-response"), null);
  assert.equal(settles().length, 0);
  assert.equal(upstream.requests.length, 1);
});

// Proves: a zero charge sends nothing to /settle, delivers the answer with a receipt that says
// nothing was charged, and uses the payment up (R3): presented again it buys nothing more.
test("a zero charge settles nothing; the receipt says amount 0; the payment is used up", async () => {
  reset();
  const { res, header } = await pay(`/h?o=${q({ amount: "0" })}`, { route: "/h" });
  assert.equal(res.status, 200);
  assert.equal(settles().length, 0);
  const receipt = decodeHeader(res.headers.get("payment-response"));
  assert.deepEqual({ success: receipt.success, transaction: receipt.transaction, amount: receipt.amount }, { success: true, transaction: "", amount: "0" });
  const line = await accessLine((l) => l.path === "/h" && l.amount === "0");
  assert.equal(line.payment, "not_settled");
  const again = await fetch(gw.url(`/h?o=${q({ amount: "10" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(again.status, 402);
  assert.equal((await again.json()).error, "payment_already_used");
  assert.equal(settles().length, 0);
  assert.equal(upstream.requests.length, 1);
});

// Proves: an override the gateway cannot read is an upstream error (502, a clear code), nothing is
// charged, and the payment is released: presented again, it can be settled.
for (const bad of ["lots", "-1", "1.5", "50.125%"]) {
  test(`a malformed override (${bad}) -> 502 invalid_settlement_override, nothing charged`, async () => {
    reset();
    const { res, header } = await pay(`/h?o=${q({ amount: bad })}`, { route: "/h" });
    assert.equal(res.status, 502);
    assert.equal(res.headers.get("payment-response"), null);
    assert.equal(settles().length, 0);
    const again = await fetch(gw.url(`/h?o=${q({ amount: "7" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
    assert.equal(again.status, 200);
    assert.equal(settles().length, 1);
    assert.equal(settles()[0].body.paymentRequirements.amount, "7");
  });
}

test("a malformed override's 502 names the error", async () => {
  reset();
  const c = await uptoChallenge("/h");
  const res = await fetch(gw.url("/h?o=" + encodeURIComponent("not json")), { headers: { "PAYMENT-SIGNATURE": uptoPayment(c.v2) } });
  assert.equal(res.status, 502);
  const body = await res.json();
  assert.equal(body.error, "invalid_settlement_override");
  assert.match(body.message, /nothing was charged/);
  assert.ok(await metric(gw, 'x402gw_settle_amounts_total{route="GET /h",decision="malformed"}') >= 1);
});

// Proves: exact routes charge their price whatever the upstream says, and never leak the header.
test("an exact route ignores Settlement-Overrides and strips it", async () => {
  reset();
  const response = await fetch(gw.url("/exact"));
  const accepted = decodeHeader(response.headers.get("payment-required")).accepts[0];
  const payload = { signature: "0x" + "aa".repeat(65), authorization: { from: BUYER, to: PAY_TO, value: accepted.amount, validAfter: "0", validBefore: "9999999999", nonce: "0x" + crypto.randomBytes(32).toString("hex") } };
  const header = Buffer.from(JSON.stringify({ x402Version: 2, accepted, payload })).toString("base64");
  const res = await fetch(gw.url(`/exact?o=${q({ amount: "1" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("settlement-overrides"), null);
  assert.equal(settles()[0].body.paymentRequirements.amount, "10000");
});

// Proves: what the payload shows is checked before any facilitator call (no chain needed).
for (const [name, opts, code] of [
  ["a maximum other than the price", { amount: "99999" }, "payment_amount_mismatch"],
  ["another payee", { to: "0x" + "11".repeat(20) }, "payment_recipient_mismatch"],
  ["another spender", { spender: "0x" + "22".repeat(20) }, "invalid_permit2_spender"],
  ["another facilitator", { facilitatorAddress: "0x" + "33".repeat(20) }, "upto_facilitator_mismatch"],
]) {
  test(`an upto payment with ${name} is refused before /verify (${code})`, async () => {
    reset();
    const c = await uptoChallenge("/h");
    const res = await fetch(gw.url("/h"), { headers: { "PAYMENT-SIGNATURE": uptoPayment(c.v2, opts) } });
    assert.equal(res.status, 402);
    assert.equal((await res.json()).error, code);
    assert.equal(facilitator.calls.length, 0);
    assert.equal(upstream.requests.length, 0);
  });
}

// Proves: the charge is part of the journaled /settle body, so a settlement whose answer never came
// is reconciled for the same amount, and the payment is then served without a second charge.
test("a settle timeout on an upto payment is journaled and reconciled for the same amount", async () => {
  reset();
  settleMode = "hang";
  const { res, header } = await pay(`/h?o=${q({ amount: "21300" })}`, { route: "/h" });
  assert.equal(res.status, 504);
  const journal = fs.readFileSync(path.join(stateDir, "unknown-settlements.jsonl"), "utf8");
  const line = journal.trim().split("\n").map((l) => JSON.parse(l)).find((r) => r.type === "unknown");
  assert.equal(JSON.parse(line.body).paymentRequirements.amount, "21300");
  assert.ok(await waitFor(async () => (await metric(gw, 'x402gw_settlements_reconciled_total{result="settled"}')) >= 1), gw.stderr());
  assert.ok(settles().length >= 2);
  for (const s of settles()) assert.equal(s.body.paymentRequirements.amount, "21300");
  const count = settles().length;
  // Served again (streamed, R2): whatever the upstream names now is neither settled nor shown.
  const served = await fetch(gw.url(`/h?o=${q({ amount: "99" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("settlement-overrides"), null);
  assert.equal(decodeHeader(served.headers.get("payment-response")).amount, "21300");
  assert.equal(settles().length, count, "no second settlement");
});

// Proves: the configuration refuses settlement: before on an upto route, with its line, and an
// upto route on a non-EVM network; the online check says when no facilitator settles upto.
test("config: settlement before + upto is refused with its line; a facilitator without upto is reported", async () => {
  const bad = baseConfig({ upstream: upstream.url, facilitator: facilitator.url,
    routes: `  - { match: "GET /x", scheme: upto, price: "$0.10", settlement: before }` });
  const checked = await runGatewayCommand(["--check", "--config", writeConfig(bad)]);
  assert.equal(checked.code, 2, checked.stderr + checked.stdout);
  assert.match(checked.stderr + checked.stdout, /:\d+.*settlement: before cannot settle an upto/);

  const plain = await startFacilitator();  // lists exact only
  try {
    const online = await runGatewayCommand(["--check", "--online", "--config",
      writeConfig(baseConfig({ upstream: upstream.url, facilitator: plain.url, routes: `  - { match: "GET /x", scheme: upto, price: "$0.10" }` }))]);
    assert.equal(online.code, 3, online.stderr + online.stdout);
    assert.match(online.stderr + online.stdout, /accepts upto on eip155:84532/);
  } finally {
    await plain.close();
  }
});

/** A JSON-RPC node that shows one upto settlement: Permit2's nonceBitmap has the nonce's bit set,
 *  the token's Transfer of `transferred` from the buyer to the payee is in a transaction `TX` whose
 *  input is the upto proxy's settle(...) of that nonce and `settled`. */
function startPermit2Chain() {
  const word = (v) => BigInt(v).toString(16).padStart(64, "0");
  const addressWord = (a) => a.toLowerCase().replace(/^0x/, "").padStart(64, "0");
  const state = { nonce: null, settled: "0", transferred: "0", tx: "0x" + "7e".repeat(32), asked: [] };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      const { id, method, params } = JSON.parse(text);
      state.asked.push(method);
      let result = null;
      if (method === "eth_call" && params[0].to.toLowerCase() === PERMIT2 && params[0].data.startsWith("0x4fe02b44"))
        result = "0x" + (state.nonce === null ? word(0) : word(1n << (state.nonce & 255n)));
      else if (method === "eth_blockNumber") result = "0x3e8";
      else if (method === "eth_getLogs")
        result = [{ address: USDC, topics: [TRANSFER, "0x" + addressWord(BUYER), "0x" + addressWord(PAY_TO)], data: "0x" + word(state.transferred), transactionHash: state.tx }];
      else if (method === "eth_getTransactionByHash" && params[0] === state.tx)
        result = { hash: state.tx, to: UPTO_PROXY, input: "0xff11e7b4" + addressWord(USDC) + word(MAX) + word(state.nonce) + word(9999999999) +
          word(state.settled) + addressWord(BUYER) + addressWord(PAY_TO) + addressWord(FACILITATOR_ADDRESS) + word(0) + word(0x140) + word(65) + "cc".repeat(65) + "00".repeat(31) };
      else if (method === "eth_getTransactionReceipt" && params[0] === state.tx)
        result = { transactionHash: state.tx, status: "0x1", blockNumber: "0x3e0", logs: [] };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    state, url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  })));
}
const PERMIT2 = "0x000000000022d473030f116ddee9f6b43ac78ba3";
const USDC = "0x036cbd53842c5426634e7929541ec2318f3dcf7e";
const TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

// Proves: with `chains:`, an upto payment whose /settle never answered is proved landed by the
// chain (Permit2 nonce used, the upto proxy's settle of that nonce, the Transfer of exactly the
// charge), and only for the charge: a Transfer of another amount proves nothing.
for (const [name, transferred, lands] of [["the charge moved: landed", "21300", true], ["another amount moved: nothing proved", MAX, false]]) {
  test(`chains: a hung upto /settle is reconciled from Permit2 evidence (${name})`, async () => {
    const chain = await startPermit2Chain();
    // Every /settle hangs past the gateway's timeout: only the chain can tell.
    const silent = await startFacilitator({
      supported: () => ({ body: { kinds: [uptoKind], extensions: [], signers: {} } }),
      settle: () => ({ hang: true }),
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-upto-chain-"));
    const g = await startGateway(baseConfig({ upstream: upstream.url, facilitator: silent.url, facilitatorExtra: ", timeout: 1s",
      extra: `state: { dir: "${dir}" }\nchains:\n  base-sepolia: { rpc: "${chain.url}", timeout: 500ms }`,
      routes: `  - { match: "GET /h", scheme: upto, price: "$0.10" }` }).replace(/timeout: 2s, timeout: 1s/, "timeout: 1s"));
    try {
      let accepted;
      assert.ok(await waitFor(async () => {
        const r = await fetch(g.url("/h"));
        accepted = decodeHeader(r.headers.get("payment-required")).accepts[0];
        return accepted.extra?.facilitatorAddress;
      }));
      const header = uptoPayment(accepted);
      chain.state.nonce = BigInt(JSON.parse(Buffer.from(header, "base64").toString()).payload.permit2Authorization.nonce);
      chain.state.settled = "21300";
      chain.state.transferred = transferred;
      const res = await fetch(g.url(`/h?o=${q({ amount: "21300" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
      assert.equal(res.status, 504);
      const finding = lands ? "landed" : "none";
      assert.ok(await waitFor(async () => (await metric(g, `x402gw_reconciliation_evidence_total{family="evm",finding="${finding}"}`)) >= 1, { ms: 8000 }), g.stderr());
      const again = await fetch(g.url("/h"), { headers: { "PAYMENT-SIGNATURE": header } });
      if (lands) {
        assert.equal(await metric(g, 'x402gw_settlements_reconciled_total{result="settled"}'), 1);
        assert.equal(again.status, 200);
        const receipt = decodeHeader(again.headers.get("payment-response"));
        assert.equal(receipt.transaction, chain.state.tx);
        assert.equal(receipt.amount, "21300");
      } else {
        assert.equal(again.status, 402);
        assert.equal((await again.json()).error, "payment_pending");
        assert.equal(await metric(g, 'x402gw_settlements_reconciled_total{result="settled"}'), 0);
      }
      for (const s of silent.calls.filter((c) => c.endpoint === "settle")) assert.equal(s.body.paymentRequirements.amount, "21300");
    } finally {
      await g.stop();
      await silent.close();
      await chain.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Proves: what the gateway advertises is what @x402/evm 2.27's upto client signs, and what that
// client signs passes the gateway's checks: /verify gets the maximum, /settle the charge. (The
// on-chain settlement is tests/e2e's.) Skipped where the local stack's packages are not installed.
test("the reference upto client (@x402/evm 2.27) pays the 402 as advertised", async (t) => {
  let UptoEvmScheme, privateKeyToAccount;
  try {
    const { createRequire } = await import("node:module");
    const require = createRequire(new URL("../../packaging/localstack/package.json", import.meta.url));
    ({ UptoEvmScheme } = await import(require.resolve("@x402/evm/upto/client")));
    ({ privateKeyToAccount } = await import(require.resolve("viem/accounts")));
  } catch {
    return t.skip("packaging/localstack has no @x402/evm");
  }
  reset();
  // The anvil account whose address is BUYER.
  const account = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  assert.equal(account.address, BUYER);
  const c = await uptoChallenge("/h");
  const signed = await new UptoEvmScheme(account).createPaymentPayload(2, c.v2);
  const header = Buffer.from(JSON.stringify({ ...signed, accepted: c.v2, resource: c.doc.resource })).toString("base64");
  const res = await fetch(gw.url(`/h?o=${q({ amount: "$0.0213" })}`), { headers: { "PAYMENT-SIGNATURE": header } });
  assert.equal(res.status, 200, await res.text());
  assert.equal(verifies()[0].body.paymentRequirements.amount, MAX);
  assert.equal(verifies()[0].body.paymentPayload.payload.permit2Authorization.witness.facilitator, FACILITATOR_ADDRESS);
  assert.equal(settles()[0].body.paymentRequirements.amount, "21300");
  assert.equal(decodeHeader(res.headers.get("payment-response")).amount, "21300");
});
