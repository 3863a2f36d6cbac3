// End to end in a real browser: Debian's Chromium (headless, driven by playwright-core) opens a
// priced URL through the real gateway, gets the paywall page, and pays it with an injected
// EIP-1193 wallet whose signatures come from a local viem account; the reference facilitator
// settles on a local anvil chain. Also the ways it fails: no wallet, wrong chain, a rejected
// signature, insufficient funds, a refused payment. Programs (the reference clients) still get JSON.
// Screenshots (desktop and phone) go to $X402GW_ARTIFACTS or a temp directory, printed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { startDemoUpstream } from "../../packaging/localstack/lib/demo-upstream.mjs";
import { v1Fetch, v2Fetch, decodePaymentResponseHeader } from "../../packaging/localstack/lib/clients.mjs";
import { startGateway } from "../support/gateway.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const stackRequire = createRequire(path.resolve(here, "../../packaging/localstack/package.json"));
const playwright = await import(pathToFileURL(stackRequire.resolve("playwright-core")).href);
const { chromium } = playwright.default ?? playwright;
const { privateKeyToAccount } = await import(pathToFileURL(stackRequire.resolve("viem/accounts")).href);

const PRICE = 10_000n;  // "$0.01" in USDC's 6 decimals
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const CHROMIUM = process.env.X402GW_CHROMIUM || "/usr/bin/chromium";
const artifacts = process.env.X402GW_ARTIFACTS
  ? path.join(process.env.X402GW_ARTIFACTS, "paywall") : fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-paywall-"));
const templateFile = path.join(artifacts, "operator-template.html");
let stack, api, gw, browser;

before(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  fs.writeFileSync(templateFile, "<!doctype html><title>{{title}}</title><h1 id=\"operator\">{{app_name}}: {{description}}</h1>{{offers}}{{style}}{{script}}");
  console.log(`paywall screenshots: ${artifacts}`);
  stack = await startStack();
  api = await startDemoUpstream();
  gw = await startGateway(`listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
name: "Demo Weather"
threads: 2
limits: { challenges_per_second: 0 }
upstreams: { api: "${api.url}" }
facilitators: { local: { url: "${stack.facilitatorUrl}", timeout: 15s } }
payment: { pay_to: "${ACCOUNTS.seller.address}", network: base-sepolia }
paywall: { app_name: "Demo Weather <API>" }
routes:
  - { match: "GET /api/weather", price: "$0.01", description: "Current weather for a city" }
  - { match: "GET /api/joke", price: "$0.01", description: "A joke", paywall: { enabled: false } }
  - { match: "GET /api/forecast", price: "$5", description: "A 30-day forecast" }
  - { match: "GET /api/custom", price: "$0.01", description: "Custom <page>", paywall: { template_file: "${templateFile}" } }
`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await api?.close();
  await stack?.stop();
});

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

const hexChain = (id) => "0x" + id.toString(16);

/**
 * A page with a test wallet: EIP-6963 (announce/request) or, with `legacy`, window.ethereum only.
 * Its requests are answered here: accounts from `key`, chain state kept per page, eth_call sent
 * to anvil, eth_signTypedData_v4 signed by the viem account (or refused as the scenario says).
 */
