// A facilitator that models the chain: a ledger in which each authorization (its nonce) lands at
// most once, whatever races, and whose /verify and /settle answers can be scripted per payment to
// inject a fault: hang, reset after the request was read, a 5xx with a non-JSON body, a malformed
// 2xx, success:false settlement_pending (while the payment lands, or not), a definite refusal, and
// landing late (the answer says unknown, the ledger lands later).
//
// The gateway's reconciler asks again with the very same /settle body (src/payment/reconciler.cpp):
// the model answers it with the original settlement once the authorization landed (an idempotent
// facilitator), "settlement_pending" while a landing is on its way, otherwise it lands now. /verify
// of a landed authorization says the nonce was used, as the chain would.
import http from "node:http";
import { BUYER } from "../support/gateway.mjs";

/** Faults a plan may name at verify: */
export const VERIFY_FAULTS = ["hang", "reset", "html_5xx", "malformed_2xx", "refuse"];
/** Faults a plan may name at settle (`lands` says whether the authorization lands anyway): */
export const SETTLE_FAULTS = ["hang", "reset", "html_5xx", "malformed_2xx", "pending", "refuse", "late"];

/** The address the model's /supported names for upto (buyers sign it into their Permit2 witness). */
export const UPTO_FACILITATOR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

/** A Permit2 nonce (a decimal uint256) as the 0x + 64 hex form the ledger keys payments by. */
export const permit2NonceKey = (decimal) => "0x" + BigInt(decimal).toString(16).padStart(64, "0");

const txOf = (nonce) => "0x" + nonce.replace(/^0x/, "").slice(0, 64).padEnd(64, "0");

/**
 * Starts the model. `planOf(nonce)` returns the payment's plan ({ verify: fault|null,
 * settle: { fault, lands, landDelayMs } | null }); faults apply to the first call of each kind only.
 * `note(nonce, event)` records what happened for the violation report.
 */
