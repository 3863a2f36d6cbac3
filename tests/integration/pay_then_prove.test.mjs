// Pay-then-prove (`proof: tx_hash`) against a scripted chain: a JSON-RPC endpoint that answers
// eth_getTransactionReceipt, eth_blockNumber and eth_getBlockByNumber from receipts the test plants,
// and counts the calls. What only a scripted chain can show: a refusal that holds for one route only
// is not remembered for the others; every requirement of the network is checked; a proof is marked
// used before its answer streams; proof attempts draw on the challenge limit; and what the store
// keeps for a proof, for how long (memory and a real redis-server).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader, PAY_TO, BUYER } from "../support/gateway.mjs";
import { startRedis } from "../support/redis.mjs";

const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";  // base-sepolia's USDC, "$" prices resolve to it
const OTHER_PAY_TO = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const HEAD = 1000;

const word = (hex) => "0x" + hex.replace(/^0x/, "").toLowerCase().padStart(64, "0");

// The scripted chain: receipts by hash, one block timestamp for all (now unless set), calls counted.
function startChain() {
  const receipts = new Map();
  const state = { calls: 0, blockTime: null };
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      state.calls++;
      const { id, method, params } = JSON.parse(text);
      let result = null;
      if (method === "eth_getTransactionReceipt") result = receipts.get(params[0].toLowerCase()) ?? null;
      else if (method === "eth_blockNumber") result = "0x" + HEAD.toString(16);
      else if (method === "eth_getBlockByNumber") result = { number: params[0], timestamp: "0x" + (state.blockTime ?? Math.floor(Date.now() / 1000)).toString(16) };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    state,
    url: `http://127.0.0.1:${server.address().port}`,
    // Plants a mined transaction; resolves to its hash.
    // `transfers` plants several Transfer logs ({from, to, amount, token}); `claims` is the
    // transactionHash the node puts in the receipt (a lying or confused node).
    plant({ to = PAY_TO, amount = 10_000n, token = USDC, status = "0x1", transfers = null, claims = null } = {}) {
      const hash = "0x" + crypto.randomBytes(32).toString("hex");
      const log = ({ from = BUYER, to, amount, token = USDC }) =>
        ({ address: token.toLowerCase(), topics: [TRANSFER_TOPIC, word(from), word(to)], data: word(amount.toString(16)) });
      receipts.set(hash, {
        transactionHash: claims ?? hash, status, blockNumber: "0x" + (HEAD - 5).toString(16),
        logs: (transfers ?? [{ to, amount, token }]).map(log),
      });
      return hash;
    },
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  })));
}

let chain, upstream, facilitator, redis;
const gateways = [];

const routes = `  - { match: "GET /cheap", price: "$0.01", proof: tx_hash }
  - { match: "GET /dear", price: "$1.00", proof: tx_hash }
  - match: "GET /two"
    proof: tx_hash
    accepts:
      - { network: base-sepolia, price: "$1.00" }
      - { network: base-sepolia, price: "$0.01", pay_to: "${OTHER_PAY_TO}" }
  - { match: "GET /slow", price: "$0.01", proof: tx_hash }
  - { match: "GET /reset", price: "$0.01", proof: tx_hash }
  - { match: "GET /half", price: "$0.01", proof: tx_hash }`;

async function gateway({ limits = "", state = "", env = {}, facilitatorUrl = null } = {}) {
  const extra = `chains:
  base-sepolia: { rpc: "${chain.url}", timeout: 300ms, max_age: 1h }
${state}`;
  const gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitatorUrl ?? facilitator.url, routes, limits, extra }), { env });
  gateways.push(gw);
  return gw;
}

before(async () => {
  chain = await startChain();
  // /slow streams its answer for ~10 s: longer than a proof's claim lease with these timeouts (~8 s).
  upstream = await startUpstream((req, res) => {
    res.setHeader("content-type", "text/plain");
    // /reset drops the connection before any byte of an answer; /half after its head and a part.
    if (req.url.startsWith("/reset")) return req.socket.destroy();
    if (req.url.startsWith("/half")) {
      res.writeHead(200, { "content-length": "100" });
      res.write("part");
      return setTimeout(() => req.socket.destroy(), 50);
    }
    if (!req.url.startsWith("/slow")) return res.end("served " + req.url);
    res.write("first part\n");
    setTimeout(() => res.end("last part\n"), 10_000);
  });
  facilitator = await startFacilitator();
});

