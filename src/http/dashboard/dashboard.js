// The operator dashboard: reads GET /admin/summary every few seconds and draws it. No library, no
// other origin (the page is served with a strict Content-Security-Policy). Every value from the
// summary is written with textContent, never as HTML: payer addresses and reasons come from
// clients.
"use strict";

const REFRESH_MS = 5000;
const TOKEN_KEY = "x402gw-admin-token";
const SVG = "http://www.w3.org/2000/svg";

let timer = null;
let paused = false;

const $ = (id) => document.getElementById(id);

function token() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch { return ""; }
}

function setStatus(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function fmt(n) {
  if (typeof n !== "number" || !isFinite(n)) return String(n ?? "");
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

// An atomic amount in the asset's units (10000 with 6 decimals: "0.01"), exact for integers below 2^53.
function units(atomic, decimals) {
  const big = BigInt(Math.round(atomic));
  const scale = 10n ** BigInt(decimals);
  const whole = big / scale, frac = (big % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return whole.toLocaleString("en-US") + (frac ? "." + frac : "");
}

function ago(ms, now) {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  if (s < 86400) return Math.floor(s / 3600) + " h ago";
  return Math.floor(s / 86400) + " d ago";
}

function duration(s) {
  const neg = s < 0;
  s = Math.abs(s);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${Math.floor(s % 60)} s`;
  return neg ? `expired ${text} ago` : text;
}

function short(value, keep = 10) {
  if (!value) return "";
  return value.length > keep * 2 + 1 ? value.slice(0, keep) + "…" + value.slice(-6) : value;
}

// A sparkline of `values` (oldest first) as an SVG image with a text alternative.
function sparkline(values, label) {
  const w = 120, h = 28, pad = 2;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  const max = Math.max(0, ...values);
  const last = values.length ? values[values.length - 1] : 0;
  svg.setAttribute("aria-label", `${label}: peak ${fmt(max)}, latest ${fmt(last)}`);
  const title = document.createElementNS(SVG, "title");
  title.textContent = `${label}: peak ${fmt(max)}, latest ${fmt(last)}`;
  svg.appendChild(title);
  const base = document.createElementNS(SVG, "line");
  base.setAttribute("x1", "0"); base.setAttribute("x2", String(w));
  base.setAttribute("y1", String(h - pad)); base.setAttribute("y2", String(h - pad));
  svg.appendChild(base);
  const step = values.length > 1 ? (w - 2 * pad) / (values.length - 1) : 0;
  const points = values.map((v, i) => {
    const x = pad + i * step;
    const y = max > 0 ? h - pad - (v / max) * (h - 2 * pad) : h - pad;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points.join(" "));
  svg.appendChild(line);
  return svg;
}

function cell(content, className) {
  const td = el("td", undefined, className);
  if (content instanceof Node) td.appendChild(content);
  else td.textContent = content === undefined || content === null ? "" : String(content);
  return td;
}

function fill(tableId, rows, empty) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = el("tr");
    const td = cell(empty, "empty");
    td.colSpan = $(tableId).tHead.rows[0].cells.length;
    tr.appendChild(td);
    body.appendChild(tr);
    return;
  }
  for (const r of rows) body.appendChild(r);
}

function revenueCells(tr, r, label) {
  tr.appendChild(cell(fmt(r.hour), "num hour"));
  tr.appendChild(cell(sparkline(r.minutes, `${label}, revenue per minute over the last hour`)));
  tr.appendChild(cell(fmt(r.day), "num day"));
  tr.appendChild(cell(sparkline(r.hours, `${label}, revenue per hour over the last day`)));
  tr.appendChild(cell(fmt(r.total), "num total"));
  tr.appendChild(cell(fmt(r.count), "num count"));
}

function render(s) {
  const now = s.now_ms;
  const outcomes = s.payments.outcomes;
  $("count-settled").textContent = fmt(outcomes.settled || 0);
  $("count-refused").textContent = fmt(outcomes.refused || 0);
  $("count-unknown").textContent = fmt(outcomes.unknown || 0);
  for (const k of ["settled", "refused", "unknown"])
    $("spark-" + k).replaceChildren(sparkline(s.payments.trend[k].minutes, `${k} payments per minute over the last hour`));
  $("reconcile-pending").textContent = fmt(s.reconciliation.pending);
  $("connections").textContent = `${fmt(s.connections.in_flight)} / ${fmt(s.connections.open)}`;

  fill("revenue-assets", s.revenue.by_asset.map((r) => {
    const tr = el("tr");
    tr.dataset.network = r.network;
    tr.dataset.asset = r.asset;
    tr.appendChild(cell(r.network));
    tr.appendChild(cell(short(r.asset), "mono"));
    revenueCells(tr, r, `${r.network} ${short(r.asset)}`);
    tr.appendChild(cell(typeof r.decimals === "number" ? `${units(r.day, r.decimals)} ${short(r.asset)}` : "", "num day-units"));
    return tr;
  }), "No settled payment yet.");
  fill("revenue-routes", s.revenue.by_route.map((r) => {
    const tr = el("tr");
    tr.dataset.route = r.route;
    tr.appendChild(cell(r.route));
    revenueCells(tr, r, `route ${r.route}`);
    return tr;
  }), "No settled payment yet.");

  const pairs = (obj, attr, cls) => Object.entries(obj).sort((a, b) => b[1] - a[1]).map(([k, n]) => {
    const tr = el("tr");
    tr.dataset[attr] = k;
    tr.appendChild(cell(k.replaceAll("_", " "), cls ? `${cls}-${k}` : undefined));
    tr.appendChild(cell(fmt(n), "num count"));
    return tr;
  });
  fill("outcomes", pairs(outcomes, "outcome", "outcome"), "No payment yet.");
  fill("refusals", pairs(s.payments.refused, "reason"), "None refused.");
  fill("reconciled", pairs(s.reconciled, "result"), "None reconciled.");

  fill("recent", s.recent.map((p) => {
    const tr = el("tr");
    const when = cell(ago(p.at_ms, now));
    when.title = new Date(p.at_ms).toISOString();
    tr.appendChild(when);
    tr.appendChild(cell(p.reason ? `${p.outcome} (${p.reason.replaceAll("_", " ")})` : p.outcome.replaceAll("_", " "), `outcome-${p.outcome}`));
    tr.appendChild(cell(p.route));
    tr.appendChild(cell(p.amount, "num"));
    tr.appendChild(cell(p.network));
    const payer = cell(short(p.payer), "mono");
    payer.title = p.payer;
    tr.appendChild(payer);
    const tx = cell(short(p.transaction), "mono");
    tx.title = p.transaction;
    tr.appendChild(tx);
    return tr;
  }), "No payment yet.");

  fill("facilitators", s.facilitators.map((f) => {
    const tr = el("tr");
    tr.dataset.facilitator = f.name;
    tr.appendChild(cell(f.name));
    tr.appendChild(cell(f.breaker.replace("_", "-"), `state state-${f.breaker}`));
    tr.appendChild(cell(fmt(f.calls), "num"));
    tr.appendChild(cell(fmt(f.errors), "num"));
    tr.appendChild(cell(f.last_call_ms ? `${fmt(f.last_latency_ms)} ms` : "no call yet", "num"));
    tr.appendChild(cell(sparkline(f.latency_ms_minutes, `${f.name}, mean latency per minute in ms`)));
    tr.appendChild(cell(f.last_error ? `${f.last_error} on ${f.last_error_endpoint}, ${ago(f.last_error_ms, now)}` : "none"));
    return tr;
  }), "No facilitator configured.");

  const rec = s.reconciliation;
  $("reconcile-summary").textContent = rec.pending === 0
    ? "None pending." + (rec.given_up ? ` ${rec.given_up} given up on (they need the operator: see the log).` : "")
    : `${rec.pending} pending, the oldest for ${duration(rec.oldest_age_seconds)}.` + (rec.given_up ? ` ${rec.given_up} given up on.` : "");
  fill("reconciliation", rec.items.map((i) => {
    const tr = el("tr");
    tr.appendChild(cell(duration(i.age_seconds)));
    tr.appendChild(cell(i.asking ? "(being asked now)" : i.route));
    tr.appendChild(cell(i.facilitator));
    tr.appendChild(cell(i.network));
    tr.appendChild(cell(fmt(i.attempts), "num"));
    return tr;
  }), "Nothing to reconcile.");

  $("config-hash").textContent = s.config.hash;
  $("config-generation").textContent = fmt(s.config.generation);
  $("config-reload").textContent = s.config.last_reload_ms
    ? `${new Date(s.config.last_reload_ms).toISOString()} (${s.config.last_reload_ok ? "ok" : "failed: the previous configuration runs"})` +
      (s.config.reloads_failed ? `, ${s.config.reloads_failed} failed reload(s)` : "")
    : "";
  $("config-started").textContent = s.config.started_ms ? new Date(s.config.started_ms).toISOString() : "";
  fill("certificates", s.certificates.map((c) => {
    const tr = el("tr");
    tr.appendChild(cell(c.listener));
    tr.appendChild(cell(new Date(c.not_after * 1000).toISOString()));
    tr.appendChild(cell(duration(c.seconds_left), c.seconds_left < 14 * 86400 ? "soon" : undefined));
    return tr;
  }), "No TLS listener.");
}

function showLogin(message) {
  $("main").hidden = true;
  $("login").hidden = false;
  $("forget").hidden = true;
  $("login-error").textContent = message || "";
  $("token").focus();
}

async function refresh() {
  clearTimeout(timer);
  timer = null;
  const headers = { Accept: "application/json" };
  const t = token();
  if (t) headers.Authorization = "Bearer " + t;
  let res;
  try {
    res = await fetch("/admin/summary", { headers, cache: "no-store", credentials: "omit" });
  } catch (e) {
    setStatus("The gateway does not answer: " + e.message, true);
    schedule();
    return;
  }
  if (res.status === 401) {
    setStatus("The admin token is needed.", true);
    showLogin(t ? "The gateway refused this token." : "");
    return;
  }
  if (!res.ok) {
    let why = res.statusText;
    try { why = (await res.json()).message || why; } catch { /* not JSON */ }
    setStatus(`The summary is not available (${res.status}): ${why}`, true);
    schedule();
    return;
  }
  const summary = await res.json();
  $("login").hidden = true;
  $("main").hidden = false;
  $("forget").hidden = !t;
  render(summary);
  document.body.dataset.updated = String(summary.now_ms);
  setStatus("Updated " + new Date(summary.now_ms).toLocaleTimeString() + (paused ? " (paused)" : ""));
  schedule();
}

function schedule() {
  if (!paused) timer = setTimeout(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    try { sessionStorage.setItem(TOKEN_KEY, $("token").value.trim()); } catch { /* storage refused: ask again next time */ }
    $("token").value = "";
    refresh();
  });
  $("forget").addEventListener("click", () => {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* nothing kept */ }
    clearTimeout(timer);
    showLogin("");
    setStatus("Token forgotten.");
  });
  $("pause").addEventListener("click", () => {
    paused = !paused;
    $("pause").setAttribute("aria-pressed", String(paused));
    $("pause").textContent = paused ? "Resume refresh" : "Pause refresh";
    if (paused) clearTimeout(timer);
    else refresh();
  });
  refresh();
});
