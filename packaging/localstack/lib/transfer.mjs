// Pay-then-prove on the local stack: plain ERC-20 transfers sent with viem (what an older x402
// client does before it retries with the transaction hash), a second token, and block mining.
import { erc20Abi, createTestClient, http } from "viem";
import { ERC20_ABI, runtimeBytecode } from "./token.mjs";

/** Plain-transfer helpers over a stack from startStack(). */
export function transfers(stack) {
  const testClient = createTestClient({ chain: stack.chain, transport: http(stack.rpcUrl), mode: "anvil" });
  return {
    /** Sends `token.transfer(to, amount)` from `wallet` and waits for it; resolves to { hash, receipt }. */
    async transfer(wallet, { token, to, amount, gas }) {
      const hash = await wallet.writeContract({ address: token, abi: erc20Abi, functionName: "transfer", args: [to, amount], ...(gas ? { gas } : {}) });
      const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
      return { hash, receipt };
    },
    /** Plants the test token's code at `address` and mints `amount` of it to `holder` (minted by `owner`). */
    async plantToken(address, owner, holder, amount) {
      await testClient.setCode({ address, bytecode: runtimeBytecode() });
      const minted = await owner.writeContract({ address, abi: ERC20_ABI, functionName: "mint", args: [holder, amount] });
      await stack.publicClient.waitForTransactionReceipt({ hash: minted });
    },
    /** Mines `blocks` empty blocks. */
    mine: (blocks) => testClient.mine({ blocks }),
  };
}
