// The EIP-3009 test token: compiled with solc-js, planted with anvil_setCode at a chosen address
// (the Base Sepolia USDC address, so that "$0.01" prices and v1 clients resolve to it), minted.
import { compileRuntime, contractSource } from "./solc.mjs";

/** Base Sepolia USDC: where the token is planted by default. */
export const BASE_SEPOLIA_USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
/** Polygon PoS USDC (EIP-712 name "USD Coin"). */
export const POLYGON_USDC = "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359";

export const ERC20_ABI = [
  { type: "function", name: "balanceOf", stateMutability: "view", inputs: [{ name: "a", type: "address" }], outputs: [{ type: "uint256" }] },
  { type: "function", name: "mint", stateMutability: "nonpayable", inputs: [{ name: "to", type: "address" }, { name: "value", type: "uint256" }], outputs: [] },
  { type: "function", name: "authorizationState", stateMutability: "view", inputs: [{ name: "a", type: "address" }, { name: "n", type: "bytes32" }], outputs: [{ type: "bool" }] },
];

/**
 * The token's runtime bytecode (compiled once per machine: solc.mjs caches it).
 * `name` is its EIP-712 domain name: it must be the one the seller advertises for the address the
 * code is planted at (Base Sepolia's USDC says "USDC", Polygon's says "USD Coin").
 */
export function runtimeBytecode({ name = "USDC" } = {}) {
  if (!/^[A-Za-z0-9 ]+$/.test(name)) throw new Error(`token name ${JSON.stringify(name)}: letters, digits and spaces only`);
  const template = contractSource("TestUSDC.sol");
  const source = template.replace('function name() public pure returns (string memory) { return "USDC"; }',
                                  `function name() public pure returns (string memory) { return "${name}"; }`);
  if (name !== "USDC" && source === template) throw new Error("TestUSDC.sol: name() not found to rename the token");
  return compileRuntime({ "TestUSDC.sol": source })["TestUSDC.sol:TestUSDC"];
}
