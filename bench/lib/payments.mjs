// Payment headers for the paid-path load: one template per system, turned into a fresh payment
// per request by bench/wrk/paid.lua (which only appends the last 12 digits of the nonce).
import { Buffer } from "node:buffer";
import { BUYER as PAYER, challenge } from "../../tests/support/gateway.mjs";

export { PAYER };
const MARK = "############";  // where the 12 varying nonce digits go

const b64 = (text) => Buffer.from(text, "utf8").toString("base64");

function authorization(to, value) {
  return { from: PAYER, to, value, validAfter: "0", validBefore: "4102444800", nonce: "0x" + "0".repeat(52) + MARK };
}

/**
 * The pieces wrk needs for one system: `accepted` is the v2 requirement from its PAYMENT-REQUIRED
 * header (version 2) or the v1 `accepts` entry of its 402 body (version 1).
 */
export function paymentTemplate(version, accepted, resource) {
  const signature = "0x" + "5a".repeat(65);
  const doc = version === 2
    ? { x402Version: 2, resource, accepted, payload: { signature, authorization: authorization(accepted.payTo, accepted.amount) } }
    : { x402Version: 1, scheme: accepted.scheme, network: accepted.network,
        payload: { signature, authorization: authorization(accepted.payTo, accepted.maxAmountRequired) } };
  let json = JSON.stringify(doc);
  // Leading spaces (valid JSON) put the digits on a 3-byte boundary, so base64 pieces concatenate.
  const pad = (3 - (json.indexOf(MARK) % 3)) % 3;
  json = " ".repeat(pad) + json;
  const at = json.indexOf(MARK);
  return {
    header: version === 2 ? "PAYMENT-SIGNATURE" : "X-PAYMENT",
    prefix: b64(json.slice(0, at)),
    suffix: b64(json.slice(at + MARK.length)),
  };
}

/** The header value paid.lua would send for nonce `n` (used to check each system once by hand). */
export function paymentFor(template, n) {
  return template.prefix + b64(String(n).padStart(12, "0")) + template.suffix;
}

/** What a system asks for: its 402 challenge, read as v2 (header) or v1 (body). */
export async function challengeOf(url, version) {
  const { response, v1, v2, v2doc } = await challenge(url);
  if (response.status !== 402) throw new Error(`${url}: expected 402, got ${response.status}`);
  return version === 2 ? { accepted: v2, resource: v2doc.resource } : { accepted: v1, resource: undefined };
}
