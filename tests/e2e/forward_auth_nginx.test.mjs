// End to end through a real nginx: the reference x402 clients (v1 and v2) pay for an unmodified
// API behind nginx, whose auth_request asks x402-gateway (a forward_auth listener); the reference
// facilitator settles on a local anvil chain. nginx runs conf/forward-auth/nginx.conf as it is,
// with its addresses filled in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import http from "node:http";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch, recordingFetch, decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway, decodeHeader } from "../support/gateway.mjs";
import { startNginx, RECIPES } from "../support/proxies.mjs";

const PRICE = 10_000n;
let stack, api, gw, nginx;

before(async () => {
  stack = await startStack();
  api = await startDemoUpstream();
  gw = await startGateway(`listen:
  - "127.0.0.1:0"                                    # the reverse proxy, to compare challenges with
  - { address: "127.0.0.1:0", mode: forward_auth }
admin_listen: "127.0.0.1:0"
threads: 2
trusted_proxies: [127.0.0.1]                         # nginx
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
routes:
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather" }
  - { match: "GET /api/joke", price: "$0.01" }
  - { match: "/public/*" }
`);
  nginx = await startNginx(path.join(RECIPES, "nginx.conf"), { X402_AUTH: `127.0.0.1:${gw.authPort}`, API_UPSTREAM: `127.0.0.1:${api.port}` });
});

after(async () => {
  await nginx?.stop();
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

test("the 402 through nginx is the real challenge: status, PAYMENT-REQUIRED and body as the gateway's own", async () => {
  const served = api.served["/api/weather"] || 0;
  const viaNginx = await fetch(nginx.url("/api/weather?city=Porto"));
  assert.equal(viaNginx.status, 402);
  const header = viaNginx.headers.get("payment-required");
  assert.ok(header);
  const body = await viaNginx.json();
  assert.equal(body.x402Version, 1);
  assert.equal(body.error, "payment_required");
  // The resource is nginx's URL, as the client asked for it.
  assert.equal(decodeHeader(header).resource.url, nginx.url("/api/weather"));
  assert.equal(body.accepts[0].resource, nginx.url("/api/weather"));
  // Byte for byte what the reverse proxy answers for the same URL (asked with nginx's Host).
  const direct = await new Promise((resolve) => http.get({ port: gw.port, host: "127.0.0.1", path: "/api/weather", headers: { Host: `127.0.0.1:${nginx.port}` } }, (res) => {
    let text = "";
    res.on("data", (d) => (text += d));
    res.on("end", () => resolve({ header: res.headers["payment-required"], text }));
  }));
  assert.equal(header, direct.header);
  assert.equal(JSON.stringify(body), direct.text);
  assert.equal(api.served["/api/weather"] || 0, served, "an unpaid request never reaches the API");
});

for (const version of ["v2", "v1"]) {
  test(`${version}: the reference client pays through nginx; the API is reached once, with the payer; the receipt comes back; a replay is refused`, async () => {
    const servedBefore = api.served["/api/weather"] || 0;
    const start = await balances();
    const recorder = recordingFetch();
    const res = await clients[version](recorder)(nginx.url("/api/weather?city=Porto"));
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.city, "Porto");
    assert.equal(body.paid_by, ACCOUNTS.buyer.address, "nginx copied the verified payer onto the request");
    const receipt = decodePaymentResponseHeader(res.headers.get(receiptHeader[version]));
    assert.equal(receipt.success, true);
    assert.equal((await stack.publicClient.getTransactionReceipt({ hash: receipt.transaction })).status, "success");
    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE);
    assert.equal(end.seller - start.seller, PRICE);
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1, "the API served exactly one request for one payment");

    const settles = stack.facilitatorCalls.settle;
    const replay = await fetch(nginx.url("/api/weather?city=Porto"), { headers: { [paymentHeaderName[version]]: recorder.sent[0] } });
    assert.equal(replay.status, 402);
    assert.equal((await replay.json()).error, "payment_already_used");
    assert.equal((api.served["/api/weather"] || 0) - servedBefore, 1);
    assert.equal(stack.facilitatorCalls.settle, settles);
    assert.deepEqual(await balances(), end);
  });
}

test("free routes pass; a client's own X-Payment-Payer never reaches the API; no route is the gateway's 404", async () => {
  const before = api.served["/public/hello"] || 0;
  const res = await fetch(nginx.url("/public/hello"), { headers: { "X-Payment-Payer": "0xforged" } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { hello: "world", free: true });
  assert.equal((api.served["/public/hello"] || 0) - before, 1);
  const paid = await fetch(nginx.url("/api/weather"), { headers: { "X-Payment-Payer": "0xforged" } });
  assert.equal(paid.status, 402, "a forged payer header buys nothing");
  const none = await fetch(nginx.url("/nowhere"));
  assert.equal(none.status, 404);
  assert.equal((await none.json()).error, "route_not_found");
});

test("a direct call to the auth endpoint from an untrusted peer with forged X-Original-URI is refused", async () => {
  const res = await new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: gw.authPort, path: "/auth/nginx", localAddress: "127.0.0.2",
      headers: { "X-Original-Method": "GET", "X-Original-URI": "/public/hello" } }, (r) => {
      let text = "";
      r.on("data", (d) => (text += d));
      r.on("end", () => resolve({ status: r.statusCode, text }));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(res.status, 403);
  assert.equal(JSON.parse(res.text).error, "forward_auth_untrusted");
});
