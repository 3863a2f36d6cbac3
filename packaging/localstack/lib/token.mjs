// The EIP-3009 test token: compiled with solc-js, planted with anvil_setCode at a chosen address
// (the Base Sepolia USDC address, so that "$0.01" prices and v1 clients resolve to it), minted.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

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
 * The token's runtime bytecode, compiled once and cached by source hash in the OS temp dir.
 * `name` is its EIP-712 domain name: it must be the one the seller advertises for the address the
 * code is planted at (Base Sepolia's USDC says "USDC", Polygon's says "USD Coin").
 */
export function runtimeBytecode({ name = "USDC" } = {}) {
  if (!/^[A-Za-z0-9 ]+$/.test(name)) throw new Error(`token name ${JSON.stringify(name)}: letters, digits and spaces only`);
  const template = fs.readFileSync(path.join(here, "..", "contracts", "TestUSDC.sol"), "utf8");
  const source = template.replace('function name() public pure returns (string memory) { return "USDC"; }',
                                  `function name() public pure returns (string memory) { return "${name}"; }`);
  if (name !== "USDC" && source === template) throw new Error("TestUSDC.sol: name() not found to rename the token");
  const hash = crypto.createHash("sha256").update(source).digest("hex").slice(0, 16);
  const cache = path.join(os.tmpdir(), `x402gw-testusdc-${hash}.hex`);
  if (fs.existsSync(cache)) return fs.readFileSync(cache, "utf8");
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: { "TestUSDC.sol": { content: source } },
    settings: { evmVersion: "shanghai", optimizer: { enabled: true, runs: 200 }, outputSelection: { "*": { "*": ["evm.deployedBytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error("solc: " + errors.map((e) => e.formattedMessage).join("\n"));
  const code = "0x" + output.contracts["TestUSDC.sol"].TestUSDC.evm.deployedBytecode.object;
  fs.writeFileSync(cache, code);
  return code;
}
