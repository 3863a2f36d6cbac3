// The money-rules checker's gateway configuration, in one place: the routes it drives, the
// deadlines that bound each fault, and the state section of each topology. Fix branches that rename
// keys (on_repeat, payment_identifier, state.*) adjust this file only.
import { PAY_TO } from "../support/gateway.mjs";

/** Deadlines (ms) the workload is built around: a hang lasts longer than the facilitator's
 *  timeout, a "slow" upstream longer than the api upstream's, a "long" one longer than the lease. */
export const TIMING = {
  facilitatorTimeoutMs: 1000,
  upstreamTimeoutMs: 2000,
  slowUpstreamTimeoutMs: 9000,
  drainMs: 1000,
  claimLeaseMs: 3000,
};

/** The priced routes. `kind` is what the checker expects of a re-presentation: `replay` routes
 *  may answer a re-presentation with the kept first answer (the payment-identifier exception). */
export const ROUTES = {
  paid: { path: "/paid", kind: "after" },
  before: { path: "/before", kind: "before" },
  once: { path: "/once", kind: "after" },
  replay: { path: "/replay", kind: "replay" },
  long: { path: "/long", kind: "after" },
  // upto (issue 21): settled after the answer for what the upstream names (Settlement-Overrides),
  // clamped to the maximum the buyer signed.
  metered: { path: "/metered", kind: "after", scheme: "upto" },
  // upto with a meter (issue 21): the upstream names nothing; the gateway reads usage.total_tokens
  // from its JSON answer, 1 atomic unit per token, clamped to the same maximum.
  tokens: { path: "/tokens", kind: "after", scheme: "upto" },
};

/** The metered routes' maximum, atomic units ("$0.01" of USDC): what the buyer's Permit2 names. */
export const METERED_MAX = 10000;

const routeLines = (refuseEverywhere) => `  - { match: "GET /paid", price: "$0.01", upstream: api${refuseEverywhere ? ", on_repeat: refuse" : ""} }
  - { match: "GET /before", price: "$0.01", settlement: before, upstream: api${refuseEverywhere ? ", on_repeat: refuse" : ""} }
  - { match: "GET /once", price: "$0.01", on_repeat: refuse, upstream: api }
  - { match: "GET /replay", price: "$0.01", upstream: api${refuseEverywhere ? ", on_repeat: refuse" : ""}, payment_identifier: { required: true, mode: replay_answer, ttl: 3600s, max_bytes: 512KiB } }
  - { match: "GET /long", price: "$0.01", upstream: slow }
  - { match: "GET /metered", scheme: upto, price: "$0.01", upstream: api${refuseEverywhere ? ", on_repeat: refuse" : ""} }
  - { match: "GET /tokens", scheme: upto, price: "$0.01", meter: { json: usage.total_tokens, price: { amount: "1" } }, upstream: api${refuseEverywhere ? ", on_repeat: refuse" : ""} }
  - { match: "GET /free", upstream: api }`;

function stateSection({ store, stateDir, redisUrl, keyPrefix }) {
  if (store === "redis")
    return `state:
  dir: "${stateDir}"
  store: redis
  url: "${redisUrl}"
  key_prefix: "${keyPrefix}"
  timeout: 500ms
  connect_timeout: 500ms
  claim_lease: ${TIMING.claimLeaseMs}ms`;
  return `state: { dir: "${stateDir}" }`;
}

/** The whole gateway.yaml of one replica. `refuseEverywhere`: every route says on_repeat: refuse
 *  (the baseline round, which must pass on any gateway that refuses repeats). */
export function gatewayYaml({ upstreamUrl, facilitatorUrl, store, stateDir, redisUrl, keyPrefix = "x402gw-inv:", refuseEverywhere = false }) {
  return `listen: "127.0.0.1:0"
admin_listen: "127.0.0.1:0"
threads: 2
limits: { challenges_per_second: 0 }
timeouts: { drain: ${TIMING.drainMs}ms }
${stateSection({ store, stateDir, redisUrl, keyPrefix })}
upstreams:
  api: { url: "${upstreamUrl}", timeout: ${TIMING.upstreamTimeoutMs}ms }
  slow: { url: "${upstreamUrl}", timeout: ${TIMING.slowUpstreamTimeoutMs}ms }
facilitators:
  f: { url: "${facilitatorUrl}", timeout: ${TIMING.facilitatorTimeoutMs}ms }
payment:
  pay_to: "${PAY_TO}"
  network: base-sepolia
routes:
${routeLines(refuseEverywhere)}
`;
}

/** Limits the checker may be told to accept, each off (strict) by default. Turn one on only for a
 *  limit the README documents, and say so there.
 *  - settleCutByKill: a kill -9 while a /settle is in flight leaves no record of it (the journal is
 *    written when an outcome is unknown, not before the /settle is sent); such payments are then not
 *    held to R2, R5 or R3's exact code. Settle intents (a write-ahead record of every /settle)
 *    remove this limit; the flag is kept to run the checker against older binaries.
 *  - deliveryCutByKill (on): a kill -9 in the instant between an answer's head going out and
 *    "delivered" reaching the store (one store write, a Redis round trip) leaves the payment landed,
 *    so after its lease it is served once more, without a second charge. README, security model,
 *    "Delivered": no store can record delivery atomically with the write, and recording it before
 *    the write would trade this for an R2 break (charged, nothing delivered). Accepted only for a
 *    kill within deliveryCutWindowMs after the head, and for one extra answer at most. */
export const KNOWN_LIMITS = {
  settleCutByKill: process.env.X402GW_INVARIANT_ACCEPT_SETTLE_CUT_BY_KILL === "1",
  deliveryCutByKill: process.env.X402GW_INVARIANT_STRICT_DELIVERY !== "1",
  deliveryCutWindowMs: 100,
};
