// The node:test rounds of the money-rules checker, one file per topology (each file stays within
// the runner's per-file timeout). X402GW_INVARIANT_SEED reproduces one seed,
// X402GW_INVARIANT_TOPOLOGY keeps one topology, X402GW_INVARIANT_OPS (default 3000) is the number
// of presentations shared among the three faulted rounds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runRound } from "./workload.mjs";

const OPS = Number(process.env.X402GW_INVARIANT_OPS || 3000);
const ONLY = process.env.X402GW_INVARIANT_TOPOLOGY;
const SEED = process.env.X402GW_INVARIANT_SEED;
// About 3.3 presentations per payment: the first, some repeats, the final re-presentations.
const PAYMENTS = Math.max(20, Math.round(OPS / 3 / 3.3));
const BASE_SEEDS = { memory: 190001, redis: 190002, redis2: 190003 };

/** One faulted round of `topology`: every rule must hold. */
export function faultedRound(topology) {
  const seed = SEED ? Number(SEED) : BASE_SEEDS[topology];
  test(`money rules R1-R6 hold under faults: ${topology}, seed ${seed}`, { skip: ONLY && ONLY !== topology }, async () => {
    const round = await runRound({ topology, seed, payments: PAYMENTS, say: (s) => console.log(s) });
    const s = round.stats;
    console.log(`  [${topology} seed ${seed}] ${s.payments} payments, ${s.ops} presentations, ${s.seconds.toFixed(1)}s, faults ${JSON.stringify(s.faults)}, upto ${JSON.stringify(s.upto)}`);
    if (round.violations.length) assert.fail(round.report());
  });
}

/** The checker's control: no fault and every route refusing repeats; a correct gateway breaks no
 *  rule, so a violation here is the checker's own error (or a defect that needs no fault at all). */
export function baselineRound(topology) {
  test(`baseline (no faults, on_repeat: refuse everywhere): no rule is broken: ${topology}`, { skip: ONLY && ONLY !== topology }, async () => {
    const round = await runRound({ topology, seed: 190000, payments: 60, baseline: true });
    console.log(`  [baseline ${topology}] upto ${JSON.stringify(round.stats.upto)}`);
    if (round.violations.length) assert.fail(round.report());
  });
}