async function walletPage({ key = ACCOUNTS.buyer.key, signer = key, chainId = stack.chainId, legacy = false, inject = true,
                            switchable = true, rejectSignature = false, viewport = { width: 1100, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const wallet = { chainId, calls: [], switchable, rejectSignature, context, page };
  const account = privateKeyToAccount(key), signing = privateKeyToAccount(signer);
  const csp = [];
  page.on("console", (m) => { if (/Content[- ]Security[- ]Policy/i.test(m.text())) csp.push(m.text()); });
  wallet.cspViolations = csp;
  if (inject) {
    await page.exposeFunction("__x402TestWallet", async (method, params) => {
      wallet.calls.push(method);
      const error = (code, message) => ({ error: { code, message } });
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts": return { result: [account.address] };
        case "eth_chainId": return { result: hexChain(wallet.chainId) };
        case "wallet_switchEthereumChain": {
          if (!wallet.switchable) return error(4902, `Unrecognized chain ID "${params[0].chainId}".`);
          wallet.chainId = Number(BigInt(params[0].chainId));
          return { result: null };
        }
        case "eth_call": return { result: await stack.publicClient.request({ method: "eth_call", params }) };
        case "eth_signTypedData_v4": {
          if (wallet.rejectSignature) return error(4001, "User rejected the request.");
          assert.equal(params[0].toLowerCase(), account.address.toLowerCase());
          const typed = JSON.parse(params[1]);
          wallet.signed = typed;
          const { EIP712Domain, ...types } = typed.types;
          const message = { ...typed.message };
          for (const k of ["value", "validAfter", "validBefore"]) message[k] = BigInt(message[k]);
          return { result: await signing.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message }) };
        }
        default: return error(4200, `unsupported method ${method}`);
      }
    });
    await page.addInitScript(({ legacy }) => {
      const provider = {
        async request({ method, params }) {
          const r = await window.__x402TestWallet(method, params || []);
          if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
          return r.result;
        },
        on() {}, removeListener() {},
      };
      if (legacy) { window.ethereum = provider; return; }
      const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", {
        detail: Object.freeze({ info: { uuid: "6a3c1e52-test-wallet", name: "Test Wallet", icon: "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>", rdns: "test.x402gw" }, provider }),
      }));
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
    }, { legacy });
  }
  return wallet;
}

async function open(wallet, pathname) {
  const response = await wallet.page.goto(gw.url(pathname));
  assert.equal(response.status(), 402);
  return response;
}

async function payAndWait(page, selector) {
  await page.getByRole("button", { name: /pay|check again/i }).click();
  await page.waitForSelector(selector, { state: "visible", timeout: 30_000 });
}

const errorText = (page) => page.locator("#error").innerText();

test("a browser's navigation gets the page: still 402 with PAYMENT-REQUIRED, a strict CSP, every value escaped", async () => {
  const wallet = await walletPage();
  try {
    const response = await open(wallet, "/api/weather?city=Porto");
    const headers = response.headers();
    assert.match(headers["content-type"], /^text\/html/);
    const required = JSON.parse(Buffer.from(headers["payment-required"], "base64").toString());
    assert.equal(required.x402Version, 2);
    assert.equal(required.accepts[0].amount, String(PRICE));
    assert.match(headers["content-security-policy"], /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-/);
    assert.match(headers["content-security-policy"], /connect-src 'self'/);
    assert.equal(headers["x-content-type-options"], "nosniff");
    assert.equal(headers["cache-control"], "no-store");
    const page = wallet.page;
    assert.equal(await page.locator("h1").innerText(), "Payment required");
    assert.equal(await page.locator(".what").innerText(), "Current weather for a city");
    assert.equal(await page.locator(".brand").innerText(), "Demo Weather <API>", "the app name is text, not markup");
    assert.match(await page.locator(".offers").innerText(), /0\.01 USDC on base-sepolia/);
    assert.match(await page.locator(".testnet").innerText(), /Test network/);
    // The script ran under the CSP (it enabled the button and found the wallet): the hashes match.
    assert.equal(await page.getByRole("button", { name: "Connect wallet and pay" }).isEnabled(), true);
    assert.match(await page.locator("#wallets").innerText(), /Test Wallet/);
    assert.deepEqual(wallet.cspViolations, []);
    await page.screenshot({ path: path.join(artifacts, "paywall-desktop.png"), fullPage: true });
  } finally {
    await wallet.context.close();
  }
  // A query string made to break out of the page runs nothing (the resource URL is the path's).
  const evil = await walletPage();
  try {
    await open(evil, "/api/weather?q=%3C/script%3E%3Cscript%3Ewindow.pwned=1%3C/script%3E%22%3E%3Cimg%20src=x%20onerror=window.pwned=2%3E");
    assert.equal(await evil.page.evaluate(() => window.pwned), undefined);
    assert.equal(await evil.page.locator(".url").innerText(), gw.url("/api/weather"));
    assert.deepEqual(evil.cspViolations, []);
  } finally {
    await evil.context.close();
  }
});

