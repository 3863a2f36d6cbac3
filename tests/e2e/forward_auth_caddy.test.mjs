// End to end through a real Caddy: the reference x402 clients (v1 and v2) pay for an unmodified
// API behind Caddy, which asks x402-gateway (a forward_auth listener, trusting Caddy by a shared
// secret header) before forwarding; the reference facilitator settles on a local anvil chain.
// Caddy runs conf/forward-auth/Caddyfile as it is, its addresses and secret from the environment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import http from "node:http";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch, recordingFetch, decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway, decodeHeader } from "../support/gateway.mjs";
import { startCaddy, RECIPES } from "../support/proxies.mjs";

const PRICE = 10_000n;
const SECRET = "caddy-e2e-forward-auth-secret-42";
let stack, api, gw, caddy;

before(async () => {
  stack = await startStack();
  api = await startDemoUpstream();
  gw = await startGateway(`listen:
  - "127.0.0.1:0"                                    # the reverse proxy, to compare challenges with
  - { address: "127.0.0.1:0", mode: forward_auth }
admin_listen: "127.0.0.1:0"
threads: 2
forward_auth: { secret: "\${FORWARD_AUTH_SECRET}" }   # no trusted_proxies: only the secret opens the door
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
routes:
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather" }
  - { match: "GET /api/joke", price: "$0.01" }
  - { match: "/public/*" }
`, { env: { FORWARD_AUTH_SECRET: SECRET } });
  caddy = await startCaddy(path.join(RECIPES, "Caddyfile"), {
    X402_AUTH: `127.0.0.1:${gw.authPort}`, API_UPSTREAM: `127.0.0.1:${api.port}`, X402_FORWARD_AUTH_SECRET: SECRET,
  });
});

after(async () => {
  await caddy?.stop();
  await gw?.stop();
  await api?.close();
  await stack?.stop();
});

const balances = async () => ({ buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) });
const clients = {
  v2: (f) => v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient, f),
  v1: (f) => v1Fetch(stack.wallet(ACCOUNTS.buyer.key), 100_000n, f),
};
const receiptHeader = { v2: "payment-response", v1: "x-payment-response" };
const paymentHeaderName = { v2: "PAYMENT-SIGNATURE", v1: "X-PAYMENT" };

test("the 402 through Caddy is the real challenge", async () => {
  const served = api.served["/api/joke"] || 0;
  const res = await fetch(caddy.url("/api/joke"));
  assert.equal(res.status, 402);
  const header = res.headers.get("payment-required");
  assert.equal(decodeHeader(header).resource.url, caddy.url("/api/joke"));
  const text = await res.text();
  const direct = await new Promise((resolve) => http.get({ port: gw.port, host: "127.0.0.1", path: "/api/joke", headers: { Host: `127.0.0.1:${caddy.port}` } }, (r) => {
    let t = "";
    r.on("data", (d) => (t += d));
    r.on("end", () => resolve({ header: r.headers["payment-required"], text: t }));
  }));
  assert.equal(header, direct.header);
  assert.equal(text, direct.text);
  assert.equal(api.served["/api/joke"] || 0, served);
});

for (const version of ["v2", "v1"]) {
  test(`${version}: the reference client pays through Caddy; the API is reached once, with the payer; the receipt comes back; a replay is refused`, async () => {
    const servedBefore = api.served["/api/weather"] || 0;
    const start = await balances();
    const recorder = recordingFetch();
    const res = await clients[version](recorder)(caddy.url("/api/weather?city=Porto"));
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.city, "Porto");
    assert.equal(body.paid_by, ACCOUNTS.buyer.address, "Caddy copied the verified payer onto the request");
    const receipt = decodePaymentResponseHeader(res.headers.get(receiptHeader[version]));
    assert.equal(receipt.success, true);
    assert.equal((await stack.publicClient.getTransactionReceipt({ hash: receipt.transaction })).status, "success");
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE);
    assert.equal(end.seller - start.seller, PRICE);
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1, "the API served exactly one request for one payment");

    const settles = stack.facilitatorCalls.settle;
    const replay = await fetch(caddy.url("/api/weather?city=Porto"), { headers: { [paymentHeaderName[version]]: recorder.sent[0] } });
    assert.equal(replay.status, 402);
    assert.equal((await replay.json()).error, "payment_already_used");
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);
    assert.equal(stack.facilitatorCalls.settle, settles);
    assert.deepEqual(await balances(), end);
  });
}

test("free routes pass without a payer; a client's own X-Payment-Payer never reaches the API", async () => {
  const before = api.served["/public/hello"] || 0;
  const res = await fetch(caddy.url("/public/hello"), { headers: { "X-Payment-Payer": "0xforged" } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { hello: "world", free: true });
  assert.equal(res.headers.get("payment-response"), null);
  assert.equal((api.served["/public/hello"] || 0) - before, 1);
  assert.equal((await fetch(caddy.url("/api/weather"), { headers: { "X-Payment-Payer": "0xforged" } })).status, 402);
});

test("a direct call to the auth endpoint without the secret, with forged X-Forwarded-Uri, is refused", async () => {
  const res = await fetch(`http://127.0.0.1:${gw.authPort}/auth`, { headers: { "X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/public/hello", "X-Forward-Auth-Secret": "guess-guess-guess-guess" } });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error, "forward_auth_untrusted");
});
