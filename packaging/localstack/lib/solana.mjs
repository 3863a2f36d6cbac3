// A local Solana for the x402 `exact` SVM scheme: LiteSVM (the real SVM with the SPL Token,
// Associated Token Account, Memo and Compute Budget programs) behind a small JSON-RPC server that
// answers what the @x402/svm reference client and facilitator call: getLatestBlockhash, getSlot,
// getAccountInfo, getBalance, getTokenAccountBalance, simulateTransaction, sendTransaction,
// getSignatureStatuses. USDC's devnet mint is planted at its address, so "$0.01" prices resolve.
import http from "node:http";
import { LiteSVM } from "litesvm";
import {
  address, generateKeyPairSigner, getAddressEncoder, getProgramDerivedAddress, getTransactionDecoder, getBase58Decoder, lamports,
} from "@solana/kit";
import { x402Client, wrapFetchWithPayment } from "@x402/fetch";
import { x402Facilitator } from "@x402/core/facilitator";
import { ExactSvmScheme as ExactSvmClientScheme } from "@x402/svm/exact/client";
import { registerExactSvmScheme } from "@x402/svm/exact/facilitator";
import { toFacilitatorSvmSigner } from "@x402/svm";

/** Solana devnet's CAIP-2 id and its USDC mint (6 decimals). */
export const SOLANA_DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
export const DEVNET_USDC = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const ATA_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL";

/** The 32 raw bytes of a base58 address. */
export const encodeAddress = (a) => Buffer.from(getAddressEncoder().encode(address(a)));

/** The associated token account of `owner` for `mint`. */
export async function associatedTokenAccount(owner, mint = DEVNET_USDC) {
  const [ata] = await getProgramDerivedAddress({
    programAddress: address(ATA_PROGRAM),
    seeds: [encodeAddress(owner), encodeAddress(TOKEN_PROGRAM), encodeAddress(mint)],
  });
  return ata;
}

// SPL Token's Mint layout (82 bytes): authority option + key, supply, decimals, initialized, freeze option + key.
function mintData(decimals, supply) {
  const b = Buffer.alloc(82);
  b.writeBigUInt64LE(supply, 36);
  b.writeUInt8(decimals, 44);
  b.writeUInt8(1, 45);
  return b;
}

// SPL Token's Account layout (165 bytes): mint, owner, amount, delegate option, state, ...
function tokenAccountData(mint, owner, amount) {
  const b = Buffer.alloc(165);
  encodeAddress(mint).copy(b, 0);
  encodeAddress(owner).copy(b, 32);
  b.writeBigUInt64LE(amount, 64);
  b.writeUInt8(1, 108);  // initialized
  return b;
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? Number(v) : v));
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts LiteSVM with the USDC mint and token accounts for `holders` ({owner: atomic units}),
 * `sol` ({address: lamports}) funded, and its JSON-RPC server on 127.0.0.1:`port`.
 * Resolves to { url, svm, usdcOf(owner), calls, close }.
 */