test("programs see no difference (JSON for */* and JSON Accept, for a paying request, with the paywall off; the reference clients pay); an operator's template is filled in and re-read on reload", async () => {
  for (const accept of [undefined, "*/*", "application/json", "application/json, text/html"]) {
    const res = await fetch(gw.url("/api/weather"), { headers: accept ? { accept } : {} });
    assert.equal(res.status, 402);
    assert.match(res.headers.get("content-type"), /^application\/json/, String(accept));
    assert.equal((await res.json()).x402Version, 1);
    assert.ok(res.headers.get("payment-required"));
  }
  const off = await fetch(gw.url("/api/joke"), { headers: { accept: BROWSER_ACCEPT } });
  assert.match(off.headers.get("content-type"), /^application\/json/, "paywall: { enabled: false }");
  const paying = await fetch(gw.url("/api/weather"), { headers: { accept: BROWSER_ACCEPT, "payment-signature": "bm90IGEgcGF5bWVudA==" } });
  assert.equal(paying.status, 402);
  assert.match(paying.headers.get("content-type"), /^application\/json/, "a request carrying a payment never gets the page");
  const head = await fetch(gw.url("/api/weather"), { method: "HEAD", headers: { accept: BROWSER_ACCEPT } });
  assert.equal(head.status, 402);
  assert.match(head.headers.get("content-type"), /^text\/html/);

  // An operator's template_file, filled in and escaped, under the same CSP.
  const custom = await fetch(gw.url("/api/custom"), { headers: { accept: BROWSER_ACCEPT } });
  assert.equal(custom.status, 402);
  assert.ok(custom.headers.get("payment-required"));
  assert.match(custom.headers.get("content-security-policy"), /^default-src 'none'/);
  const html = await custom.text();
  const metrics = await (await fetch(gw.admin("/metrics"))).text();
  assert.match(metrics, /x402gw_paywall_pages_total\{route="GET \/api\/custom"\} 1\b/);
  assert.ok(html.startsWith('<!doctype html><title>Custom &lt;page&gt; · Demo Weather &lt;API&gt;</title><h1 id="operator">Demo Weather &lt;API&gt;: Custom &lt;page&gt;</h1><ul class="offers">'), html.slice(0, 300));

  // The template is read again on reload; a broken one is refused with its line and the old page stays.
  const original = fs.readFileSync(templateFile, "utf8");
  const pageOf = async () => (await fetch(gw.url("/api/custom"), { headers: { accept: BROWSER_ACCEPT } })).text();
  try {
    fs.writeFileSync(templateFile, original.replace('<h1 id="operator">', '<h1 id="operator">v2 '));
    assert.equal((await fetch(gw.admin("/admin/reload"), { method: "POST" })).status, 200);
    assert.match(await pageOf(), /<h1 id="operator">v2 Demo Weather &lt;API&gt;/);
    fs.writeFileSync(templateFile, original + "{{price}}");
    const refused = await fetch(gw.admin("/admin/reload"), { method: "POST" });
    assert.equal(refused.status, 422);
    assert.match((await refused.json()).message, /:\d+:\d+: routes\[3\]\.paywall\.template_file: .*unknown placeholder \{\{price\}\}/);
    assert.match(await pageOf(), /<h1 id="operator">v2 /);
  } finally {
    fs.writeFileSync(templateFile, original);
    await fetch(gw.admin("/admin/reload"), { method: "POST" });
  }

  for (const make of [() => v2Fetch(stack.wallet(ACCOUNTS.buyer.key), stack.publicClient), () => v1Fetch(stack.wallet(ACCOUNTS.buyer.key))]) {
    const start = await balances();
    const res = await make()(gw.url("/api/weather"));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await balances()).buyer, start.buyer - PRICE);
  }
});

