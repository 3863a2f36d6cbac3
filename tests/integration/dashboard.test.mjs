// The operator dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against the real gateway with a scripted facilitator. After payments and refusals, the page
// shows the numbers /metrics shows; its token never goes into a URL; it runs under its strict CSP.
// Screenshots (desktop and phone) are kept in $X402GW_ARTIFACTS (default: build/test-artifacts/);
// UPDATE_SCREENSHOTS=1 also rewrites docs/screenshots/dashboard.png for the README.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startGateway, startUpstream, startFacilitator, baseConfig, challenge, paymentHeader } from "../support/gateway.mjs";
import { chromium } from "../../packaging/localstack/node_modules/playwright-core/index.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const TOKEN = "dashboard-test-token-0123456789abcdef";
const artifacts = process.env.X402GW_ARTIFACTS || path.resolve(here, "../../build/test-artifacts");
fs.mkdirSync(artifacts, { recursive: true });

let upstream, facilitator, gw, browser;

const routes = `  - { match: "GET /api/weather", name: weather, price: "$0.01", description: "Current weather" }
  - { match: "GET /api/news", name: news, price: "$0.02", description: "Headlines" }
  - { match: "/public/*" }`;

before(async () => {
  upstream = await startUpstream();
  facilitator = await startFacilitator();
  gw = await startGateway(baseConfig({ upstream: upstream.url, facilitator: facilitator.url, routes, extra: `admin: { token: "${TOKEN}" }` }));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await gw?.stop();
  await upstream?.close();
  await facilitator?.close();
});

async function pay(pathname) {
  const c = await challenge(gw.url(pathname));
  return fetch(gw.url(pathname), { headers: { "PAYMENT-SIGNATURE": paymentHeader(2, c.v2) } });
}

async function metricsText() {
  return (await fetch(gw.admin("/metrics"))).text();
}

// The sum of every series of `family` whose labels include all of `labels`.
function sumOf(text, family, labels = {}) {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(family + "{") && !line.startsWith(family + " ")) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.split(" ").pop());
  }
  return total;
}

const number = (text) => Number(String(text).replaceAll(",", "").trim());

