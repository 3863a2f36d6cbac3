// Compiles the fixture contracts in ../contracts with solc-js (offline, wasm) and caches their
// runtime bytecode by source hash in the OS temp dir: the code is planted with anvil_setCode, so
// only the deployed (runtime) bytecode is needed, and a test file pays for solc once per machine.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
export const CONTRACTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "contracts");

const SETTINGS = {
  evmVersion: "shanghai",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["evm.deployedBytecode.object"] } },
};

/**
 * Runtime bytecode of every contract in `sources` ({fileName: source text}), as
 * {"File.sol:Contract": "0x..."}. Imports between the given files resolve by file name.
 */
export function compileRuntime(sources) {
  const hash = crypto.createHash("sha256").update(JSON.stringify({ sources, SETTINGS })).digest("hex").slice(0, 16);
  const cache = path.join(os.tmpdir(), `x402gw-solc-${hash}.json`);
  if (fs.existsSync(cache)) return JSON.parse(fs.readFileSync(cache, "utf8"));
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([file, content]) => [file, { content }])),
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error("solc: " + errors.map((e) => e.formattedMessage).join("\n"));
  const codes = {};
  for (const [file, contracts] of Object.entries(output.contracts)) {
    for (const [name, contract] of Object.entries(contracts)) codes[`${file}:${name}`] = "0x" + contract.evm.deployedBytecode.object;
  }
  // Written whole, then renamed: test files running side by side never read half a cache.
  const partial = `${cache}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(codes));
  fs.renameSync(partial, cache);
  return codes;
}

/** The source text of ../contracts/`file`. */
export function contractSource(file) {
  return fs.readFileSync(path.join(CONTRACTS_DIR, file), "utf8");
}
