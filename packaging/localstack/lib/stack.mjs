// The whole local x402 stack in one call: anvil (chain id 84532 by default, so v1 and v2 clients
// both know it as Base Sepolia; or 137 as Polygon), the test token planted at that chain's USDC
// address and minted to the buyer, Permit2 and the x402 upto proxy planted at their canonical addresses
// (the buyer has approved Permit2 on the token, once, as a buyer paying with `upto` does), and the
// reference facilitator (`exact` and `upto`). Used by the demo and by the end-to-end tests.
import { createPublicClient, createTestClient, createWalletClient, http, publicActions, defineChain } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ACCOUNTS, startAnvil } from "./chain.mjs";
import { BASE_SEPOLIA_USDC, POLYGON_USDC, ERC20_ABI, runtimeBytecode } from "./token.mjs";
import { startFacilitator } from "./facilitator.mjs";
import { plantPermit2, approvePermit2, PERMIT2_ADDRESS, UPTO_PROXY_ADDRESS } from "./permit2.mjs";

export { ACCOUNTS, BASE_SEPOLIA_USDC, POLYGON_USDC, PERMIT2_ADDRESS, UPTO_PROXY_ADDRESS };

/** The chains the local stack can pose as: chain id, the USDC address and its EIP-712 name. */
export const CHAINS = {
  "base-sepolia": { id: 84532, name: "Base Sepolia", token: BASE_SEPOLIA_USDC, tokenName: "USDC" },
  polygon: { id: 137, name: "Polygon", token: POLYGON_USDC, tokenName: "USD Coin" },
};

/** A chain id (Base Sepolia's by default), served by the local anvil. */
export function localChain(rpcUrl, id = 84532, name = "Base Sepolia") {
  return defineChain({
    id,
    name: `${name} (local anvil)`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * Starts anvil, plants and mints the token, starts the facilitator.
 * Options: chain (a key of CHAINS), anvilPort, facilitatorPort (0: any), buyerFunds (atomic units), log.
 */
export async function startStack({ chain: chainKey = "base-sepolia", anvilPort = 0, facilitatorPort = 0, buyerFunds = 1_000_000n, log = () => {} } = {}) {
  const pose = CHAINS[chainKey];
  if (!pose) throw new Error(`startStack: unknown chain ${chainKey}`);
  const token = pose.token;
  const anvil = await startAnvil({ chainId: pose.id, port: anvilPort });
  const stops = [anvil.stop];
  try {
    const chain = localChain(anvil.rpcUrl, pose.id, pose.name);
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
    const testClient = createTestClient({ chain, transport, mode: "anvil", pollingInterval: 50 });
    const owner = createWalletClient({ chain, transport, account: privateKeyToAccount(ACCOUNTS.facilitator.key), pollingInterval: 50 }).extend(publicActions);

    await testClient.setCode({ address: token, bytecode: runtimeBytecode({ name: pose.tokenName }) });
    const minted = await owner.writeContract({ address: token, abi: ERC20_ABI, functionName: "mint", args: [ACCOUNTS.buyer.address, buyerFunds] });
    await publicClient.waitForTransactionReceipt({ hash: minted });
    await plantPermit2(testClient);
    const buyerWallet = createWalletClient({ chain, transport, account: privateKeyToAccount(ACCOUNTS.buyer.key), pollingInterval: 50 }).extend(publicActions);
    await approvePermit2(buyerWallet, token);

    const facilitator = await startFacilitator({ walletClient: owner, network: `eip155:${pose.id}`, port: facilitatorPort, log });
    stops.unshift(facilitator.close);

    const balanceOf = (address) => publicClient.readContract({ address: token, abi: ERC20_ABI, functionName: "balanceOf", args: [address] });
    return {
      rpcUrl: anvil.rpcUrl,
      anvilPid: anvil.pid,
      facilitatorUrl: facilitator.url,
      facilitatorCalls: facilitator.calls,
      chain,
      publicClient,
      token,
      chainId: pose.id,
      balanceOf,
      /** A viem wallet client for one of ACCOUNTS (signs offline; reads through anvil). */
      wallet: (key) => createWalletClient({ chain, transport, account: privateKeyToAccount(key), pollingInterval: 50 }).extend(publicActions),
      stop: async () => { for (const stop of stops) await stop(); },
    };
  } catch (e) {
    for (const stop of stops) await stop();
    throw e;
  }
}