test("pays from the page: the resource and the receipt are shown; the buyer paid the price once, the upstream served once", async () => {
  const wallet = await walletPage();
  try {
    await open(wallet, "/api/weather?city=Porto");
    const start = await balances();
    const served = api.served["/api/weather"] || 0;
    const settles = stack.facilitatorCalls.settle;
    await payAndWait(wallet.page, "#result");
    const page = wallet.page;
    const shown = JSON.parse(await page.locator("#resource pre").innerText());
    assert.equal(shown.city, "Porto");
    assert.equal(shown.paid_by, ACCOUNTS.buyer.address);
    const receipt = await page.locator("#receipt").innerText();
    const tx = receipt.match(/0x[0-9a-f]{64}/)?.[0];
    assert.ok(tx, receipt);
    assert.equal((await stack.publicClient.getTransactionReceipt({ hash: tx })).status, "success");
    assert.match(receipt, /0\.01 USDC on base-sepolia/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "result-heading", "focus moves to the result");

    const end = await balances();
    assert.equal(start.buyer - end.buyer, PRICE, "the buyer paid the price");
    assert.equal(end.seller - start.seller, PRICE);
    assert.equal(stack.facilitatorCalls.settle - settles, 1, "one settlement");
    assert.equal((api.served["/api/weather"] || 0) - served, 1, "served once");
    // The typed data is the reference client's: EIP-3009 with the requirement's domain.
    assert.equal(wallet.signed.primaryType, "TransferWithAuthorization");
    assert.deepEqual(wallet.signed.domain, { name: "USDC", version: "2", chainId: stack.chainId, verifyingContract: stack.token });
    assert.equal(wallet.signed.message.value, String(PRICE));
    assert.equal(wallet.signed.message.validAfter, "0");
    assert.match(wallet.signed.message.nonce, /^0x[0-9a-f]{64}$/);
    assert.deepEqual(wallet.calls.filter((c) => c !== "eth_chainId"), ["eth_requestAccounts", "eth_call", "eth_signTypedData_v4"]);
    assert.deepEqual(wallet.cspViolations, []);
    await page.screenshot({ path: path.join(artifacts, "paywall-paid-desktop.png"), fullPage: true });
  } finally {
    await wallet.context.close();
  }
});

test("phone-sized viewport: the page fits, pays by keyboard", async () => {
  const wallet = await walletPage({ viewport: { width: 390, height: 844 } });
  try {
    await open(wallet, "/api/weather?city=Lisbon");
    const page = wallet.page;
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, "no horizontal scrolling");
    await page.screenshot({ path: path.join(artifacts, "paywall-phone.png"), fullPage: true });
    const start = await balances();
    // Keyboard only: Tab reaches the offer, then the button; Enter pays.
    await page.locator('input[name="offer"]').focus();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "pay-button");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#result", { state: "visible", timeout: 30_000 });
    assert.equal(start.buyer - (await balances()).buyer, PRICE);
  } finally {
    await wallet.context.close();
  }
});

test("a rejected signature: said plainly, nothing paid; paying again works", async () => {
  const wallet = await walletPage({ rejectSignature: true });
  try {
    await open(wallet, "/api/weather");
    const start = await balances();
    const settles = stack.facilitatorCalls.settle;
    await payAndWait(wallet.page, "#error");
    assert.match(await errorText(wallet.page), /You rejected the signature: nothing was paid/);
    assert.equal(await wallet.page.evaluate(() => document.activeElement?.id), "error", "focus moves to the error");
    assert.deepEqual(await balances(), start);
    assert.equal(stack.facilitatorCalls.settle, settles);
    wallet.rejectSignature = false;
    await payAndWait(wallet.page, "#result");
    assert.equal(start.buyer - (await balances()).buyer, PRICE);
  } finally {
    await wallet.context.close();
  }
});

