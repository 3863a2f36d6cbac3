// A local Stellar for the x402 `exact` scheme (specs/schemes/exact/scheme_exact_stellar.md), built
// with @stellar/stellar-sdk. No Stellar node runs here, so:
// - startSorobanNode() answers the few Soroban RPC methods the reference client and facilitator
//   (@x402/stellar) call (getLatestLedger, simulateTransaction, getLedgerEntries for accounts,
//   sendTransaction, getTransaction) and keeps the USDC SAC ledger. It does what a validator does
//   for a SEP-41 transfer: the auth entry of `from` must cover exactly this invocation, carry a valid
//   ed25519 signature over the network's HashIdPreimage, be unexpired, and its nonce is spent once;
//   the submitting account's envelope signature and sequence number are checked; then the balances
//   move and one `transfer` event is emitted.
// - startStellarRelayer() is the relayer (PerkOS / OpenZeppelin channels style): POST /verify,
//   /settle, GET /supported behind `Authorization: Bearer`, running the reference facilitator logic
//   of @x402/stellar against that node. It also takes the v1 payload shape (`X-PAYMENT`), which it
//   lifts to v2 the way such relayers do.
import http from "node:http";
import https from "node:https";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import {
  Address, Keypair, Networks, Transaction, TransactionBuilder, FeeBumpTransaction, SorobanDataBuilder, StrKey, hash,
  nativeToScVal, scValToNative, xdr,
} from "@stellar/stellar-sdk";
import { x402Facilitator } from "@x402/core/facilitator";
import { ExactStellarScheme } from "@x402/stellar/exact/facilitator";
import { ExactStellarScheme as ExactStellarClientScheme } from "@x402/stellar/exact/client";
import { createEd25519Signer } from "@x402/stellar";
import { x402Client, wrapFetchWithPayment } from "@x402/fetch";

/** Stellar testnet's USDC contract (the gateway's built-in asset for stellar:testnet). */
export const STELLAR_TESTNET_USDC = "CBIELTK6YBZJU5UP2WWQEUCYKLPU6AUNZ2BQ4WWFEIE3USCIHMXQDAMA";
/** Stellar pubnet's USDC contract. */
export const STELLAR_PUBNET_USDC = "CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75";

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