test("GET /admin/summary needs the admin token; the page's files carry a strict CSP and hold no data", async () => {
  assert.equal((await fetch(gw.admin("/admin/summary"))).status, 401);
  assert.equal((await fetch(gw.admin("/admin/summary"), { headers: { Authorization: "Bearer nope" } })).status, 401);
  const ok = await fetch(gw.admin("/admin/summary"), { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(ok.status, 200);
  const summary = await ok.json();
  assert.equal(summary.config.generation, 1);
  assert.equal(summary.facilitators[0].name, "f");
  // Another site's page may not read it, token or not.
  const cross = await fetch(gw.admin("/admin/summary"), { headers: { Authorization: `Bearer ${TOKEN}`, "Sec-Fetch-Site": "cross-site" } });
  assert.equal(cross.status, 403);

  for (const [file, type] of [["/admin/", "text/html"], ["/admin/dashboard.js", "text/javascript"], ["/admin/dashboard.css", "text/css"]]) {
    const res = await fetch(gw.admin(file));
    assert.equal(res.status, 200, file);
    assert.match(res.headers.get("content-type"), new RegExp(type));
    const csp = res.headers.get("content-security-policy");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const body = await res.text();
    assert.doesNotMatch(body, /(src|href)="https?:|url\(https?:|import\(/, `${file} loads nothing from elsewhere`);
  }
  const framed = await fetch(gw.admin("/admin/"), { headers: { "Sec-Fetch-Site": "cross-site" } });
  assert.equal(framed.status, 403);
});

test("after payments and refusals the page shows the numbers /metrics shows", async () => {
  for (let i = 0; i < 3; ++i) assert.equal((await pay("/api/weather")).status, 200);
  for (let i = 0; i < 2; ++i) assert.equal((await pay("/api/news")).status, 200);
  facilitator.script.verify = () => ({ body: { isValid: false, invalidReason: "insufficient_funds" } });
  for (let i = 0; i < 2; ++i) assert.equal((await pay("/api/weather")).status, 402);
  facilitator.script.verify = () => ({ body: { isValid: false, invalidReason: "invalid_exact_evm_payload_signature" } });
  assert.equal((await pay("/api/news")).status, 402);
  facilitator.script.verify = undefined;

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Script errors and CSP violations; failed loads are judged by their URL below (the browser's own
  // /favicon.ico is a 404, the summary's first answer a 401).
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("response", (r) => {
    const url = new URL(r.url());
    if (r.status() >= 400 && url.pathname !== "/favicon.ico" && !(url.pathname === "/admin/summary" && r.status() === 401))
      problems.push(`${r.status()} ${url.pathname}`);
  });
  const requested = [];
  page.on("request", (r) => requested.push(r.url()));
  try {
    await page.goto(gw.admin("/admin/"));
    // Without a token the summary answers 401 and the page asks for it.
    await page.getByLabel("Admin token").waitFor({ state: "visible" });
    await page.getByLabel("Admin token").fill(TOKEN);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.waitForSelector("#main:not([hidden])");
    await page.waitForSelector('#revenue-routes tr[data-route="news"]');

    const text = await metricsText();
    const cellOf = async (selector) => number(await page.locator(selector).first().textContent());

    // Settled, refused: the cards and the outcome table against payments_total / payment_rejections_total.
    const settled = sumOf(text, "x402gw_payments_total", { outcome: "settled" });
    assert.equal(settled, 5);
    assert.equal(await cellOf("#count-settled"), settled);
    assert.equal(await cellOf('#outcomes tr[data-outcome="settled"] .count'), settled);
    const refused = sumOf(text, "x402gw_payment_rejections_total");
    assert.equal(refused, 3);
    assert.equal(await cellOf("#count-refused"), refused);
    for (const reason of ["insufficient_funds", "invalid_exact_evm_payload_signature"])
      assert.equal(await cellOf(`#refusals tr[data-reason="${reason}"] .count`),
                   sumOf(text, "x402gw_payment_rejections_total", { reason }), reason);

    // Revenue per route and per network+asset against revenue_atomic_units_total.
    for (const route of ["weather", "news"]) {
      const revenue = sumOf(text, "x402gw_revenue_atomic_units_total", { route });
      assert.ok(revenue > 0);
      assert.equal(await cellOf(`#revenue-routes tr[data-route="${route}"] .total`), revenue, route);
      assert.equal(await cellOf(`#revenue-routes tr[data-route="${route}"] .hour`), revenue, `${route}, last hour`);
      assert.equal(await cellOf(`#revenue-routes tr[data-route="${route}"] .count`),
                   sumOf(text, "x402gw_payments_total", { route, outcome: "settled" }));
    }
    const assetRow = page.locator("#revenue-assets tbody tr").first();
    const network = await assetRow.getAttribute("data-network");
    const asset = await assetRow.getAttribute("data-asset");
    assert.equal(number(await assetRow.locator(".day").textContent()),
                 sumOf(text, "x402gw_revenue_atomic_units_total", { network, asset }));
    // The same in the asset's units: 5 payments of $0.01 and $0.02 in a 6-decimal USDC.
    assert.equal(await assetRow.locator(".day-units").textContent(), `${sumOf(text, "x402gw_revenue_atomic_units_total", { network, asset }) / 1e6} ${asset}`);

    // The recent payments list them with the payer and the transaction; the facilitator's breaker.
    assert.equal(await page.locator("#recent tbody tr").count(), 8);
    assert.match(await page.locator("#recent tbody tr").first().textContent(), /refused/);
    assert.match(await page.locator("#recent").textContent(), /0xabab/);
    assert.equal(await page.locator('#facilitators tr[data-facilitator="f"] .state').textContent(), "closed");
    assert.equal(sumOf(text, "x402gw_facilitator_breaker_state", { facilitator: "f" }), 0);
    assert.equal(await page.locator("svg.sparkline").count() > 5, true);

    // More payments show up at the next refresh, without a reload of the page.
    const before = await page.evaluate(() => document.body.dataset.updated);
    assert.equal((await pay("/api/weather")).status, 200);
    await page.waitForFunction((b) => document.body.dataset.updated !== b, before, { timeout: 15000 });
    assert.equal(await cellOf("#count-settled"), sumOf(await metricsText(), "x402gw_payments_total", { outcome: "settled" }));

    // The token went in a header, never into a URL; nothing was loaded from elsewhere; no CSP report.
    for (const url of requested) {
      assert.ok(!url.includes(TOKEN), `token in a URL: ${url}`);
      assert.ok(url.startsWith(gw.admin("/")), `loaded from elsewhere: ${url}`);
    }
    assert.deepEqual(problems, []);

    await page.screenshot({ path: path.join(artifacts, "dashboard-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(artifacts, "dashboard-phone.png"), fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS) {
      await page.setViewportSize({ width: 1000, height: 700 });
      await page.screenshot({ path: path.resolve(here, "../../docs/screenshots/dashboard.png") });
    }
    console.log(`dashboard screenshots: ${artifacts}`);
  } finally {
    await context.close();
  }
});

test("the token form is keyboard-operable and a wrong token is said so", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(gw.admin("/admin/"));
    await page.getByLabel("Admin token").waitFor({ state: "visible" });
    await page.keyboard.type("wrong-token");
    await page.keyboard.press("Enter");
    await page.getByText("The gateway refused this token.").waitFor();
    assert.equal(await page.locator("#main").isHidden(), true);
  } finally {
    await context.close();
  }
});
