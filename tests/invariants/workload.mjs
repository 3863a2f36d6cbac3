// One seeded round of the money-rules checker: a topology, many payments each with its faults,
// topology faults meanwhile, then quiescence (the reconciler done), a re-presentation of every
// payment, and the rules checked against the ledger, the upstream's log and what the clients saw.
import { challenge, paymentHeader } from "../support/gateway.mjs";
import { startChainFacilitator, VERIFY_FAULTS, SETTLE_FAULTS } from "./chain_facilitator.mjs";
import { startFaultyUpstream } from "./faulty_upstream.mjs";
import { startCluster, TOPOLOGIES } from "./cluster.mjs";
import { present, classify } from "./client.mjs";
import { checkRules } from "./rules.mjs";
import { ROUTES, TIMING, METERED_MAX } from "./config.mjs";
import { UPTO_FACILITATOR } from "./chain_facilitator.mjs";

/** A small seeded PRNG (mulberry32): a seed gives the same plans and the same fault schedule. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    hex: (bytes) => Array.from({ length: bytes }, () => Math.floor(next() * 256).toString(16).padStart(2, "0")).join(""),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One payment's plan: its route, and the fault at each step. */
function planPayment(rng, index) {
  const route = rng.pick(["paid", "paid", "paid", "before", "before", "once", "replay", "metered", "tokens"]);
  const plan = { verify: null, settle: null, upstream: "none", drop: { kind: "none" }, repeat: null, bodyBytes: 64 };
  // upto: the upstream names 1 to twice the maximum (a third of them clamped). Zero charges are
  // the integration tests' (tests/integration/upto.test.mjs): nothing lands, so a memory store's
  // restart (which forgets that the payment was used) is not the ledger's to judge.
  if (route === "metered") plan.override = rng.int(1, 2 * METERED_MAX);
  if (route === "tokens") plan.tokens = rng.int(1, 2 * METERED_MAX);  // read by the meter, 1 unit a token
  if (rng.chance(0.08)) plan.verify = rng.pick(VERIFY_FAULTS);
  if (rng.chance(0.35)) {
    const fault = rng.pick(SETTLE_FAULTS);
    plan.settle = { fault, lands: fault === "late" || (fault !== "refuse" && rng.chance(0.6)), landDelayMs: 0 };
    if (fault === "late") plan.settle.landDelayMs = rng.int(300, 2500);
    else if (plan.settle.lands && rng.chance(0.4)) plan.settle.landDelayMs = rng.int(200, 1800);
  }
  if (rng.chance(0.12)) plan.upstream = rng.pick(["reset", "5xx", "slow"]);
  if (rng.chance(0.15)) {
    plan.drop = rng.chance(0.5) ? { kind: "before_head", afterMs: rng.int(0, 1500) } : { kind: "mid_body" };
    if (plan.drop.kind === "mid_body") plan.bodyBytes = 300000;
  }
  if (rng.chance(0.35)) plan.repeat = { afterMs: rng.chance(0.3) ? rng.int(0, 200) : rng.int(300, 3000), replica: rng.int(0, 1) };
  return { index, route, plan, nonce: "0x" + rng.hex(32), id: "pay_" + rng.hex(16) };
}

/** Runs one round; resolves to { violations, stats, report(v) }. `baseline`: no fault anywhere and
 *  every route refusing repeats: a round any correct gateway passes (the checker's own control). */
