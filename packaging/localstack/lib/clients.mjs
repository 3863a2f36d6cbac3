// The reference x402 buyers, ready to use: @x402/fetch (v2) and x402-fetch (v1).
import { wrapFetchWithPayment as wrapV2, x402Client } from "@x402/fetch";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { toClientEvmSigner } from "@x402/evm";
import { wrapFetchWithPayment as wrapV1 } from "x402-fetch";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { PAYMENT_IDENTIFIER, appendPaymentIdentifierToExtensions } from "@x402/extensions/payment-identifier";

export { decodePaymentResponseHeader };

/** A fetch that pays with x402 v2 (PAYMENT-SIGNATURE) from `wallet`. */
export function v2Fetch(wallet, publicClient, fetchImpl = fetch) {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(wallet.account, publicClient) });
  return wrapV2(fetchImpl, client);
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
