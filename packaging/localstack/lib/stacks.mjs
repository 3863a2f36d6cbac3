// A local Stacks for x402-stacks (2.x, the v2 protocol with CAIP-2 ids), built with
// @stacks/transactions. No Stacks node runs here, so:
// - startStacksNodeApi() serves the two node API endpoints the x402-stacks client calls while it
//   signs (the account's next nonce and the fee estimate) and routes this process's requests for the
//   public testnet API to it (the client builds its network object without a URL).
// - startStacksFacilitator() is the facilitator: POST /verify, /settle, GET /supported. It
//   deserialises the signed transaction and checks what a Stacks node and the x402-stacks
//   facilitator check: the origin signature (recovered key hashes to the signer), the chain id and
//   version of the network, the recipient, the amount, the asset (an STX transfer, or a SIP-010
//   `transfer(amount, from, to, memo)` call on the asset's contract with `from` = the signer), the
//   account nonce (a transaction is applied once: reuse is refused), the balance; settling applies
//   it to the ledger it keeps (balances in STX and sBTC, nonces), fee included.
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import {
  deserializeTransaction, PayloadType, ChainID, TransactionVersion, AddressVersion, addressFromVersionHash, addressToString,
  cvToValue, ClarityType, makeRandomPrivKey, privateKeyToString, getAddressFromPrivateKey, standardPrincipalCV,
} from "@stacks/transactions";
import { StacksTestnet, StacksMainnet } from "@stacks/network";
import { wrapAxiosWithPayment, privateKeyToAccount, decodePaymentResponse } from "x402-stacks";

const require = createRequire(import.meta.url);
// x402-stacks wraps an axios instance: use the axios it was built against.
const axios = require(require.resolve("axios", { paths: [path.dirname(require.resolve("x402-stacks"))] }));

/** The sBTC token contract on testnet, as x402-stacks and the gateway name it. */
export const TESTNET_SBTC = "ST1F7QA2MDF17S807EPA36TSS8AMEFY4KA9TVGWXT.sbtc-token";

const NETWORKS = {
  "stacks:2147483648": { chainId: ChainID.Testnet, version: TransactionVersion.Testnet, addressVersion: AddressVersion.TestnetSingleSig, name: "testnet" },
  "stacks:1": { chainId: ChainID.Mainnet, version: TransactionVersion.Mainnet, addressVersion: AddressVersion.MainnetSingleSig, name: "mainnet" },
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function listen(server, port) {
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A new testnet key and its address. */
export function stacksAccount(network = "testnet") {
  const privateKey = privateKeyToString(makeRandomPrivKey());
  return { privateKey, address: getAddressFromPrivateKey(privateKey, network === "mainnet" ? TransactionVersion.Mainnet : TransactionVersion.Testnet) };
}

/**
 * The ledger both servers share: balances per asset ("STX" or a contract id) and account nonces.
 * `funds`: {address: {STX: units, [contract]: units}}.
 */
export function stacksLedger(funds = {}) {
  const balances = new Map();
  const nonces = new Map();
  for (const [address, assets] of Object.entries(funds))
    for (const [asset, units] of Object.entries(assets)) balances.set(`${address}|${asset}`, BigInt(units));
  return {
    balanceOf: (address, asset = "STX") => balances.get(`${address}|${asset}`) ?? 0n,
    add: (address, asset, delta) => balances.set(`${address}|${asset}`, (balances.get(`${address}|${asset}`) ?? 0n) + delta),
    nonceOf: (address) => nonces.get(address) ?? 0n,
    setNonce: (address, n) => nonces.set(address, n),
    applied: new Map(),  // txid -> {payer, asset, amount, to, fee}
  };
}

/**
 * Serves GET /extended/v1/address/:a/nonces and POST /v2/fees/transaction from `ledger`, and sends
 * this process's fetches to the public testnet API there. Resolves to { url, calls, close }.
 */
export async function startStacksNodeApi({ ledger, fee = 200n, port = 0 }) {
  const calls = {};
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://node");
    await readBody(req);
    const nonce = /^\/extended\/v1\/address\/([A-Z0-9]+)\/nonces$/.exec(url.pathname);
    const key = nonce ? "nonces" : url.pathname;
    calls[key] = (calls[key] || 0) + 1;
    if (req.method === "GET" && nonce) {
      const next = ledger.nonceOf(nonce[1]);
      return sendJson(res, 200, { possible_next_nonce: Number(next), last_executed_tx_nonce: next > 0n ? Number(next - 1n) : null, detected_missing_nonces: [], detected_mempool_nonces: [] });
    }
    if (req.method === "POST" && url.pathname === "/v2/fees/transaction") {
      return sendJson(res, 200, { estimated_cost: {}, estimated_cost_scalar: 1, cost_scalar_change_by_byte: 0, estimations: [{ fee_rate: 1, fee: Number(fee) - 20 }, { fee_rate: 1, fee: Number(fee) }, { fee_rate: 1, fee: Number(fee) + 50 }] });
    }
    sendJson(res, 404, { error: `not served here: ${req.method} ${url.pathname}` });
  });
  const listening = await listen(server, port);
  const publicApis = [new StacksTestnet().coreApiUrl, new StacksMainnet().coreApiUrl];
  const original = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const target = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const base = publicApis.find((b) => target.startsWith(b));
    if (!base) return original(input, init);
    return original(listening.url + target.slice(base.length), init);
  };
  return {
    url: listening.url,
    calls,
    close: async () => { globalThis.fetch = original; await listening.close(); },
  };
}