export async function runRound({ topology, seed, payments: count, concurrency = 12, say = () => {}, baseline = false }) {
  const rng = prng(seed);
  const t0 = Date.now();
  const history = new Map();   // nonce -> events
  const global = [];           // topology faults
  const note = (nonce, event) => {
    const list = history.get(nonce);
    if (list) list.push({ t: Date.now() - t0, ...event });
  };
  const log = (event) => global.push({ t: Date.now() - t0, ...event });

  const payments = [];
  for (let i = 0; i < count; i++) payments.push(planPayment(rng, i));
  if (baseline)
    for (const p of payments) Object.assign(p.plan, { verify: null, settle: null, upstream: "none", drop: { kind: "none" }, bodyBytes: 64 });
  const redisTopology = TOPOLOGIES[topology].store === "redis";
  // The lapsed lease: a long paid request and a second presentation after the lease, with the
  // renewal script flushed from Redis first.
  const lapses = redisTopology && !baseline ? 2 : 0;
  for (let i = 0; i < lapses; i++) {
    const p = planPayment(rng, payments.length);
    Object.assign(p, { route: "long", lapse: true });
    Object.assign(p.plan, { verify: null, settle: null, upstream: "long", drop: { kind: "none" }, repeat: null });
    payments.push(p);
  }
  const byNonce = new Map(payments.map((p) => [p.nonce, p]));
  for (const p of payments) { history.set(p.nonce, []); p.presentations = []; }

  const facilitator = await startChainFacilitator({ planOf: (n) => byNonce.get(n)?.plan, note });
  const upstream = await startFaultyUpstream({ note });
  const cluster = await startCluster(topology, { upstreamUrl: upstream.url, facilitatorUrl: facilitator.url, log, refuseEverywhere: baseline });
  const memoryRestarts = [];
  const kills = [];  // times of kill -9
  const faults = [];
  let ops = 0;
  try {
    // The route's requirement, as its 402 names it.
    const accepted = {};
    for (const [name, r] of Object.entries(ROUTES)) accepted[name] = (await challenge(`http://127.0.0.1:${cluster.port(0)}${r.path}`)).v2;
    const headerOf = (p) => {
      const doc = JSON.parse(Buffer.from(paymentHeader(2, accepted[p.route], { nonce: p.nonce.slice(2) }), "base64").toString());
      if (ROUTES[p.route].scheme === "upto") {
        // A Permit2 witness transfer of the maximum, as @x402/evm's upto client signs it.
        const a = accepted[p.route];
        doc.payload = { signature: doc.payload.signature, permit2Authorization: {
          from: doc.payload.authorization.from, permitted: { token: a.asset, amount: a.amount },
          spender: "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002", nonce: BigInt(p.nonce).toString(), deadline: "9999999999",
          witness: { to: a.payTo, facilitator: a.extra?.facilitatorAddress || UPTO_FACILITATOR, validAfter: "0" } } };
      }
      if (ROUTES[p.route].kind === "replay") doc.extensions = { "payment-identifier": { info: { required: true, id: p.id } } };
      return Buffer.from(JSON.stringify(doc)).toString("base64");
    };
    for (const p of payments) p.header = headerOf(p);

    let seq = 0;
    async function presentOnce(p, phase, { replica = 0, upstreamFault = "none", drop = { kind: "none" }, bodyBytes = 64 } = {}) {
      let port = cluster.port(replica);
      for (let waited = 0; port === null && waited < 5000; waited += 50) { await sleep(50); port = cluster.port(replica); }
      if (port === null) return;
      const q = `${seed}-${++seq}`;
      const target = `${ROUTES[p.route].path}?p=${p.nonce}&q=${q}&f=${upstreamFault}&n=${bodyBytes}${p.plan.override ? "&o=" + p.plan.override : ""}${p.plan.tokens ? "&u=" + p.plan.tokens : ""}`;
      const x = { phase, q, start: Date.now(), outcome: null, cls: "" };
      p.presentations.push(x);
      note(p.nonce, { what: `client: ${phase} presentation q=${q} at :${port}${drop.kind !== "none" ? " (will " + drop.kind + ")" : ""}${upstreamFault !== "none" ? " upstream fault " + upstreamFault : ""}` });
      ops += 1;
      x.outcome = await present(port, target, p.header, drop);
      x.cls = classify(x.outcome, q);
      note(p.nonce, { what: `client: q=${q} got ${x.cls} (${x.outcome.status || "-"} ${x.outcome.error}${x.outcome.receipt ? " receipt success:" + x.outcome.receipt.success : ""}), ${x.outcome.endedBy}` });
    }

    async function drive(p) {
      const first = presentOnce(p, "run", { replica: p.index, upstreamFault: p.plan.upstream, drop: p.plan.drop, bodyBytes: p.plan.bodyBytes });
      if (p.lapse) {
        redisScriptFlush();
        await sleep(TIMING.claimLeaseMs + 1200);
        await presentOnce(p, "repeat", { replica: p.index + 1 });
        return first;
      }
      if (!p.plan.repeat) return first;
      if (p.plan.repeat.afterMs > 200) await first;
      await sleep(p.plan.repeat.afterMs);
      await presentOnce(p, "repeat", { replica: p.plan.repeat.replica });
      return first;
    }

    const redisScriptFlush = () => {
      try { cluster.redis.cli("SCRIPT", "FLUSH"); log({ what: "redis: SCRIPT FLUSH" }); } catch (e) { log({ what: "redis: SCRIPT FLUSH failed: " + e.message }); }
    };

    // Topology faults while the payments run.
    let running = !baseline;
    const chaos = (async () => {
      // Every kind once in a seeded order, then again in another: each round meets each of them.
      const kinds = redisTopology ? ["kill9", "sigterm", "freeze", "redis_restart", "script_flush"] : ["kill9", "sigterm"];
      const order = [];
      while (running) {
        await sleep(rng.int(1500, 4000));
        if (!running) break;
        if (!order.length) order.push(...kinds.map((k) => [rng.next(), k]).sort((a, b) => a[0] - b[0]).map((x) => x[1]));
        const kind = order.shift();
        faults.push(kind);
        const i = rng.int(0, cluster.slots.length - 1);
        if (kind === "kill9" || kind === "sigterm") {
          const at = Date.now();
          await cluster.bounce(i, kind === "kill9" ? "SIGKILL" : "SIGTERM", rng.int(100, 600));
          if (!redisTopology) memoryRestarts.push(at);
          if (kind === "kill9") kills.push(at);
        } else if (kind === "freeze") {
          cluster.redis.pause();
          log({ what: "redis: frozen (SIGSTOP)" });
          await sleep(rng.int(300, 1500));
          cluster.redis.resume();
          log({ what: "redis: thawed" });
        } else if (kind === "redis_restart") {
          await cluster.redis.kill();
          log({ what: "redis: killed" });
          await sleep(rng.int(200, 800));
          await cluster.redis.restart();
          log({ what: "redis: restarted" });
        } else {
          redisScriptFlush();
        }
      }
    })();

    // The payments, `concurrency` at a time.
    let next = 0;
    const queue = payments.filter((p) => !p.lapse);
    const workers = Array.from({ length: concurrency }, async () => {
      while (next < queue.length) {
        const p = queue[next++];
        const first = await drive(p);
        await first;
      }
    });
    await Promise.all(workers);
    running = false;
    await chaos;
    // The lapsed leases, on a quiet topology so that no reconnection reloads the scripts meanwhile.
    await Promise.all(payments.filter((p) => p.lapse).map(async (p) => { const first = await drive(p); await first; }));
    say(`  [${topology} seed ${seed}] ${payments.length} payments driven in ${((Date.now() - t0) / 1000).toFixed(1)}s; quiescing`);

    // Quiescence: every landing done, every lease run out, the reconcilers idle.
    log({ what: "quiescence: waiting for the ledger and the reconcilers" });
    facilitator.calm();
    for (let i = 0; i < 100 && facilitator.scheduled() > 0; i++) await sleep(100);
    await sleep(TIMING.claimLeaseMs + 500);
    let unknownGauge = 0;
    const quiesceUntil = Date.now() + 40000;
    for (;;) {
      unknownGauge = await cluster.metric("x402gw_unknown_settlements").catch(() => -1);
      if (unknownGauge === 0 || Date.now() > quiesceUntil) break;
      await sleep(250);
    }
    log({ what: `quiescence: x402gw_unknown_settlements=${unknownGauge}` });

    // Every payment presented again; the landed ones twice.
    const final = async (phase, list) => {
      let at = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (at < list.length) {
          const p = list[at++];
          await presentOnce(p, phase, { replica: p.index + 1 });
        }
      }));
    };
    await final("final1", payments);
    await final("final2", payments.filter((p) => facilitator.ledger.get(p.nonce)?.landed));
    const leftovers = cluster.redisLeftovers();

    const round = { payments, ledger: facilitator.ledger, calls: facilitator.calls, upstream: upstream.requests, memoryRestarts, kills, leftovers, unknownGauge };
    const violations = checkRules(round);
    const seconds = (Date.now() - t0) / 1000;
    // upto: how many metered payments landed, and how many of those were clamped to the maximum.
    const metered = payments.filter((p) => ROUTES[p.route].scheme === "upto");
    const meteredLanded = metered.filter((p) => facilitator.ledger.get(p.nonce)?.landed);
    const upto = { payments: metered.length, landed: meteredLanded.length, clamped: meteredLanded.filter((p) => (p.plan.override ?? p.plan.tokens) > METERED_MAX).length };
    const stats = { topology, seed, payments: payments.length, ops, faults: countFaults(payments, faults), upto, seconds };
    return {
      violations,
      stats,
      report: () => report({ topology, seed, violations, history, global, stats, cluster, byNonce, t0 }),
    };
  } finally {
    await cluster.stop();
    await upstream.close();
    await facilitator.close();
  }
}

