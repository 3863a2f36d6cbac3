// The reference x402 buyers, ready to use: @x402/fetch (v2) and x402-fetch (v1).
import { wrapFetchWithPayment as wrapV2, x402Client } from "@x402/fetch";
import { registerExactEvmScheme, ExactEvmScheme } from "@x402/evm/exact/client";
import { UptoEvmScheme } from "@x402/evm/upto/client";
import { toClientEvmSigner } from "@x402/evm";
import { wrapFetchWithPayment as wrapV1 } from "x402-fetch";
import { createPaymentHeader as createV1PaymentHeader } from "x402/client";
import { decodePaymentResponseHeader, decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import { PAYMENT_IDENTIFIER, appendPaymentIdentifierToExtensions } from "@x402/extensions/payment-identifier";

export { decodePaymentResponseHeader, decodePaymentRequiredHeader, encodePaymentSignatureHeader };

/** A fetch that pays with x402 v2 (PAYMENT-SIGNATURE) from `wallet`. */
export function v2Fetch(wallet, publicClient, fetchImpl = fetch) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(wallet.account, publicClient) });
  return wrapV2(fetchImpl, client);
}

/** An x402 v2 client (@x402/core) that pays `exact` and `upto` (Permit2) from `wallet`. An upto
 *  payment signs a Permit2 transfer of at most the requirement's amount; the buyer must have
 *  approved Permit2 on the token once (the local stack does it for ACCOUNTS.buyer). */
export function v2UptoClient(wallet, publicClient) {
  const signer = toClientEvmSigner(wallet.account, publicClient);
  const client = new x402Client();
  registerExactEvmScheme(client, { signer });
  client.register("eip155:*", new UptoEvmScheme(signer));
  return client;
}

/** A fetch that pays with x402 v2 from `wallet`, `exact` or `upto` as the 402 offers. */
export function v2UptoFetch(wallet, publicClient, fetchImpl = fetch) {
  return wrapV2(fetchImpl, v2UptoClient(wallet, publicClient));
}

/** A fetch that pays with x402 v1 (X-PAYMENT) from `wallet`, up to `maxValue` atomic units. */
export function v1Fetch(wallet, maxValue = 100_000n, fetchImpl = fetch) {
  return wrapV1(fetchImpl, wallet, maxValue);
}

/** A fetch that remembers the payment headers it sent (to replay them in tests). */
export function recordingFetch(sent = []) {
  const recorder = (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get("payment-signature") || request.headers.get("x-payment");
    if (header) sent.push(header);
    return fetch(request);
  };
  recorder.sent = sent;
  return recorder;
}

/** A fetch that pays with x402 v2 from `wallet` and sends `id` in the payment-identifier extension
 *  (@x402/extensions), as a client that retries under one idempotency key does. */
export function v2FetchWithPaymentId(wallet, publicClient, id, fetchImpl = fetch) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(wallet.account, publicClient) });
  client.registerExtension({
    key: PAYMENT_IDENTIFIER,
    enrichPaymentPayload: async (payload, required) => {
      const extensions = structuredClone(payload.extensions ?? required.extensions ?? {});
      appendPaymentIdentifierToExtensions(extensions, id);
      return { ...payload, extensions };
    },
  });
  return wrapV2(fetchImpl, client);
}

/** The payment document the v2 reference client (@x402/evm exact) signs for `requirement` from
 *  `wallet`, as it would send it: {x402Version: 2, accepted, payload}. Tests sign a requirement they
 *  altered, then present it against the real one. */
export async function signV2Payment(wallet, publicClient, requirement) {
  const { payload } = await new ExactEvmScheme(toClientEvmSigner(wallet.account, publicClient)).createPaymentPayload(2, requirement);
  return { x402Version: 2, accepted: requirement, payload };
}

/** The payment document the v1 reference client (x402) signs for a v1 `requirement` from `wallet`:
 *  {x402Version: 1, scheme, network, payload}. */
export async function signV1Payment(wallet, requirement) {
  return JSON.parse(Buffer.from(await createV1PaymentHeader(wallet, 1, requirement), "base64").toString());
}