after(async () => {
  for (const gw of gateways) await gw.stop();
  await chain?.close();
  await upstream?.close();
  await facilitator?.close();
  await redis?.stop();
});

async function present(gw, path, hash) {
  const res = await fetch(gw.url(path), { headers: { "X-Payment-Proof": hash } });
  const text = await res.text();
  let body = null;
  try { body = JSON.parse(text); } catch {}
  return { status: res.status, body, text, headers: res.headers };
}

const served = (path) => upstream.requests.filter((r) => r.url === path).length;

test("a hash refused at a dearer route is still served at the route it paid (an observer cannot spoil it)", async () => {
  const gw = await gateway();
  const hash = chain.plant({ amount: 10_000n });  // $0.01
  let r = await present(gw, "/dear", hash);
  assert.equal(r.status, 402, r.text);
  assert.equal(r.body.error, "proof_amount_too_small");
  r = await present(gw, "/dear", hash);
  assert.equal(r.body.error, "proof_amount_too_small", "a route-specific refusal is checked again, not remembered");
  r = await present(gw, "/cheap", hash);
  assert.equal(r.status, 200, r.text);
  assert.equal(served("/cheap"), 1);
  r = await present(gw, "/dear", hash);
  assert.equal(r.body.error, "proof_already_used", "an accepted hash is used everywhere");
  r = await present(gw, "/cheap", hash);
  assert.equal(r.body.error, "proof_already_used");
  assert.equal(served("/cheap"), 1);
  assert.equal(served("/dear"), 0);

  // The wrong recipient is route-specific too: asked of the chain again each time.
  const elsewhere = chain.plant({ to: OTHER_PAY_TO });
  let calls = chain.state.calls;
  assert.equal((await present(gw, "/cheap", elsewhere)).body.error, "proof_wrong_recipient");
  assert.equal(chain.state.calls - calls, 3);
  calls = chain.state.calls;
  assert.equal((await present(gw, "/cheap", elsewhere)).body.error, "proof_wrong_recipient");
  assert.equal(chain.state.calls - calls, 3);

  // A reverted transaction can pay no route: remembered for all, without asking the chain again.
  const reverted = chain.plant({ status: "0x0" });
  assert.equal((await present(gw, "/dear", reverted)).body.error, "proof_reverted");
  calls = chain.state.calls;
  assert.equal((await present(gw, "/cheap", reverted)).body.error, "proof_reverted");
  assert.equal(chain.state.calls, calls, "kept with its reason");
});

test("a route with two requirements on one network: a transfer paying the second is served", async () => {
  const gw = await gateway();
  const hash = chain.plant({ to: OTHER_PAY_TO, amount: 10_000n });
  const r = await present(gw, "/two", hash);
  assert.equal(r.status, 200, r.text);
  assert.equal(served("/two"), 1);
  const receipt = JSON.parse(Buffer.from(r.headers.get("x-payment-response"), "base64").toString());
  assert.equal(receipt.transaction, hash);
  // Paying neither: refused with the reason of the nearest miss.
  const neither = chain.plant({ to: OTHER_PAY_TO, amount: 9_999n });
  const refused = await present(gw, "/two", neither);
  assert.equal(refused.status, 402, refused.text);
  assert.equal(refused.body.error, "proof_amount_too_small");
});

test("a slow answer: the proof is used before it streams, a second presentation is refused during it and after the claim's lease", async () => {
  const gw = await gateway();
  const hash = chain.plant();
  const started = Date.now();
  const first = await fetch(gw.url("/slow"), { headers: { "X-Payment-Proof": hash } });
  assert.equal(first.status, 200);
  const whole = first.text();
  await new Promise((r) => setTimeout(r, 1000));
  let again = await present(gw, "/slow", hash);
  assert.equal(again.status, 402, again.text);
  assert.equal(again.body.error, "proof_already_used", "final, not merely in flight");
  // The claim's lease here: 3 chain calls of 300 ms, two store calls of 1 s, 5 s: 7.9 s.
  await new Promise((r) => setTimeout(r, Math.max(0, started + 8500 - Date.now())));
  again = await present(gw, "/slow", hash);
  assert.equal(again.status, 402, again.text);
  assert.equal(again.body.error, "proof_already_used");
  assert.equal(await whole, "first part\nlast part\n");
  assert.equal(served("/slow"), 1, "one transfer, one answer");
});