function countFaults(payments, topologyFaults) {
  const counts = {};
  const bump = (k) => (counts[k] = (counts[k] || 0) + 1);
  for (const p of payments) {
    if (p.plan.verify) bump(`verify:${p.plan.verify}`);
    if (p.plan.settle) bump(`settle:${p.plan.settle.fault}${p.plan.settle.lands ? "+lands" : ""}`);
    if (p.plan.upstream !== "none") bump(`upstream:${p.plan.upstream}`);
    if (p.plan.drop.kind !== "none") bump(`client:${p.plan.drop.kind}`);
    if (p.lapse) bump("redis:lapsed_lease");
  }
  for (const f of topologyFaults) bump(f.startsWith("kill9") || f === "sigterm" ? `gateway:${f}` : `redis:${f}`);
  return counts;
}

const RULE_TEXT = {
  R1: "an authorization lands at most once (upto: for what the upstream named or the meter read, at most the maximum)",
  R2: "a landed payment's answer is delivered; until then a re-presentation gets it",
  R3: "a delivered payment buys nothing more (402 payment_already_used)",
  R4: "no priced upstream request without a verified, claimed payment",
  R5: "never told failed about a payment that may have landed",
  R6: "nothing stuck pending or unknown once reconciliation ended",
};

/** The faults a payment met: its plan, and the topology faults while it was being presented. */
export function faultsOf(p, global, t0) {
  const parts = [p.route];
  if (p.plan.verify) parts.push(`verify:${p.plan.verify}`);
  if (p.plan.settle) parts.push(`settle:${p.plan.settle.fault}${p.plan.settle.lands ? "+lands" : ""}`);
  if (p.plan.upstream !== "none") parts.push(`upstream:${p.plan.upstream}`);
  if (p.plan.drop.kind !== "none") parts.push(`client:${p.plan.drop.kind}`);
  if (p.plan.repeat) parts.push(p.plan.repeat.afterMs <= 200 ? "repeat:concurrent" : "repeat:later");
  if (p.lapse) parts.push("redis:lapsed_lease");
  // Topology faults while its run-phase presentations were open.
  const run = p.presentations.filter((x) => x.phase === "run" || x.phase === "repeat");
  if (run.length) {
    const from = Math.min(...run.map((x) => x.start)) - t0, to = Math.max(...run.map((x) => x.outcome?.end || x.start)) - t0;
    for (const g of global)
      if (g.t >= from && g.t <= to && /: (SIGKILL|SIGTERM)$|frozen|redis: killed|SCRIPT FLUSH/.test(g.what))
        parts.push(g.what.replace(/^gateway \d+: SIGKILL/, "gateway:kill-9").replace(/^gateway \d+: SIGTERM/, "gateway:sigterm").replace(/^redis: /, "redis:").replace(/ \(SIGSTOP\)/, ""));
  }
  return [...new Set(parts)].join(" ");
}