/** Reads what a signed transaction pays: { txid, payer, nonce, fee, asset, amount, to } or { error }. */
export function readStacksPayment(hex, network) {
  const net = NETWORKS[network];
  if (!net) return { error: "invalid_network" };
  let tx;
  try {
    tx = deserializeTransaction(hex.startsWith("0x") ? hex.slice(2) : hex);
  } catch (e) { return { error: "invalid_transaction", message: e.message }; }
  if (tx.chainId !== net.chainId || tx.version !== net.version) return { error: "invalid_network", message: "the transaction is for another chain" };
  try {
    tx.verifyOrigin();  // recovers the signing key from the signature; its hash must be the signer
  } catch (e) { return { error: "invalid_signature", message: e.message }; }
  const condition = tx.auth.spendingCondition;
  const payer = addressToString(addressFromVersionHash(net.addressVersion, condition.signer));
  const base = { txid: tx.txid(), payer, nonce: BigInt(condition.nonce), fee: BigInt(condition.fee) };
  const p = tx.payload;
  if (p.payloadType === PayloadType.TokenTransfer) {
    return { ...base, asset: "STX", amount: BigInt(p.amount), to: cvToValue(p.recipient) };
  }
  if (p.payloadType === PayloadType.ContractCall) {
    const contract = `${addressToString(p.contractAddress)}.${p.contractName.content}`;
    if (p.functionName.content !== "transfer" || p.functionArgs.length !== 4) return { error: "invalid_payload", message: "not a SIP-010 transfer" };
    const [amount, from, to] = p.functionArgs;
    if (amount.type !== ClarityType.UInt) return { error: "invalid_payload", message: "amount is not a uint" };
    if (cvToValue(from) !== payer) return { error: "invalid_payload", message: "the transfer's sender is not the signer" };
    return { ...base, asset: contract, amount: BigInt(amount.value), to: cvToValue(to) };
  }
  return { error: "invalid_payload", message: "neither an STX transfer nor a token transfer" };
}

/**
 * Starts the facilitator on 127.0.0.1:`port` over `ledger`. Resolves to { url, calls, close }.
 */
