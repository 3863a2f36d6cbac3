// The `upto` fixtures on a local anvil chain, with no gateway: the reference upto client (@x402/evm
// 2.27) signs a Permit2 transfer for a maximum, the reference upto facilitator verifies it and
// settles less, through the test Permit2 and x402 upto proxy planted at their canonical addresses.
// The buyer's balance moves by exactly the settled amount, once. If the fixtures' EIP-712 domain,
// type strings or call interface differed from the real contracts', the reference code would fail
// here; the direct calls below check that the proxy and Permit2 enforce what the buyer signed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startStack, ACCOUNTS } from "../../packaging/localstack/lib/stack.mjs";
import { v2UptoClient } from "../../packaging/localstack/lib/clients.mjs";
import { PERMIT2_ADDRESS, UPTO_PROXY_ADDRESS, PERMIT2_ABI, UPTO_PROXY_ABI, uptoPermit2WitnessTypes, permit2DomainSeparator,
         tokenTransfers, approvePermit2, permit2NonceUsed } from "../../packaging/localstack/lib/permit2.mjs";
import { ERC20_ABI } from "../../packaging/localstack/lib/token.mjs";

const MAX = 50_000n;      // "$0.05": what the buyer authorizes
const CHARGE = 21_300n;   // what the seller settles
let stack, facilitatorAddress;

const lower = (a) => String(a).toLowerCase();

before(async () => {
  stack = await startStack();
  const supported = await (await fetch(`${stack.facilitatorUrl}/supported`)).json();
  const kind = supported.kinds.find((k) => k.scheme === "upto" && k.network === `eip155:${stack.chainId}`);
  assert.ok(kind, `the local facilitator lists upto: ${JSON.stringify(supported.kinds)}`);
  facilitatorAddress = kind.extra?.facilitatorAddress;
});

after(async () => {
  await stack?.stop();
});

function requirement({ amount = MAX, payTo = ACCOUNTS.seller.address } = {}) {
  return {
    scheme: "upto",
    network: `eip155:${stack.chainId}`,
    amount: String(amount),
    asset: stack.token,
    payTo,
    maxTimeoutSeconds: 300,
    extra: { name: "USDC", version: "2", facilitatorAddress },
  };
}

/** What the reference client sends for a 402 that offers `accepts`: {x402Version, accepted, payload}. */
async function pay(key, accepts = [requirement()]) {
  const client = v2UptoClient(stack.wallet(key), stack.publicClient);
  return client.createPaymentPayload({ x402Version: 2, resource: { url: "http://127.0.0.1/upto" }, accepts });
}