async function listen(server, port, scheme = "http") {
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = server.address().port;
  return {
    url: `${scheme}://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The ed25519 signature check of one address-credentialed auth entry, as the Soroban host does it. */
export function checkAuthSignature(entry, passphrase) {
  const creds = entry.credentials().address();
  const address = Address.fromScAddress(creds.address()).toString();
  if (!StrKey.isValidEd25519PublicKey(address)) return `${address}: only G-accounts are supported here`;
  const sig = creds.signature();
  if (sig.switch().name !== "scvVec" || sig.vec().length !== 1 || sig.vec()[0].switch().name !== "scvMap")
    return `${address}: the signature is not [{public_key, signature}]`;
  const fields = Object.fromEntries(sig.vec()[0].map().map((e) => [e.key().sym().toString(), e.val()]));
  if (!fields.public_key || !fields.signature) return `${address}: the signature lacks public_key or signature`;
  const publicKey = fields.public_key.bytes();
  if (!publicKey.equals(StrKey.decodeEd25519PublicKey(address))) return `${address}: signed with another key`;
  const preimage = xdr.HashIdPreimage.envelopeTypeSorobanAuthorization(new xdr.HashIdPreimageSorobanAuthorization({
    networkId: hash(Buffer.from(passphrase)),
    nonce: creds.nonce(),
    signatureExpirationLedger: creds.signatureExpirationLedger(),
    invocation: entry.rootInvocation(),
  }));
  if (!Keypair.fromPublicKey(address).verify(hash(preimage.toXDR()), fields.signature.bytes()))
    return `${address}: bad signature`;
  return null;
}

/**
 * A self-signed certificate for 127.0.0.1, made with openssl. The reference Stellar client builds
 * its RPC client without `allowHttp`, so the node must speak HTTPS; the caller trusts this cert.
 */
export function selfSignedCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-soroban-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                             "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
    return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts the local Soroban node on https://127.0.0.1:`port` and makes this process's default HTTPS
 * agent trust its certificate (the SDK's RPC client uses it). `balances`: {G-address: atomic units (BigInt)}
 * of the USDC contract `asset`; `accounts`: G-addresses that exist as classic accounts (the
 * facilitator's, for its sequence number). Resolves to { url, balanceOf, ledger, close }.
 */
export async function startSorobanNode({ passphrase = Networks.TESTNET, asset = STELLAR_TESTNET_USDC, balances = {}, accounts = [], port = 0 } = {}) {
  const ledger = { sequence: 1000 };
  const balance = new Map(Object.entries(balances).map(([a, v]) => [a, BigInt(v)]));
  const sequences = new Map(accounts.map((a) => [a, 4_294_967_296n]));
  const spentNonces = new Set();
  const transactions = new Map();
  const assetId = Address.fromString(asset);

  // Checks a SEP-41 transfer with its auth; in recording mode (no auth yet) it answers the entry
  // the payer must sign. Returns { error } or { from, to, amount, auth, nonces }.
  function run(tx, { recording }) {
    if (tx.operations.length !== 1 || tx.operations[0].type !== "invokeHostFunction") return { error: "one invokeHostFunction operation expected" };
    const op = tx.operations[0];
    if (op.func.switch().name !== "hostFunctionTypeInvokeContract") return { error: "not a contract invocation" };
    const call = op.func.invokeContract();
    if (Address.fromScAddress(call.contractAddress()).toString() !== asset) return { error: "unknown contract" };
    if (call.functionName().toString() !== "transfer" || call.args().length !== 3) return { error: "only transfer(from, to, amount) is implemented" };
    let from, to, amount;
    try {
      [from, to, amount] = call.args().map((a) => scValToNative(a));
    } catch (e) { return { error: `bad arguments: ${e.message}` }; }
    if (typeof amount !== "bigint" || amount <= 0n) return { error: "amount must be a positive i128" };
    const fn = xdr.SorobanAuthorizedFunction.sorobanAuthorizedFunctionTypeContractFn(call);
    const auth = op.auth ?? [];
    const nonces = [];
    if (auth.length === 0 && recording) {
      const nonce = xdr.Int64.fromString(BigInt.asIntN(64, crypto.randomBytes(8).readBigUInt64BE()).toString());
      auth.push(new xdr.SorobanAuthorizationEntry({
        credentials: xdr.SorobanCredentials.sorobanCredentialsAddress(new xdr.SorobanAddressCredentials({
          address: Address.fromString(from).toScAddress(), nonce, signatureExpirationLedger: 0, signature: xdr.ScVal.scvVoid(),
        })),
        rootInvocation: new xdr.SorobanAuthorizedInvocation({ function: fn, subInvocations: [] }),
      }));
    } else {
      let covered = false;
      for (const entry of auth) {
        if (entry.credentials().switch().name !== "sorobanCredentialsAddress") return { error: "only address credentials are accepted" };
        const creds = entry.credentials().address();
        const who = Address.fromScAddress(creds.address()).toString();
        if (entry.rootInvocation().subInvocations().length) return { error: "sub-invocations are not authorized" };
        if (!entry.rootInvocation().function().toXDR().equals(fn.toXDR())) return { error: `${who}: the auth entry covers another invocation` };
        if (creds.signature().switch().name === "scvVoid") {
          if (!recording) return { error: `${who}: unsigned auth entry` };
          continue;
        }
        const bad = checkAuthSignature(entry, passphrase);
        if (bad) return { error: bad };
        if (creds.signatureExpirationLedger() < ledger.sequence) return { error: `${who}: the signature expired at ledger ${creds.signatureExpirationLedger()}` };
        const key = `${who}:${creds.nonce().toString()}`;
        if (spentNonces.has(key)) return { error: `${who}: nonce already used` };
        nonces.push(key);
        if (who === from) covered = true;
      }
      if (!covered && !recording) return { error: `${from} did not authorize the transfer` };
    }
    if ((balance.get(from) ?? 0n) < amount) return { error: "insufficient balance" };
    return { from, to, amount, auth, nonces };
  }

  function transferEvent({ from, to, amount }) {
    return new xdr.DiagnosticEvent({
      inSuccessfulContractCall: true,
      event: new xdr.ContractEvent({
        ext: new xdr.ExtensionPoint(0),
        contractId: assetId.toScAddress().contractId(),
        type: xdr.ContractEventType.contract(),
        body: new xdr.ContractEventBody(0, new xdr.ContractEventV0({
          topics: [nativeToScVal("transfer", { type: "symbol" }), nativeToScVal(from, { type: "address" }),
                   nativeToScVal(to, { type: "address" }), nativeToScVal("USDC:GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5")],
          data: nativeToScVal(amount, { type: "i128" }),
        })),
      }),
    });
  }

  const txResult = (ok) => new xdr.TransactionResult({
    feeCharged: xdr.Int64.fromString("100"),
    result: ok ? xdr.TransactionResultResult.txSuccess([]) : xdr.TransactionResultResult.txFailed([]),
    ext: new xdr.TransactionResultExt(0),
  }).toXDR("base64");

  const methods = {
    getHealth: () => ({ status: "healthy", latestLedger: ledger.sequence }),
    getNetwork: () => ({ passphrase, protocolVersion: 23 }),
    getLatestLedger: () => ({ id: crypto.createHash("sha256").update(String(ledger.sequence)).digest("hex"), sequence: ledger.sequence, protocolVersion: 23 }),
    getLedgerEntries: ({ keys }) => ({
      latestLedger: ledger.sequence,
      entries: keys.flatMap((key) => {
        const k = xdr.LedgerKey.fromXDR(key, "base64");
        if (k.switch().name !== "account") return [];
        const id = StrKey.encodeEd25519PublicKey(k.account().accountId().ed25519());
        if (!sequences.has(id)) return [];
        const entry = xdr.LedgerEntryData.account(new xdr.AccountEntry({
          accountId: k.account().accountId(), balance: xdr.Int64.fromString("100000000000"),
          seqNum: xdr.SequenceNumber.fromString(sequences.get(id).toString()), numSubEntries: 0, inflationDest: null,
          flags: 0, homeDomain: "", thresholds: Buffer.from([1, 0, 0, 0]), signers: [], ext: new xdr.AccountEntryExt(0),
        }));
        return [{ key, xdr: entry.toXDR("base64"), lastModifiedLedgerSeq: ledger.sequence }];
      }),
    }),
    simulateTransaction: ({ transaction }) => {
      const tx = TransactionBuilder.fromXDR(transaction, passphrase);
      const r = run(tx, { recording: true });
      if (r.error) return { latestLedger: ledger.sequence, error: r.error, events: [] };
      return {
        latestLedger: ledger.sequence,
        minResourceFee: "10000",
        transactionData: new SorobanDataBuilder().setResourceFee(10000).build().toXDR("base64"),
        results: [{ auth: r.auth.map((a) => a.toXDR("base64")), xdr: xdr.ScVal.scvVoid().toXDR("base64") }],
        events: [transferEvent(r).toXDR("base64")],
      };
    },
    sendTransaction: ({ transaction }) => {
      let tx = TransactionBuilder.fromXDR(transaction, passphrase);
      const txHash = tx.hash().toString("hex");
      const fail = (why) => { transactions.set(txHash, { ok: false, why, envelope: transaction }); return { status: "ERROR", hash: txHash, latestLedger: ledger.sequence, latestLedgerCloseTime: String(Math.floor(Date.now() / 1000)), errorResultXdr: txResult(false) }; };
      const signedBy = (t, account) => t.signatures.some((s) => Keypair.fromPublicKey(account).verify(t.hash(), s.signature()));
      if (tx instanceof FeeBumpTransaction) {
        if (!signedBy(tx, tx.feeSource)) return fail("fee-bump envelope not signed by its fee source");
        tx = tx.innerTransaction;
      }
      if (!sequences.has(tx.source)) return fail("source account does not exist");
      if (!signedBy(tx, tx.source)) return fail("envelope not signed by its source account");
      if (BigInt(tx.sequence) !== sequences.get(tx.source) + 1n) return fail("bad sequence number");
      sequences.set(tx.source, BigInt(tx.sequence));
      const r = run(tx, { recording: false });
      if (r.error) return fail(r.error);
      for (const n of r.nonces) spentNonces.add(n);
      balance.set(r.from, balance.get(r.from) - r.amount);
      balance.set(r.to, (balance.get(r.to) ?? 0n) + r.amount);
      ledger.sequence++;
      transactions.set(txHash, { ok: true, envelope: transaction, ledger: ledger.sequence });
      return { status: "PENDING", hash: txHash, latestLedger: ledger.sequence, latestLedgerCloseTime: String(Math.floor(Date.now() / 1000)) };
    },
    getTransaction: ({ hash: txHash }) => {
      const t = transactions.get(txHash);
      const base = { latestLedger: ledger.sequence, latestLedgerCloseTime: String(Math.floor(Date.now() / 1000)), oldestLedger: 1, oldestLedgerCloseTime: "0" };
      if (!t) return { ...base, status: "NOT_FOUND" };
      return {
        ...base, status: t.ok ? "SUCCESS" : "FAILED", txHash, ledger: t.ledger ?? ledger.sequence, createdAt: String(Math.floor(Date.now() / 1000)),
        applicationOrder: 1, feeBump: false, envelopeXdr: t.envelope, resultXdr: txResult(t.ok), resultMetaXdr: new xdr.TransactionMeta(0, []).toXDR("base64"),
      };
    },
  };

  const calls = {};
  const certificate = selfSignedCertificate();
  const trusted = https.globalAgent.options.ca;
  https.globalAgent.options.ca = [...(Array.isArray(trusted) ? trusted : trusted ? [trusted] : []), certificate.cert];
  const server = https.createServer({ key: certificate.key, cert: certificate.cert }, async (req, res) => {
    let id = null;
    try {
      const request = JSON.parse(await readBody(req));
      id = request.id;
      calls[request.method] = (calls[request.method] || 0) + 1;
      const method = methods[request.method];
      if (!method) return sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32601, message: `method not found: ${request.method}` } });
      sendJson(res, 200, { jsonrpc: "2.0", id, result: method(request.params ?? {}) });
    } catch (e) {
      sendJson(res, 200, { jsonrpc: "2.0", id, error: { code: -32602, message: String(e && e.message || e) } });
    }
  });
  const listening = await listen(server, port, "https");
  return { ...listening, calls, ledger, balanceOf: (address) => balance.get(address) ?? 0n, spentNonces };
}

/**
 * Starts the relayer on 127.0.0.1:`port`: the @x402/stellar reference facilitator logic, signing
 * with `facilitatorSecret`, against the Soroban node at `rpcUrl`; every call needs
 * `Authorization: Bearer <apiKey>`. Resolves to { url, calls, close }.
 */
export async function startStellarRelayer({ rpcUrl, facilitatorSecret, apiKey, network = "stellar:testnet", port = 0, log = () => {} }) {
  const facilitator = new x402Facilitator();
  facilitator.register(network, new ExactStellarScheme([createEd25519Signer(facilitatorSecret, network)], { rpcConfig: { url: rpcUrl } }));
  const calls = { verify: 0, settle: 0, supported: 0, unauthorized: 0 };
  const server = http.createServer(async (req, res) => {
    try {
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        calls.unauthorized++;
        return sendJson(res, 401, { error: "unauthorized" });
      }
      if (req.method === "GET" && req.url === "/supported") {
        calls.supported++;
        return sendJson(res, 200, facilitator.getSupported());
      }
      if (req.method === "POST" && (req.url === "/verify" || req.url === "/settle")) {
        const body = JSON.parse(await readBody(req) || "{}");
        let { paymentPayload, paymentRequirements } = body;
        if (!paymentPayload || !paymentRequirements) return sendJson(res, 400, { error: "paymentPayload and paymentRequirements are required" });
        // The v1 shape names the network and scheme beside the payload: lift it to v2 with the
        // requirement it was matched against (what a PerkOS-style relayer does for X-PAYMENT).
        if (paymentPayload.x402Version === 1 && paymentPayload.network === paymentRequirements.network && paymentPayload.scheme === paymentRequirements.scheme) {
          const { maxAmountRequired, resource, description, mimeType, outputSchema, ...rest } = paymentRequirements;
          paymentRequirements = { ...rest, amount: paymentRequirements.amount ?? maxAmountRequired };
          paymentPayload = { x402Version: 2, accepted: paymentRequirements, payload: paymentPayload.payload };
        }
        const op = req.url.slice(1);
        calls[op]++;
        const result = await facilitator[op](paymentPayload, paymentRequirements);
        log(op, result);
        return sendJson(res, 200, result);
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

/** The reference Stellar buyer (@x402/stellar) signing as `keypair`, reading the node at `rpcUrl`. */
export function stellarPaymentClient(keypair, rpcUrl, network = "stellar:testnet") {
  return new ExactStellarClientScheme(createEd25519Signer(keypair.secret(), network), { url: rpcUrl });
}

/** A fetch that pays with x402 v2 (PAYMENT-SIGNATURE) through @x402/fetch and the Stellar buyer. */
export function stellarFetch(keypair, rpcUrl, fetchImpl = fetch, network = "stellar:testnet") {
  const client = new x402Client();
  client.register(network, stellarPaymentClient(keypair, rpcUrl, network));
  // @x402/core knows no default Stellar asset: allow USDC explicitly, capped at one dollar (7 decimals).
  client.setSpendControls({ allowedAssets: [{ network, asset: network === "stellar:pubnet" ? STELLAR_PUBNET_USDC : STELLAR_TESTNET_USDC, maxAmountPerPayment: "10000000" }] });
  return wrapFetchWithPayment(fetchImpl, client);
}

export { Keypair, TransactionBuilder, Networks, Address, scValToNative, nativeToScVal, xdr };
