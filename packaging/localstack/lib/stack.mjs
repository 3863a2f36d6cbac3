// The whole local x402 stack in one call: anvil (chain id 84532, so v1 and v2 clients both know it
// as Base Sepolia), the test token planted at the Base Sepolia USDC address and minted to the
// buyer, and the reference facilitator. Used by the demo and by the end-to-end tests.
import { createPublicClient, createTestClient, createWalletClient, http, publicActions, defineChain } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ACCOUNTS, startAnvil } from "./chain.mjs";
import { BASE_SEPOLIA_USDC, ERC20_ABI, runtimeBytecode } from "./token.mjs";
import { startFacilitator } from "./facilitator.mjs";

export { ACCOUNTS, BASE_SEPOLIA_USDC };

/** Base Sepolia's id, served by the local anvil. */
export function localChain(rpcUrl) {
  return defineChain({
    id: 84532,
    name: "Base Sepolia (local anvil)",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * Starts anvil, plants and mints the token, starts the facilitator.
 * Options: anvilPort, facilitatorPort (0: any), buyerFunds (atomic units), log.
 */
export async function startStack({ anvilPort = 0, facilitatorPort = 0, buyerFunds = 1_000_000n, log = () => {} } = {}) {
  const anvil = await startAnvil({ chainId: 84532, port: anvilPort });
  const stops = [anvil.stop];
  try {
    const chain = localChain(anvil.rpcUrl);
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
    const testClient = createTestClient({ chain, transport, mode: "anvil", pollingInterval: 50 });
    const owner = createWalletClient({ chain, transport, account: privateKeyToAccount(ACCOUNTS.facilitator.key), pollingInterval: 50 }).extend(publicActions);

    await testClient.setCode({ address: BASE_SEPOLIA_USDC, bytecode: runtimeBytecode() });
    const minted = await owner.writeContract({ address: BASE_SEPOLIA_USDC, abi: ERC20_ABI, functionName: "mint", args: [ACCOUNTS.buyer.address, buyerFunds] });
    await publicClient.waitForTransactionReceipt({ hash: minted });

    const facilitator = await startFacilitator({ walletClient: owner, port: facilitatorPort, log });
    stops.unshift(facilitator.close);

    const balanceOf = (address) => publicClient.readContract({ address: BASE_SEPOLIA_USDC, abi: ERC20_ABI, functionName: "balanceOf", args: [address] });
    return {
      rpcUrl: anvil.rpcUrl,
      anvilPid: anvil.pid,
      facilitatorUrl: facilitator.url,
      facilitatorCalls: facilitator.calls,
      chain,
      publicClient,
      token: BASE_SEPOLIA_USDC,
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
