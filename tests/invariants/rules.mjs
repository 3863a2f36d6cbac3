// The money rules (README, security model), checked after a round against three independent
// records: the chain model's ledger and calls, the upstream's log, and what each client saw.
//   R1 an authorization lands at most once.
//   R2 a payment that landed has its answer delivered once; until then a re-presentation gets it.
//   R3 a payment whose answer was delivered buys nothing more: 402 payment_already_used (or, with
//      payment-identifier, the kept first answer, the upstream not called).
//   R4 no priced upstream request without a verified, claimed payment.
//   R5 a client is never told "failed" about a payment that may have landed.
//   R6 once reconciliation has ended, no claim is stuck pending or unknown.
// "Delivered" is what the client saw: a head carrying the upstream's answer with a success receipt.
// A client that left before any head may or may not have been counted delivered by the gateway;
// such payments accept either answer at their first final re-presentation.
import { ROUTES, TIMING, KNOWN_LIMITS } from "./config.mjs";

const VALID_VERIFY = /^200 \{"isValid":true/;

/**
 * Returns the violations: [{ rule, nonce, what }]. `round` holds { payments, ledger, calls,
 * upstream (requests), memoryRestarts (times the in-process store was lost), leftovers, unknownGauge }.
 */
export function checkRules(round) {
  const violations = [];
  const add = (rule, nonce, what) => violations.push({ rule, nonce, what });
  const callsOf = new Map();
  for (const c of round.calls) (callsOf.get(c.nonce) || callsOf.set(c.nonce, []).get(c.nonce)).push(c);
  const upstreamOf = new Map();
  for (const u of round.upstream) if (u.p) (upstreamOf.get(u.p) || upstreamOf.set(u.p, []).get(u.p)).push(u);

  for (const p of round.payments) {
    const nonce = p.nonce;
    const L = round.ledger.get(nonce);
    const landed = !!L?.landed;
    const calls = callsOf.get(nonce) || [];
    const ups = upstreamOf.get(nonce) || [];
    const pres = p.presentations.filter((x) => x.outcome);
    const replayRoute = ROUTES[p.route].kind === "replay";
    // The in-process store forgot this payment's settled marker (a restart after the facilitator
    // told the gateway it landed): the README's documented limit of state.store: memory, not checked.
    const amnesiaAt = landed && L.toldLandedAt ? round.memoryRestarts.find((t) => t > L.toldLandedAt) : undefined;
    // A kill -9 cut a /settle of this payment short (before the gateway's own deadline): accepted
    // only when KNOWN_LIMITS says so.
    const cutAt = KNOWN_LIMITS.settleCutByKill
      ? round.kills.find((k) => calls.some((c) => c.endpoint === "settle" && c.start < k && (!c.end || c.end >= k) && k - c.start < TIMING.facilitatorTimeoutMs))
      : undefined;
    const exempt = (x) => (amnesiaAt !== undefined && x.start > amnesiaAt) || (cutAt !== undefined && x.start > cutAt);

    // R1
    if (L && L.landings > 1) add("R1", nonce, `the ledger shows ${L.landings} landings of one authorization`);
    // upto: charged what the upstream named (or the meter read), clamped to the signed maximum;
    // never more, and once.
    if (landed && ROUTES[p.route].scheme === "upto") {
      const named = p.plan.override ?? p.plan.tokens;
      const expected = String(Math.min(named, Number(L.max)));
      if (BigInt(L.amount) > BigInt(L.max)) add("R1", nonce, `landed for ${L.amount}, more than the signed maximum ${L.max}`);
      else if (L.amount !== expected) add("R1", nonce, `landed for ${L.amount}; the upstream named ${named} (maximum ${L.max}): expected ${expected}`);
    }
    const toldSettledAt = Math.min(...pres.filter((x) => x.outcome.receipt?.success === true && x.outcome.headAt).map((x) => x.outcome.headAt));
    for (const c of calls)
      if (c.endpoint === "settle" && c.start > toldSettledAt)
        add("R1", nonce, `/settle #${c.id} sent again after a client was answered with the settled receipt`);

    // R3: the first answer the client saw; nothing bought after it.
    const deliveredAt = Math.min(...pres.filter((x) => x.cls === "answer").map((x) => x.outcome.headAt));
    // A kill -9 right after the head went out, before "delivered" was stored: one more answer is
    // the documented limit (KNOWN_LIMITS.deliveryCutByKill); a second is still a violation.
    const deliveryCut = KNOWN_LIMITS.deliveryCutByKill &&
      round.kills.some((k) => k >= deliveredAt && k - deliveredAt <= KNOWN_LIMITS.deliveryCutWindowMs);
    let spared = deliveryCut ? 1 : 0;
    const secondAnswerAt = deliveryCut ? (pres.filter((x) => x.cls === "answer" && x.outcome.headAt > deliveredAt).map((x) => x.outcome.headAt).sort((a, b) => a - b)[0] ?? Infinity) : deliveredAt;
    for (const u of ups)
      if (u.start > deliveredAt) {
        if (spared > 0 && u.start <= secondAnswerAt) {
          spared--;
          continue;
        }
        const who = pres.find((x) => x.q === u.q);
        add("R3", nonce, `the upstream was called again (q=${u.q}, ${who ? who.phase + " presentation, client got " + who.cls : "?"}) after the answer was delivered`);
      }
    // The final re-presentations of a landed payment: refused as used once its answer was delivered
    // (final1 before any delivery is R2's to judge).
    for (const x of pres) {
      if ((x.phase !== "final1" && x.phase !== "final2") || !landed || exempt(x)) continue;
      if (x.phase === "final1" && !(x.start > deliveredAt)) continue;
      // The one answer the delivery-cut limit allows may be this re-presentation's.
      if (deliveryCut && x.cls === "answer" && x.outcome.headAt === secondAnswerAt) continue;
      const ok = x.cls === "payment_already_used" || (replayRoute && x.cls === "replayed");
      if (!ok) add("R3", nonce, `${x.phase} re-presentation got ${x.cls} (${x.outcome.status} ${x.outcome.error}), not 402 payment_already_used`);
    }

    // R2: a landed payment whose answer no client saw gets it when presented again.
    if (landed) {
      const f1 = pres.find((x) => x.phase === "final1");
      if (f1 && !exempt(f1) && !(f1.start > deliveredAt)) {
        const ambiguous = pres.some((x) => x.phase !== "final1" && x.phase !== "final2" && !x.outcome.headAt && x.outcome.endedBy.startsWith("client"));
        const got = f1.cls === "answer" || f1.cls === "replayed" || (ambiguous && f1.cls === "payment_already_used");
        if (!got) add("R2", nonce, `landed, its answer never delivered, and the final re-presentation got ${f1.cls} (${f1.outcome.status} ${f1.outcome.error})`);
      }
    }

    // R4: every upstream call of a priced request follows a valid /verify (or the landing), and
    // no two run at once.
    for (const u of ups) {
      const verified = calls.some((c) => c.endpoint === "verify" && VALID_VERIFY.test(c.sent) && c.sentAt <= u.start);
      const paid = landed && L.landedAt <= u.start;
      if (!verified && !paid) add("R4", nonce, `upstream request q=${u.q} with no valid /verify before it and nothing landed`);
      for (const other of ups)
        if (other !== u && other.start <= u.start && u.start < (other.end || Infinity))
          add("R4", nonce, `upstream request q=${u.q} started while q=${other.q} of the same payment was still running (the claim was not exclusive)`);
    }

    // R5: told "failed" once the settle that landed it had been sent.
    if (landed)
      for (const x of pres)
        if (x.cls === "failed" && x.outcome.headAt > L.landedByStart && !exempt(x))
          add("R5", nonce, `${x.phase} presentation told failed (${x.outcome.status} ${x.outcome.error || ""}${x.outcome.receipt ? " receipt success:" + x.outcome.receipt.success + " " + (x.outcome.receipt.errorReason || "") : ""}) after /settle #${L.landedByCall}, which landed it, was sent`);

    // R6
    for (const x of pres)
      if ((x.phase === "final1" || x.phase === "final2") && x.cls === "payment_pending")
        add("R6", nonce, `${x.phase} re-presentation after reconciliation ended still got 402 payment_pending`);
  }
  if (round.unknownGauge > 0) add("R6", "-", `x402gw_unknown_settlements is still ${round.unknownGauge} after the reconciliation wait`);
  for (const l of round.leftovers) {
    const p = round.payments.find((x) => l.key.includes(x.nonce.replace(/^0x/, "")) || l.key.includes(x.nonce));
    if (l.state === "unknown") add("R6", p ? p.nonce : "-", `Redis still holds ${l.key} as unknown after reconciliation ended`);
  }
  return violations;
}
