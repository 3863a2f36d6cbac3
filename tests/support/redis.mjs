// Test support: a real redis-server (Debian's) on a free loopback port, with no persistence, started
// once per test file and stopped by it. Redis cannot listen on port 0, so a port is found free first.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deadPort } from "./gateway.mjs";

/** Starts redis-server; resolves to { port, url, stop(), restart(), cli(...args) }. `password` sets requirepass. */
export async function startRedis({ password } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-redis-"));
  const port = await deadPort();
  let child = null;
  const launch = () => new Promise((resolve, reject) => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"];
    if (password) args.push("--requirepass", password);
    child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error("redis-server did not start:\n" + out)), 10000);
    child.stdout.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${out}`)); });
  });
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.removeAllListeners("exit");  // the start-up listener
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    /** Kills the server (SIGKILL: as a crash would); what it held is lost. */
    kill,
    /** Freezes the server (SIGSTOP): connections stay open and nothing answers. */
    pause: () => child.kill("SIGSTOP"),
    /** Lets a paused server go on (SIGCONT). */
    resume: () => child.kill("SIGCONT"),
    /** Starts it again on the same port. */
    restart: launch,
    /** Runs redis-cli against it; returns its standard output. */
    cli: (...args) => execFileSync("redis-cli", ["-p", String(port), ...(password ? ["-a", password, "--no-auth-warning"] : []), ...args], { encoding: "utf8" }),
    stop: async () => {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
