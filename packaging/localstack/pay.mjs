// Makes one paid call with a reference x402 client, as the demo buyer (anvil account 2), and
// prints what happened: the 402, the answer, the receipt and the balances. With v2 it pays `exact`
// or `upto` (Permit2), whichever the route offers.
//   node packaging/localstack/pay.mjs [--v1] [URL]
import { createPublicClient, http } from "viem";
import { ACCOUNTS, localChain, BASE_SEPOLIA_USDC } from "./lib/stack.mjs";
import { ERC20_ABI } from "./lib/token.mjs";
import { v1Fetch, v2UptoFetch, decodePaymentResponseHeader } from "./lib/clients.mjs";
import { createWalletClient, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const args = process.argv.slice(2);
const v1 = args.includes("--v1");
const url = args.find((a) => !a.startsWith("--")) || "http://127.0.0.1:8402/api/weather?city=Lisbon";
const rpc = process.env.DEMO_RPC_URL || "http://127.0.0.1:8545";
const chain = localChain(rpc);
const publicClient = createPublicClient({ chain, transport: http(rpc), pollingInterval: 50 });
const wallet = createWalletClient({ chain, transport: http(rpc), account: privateKeyToAccount(ACCOUNTS.buyer.key) }).extend(publicActions);
const balance = (a) => publicClient.readContract({ address: BASE_SEPOLIA_USDC, abi: ERC20_ABI, functionName: "balanceOf", args: [a] });

const unpaid = await fetch(url);
console.log(`unpaid:  HTTP ${unpaid.status}${unpaid.headers.get("payment-required") ? " with PAYMENT-REQUIRED" : ""}`);
const before = { buyer: await balance(ACCOUNTS.buyer.address), seller: await balance(ACCOUNTS.seller.address) };
const pay = v1 ? v1Fetch(wallet) : v2UptoFetch(wallet, publicClient);  // v2: exact or upto, as the 402 offers
const started = Date.now();
const res = await pay(url);
const ms = Date.now() - started;
console.log(`paid (${v1 ? "v1 X-PAYMENT" : "v2 PAYMENT-SIGNATURE"}): HTTP ${res.status} in ${ms} ms`);
console.log(`body:    ${await res.text()}`);
const receipt = res.headers.get("payment-response") || res.headers.get("x-payment-response");
if (receipt) console.log(`receipt: ${JSON.stringify(decodePaymentResponseHeader(receipt))}`);
const after = { buyer: await balance(ACCOUNTS.buyer.address), seller: await balance(ACCOUNTS.seller.address) };
console.log(`buyer:   ${before.buyer} -> ${after.buyer} (atomic USDC)`);
console.log(`seller:  ${before.seller} -> ${after.seller} (atomic USDC)`);
process.exit(res.ok ? 0 : 1);