test("proof attempts draw on the challenge limit of the client address (429 before any chain call)", async () => {
  const gw = await gateway({ limits: "challenges_per_second: 1, challenge_burst: 3" });
  const calls = chain.state.calls;
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await present(gw, "/cheap", "0x" + crypto.randomBytes(32).toString("hex")));
  assert.deepEqual(results.map((r) => r.status), [402, 402, 402, 429, 429], results.map((r) => r.text).join("\n"));
  assert.equal(results[3].body.error, "rate_limited");
  assert.equal(results[3].headers.get("retry-after"), "1");
  assert.equal(chain.state.calls - calls, 3, "a limited attempt costs the chain nothing");
  // Challenges and proofs share the bucket.
  assert.equal((await fetch(gw.url("/cheap"))).status, 429);
  const metrics = await (await fetch(gw.admin("/metrics"))).text();
  assert.match(metrics, /x402gw_payment_proofs_total\{result="rate_limited"\} 2\b/);
});

test("Redis: a refusal for every route lives minutes, a route-specific one is not kept, an accepted hash lives max_age, not ten years", async () => {
  redis = await startRedis();
  const prefix = "ptp:";
  const gw = await gateway({ state: `state: { store: redis, url: "${redis.url}", key_prefix: "${prefix}" }` });
  for (let i = 0; i < 100; i++) {
    if ((await fetch(gw.admin("/readyz"))).status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const key = (hash) => `${prefix}claim:proof:eip155:84532:${hash}`;

  const reverted = chain.plant({ status: "0x0" });
  assert.equal((await present(gw, "/cheap", reverted)).body.error, "proof_reverted");
  const ttl = Number(redis.cli("PTTL", key(reverted)).trim());
  assert.ok(ttl > 0 && ttl <= 10 * 60 * 1000, `a refusal is kept minutes, not ${ttl} ms`);

  const small = chain.plant({ amount: 1n });
  assert.equal((await present(gw, "/cheap", small)).body.error, "proof_amount_too_small");
  assert.equal(redis.cli("EXISTS", key(small)).trim(), "0", "a route-specific refusal leaves nothing behind");

  const paid = chain.plant();
  assert.equal((await present(gw, "/cheap", paid)).status, 200);
  const kept = Number(redis.cli("PTTL", key(paid)).trim());
  // The longer of state.remember (24 h) and max_age (1 h) with a margin: a hash older than max_age is refused anyway.
  assert.ok(kept > 23 * 3600 * 1000 && kept <= 25 * 3600 * 1000, `an accepted hash is kept about a day, not ${kept} ms`);
  assert.equal((await present(gw, "/dear", paid)).body.error, "proof_already_used");
});

test("a node answering with the receipt of another transaction fails closed (502), it pays nothing", async () => {
  const gw = await gateway();
  const before = served("/cheap");
  const paid = chain.plant();
  // The node answers for this hash with a receipt that names another transaction (a lying,
  // confused or caching node): what was asked is not what was proven.
  const bogus = chain.plant({ claims: paid });
  const r = await present(gw, "/cheap", bogus);
  assert.equal(r.status, 502, r.text);
  assert.equal(r.body.error, "chain_unavailable");
  assert.match(r.text, /another transaction/);
  assert.equal(served("/cheap"), before);
});

test("a transfer from pay_to, or one pay_to sends back in the same transaction, does not pay", async () => {
  const gw = await gateway();
  const before = served("/cheap");
  // pay_to to itself: nothing was paid by anyone.
  const self = chain.plant({ transfers: [{ from: PAY_TO, to: PAY_TO, amount: 10_000n }] });
  let r = await present(gw, "/cheap", self);
  assert.equal(r.status, 402, r.text);
  assert.equal(r.body.error, "proof_amount_too_small");
  // In and straight back out (a flash round trip through pay_to): pay_to is left with nothing.
  const roundTrip = chain.plant({ transfers: [{ to: PAY_TO, amount: 10_000n }, { from: PAY_TO, to: BUYER, amount: 10_000n }] });
  r = await present(gw, "/cheap", roundTrip);
  assert.equal(r.status, 402, r.text);
  assert.equal(r.body.error, "proof_amount_too_small");
  assert.match(r.body.message ?? r.text, /sent back|net/);
  // Another token going out of pay_to does not cancel a payment in the route's token.
  const mixed = chain.plant({ transfers: [{ to: PAY_TO, amount: 10_000n }, { from: PAY_TO, to: BUYER, amount: 10_000n, token: OTHER_PAY_TO }] });
  r = await present(gw, "/cheap", mixed);
  assert.equal(r.status, 200, r.text);
  assert.equal(served("/cheap"), before + 1);
});

test("an upstream failing before any byte frees the hash (presented again, served once); after its first byte it stays used", async () => {
  for (const state of ["", "redis"]) {
    const gw = state ? await gateway({ state: `state: { store: redis, url: "${redis.url}", key_prefix: "free:" }` }) : await gateway();
    if (state)
      for (let i = 0; i < 100 && (await fetch(gw.admin("/readyz"))).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const before = served("/cheap");
    const hash = chain.plant();
    let r = await present(gw, "/reset", hash);
    assert.ok(r.status >= 502 && r.status <= 504, `${state}: ${r.status} ${r.text}`);
    r = await present(gw, "/cheap", hash);
    assert.equal(r.status, 200, `${state}: nothing was served, the hash pays again: ${r.text}`);
    r = await present(gw, "/cheap", hash);
    assert.equal(r.body?.error, "proof_already_used", state);
    assert.equal(served("/cheap"), before + 1);

    const half = chain.plant();
    const res = await fetch(gw.url("/half"), { headers: { "X-Payment-Proof": half } });
    assert.equal(res.status, 200);
    await res.text().catch(() => {});
    r = await present(gw, "/cheap", half);
    assert.equal(r.body?.error, "proof_already_used", `${state}: an answer started is an answer: ${r.text}`);
    assert.equal(served("/cheap"), before + 1);
  }
});

test("a block stamped ahead of the gateway's clock: the accepted hash is kept until max_age would refuse it, not max_age from now", async () => {
  // The chain's clock 2 h ahead of the gateway's (or the gateway's behind): the age check passes
  // until the block is max_age old by the gateway's clock, 3 h from now; forgotten before that, the
  // hash would pay again.
  const gw = await gateway({ state: `state: { store: redis, url: "${redis.url}", key_prefix: "ahead:", remember: 1m }` });
  for (let i = 0; i < 100 && (await fetch(gw.admin("/readyz"))).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  chain.state.blockTime = Math.floor(Date.now() / 1000) + 2 * 3600;
  try {
    const hash = chain.plant();
    assert.equal((await present(gw, "/cheap", hash)).status, 200);
    const kept = Number(redis.cli("PTTL", `ahead:claim:proof:eip155:84532:${hash}`).trim());
    assert.ok(kept >= 3 * 3600 * 1000, `kept ${kept} ms, but the age check accepts it for 3 h`);
  } finally {
    chain.state.blockTime = null;
  }
});

test("an x402 payment's settlement transaction cannot be presented again as a proof (one transfer, one answer)", async () => {
  // An exact EVM payment settles as a Transfer of the price to pay_to: its transaction hash, in the
  // buyer's X-PAYMENT-RESPONSE and on chain, is what a pay-then-prove proof looks like.
  const settlement = chain.plant();
  const settling = await startFacilitator({ settle: (b) => ({ body: { success: true, transaction: settlement, network: b.paymentRequirements.network, payer: BUYER } }) });
  try {
    const gw = await gateway({ facilitatorUrl: settling.url });
    const before = served("/cheap");
    const c = await challenge(gw.url("/cheap"));
    const paid = await fetch(gw.url("/cheap"), { headers: { "X-PAYMENT": paymentHeader(1, c.v1) } });
    assert.equal(paid.status, 200, await paid.text());
    assert.equal(JSON.parse(Buffer.from(paid.headers.get("x-payment-response"), "base64").toString()).transaction, settlement);
    for (const path of ["/cheap", "/slow"]) {
      const r = await present(gw, path, settlement.toUpperCase().replace("0X", "0x"));
      assert.equal(r.status, 402, `${path}: ${r.text}`);
      assert.equal(r.body.error, "proof_already_used");
    }
    assert.equal(served("/cheap"), before + 1);
  } finally {
    await settling.close();
  }
});