test("the wrong chain: a wallet that does not know it is told so; one that switches pays (window.ethereum)", async () => {
  const wallet = await walletPage({ chainId: 1, switchable: false, legacy: true });
  try {
    await open(wallet, "/api/weather");
    const start = await balances();
    await payAndWait(wallet.page, "#error");
    assert.match(await errorText(wallet.page), /Wrong network: your wallet does not know base-sepolia \(chain 84532\)/);
    assert.ok(!wallet.calls.includes("eth_signTypedData_v4"), "nothing signed on the wrong chain");
    assert.deepEqual(await balances(), start);
    wallet.switchable = true;
    await payAndWait(wallet.page, "#result");
    assert.equal(wallet.chainId, stack.chainId, "the page switched the wallet");
    assert.equal(start.buyer - (await balances()).buyer, PRICE);
  } finally {
    await wallet.context.close();
  }
});

test("no wallet: said plainly", async () => {
  const wallet = await walletPage({ inject: false });
  try {
    await open(wallet, "/api/weather");
    await payAndWait(wallet.page, "#error");
    assert.match(await errorText(wallet.page), /No browser wallet found/);
  } finally {
    await wallet.context.close();
  }
});

test("insufficient funds: read from the chain before anything is signed", async () => {
  const wallet = await walletPage();
  try {
    await open(wallet, "/api/forecast");
    await payAndWait(wallet.page, "#error");
    assert.match(await errorText(wallet.page), /Insufficient funds: this costs 5 USDC; 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC holds 0\.\d+ USDC on base-sepolia/);
    assert.ok(!wallet.calls.includes("eth_signTypedData_v4"));
  } finally {
    await wallet.context.close();
  }
});

test("a payment the facilitator refuses: the reason is shown, nothing moves", async () => {
  // The wallet names the buyer but signs with another key: the signature does not verify.
  const wallet = await walletPage({ signer: ACCOUNTS.unfunded.key });
  try {
    await open(wallet, "/api/weather");
    const start = await balances();
    const served = api.served["/api/weather"] || 0;
    await payAndWait(wallet.page, "#error");
    assert.match(await errorText(wallet.page), /^Payment refused: .*\(invalid_exact_evm_signature\)/);
    assert.deepEqual(await balances(), start);
    assert.equal(api.served["/api/weather"] || 0, served);
  } finally {
    await wallet.context.close();
  }
});

test("settlement pending: Retry-After is shown, and Check again presents the same signed payment (never a second one)", async () => {
  const wallet = await walletPage();
  try {
    // The gateway's own payment_pending is tested with its journal elsewhere; here the page's first
    // paid request is answered as the gateway answers a settlement whose outcome is not known yet.
    const presented = [];
    await wallet.page.route("**/api/weather*", async (route) => {
      const header = route.request().headers()["payment-signature"];
      if (header) presented.push(header);
      if (header && presented.length === 1)
        return route.fulfill({ status: 402, headers: { "content-type": "application/json", "retry-after": "7" },
          body: JSON.stringify({ x402Version: 1, error: "payment_pending", accepts: [] }) });
      return route.continue();
    });
    await open(wallet, "/api/weather?city=Faro");
    const start = await balances();
    await payAndWait(wallet.page, "#error");
    assert.match(await errorText(wallet.page), /Settlement pending: .* Check again in 7 seconds/);
    assert.equal(await wallet.page.getByRole("button", { name: "Check again" }).isEnabled(), true);
    await payAndWait(wallet.page, "#result");
    assert.equal(presented.length, 2);
    assert.equal(presented[1], presented[0], "the same payment, presented again");
    assert.equal(wallet.calls.filter((c) => c === "eth_signTypedData_v4").length, 1, "signed once");
    assert.equal(start.buyer - (await balances()).buyer, PRICE);
  } finally {
    await wallet.context.close();
  }
});