export async function startLocalSolana({ holders = {}, sol = {}, port = 0 } = {}) {
  const svm = new LiteSVM();
  const rent = (n) => svm.minimumBalanceForRentExemption(BigInt(n));
  const total = Object.values(holders).reduce((a, v) => a + BigInt(v), 0n);
  svm.setAccount({ address: address(DEVNET_USDC), data: mintData(6, total), executable: false, lamports: lamports(rent(82)), programAddress: address(TOKEN_PROGRAM), space: 82n });
  for (const [owner, amount] of Object.entries(holders)) {
    svm.setAccount({ address: await associatedTokenAccount(owner), data: tokenAccountData(DEVNET_USDC, owner, BigInt(amount)), executable: false,
                     lamports: lamports(rent(165)), programAddress: address(TOKEN_PROGRAM), space: 165n });
  }
  for (const [who, l] of Object.entries(sol)) svm.airdrop(address(who), lamports(BigInt(l)));

  const statuses = new Map();
  const decodeTx = (b64) => getTransactionDecoder().decode(Buffer.from(b64, "base64"));
  const context = () => ({ slot: Number(svm.getClock().slot), apiVersion: "2.2.0" });
  const errOf = (r) => (typeof r.err === "function" ? { InstructionError: String(r.err()) } : null);
  const accountJson = (a) => {
    const acc = svm.getAccount(address(a));
    if (!acc.exists) return null;
    return { data: [Buffer.from(acc.data).toString("base64"), "base64"], executable: acc.executable, lamports: Number(acc.lamports),
             owner: acc.programAddress, rentEpoch: 0, space: acc.data.length };
  };
  const usdcOf = async (owner) => {
    const acc = svm.getAccount(await associatedTokenAccount(owner));
    return acc.exists ? Buffer.from(acc.data).readBigUInt64LE(64) : 0n;
  };

  const methods = {
    getLatestBlockhash: () => ({ context: context(), value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: Number(svm.getClock().slot) + 150 } }),
    getSlot: () => Number(svm.getClock().slot),
    getBalance: ([a]) => ({ context: context(), value: Number(svm.getBalance(address(a)) ?? 0n) }),
    getAccountInfo: ([a]) => ({ context: context(), value: accountJson(a) }),
    getMultipleAccounts: ([list]) => ({ context: context(), value: list.map(accountJson) }),
    getTokenAccountBalance: ([a]) => {
      const acc = svm.getAccount(address(a));
      if (!acc.exists) throw new Error(`could not find account ${a}`);
      const amount = Buffer.from(acc.data).readBigUInt64LE(64);
      return { context: context(), value: { amount: amount.toString(), decimals: 6, uiAmount: Number(amount) / 1e6, uiAmountString: String(Number(amount) / 1e6) } };
    },
    simulateTransaction: ([b64, config = {}]) => {
      // The facilitator simulates before it co-signs as fee payer: sigVerify false, as on a real RPC.
      svm.withSigverify(config.sigVerify === true);
      let r;
      try { r = svm.simulateTransaction(decodeTx(b64)); } finally { svm.withSigverify(true); }
      const meta = typeof r.meta === "function" ? r.meta() : null;
      const err = typeof r.err === "function" ? { InstructionError: String(r.err()) } : null;
      return { context: context(), value: { err, logs: meta ? meta.logs() : [], accounts: null, unitsConsumed: meta ? Number(meta.computeUnitsConsumed()) : 0, returnData: null, innerInstructions: [] } };
    },
    sendTransaction: ([b64]) => {
      const tx = decodeTx(b64);
      const signature = getBase58Decoder().decode(Object.values(tx.signatures)[0]);
      const r = svm.sendTransaction(tx);
      const err = errOf(r);
      if (err && String(r.err()).includes("AlreadyProcessed")) throw new Error("Transaction already processed");
      statuses.set(signature, { slot: Number(svm.getClock().slot), err });
      svm.expireBlockhash();  // the next transaction lands in a later "block"
      return signature;
    },
    getSignatureStatuses: ([sigs]) => ({
      context: context(),
      value: sigs.map((s) => {
        const st = statuses.get(s);
        return st ? { slot: st.slot, confirmations: null, err: st.err, confirmationStatus: "finalized", status: st.err ? { Err: st.err } : { Ok: null } } : null;
      }),
    }),
  };

  const calls = {};
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let id = null;
      try {
        const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        id = request.id;
        calls[request.method] = (calls[request.method] || 0) + 1;
        const method = methods[request.method];
        if (!method) return sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32601, message: `Method not found: ${request.method}` } });
        sendJson(res, 200, { jsonrpc: "2.0", id, result: method(request.params ?? []) });
      } catch (e) {
        sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32002, message: String(e && e.message || e) } });
      }
    });
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, svm, usdcOf, calls, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/**
 * Starts the @x402/svm reference facilitator (v2 and v1) behind POST /verify, /settle, GET
 * /supported, paying fees from `feePayer` (a kit KeyPairSigner) through `rpcUrl`.
 */
export async function startSolanaFacilitator({ rpcUrl, feePayer, network = SOLANA_DEVNET, port = 0, log = () => {} }) {
  const facilitator = new x402Facilitator();
  registerExactSvmScheme(facilitator, { signer: toFacilitatorSvmSigner(feePayer, { defaultRpcUrl: rpcUrl }), networks: network });
  const calls = { verify: 0, settle: 0, supported: 0 };
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === "GET" && req.url === "/supported") {
        calls.supported++;
        return sendJson(res, 200, facilitator.getSupported());
      }
      if (req.method === "POST" && (req.url === "/verify" || req.url === "/settle")) {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        if (!body.paymentPayload || !body.paymentRequirements) return sendJson(res, 400, { error: "paymentPayload and paymentRequirements are required" });
        const op = req.url.slice(1);
        calls[op]++;
        const result = await facilitator[op](body.paymentPayload, body.paymentRequirements);
        log(op, result);
        return sendJson(res, 200, result);
      }
      sendJson(res, 404, { error: "not found" });
    } catch (e) {
      log("error", String(e && e.stack || e));
      sendJson(res, 500, { error: String(e && e.message || e) });
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    calls,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A fetch that pays with x402 v2 through @x402/fetch and the @x402/svm reference client. */
export function solanaFetch(signer, rpcUrl, fetchImpl = fetch, network = SOLANA_DEVNET) {
  const client = new x402Client();
  client.register(network, new ExactSvmClientScheme(signer, { rpcUrl }));
  return wrapFetchWithPayment(fetchImpl, client);
}

export { generateKeyPairSigner, ExactSvmClientScheme };