function report({ topology, seed, violations, history, global, stats, cluster, byNonce, t0 }) {
  const lines = [];
  const byRule = {};
  for (const v of violations) (byRule[v.rule] ||= []).push(v);
  lines.push(`money rules violated: topology ${topology}, seed ${seed} (reproduce: X402GW_INVARIANT_SEED=${seed} X402GW_INVARIANT_TOPOLOGY=${topology})`);
  for (const rule of Object.keys(byRule).sort()) lines.push(`  ${rule} (${RULE_TEXT[rule]}): ${byRule[rule].length} violation(s)`);
  // Which faults each rule broke under: one line per (rule, faults) with a count and an example.
  const groups = new Map();
  for (const v of violations) {
    const p = byNonce.get(v.nonce);
    const key = `${v.rule} | ${p ? faultsOf(p, global, t0) : "-"}`;
    const g = groups.get(key) || groups.set(key, { n: 0, example: v }).get(key);
    g.n += 1;
  }
  lines.push("  by fault:");
  for (const [key, g] of [...groups].sort()) lines.push(`    ${key}: ${g.n}x, e.g. ${g.example.nonce.slice(0, 18)} ${g.example.what}`);
  const perRule = Number(process.env.X402GW_INVARIANT_SHOW || 3);
  for (const rule of Object.keys(byRule).sort()) {
    const shown = new Set();
    for (const v of byRule[rule]) {
      if (shown.size >= perRule) break;
      if (shown.has(v.nonce)) continue;
      shown.add(v.nonce);
      lines.push(`\n${rule} payment ${v.nonce.slice(0, 18)}: ${v.what}`);
      const events = history.get(v.nonce) || [];
      const from = events.length ? events[0].t - 1000 : 0;
      const to = events.length ? events[events.length - 1].t + 1000 : 0;
      const merged = [...events, ...global.filter((g) => g.t >= from && g.t <= to)].sort((a, b) => a.t - b.t);
      for (const e of merged) lines.push(`    +${String(e.t).padStart(6)}ms ${e.what}`);
    }
  }
  lines.push(`\n${stats.payments} payments, ${stats.ops} presentations, faults ${JSON.stringify(stats.faults)}, ${stats.seconds.toFixed(1)}s`);
  const crashes = cluster.slots.map((s) => s.stderr).join("\n").match(/.*(ERROR: AddressSanitizer|runtime error:).*/);
  if (crashes) lines.push("sanitizer: " + crashes[0]);
  return lines.join("\n");
}

