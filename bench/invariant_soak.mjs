// The money-rules checker as a long soak: seeded rounds of tests/invariants/ one after the other,
// over every topology, until SOAK_MINUTES (default 30) have passed. Prints each round's payments,
// presentations, faults and time, and the full report of every round that broke a rule; exits 1
// if any did. Reproduce one round with the seed and topology it prints:
//   X402GW_INVARIANT_SEED=<seed> X402GW_INVARIANT_TOPOLOGY=<topology> node --test tests/invariants/
// Knobs: SOAK_MINUTES, SOAK_SEED (the first seed; default: from the clock), SOAK_PAYMENTS (per round, 600),
// X402GW_BIN (the gateway binary; default build/x402-gateway).
import { runRound } from "../tests/invariants/workload.mjs";
import { TOPOLOGIES } from "../tests/invariants/cluster.mjs";

const minutes = Number(process.env.SOAK_MINUTES || 30);
const payments = Number(process.env.SOAK_PAYMENTS || 600);
let seed = Number(process.env.SOAK_SEED || (Date.now() % 1_000_000_000));
const until = Date.now() + minutes * 60_000;
const totals = { rounds: 0, payments: 0, ops: 0, failed: [] , faults: {} };

while (Date.now() < until) {
  for (const topology of Object.keys(TOPOLOGIES)) {
    if (Date.now() >= until) break;
    const round = await runRound({ topology, seed, payments, concurrency: 16 });
    const s = round.stats;
    totals.rounds += 1;
    totals.payments += s.payments;
    totals.ops += s.ops;
    for (const [k, v] of Object.entries(s.faults)) totals.faults[k] = (totals.faults[k] || 0) + v;
    const rules = [...new Set(round.violations.map((v) => v.rule))].sort().join(",");
    console.log(`${topology.padEnd(7)} seed ${seed}: ${s.payments} payments, ${s.ops} presentations, ${s.seconds.toFixed(1)}s: ${rules ? "VIOLATED " + rules : "ok"}`);
    if (round.violations.length) {
      totals.failed.push({ topology, seed, rules });
      console.log(round.report());
    }
    seed += 1;
  }
}
console.log(`\nsoak: ${totals.rounds} rounds, ${totals.payments} payments, ${totals.ops} presentations; faults ${JSON.stringify(totals.faults)}`);
for (const f of totals.failed) console.log(`  failed: ${f.topology} seed ${f.seed} (${f.rules})`);
process.exit(totals.failed.length ? 1 : 0);
