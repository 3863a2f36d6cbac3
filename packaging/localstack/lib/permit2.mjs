// The Permit2 side of the local chain, for the `upto` scheme: test stand-ins for Uniswap's Permit2,
// the x402 upto Permit2 proxy and Multicall3 (../contracts), compiled with solc-js and planted at
// the canonical addresses @x402/evm uses, with anvil_setCode, as the test token is. No package ships
// the bytecode of the real ones; these keep their interfaces, EIP-712 types and checks.
import { hashDomain, parseEventLogs } from "viem";
import { PERMIT2_ADDRESS, x402UptoPermit2ProxyAddress, x402UptoPermit2ProxyABI, uptoPermit2WitnessTypes,
         createPermit2ApprovalTx, getPermit2AllowanceReadParams } from "@x402/evm";
import { compileRuntime, contractSource } from "./solc.mjs";

export { PERMIT2_ADDRESS, uptoPermit2WitnessTypes };
export const UPTO_PROXY_ADDRESS = x402UptoPermit2ProxyAddress;
export const MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11";

export const PERMIT2_ABI = [
  { type: "function", name: "DOMAIN_SEPARATOR", stateMutability: "view", inputs: [], outputs: [{ type: "bytes32" }] },
  { type: "function", name: "nonceBitmap", stateMutability: "view", inputs: [{ name: "owner", type: "address" }, { name: "word", type: "uint256" }], outputs: [{ type: "uint256" }] },
];

// Permit2's own errors, so that a revert inside Permit2 decodes by name through the proxy, and the
// proxy's InvalidAmount() (a zero settlement), which the reference ABI does not list. (Permit2's
// InvalidAmount(uint256), more than permitted, cannot happen behind the proxy's own check.)
const PERMIT2_ERRORS = [
  { type: "error", name: "InvalidAmount", inputs: [] },
  { type: "error", name: "SignatureExpired", inputs: [{ name: "signatureDeadline", type: "uint256" }] },
  ...["InvalidNonce", "InvalidSignatureLength", "InvalidSignature", "InvalidSigner", "InvalidContractSignature"]
    .map((name) => ({ type: "error", name, inputs: [] })),
];

/** The reference upto proxy ABI (@x402/evm), with Permit2's errors for decoding reverts. */
export const UPTO_PROXY_ABI = [...x402UptoPermit2ProxyABI, ...PERMIT2_ERRORS];

/** Permit2's EIP-712 domain separator on chain `chainId`, as the reference client signs for it. */
export function permit2DomainSeparator(chainId) {
  return hashDomain({
    domain: { name: "Permit2", chainId, verifyingContract: PERMIT2_ADDRESS },
    types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }] },
  });
}

const TRANSFER_EVENT = [{ type: "event", name: "Transfer", inputs: [
  { name: "from", type: "address", indexed: true }, { name: "to", type: "address", indexed: true }, { name: "value", type: "uint256", indexed: false }] }];

/** The ERC-20 Transfer events of a transaction receipt: [{token, from, to, value}]. */
export function tokenTransfers(receipt) {
  return parseEventLogs({ abi: TRANSFER_EVENT, logs: receipt.logs })
    .map((t) => ({ token: t.address.toLowerCase(), from: t.args.from, to: t.args.to, value: t.args.value }));
}

/** Runtime bytecode of the three fixtures, by the address each is planted at. */
export function permit2Fixtures() {
  const codes = compileRuntime({
    "Permit2.sol": contractSource("Permit2.sol"),
    "X402UptoPermit2Proxy.sol": contractSource("X402UptoPermit2Proxy.sol"),
    "Multicall3.sol": contractSource("Multicall3.sol"),
  });
  return {
    [PERMIT2_ADDRESS]: codes["Permit2.sol:Permit2"],
    [UPTO_PROXY_ADDRESS]: codes["X402UptoPermit2Proxy.sol:X402UptoPermit2Proxy"],
    [MULTICALL3_ADDRESS]: codes["Multicall3.sol:Multicall3"],
  };
}

/** Plants Permit2, the upto proxy and Multicall3 on the chain behind `testClient` (a viem test client). */
export async function plantPermit2(testClient) {
  for (const [address, bytecode] of Object.entries(permit2Fixtures())) await testClient.setCode({ address, bytecode });
}

/**
 * What a buyer does once before paying with Permit2: approve Permit2 on the token for the maximum
 * (the reference client signs Permit2 transfers but never approves; @x402/evm's
 * createPermit2ApprovalTx builds the approval). Skipped when the allowance is already there.
 * `wallet` is a viem wallet client with public actions.
 */
export async function approvePermit2(wallet, token) {
  const allowance = await wallet.readContract(getPermit2AllowanceReadParams({ tokenAddress: token, ownerAddress: wallet.account.address }));
  if (allowance > 0n) return null;
  const hash = await wallet.sendTransaction(createPermit2ApprovalTx(token));
  const receipt = await wallet.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`approve(Permit2) by ${wallet.account.address} failed: ${hash}`);
  return hash;
}

/** Whether `owner` has used (or cancelled) Permit2 nonce `nonce` (a decimal or 0x string). */
export async function permit2NonceUsed(publicClient, owner, nonce) {
  const n = BigInt(nonce);
  const word = await publicClient.readContract({ address: PERMIT2_ADDRESS, abi: PERMIT2_ABI, functionName: "nonceBitmap", args: [owner, n >> 8n] });
  return ((word >> (n & 0xffn)) & 1n) === 1n;
}