async function call(path, paymentPayload, paymentRequirements) {
  const res = await fetch(stack.facilitatorUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

async function balances() {
  return { buyer: await stack.balanceOf(ACCOUNTS.buyer.address), seller: await stack.balanceOf(ACCOUNTS.seller.address) };
}

/** The settle() arguments the facilitator would send for `paid`, for direct calls. */
function settleArgs(paid, amount, witnessEdit = {}) {
  const a = paid.payload.permit2Authorization;
  return [
    { permitted: { token: a.permitted.token, amount: BigInt(a.permitted.amount) }, nonce: BigInt(a.nonce), deadline: BigInt(a.deadline) },
    amount,
    a.from,
    { to: a.witness.to, facilitator: a.witness.facilitator, validAfter: BigInt(a.witness.validAfter), ...witnessEdit },
    paid.payload.signature,
  ];
}

/** The custom error a direct settle() reverts with, as `from` (an ACCOUNTS key) would send it. */
async function revertOf(key, args) {
  try {
    await stack.publicClient.simulateContract({ account: stack.wallet(ACCOUNTS[key].key).account, address: UPTO_PROXY_ADDRESS, abi: UPTO_PROXY_ABI, functionName: "settle", args });
  } catch (e) {
    const name = e.walk?.((x) => x.data?.errorName)?.data?.errorName;
    return name || String(e.shortMessage || e.message);
  }
  return "no revert";
}

test("/supported lists upto with the facilitator's own account as extra.facilitatorAddress", () => {
  assert.equal(lower(facilitatorAddress), lower(ACCOUNTS.facilitator.address));
});

test("the fixtures answer like the real contracts: Permit2's domain, the proxy's witness type and Permit2 address", async () => {
  const domain = await stack.publicClient.readContract({ address: PERMIT2_ADDRESS, abi: PERMIT2_ABI, functionName: "DOMAIN_SEPARATOR" });
  assert.equal(domain, permit2DomainSeparator(stack.chainId));
  const read = (functionName) => stack.publicClient.readContract({ address: UPTO_PROXY_ADDRESS, abi: UPTO_PROXY_ABI, functionName });
  assert.equal(await read("PERMIT2"), PERMIT2_ADDRESS);
  // The witness type string is what the client's typed data (uptoPermit2WitnessTypes) encodes to.
  const witness = uptoPermit2WitnessTypes.Witness.map((f) => `${f.type} ${f.name}`).join(",");
  assert.equal(await read("WITNESS_TYPE_STRING"), `Witness witness)TokenPermissions(address token,uint256 amount)Witness(${witness})`);
});

test("the reference client pays for a maximum; the reference facilitator settles less; the balance moves by exactly that, once", async () => {
  const paid = await pay(ACCOUNTS.buyer.key);
  assert.equal(paid.accepted.scheme, "upto");
  const auth = paid.payload.permit2Authorization;
  assert.equal(lower(auth.spender), lower(UPTO_PROXY_ADDRESS));
  assert.equal(auth.permitted.amount, String(MAX));
  assert.equal(lower(auth.witness.facilitator), lower(facilitatorAddress));

  const verified = await call("/verify", paid, requirement());
  assert.equal(verified.isValid, true, JSON.stringify(verified));

  const start = await balances();
  const settled = await call("/settle", paid, requirement({ amount: CHARGE }));
  assert.equal(settled.success, true, JSON.stringify(settled));
  assert.equal(settled.amount, String(CHARGE));
  assert.equal(lower(settled.payer), lower(ACCOUNTS.buyer.address));
  const receipt = await stack.publicClient.getTransactionReceipt({ hash: settled.transaction });
  assert.equal(receipt.status, "success");
  assert.equal(lower(receipt.to), lower(UPTO_PROXY_ADDRESS), "settled through the upto proxy");
  assert.deepEqual(tokenTransfers(receipt).map((t) => [t.token, lower(t.from), lower(t.to), t.value]),
    [[lower(stack.token), lower(ACCOUNTS.buyer.address), lower(ACCOUNTS.seller.address), CHARGE]], "one transfer of the settled amount to the payee");
  let end = await balances();
  assert.equal(start.buyer - end.buyer, CHARGE);
  assert.equal(end.seller - start.seller, CHARGE);
  assert.equal(await permit2NonceUsed(stack.publicClient, ACCOUNTS.buyer.address, auth.nonce), true);

  // The same payload again, for the same or the rest of the maximum: refused, nothing moves.
  for (const amount of [CHARGE, MAX - CHARGE]) {
    const again = await call("/settle", paid, requirement({ amount }));
    assert.equal(again.success, false, JSON.stringify(again));
    assert.equal(again.transaction, "");
  }
  const verifiedAgain = await call("/verify", paid, requirement());
  assert.equal(verifiedAgain.isValid, false);
  assert.equal(await revertOf("facilitator", settleArgs(paid, CHARGE)), "InvalidNonce", "Permit2 refuses a used nonce on chain too");
  end = await balances();
  assert.equal(start.buyer - end.buyer, CHARGE, "charged once");
  assert.equal(end.seller - start.seller, CHARGE);
});

test("settling the whole maximum moves the maximum; more than the maximum is refused and moves nothing", async () => {
  const paid = await pay(ACCOUNTS.buyer.key);
  const start = await balances();
  const over = await call("/settle", paid, requirement({ amount: MAX + 1n }));
  assert.equal(over.success, false);
  assert.equal(over.errorReason, "invalid_upto_evm_payload_settlement_exceeds_amount");
  assert.equal(await revertOf("facilitator", settleArgs(paid, MAX + 1n)), "AmountExceedsPermitted", "the proxy enforces the maximum by itself");
  assert.deepEqual(await balances(), start);

  const settled = await call("/settle", paid, requirement({ amount: MAX }));
  assert.equal(settled.success, true, JSON.stringify(settled));
  const end = await balances();
  assert.equal(start.buyer - end.buyer, MAX);
  assert.equal(end.seller - start.seller, MAX);
});

test("a zero charge settles nothing on chain and leaves the authorization unused", async () => {
  const paid = await pay(ACCOUNTS.buyer.key);
  const start = await balances();
  const settled = await call("/settle", paid, requirement({ amount: 0n }));
  assert.equal(settled.success, true);
  assert.equal(settled.transaction, "");
  assert.equal(settled.amount, "0");
  assert.equal(await revertOf("facilitator", settleArgs(paid, 0n)), "InvalidAmount", "the proxy refuses to burn a nonce for nothing");
  assert.deepEqual(await balances(), start);
  assert.equal(await permit2NonceUsed(stack.publicClient, ACCOUNTS.buyer.address, paid.payload.permit2Authorization.nonce), false);
});

test("what the buyer signed binds on chain: only the named facilitator settles, only to the named payee", async () => {
  const paid = await pay(ACCOUNTS.buyer.key);
  const args = settleArgs(paid, CHARGE);
  assert.equal(await revertOf("seller", args), "UnauthorizedFacilitator", "another account may not pick the amount");
  // The facilitator passing another payee, or naming another account as facilitator, breaks the
  // signature that Permit2 checks over the witness.
  assert.equal(await revertOf("facilitator", settleArgs(paid, CHARGE, { to: ACCOUNTS.facilitator.address })), "InvalidSigner");
  assert.equal(await revertOf("seller", settleArgs(paid, CHARGE, { facilitator: ACCOUNTS.seller.address })), "InvalidSigner");
  assert.equal(await revertOf("facilitator", args), "no revert", "the untouched payment still settles");
});

test("a buyer who never approved Permit2 is refused at /verify with the precise reason (Multicall3 diagnoses it)", async () => {
  const owner = stack.wallet(ACCOUNTS.facilitator.key);
  await owner.waitForTransactionReceipt({
    hash: await owner.writeContract({ address: stack.token, abi: ERC20_ABI, functionName: "mint", args: [ACCOUNTS.unfunded.address, MAX] }),
  });
  const paid = await pay(ACCOUNTS.unfunded.key);
  const verified = await call("/verify", paid, requirement());
  assert.equal(verified.isValid, false);
  assert.equal(verified.invalidReason, "permit2_allowance_required");

  // Once it approves, as a buyer does once, the same signed payment verifies and settles.
  await approvePermit2(stack.wallet(ACCOUNTS.unfunded.key), stack.token);
  assert.equal((await call("/verify", paid, requirement())).isValid, true);
  const settled = await call("/settle", paid, requirement({ amount: 1n }));
  assert.equal(settled.success, true, JSON.stringify(settled));
  assert.equal(await stack.balanceOf(ACCOUNTS.unfunded.address), MAX - 1n);
});

test("an expired authorization is refused by Permit2 on chain (SignatureExpired)", async () => {
  const paid = await pay(ACCOUNTS.buyer.key, [{ ...requirement(), maxTimeoutSeconds: 30 }]);
  const testClient = { request: (body) => stack.publicClient.request(body) };
  await testClient.request({ method: "evm_increaseTime", params: [3600] });
  await testClient.request({ method: "evm_mine", params: [] });
  assert.equal(await revertOf("facilitator", settleArgs(paid, CHARGE)), "SignatureExpired");
  assert.equal((await call("/settle", paid, requirement({ amount: CHARGE }))).success, false);
});