export async function startStacksFacilitator({ ledger, networks = ["stacks:2147483648"], port = 0, log = () => {} }) {
  const calls = { verify: 0, settle: 0, supported: 0 };

  function check(paymentPayload, r) {
    const invalid = (reason, message, payer) => ({ isValid: false, invalidReason: reason, invalidMessage: message, payer });
    if (!networks.includes(r.network)) return invalid("invalid_network", `not served: ${r.network}`);
    if (r.scheme !== "exact") return invalid("unsupported_scheme");
    const hex = paymentPayload?.payload?.transaction;
    if (typeof hex !== "string") return invalid("invalid_payload", "payload.transaction is missing");
    const pay = readStacksPayment(hex, r.network);
    if (pay.error) return invalid(pay.error, pay.message);
    if (pay.to !== r.payTo) return invalid("invalid_recipient", `pays ${pay.to}`, pay.payer);
    if (pay.asset !== r.asset) return invalid("invalid_asset", `pays in ${pay.asset}`, pay.payer);
    if (pay.amount < BigInt(r.amount)) return invalid("insufficient_amount", `pays ${pay.amount}`, pay.payer);
    if (ledger.applied.has(pay.txid)) return invalid("transaction_already_used", pay.txid, pay.payer);
    if (pay.nonce !== ledger.nonceOf(pay.payer)) return invalid("invalid_nonce", `nonce ${pay.nonce}, the account is at ${ledger.nonceOf(pay.payer)}`, pay.payer);
    const stxNeeded = pay.fee + (pay.asset === "STX" ? pay.amount : 0n);
    if (ledger.balanceOf(pay.payer, "STX") < stxNeeded) return invalid("insufficient_funds", "STX for amount and fee", pay.payer);
    if (pay.asset !== "STX" && ledger.balanceOf(pay.payer, pay.asset) < pay.amount) return invalid("insufficient_funds", pay.asset, pay.payer);
    return { isValid: true, payer: pay.payer, pay };
  }

  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === "GET" && req.url === "/supported") {
        calls.supported++;
        return sendJson(res, 200, { kinds: networks.map((network) => ({ x402Version: 2, scheme: "exact", network })), extensions: [], signers: {} });
      }
      if (req.method === "POST" && (req.url === "/verify" || req.url === "/settle")) {
        const { paymentPayload, paymentRequirements } = JSON.parse(await readBody(req) || "{}");
        if (!paymentPayload || !paymentRequirements) return sendJson(res, 400, { error: "paymentPayload and paymentRequirements are required" });
        const verdict = check(paymentPayload, paymentRequirements);
        if (req.url === "/verify") {
          calls.verify++;
          const { pay, ...answer } = verdict;
          log("verify", answer);
          return sendJson(res, 200, answer);
        }
        calls.settle++;
        if (!verdict.isValid) {
          log("settle", verdict);
          // x402-stacks facilitators answer a failed settle with 400 and a SettleResponse body.
          return sendJson(res, 400, { success: false, errorReason: verdict.invalidReason, errorMessage: verdict.invalidMessage, payer: verdict.payer, transaction: "", network: paymentRequirements.network });
        }
        const { pay } = verdict;
        ledger.add(pay.payer, "STX", -pay.fee);
        ledger.add(pay.payer, pay.asset, -pay.amount);
        ledger.add(pay.to, pay.asset, pay.amount);
        ledger.setNonce(pay.payer, pay.nonce + 1n);
        ledger.applied.set(pay.txid, pay);
        const answer = { success: true, payer: pay.payer, transaction: pay.txid, network: paymentRequirements.network, amount: String(pay.amount) };
        log("settle", answer);
        return sendJson(res, 200, answer);
      }
      sendJson(res, 404, { error: "not found" });
    } catch (e) {
      log("error", String(e && e.stack || e));
      sendJson(res, 500, { error: String(e && e.message || e) });
    }
  });
  const listening = await listen(server, port);
  return { ...listening, calls };
}

/** The x402-stacks v2 client (its axios interceptor) paying from `privateKey`. */
export function stacksClient(privateKey, network = "testnet") {
  return wrapAxiosWithPayment(axios.create({ validateStatus: (s) => s < 400 }), privateKeyToAccount(privateKey, network));
}

export { decodePaymentResponse, deserializeTransaction, standardPrincipalCV };
