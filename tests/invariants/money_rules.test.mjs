// The money rules under faults: seeded rounds of many payments through the real gateway, with a
// fault injected at each step (facilitator, upstream, client, Redis, the gateway itself), checked
// against a chain model's ledger, the upstream's log and what each client received (workload.mjs,
// rules.mjs). One round per topology; X402GW_INVARIANT_SEED reproduces one seed,
// X402GW_INVARIANT_TOPOLOGY keeps one topology, X402GW_INVARIANT_OPS scales the presentations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runRound } from "./workload.mjs";
import { TOPOLOGIES } from "./cluster.mjs";

const OPS = Number(process.env.X402GW_INVARIANT_OPS || 3000);
const ONLY = process.env.X402GW_INVARIANT_TOPOLOGY;
const SEED = process.env.X402GW_INVARIANT_SEED;
const topologies = Object.keys(TOPOLOGIES).filter((t) => !ONLY || t === ONLY);
// About 2.6 presentations per payment (the first, some repeats, the final re-presentations).
const paymentsPerRound = Math.max(20, Math.round(OPS / topologies.length / 2.6));
const BASE_SEEDS = { memory: 190001, redis: 190002, redis2: 190003 };

// The checker's control: with no fault and every route refusing repeats, a correct gateway breaks
// no rule; a violation here is the checker's own error (or a defect that needs no fault at all).
for (const topology of ["memory", "redis2"].filter((t) => topologies.includes(t))) {
  test(`baseline (no faults, on_repeat: refuse everywhere): no rule is broken: ${topology}`, { timeout: 170000 }, async () => {
    const round = await runRound({ topology, seed: 190000, payments: 60, baseline: true });
    if (round.violations.length) assert.fail(round.report());
  });
}

for (const topology of topologies) {
  const seed = SEED ? Number(SEED) : BASE_SEEDS[topology];
  test(`money rules R1-R6 hold under faults: ${topology}, seed ${seed}`, { timeout: 170000 }, async () => {
    const round = await runRound({ topology, seed, payments: paymentsPerRound, say: (s) => console.log(s) });
    const s = round.stats;
    console.log(`  [${topology} seed ${seed}] ${s.payments} payments, ${s.ops} presentations, ${s.seconds.toFixed(1)}s, faults ${JSON.stringify(s.faults)}`);
    if (round.violations.length) assert.fail(round.report());
  });
}