export async function startChainFacilitator({ planOf, note }) {
  const ledger = new Map();  // nonce -> { landed, landedAt, landedByCall, landedByStart, scheduled, landings, successTold }
  const calls = [];          // { id, endpoint, nonce, start, end, answer, fault }
  const timers = new Set();
  const sockets = new Set();
  let nextId = 1;
  let faultsOn = true;  // off once the run is over: the final re-presentations see a calm facilitator

  const entry = (nonce) => {
    let e = ledger.get(nonce);
    if (!e) ledger.set(nonce, (e = { landed: false, landedAt: 0, landedByCall: 0, landedByStart: 0, scheduled: null, landings: 0, successTold: 0, toldLandedAt: 0 }));
    return e;
  };

  // The chain's one rule: an authorization lands once. Racing settles find it landed.
  function land(nonce, call) {
    const e = entry(nonce);
    if (e.landed) return false;
    e.landed = true;
    e.landings += 1;
    // What moved: the settle body's amount (for upto the charge, at most the signed maximum).
    e.amount = call.amount;
    e.max = call.max;
    e.landedAt = Date.now();
    e.landedByCall = call.id;
    e.landedByStart = call.start;
    note(nonce, { what: "ledger: landed", call: call.id });
    return true;
  }

  function landLater(nonce, call, delayMs) {
    const e = entry(nonce);
    if (e.landed || e.scheduled) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      e.scheduled = null;
      land(nonce, call);
    }, delayMs);
    timers.add(timer);
    e.scheduled = { call: call.id, at: Date.now() + delayMs };
    note(nonce, { what: `ledger: lands in ${delayMs}ms`, call: call.id });
  }

  const counts = new Map();  // `${endpoint} ${nonce}` -> calls so far
  function nth(endpoint, nonce) {
    const key = `${endpoint} ${nonce}`;
    const n = (counts.get(key) || 0) + 1;
    counts.set(key, n);
    return n;
  }

  function verifyAnswer(nonce, call) {
    const plan = planOf(nonce) || {};
    const fault = nth("verify", nonce) === 1 && faultsOn ? plan.verify : null;
    call.fault = fault || "none";
    const e = entry(nonce);
    switch (fault) {
      case "hang": return { hang: true };
      case "reset": return { reset: true };
      case "html_5xx": return { status: 502, raw: "<html><body>502 Bad Gateway</body></html>", type: "text/html" };
      case "malformed_2xx": return { status: 200, raw: "{\"isValid\": tru" };
      case "refuse": return { body: { isValid: false, invalidReason: "insufficient_funds", payer: BUYER } };
    }
    if (e.landed) return { body: { isValid: false, invalidReason: "invalid_exact_evm_nonce_already_used", payer: BUYER } };
    return { body: { isValid: true, payer: BUYER } };
  }

  function settleAnswer(nonce, call, network) {
    const plan = planOf(nonce) || {};
    const first = nth("settle", nonce) === 1 && faultsOn;
    const e = entry(nonce);
    const ok = () => ({ body: { success: true, transaction: txOf(nonce), network, payer: BUYER }, success: true });
    // A repeated /settle of an authorization that landed (the reconciler asks again with the same
    // body) gets the original settlement, as an idempotent facilitator answers: "the nonce is used"
    // alone would prove nothing (the payer may have cancelled it), and this model has no chain RPC.
    if (e.landed) return ok();
    if (e.scheduled) return { body: { success: false, errorReason: "settlement_pending", transaction: "", network, payer: BUYER } };
    const s = first ? plan.settle : null;
    call.fault = s ? `${s.fault}${s.lands ? "+lands" : ""}` : "none";
    if (!s) {
      land(nonce, call);
      return ok();
    }
    const landNowOrLater = () => {
      if (!s.lands) return;
      if (s.landDelayMs) landLater(nonce, call, s.landDelayMs);
      else land(nonce, call);
    };
    switch (s.fault) {
      case "hang": landNowOrLater(); return { hang: true };
      case "reset": landNowOrLater(); return { reset: true };
      case "html_5xx": landNowOrLater(); return { status: 504, raw: "<html><body>504 Gateway Time-out</body></html>", type: "text/html" };
      case "malformed_2xx": landNowOrLater(); return { status: 200, raw: "{\"success\":true}" };
      case "pending": landNowOrLater(); return { body: { success: false, errorReason: "settlement_pending", transaction: "", network, payer: BUYER } };
      case "late": landLater(nonce, call, s.landDelayMs || 1500); return { hang: true };
      case "refuse": return { body: { success: false, errorReason: "insufficient_funds", transaction: "", network, payer: BUYER } };
    }
    land(nonce, call);
    return ok();
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const endpoint = req.url.replace(/^.*\//, "");
      if (endpoint === "supported") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ kinds: [{ x402Version: 2, scheme: "exact", network: "eip155:84532" }, { x402Version: 1, scheme: "exact", network: "base-sepolia" },
          { x402Version: 2, scheme: "upto", network: "eip155:84532", extra: { facilitatorAddress: UPTO_FACILITATOR } }], extensions: [], signers: {} }));
      }
      let body = null;
      try { body = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { /* answered 400 below */ }
      const permit2 = body?.paymentPayload?.payload?.permit2Authorization;
      let nonce = body?.paymentPayload?.payload?.authorization?.nonce;
      try { if (!nonce && permit2?.nonce) nonce = permit2NonceKey(permit2.nonce); } catch { /* answered 400 below */ }
      if (!nonce || (endpoint !== "verify" && endpoint !== "settle")) {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: "not a payment call" }));
      }
      const amount = body.paymentRequirements?.amount;
      // The chain's rule for Permit2 witness transfers: never more than the buyer signed.
      const max = permit2 ? permit2.permitted?.amount : amount;
      const call = { id: nextId++, endpoint, nonce, start: Date.now(), end: 0, answer: "", sent: "", sentAt: 0, fault: "none", amount, max };
      calls.push(call);
      const network = body.paymentRequirements?.network || "eip155:84532";
      const act = endpoint === "verify" ? verifyAnswer(nonce, call) : settleAnswer(nonce, call, network);
      if (act.hang) note(nonce, { what: `facilitator: /${endpoint} #${call.id} (${call.fault}) received, not answered` });
      const finish = (answer) => {
        call.end = Date.now();
        call.answer = answer;
        note(nonce, { what: `facilitator: /${endpoint} #${call.id} (${call.fault}) -> ${answer}` });
      };
      if (act.hang) {
        // Silent until the gateway gives up and closes the connection.
        req.socket.once("close", () => finish("hung until the gateway closed"));
        return;
      }
      if (act.reset) {
        finish("connection reset after the request was read");
        return req.socket.destroy();
      }
      const text = act.raw !== undefined ? act.raw : JSON.stringify(act.body);
      // What the gateway was told, and when it was sent (before the gateway can act on it).
      call.sent = `${act.status || 200} ${text}`;
      call.sentAt = Date.now();
      // The gateway may now know that the payment landed (a success, or "the nonce was used").
      if (endpoint === "settle" && (act.success || /nonce_already_used/.test(text)) && !entry(nonce).toldLandedAt)
        entry(nonce).toldLandedAt = call.sentAt;
      res.writeHead(act.status || 200, { "content-type": act.type || "application/json" });
      res.end(text, () => {
        if (act.success) entry(nonce).successTold = Date.now();
        finish(`${act.status || 200} ${text.slice(0, 90)}`);
      });
    });
  });
  server.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  server.keepAliveTimeout = 30000;
  const port = await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
  return {
    url: `http://127.0.0.1:${port}`,
    ledger,
    calls,
    /** No more faults: what follows is the final re-presentations. */
    calm: () => { faultsOn = false; },
    /** Landings still on their way. */
    scheduled: () => timers.size,
    close: () => new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
