// A local anvil chain for the demo and the end-to-end tests. It runs anvil's own binary so the
// PID held here is anvil's, and stops it with the process that started it.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** The usual anvil mnemonic accounts. */
export const ACCOUNTS = {
  facilitator: { address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", key: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" },
  seller: { address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", key: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" },
  buyer: { address: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", key: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a" },
  unfunded: { address: "0x90F79bf6EB2c4f870365E785982E1f101E93b906", key: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6" },
};

function anvilBinary() {
  const pkg = require.resolve("@foundry-rs/anvil-linux-amd64/package.json");
  return path.join(path.dirname(pkg), "bin", "anvil");
}

/**
 * Starts anvil on 127.0.0.1. `port` 0 picks a free one. Resolves to { rpcUrl, port, stop }.
 */
export function startAnvil({ chainId = 84532, port = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(anvilBinary(), ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("anvil did not start within 20s:\n" + output));
    }, 20000);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    const early = (code) => { clearTimeout(timer); reject(new Error(`anvil exited with ${code}:\n${output}`)); };
    child.on("exit", early);
    const onData = (data) => {
      output += data;
      const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        child.off("exit", early);
        child.stdout.off("data", onData);
        child.stdout.resume();
        const bound = Number(m[1]);
        resolve({
          rpcUrl: `http://127.0.0.1:${bound}`,
          port: bound,
          pid: child.pid,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (data) => { output += data; });
  });
}
