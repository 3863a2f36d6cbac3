// A buyer's presentation of a payment over a raw connection, able to walk away at any phase:
// before the response head (after a delay), or right after the head (mid-body). It records what
// the client saw: the head (status, the upstream's presentation id, the receipt), whether the body
// was whole, and who ended the connection.
import net from "node:net";
import { parseResponse } from "../support/raw.mjs";
import { decodeHeader } from "../support/gateway.mjs";

const NOTHING_AFTER_MS = 15000;

/**
 * Presents `header` (a PAYMENT-SIGNATURE value) for `target` at `port`. `drop`: { kind: "none" } |
 * { kind: "before_head", afterMs } | { kind: "mid_body" }. Resolves to the outcome (never rejects).
 */
export function present(port, target, header, drop = { kind: "none" }) {
  return new Promise((resolve) => {
    const out = { start: Date.now(), end: 0, headAt: 0, status: 0, upstreamReq: "", receipt: null, error: "", complete: false, endedBy: "", port };
    let data = Buffer.alloc(0);
    let headSeen = false;
    let done = false;
    const socket = net.connect(port, "127.0.0.1");
    const finish = (by) => {
      if (done) return;
      done = true;
      out.end = Date.now();
      out.endedBy = out.endedBy || by;
      clearTimeout(timer);
      clearTimeout(dropTimer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish("client: nothing more after 15s"), NOTHING_AFTER_MS);
    let dropTimer = null;
    if (drop.kind === "before_head")
      dropTimer = setTimeout(() => { if (!headSeen) finish("client: left before the head"); }, drop.afterMs);
    socket.on("error", () => {});
    socket.on("connect", () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: gateway.test\r\nPAYMENT-SIGNATURE: ${header}\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", (d) => {
      data = Buffer.concat([data, d]);
      if (!headSeen) {
        const end = data.indexOf("\r\n\r\n");
        if (end < 0) return;
        headSeen = true;
        out.headAt = Date.now();
        const lines = data.subarray(0, end).toString("latin1").split("\r\n");
        out.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] || 0);
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          if (name === "x-upstream-req") out.upstreamReq = value;
          if (name === "payment-response" || name === "x-payment-response") {
            try { out.receipt = decodeHeader(value); } catch { out.receipt = { unreadable: value }; }
          }
        }
        if (drop.kind === "mid_body") return finish("client: left mid-body");
      }
      tryComplete(false);
    });
    socket.on("close", () => { tryComplete(true); finish(headSeen ? "server: closed" : "server: closed before any head"); });
    function tryComplete(closed) {
      let parsed = null;
      try { parsed = parseResponse(data, { closed }); } catch { parsed = null; }
      if (!parsed) return;
      out.complete = true;
      if (parsed.body.length < 4096) {
        try { out.error = JSON.parse(parsed.body.toString("utf8")).error || ""; } catch { /* not JSON */ }
      }
      finish("complete");
    }
  });
}

/** What a presentation's outcome means for the rules. */
export function classify(outcome, q) {
  if (!outcome.headAt) return "no_head";
  const success = outcome.receipt && outcome.receipt.success === true;
  if (outcome.upstreamReq) {
    if (outcome.upstreamReq !== q) return "replayed";          // a kept answer: the upstream was not called
    if (success) return "answer";                              // the paid answer
    return "unpaid_upstream_answer";                           // an upstream refusal that was not settled
  }
  if (outcome.status === 402) {
    if (outcome.receipt && outcome.receipt.success === false) return "failed";
    if (["payment_pending", "payment_in_flight", "payment_already_used"].includes(outcome.error)) return outcome.error;
    if (outcome.error === "" && !outcome.complete) return "402_unread";
    return "failed";                                           // any other 402: the payment was refused
  }
  if (outcome.receipt && outcome.receipt.success === false) return "failed";
  if (outcome.receipt && outcome.receipt.success === true) return "paid_error";  // paid, the upstream failed: a receipt, no answer
  return `error_${outcome.status}`;                            // 5xx: unknown or unavailable, nothing said about the payment
}
