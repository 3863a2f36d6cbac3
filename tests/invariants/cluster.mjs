// The topology under test: one gateway or two replicas, with the memory store or a shared real
// redis-server, each replica with its own state.dir that survives its restarts. Faults: kill -9 or
// a SIGTERM drain of a replica, then a restart on the same state.dir; Redis frozen (SIGSTOP),
// killed and restarted, or its scripts flushed. Redis runs with an fsync'd append-only file, as a
// deployment that keeps payment state must: a killed Redis comes back with what it acknowledged.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, deadPort } from "../support/gateway.mjs";
import { gatewayYaml } from "./config.mjs";

// Processes this file started and has not stopped: killed if the test process is ended early (the
// runner's per-file timeout sends SIGTERM), so that no gateway or Redis outlives its test.
const live = new Set();
function killLive() {
  for (const pid of live) { try { process.kill(pid, "SIGKILL"); } catch { /* gone already */ } }
}
process.once("exit", killLive);
process.once("SIGTERM", () => { killLive(); process.exit(143); });

export const TOPOLOGIES = {
  memory: { store: "memory", replicas: 1 },
  redis: { store: "redis", replicas: 1 },
  redis2: { store: "redis", replicas: 2 },
};

async function startPersistentRedis() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-inv-redis-"));
  const port = await deadPort();
  let child = null;
  const launch = () => new Promise((resolve, reject) => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                                   "--appendfsync", "always", "--dir", dir, "--daemonize", "no"], { stdio: ["ignore", "pipe", "pipe"] });
    const started = child;
    live.add(started.pid);
    started.once("exit", () => live.delete(started.pid));
    let out = "";
    const timer = setTimeout(() => reject(new Error("redis-server did not start:\n" + out)), 10000);
    child.stdout.on("data", (d) => {
      out += d;
      if (/Ready to accept connections/.test(out)) { clearTimeout(timer); resolve(); }
    });
    child.stderr.on("data", (d) => (out += d));
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${out}`)); });
  });
  const kill = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.removeAllListeners("exit");
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  };
  await launch();
  const cli = (...args) => execFileSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8", timeout: 5000 });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    kill,
    restart: launch,
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    cli,
    stop: async () => { await kill(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Starts the topology. `log(event)` records what was done to it. */
export async function startCluster(topologyName, { upstreamUrl, facilitatorUrl, log, refuseEverywhere = false }) {
  const topology = TOPOLOGIES[topologyName];
  const redis = topology.store === "redis" ? await startPersistentRedis() : null;
  const slots = [];
  for (let i = 0; i < topology.replicas; i++) {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `x402gw-inv-state${i}-`));
    const yaml = gatewayYaml({ upstreamUrl, facilitatorUrl, store: topology.store, stateDir, redisUrl: redis?.url, refuseEverywhere });
    slots.push({ stateDir, yaml, gw: null, stderr: "", restarts: 0 });
  }
  const up = async (slot) => {
    const gw = await startGateway(slot.yaml);
    live.add(gw.pid);
    gw.exited.then(() => live.delete(gw.pid));
    // Ready (its Redis connected) before it takes presentations; bounded, as Redis may be down.
    for (let waited = 0; waited < 3000; waited += 50) {
      const status = await fetch(gw.admin("/readyz")).then((r) => r.status, () => 0);
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    slot.gw = gw;
  };
  for (const slot of slots) await up(slot);

  const cluster = {
    topology: topologyName,
    redis,
    slots,
    /** A live replica's main port (round robin by `i`); null while none is up. */
    port(i) {
      const live = slots.filter((s) => s.gw);
      return live.length ? live[i % live.length].gw.port : null;
    },
    /** kill -9 (or a SIGTERM drain) of replica `i`, then a restart on its state.dir after `downMs`. */
    async bounce(i, signal, downMs) {
      const slot = slots[i];
      if (!slot.gw) return;
      const gw = slot.gw;
      slot.gw = null;  // no new presentations while it is down
      log({ what: `gateway ${i}: ${signal}` });
      gw.signal(signal);
      const exit = await gw.exited;
      slot.stderr += gw.stderr();
      try { await gw.stop(); } catch (e) { slot.stderr += "\n" + e.message; }
      log({ what: `gateway ${i}: exited (${exit.signal || exit.code}), restart in ${downMs}ms` });
      await new Promise((r) => setTimeout(r, downMs));
      for (let attempt = 1; ; attempt++) {
        try {
          await up(slot);
          break;
        } catch (e) {
          log({ what: `gateway ${i}: restart failed (${e.message.split("\n")[0]})` });
          if (attempt === 3) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      slot.restarts += 1;
      log({ what: `gateway ${i}: restarted` });
    },
    /** The sum of a metric series over the live replicas. */
    async metric(series) {
      let total = 0;
      for (const slot of slots) {
        if (!slot.gw) continue;
        const text = await (await fetch(slot.gw.admin("/metrics"))).text();
        for (const line of text.split("\n")) if (line.startsWith(series + " ")) total += Number(line.slice(series.length + 1));
      }
      return total;
    },
    /** Claims left in Redis as unknown ("U:") or in flight ("F:"). */
    redisLeftovers() {
      if (!redis) return [];
      const keys = redis.cli("--scan", "--pattern", "x402gw-inv:claim:*").trim().split("\n").filter(Boolean);
      const out = [];
      for (const key of keys) {
        const value = redis.cli("GET", key).trim();
        if (/^[UF]:/.test(value)) out.push({ key, state: value[0] === "U" ? "unknown" : "in flight" });
      }
      return out;
    },
    async stop() {
      for (const slot of slots) {
        if (!slot.gw) continue;
        slot.stderr += slot.gw.stderr();
        try { await slot.gw.stop(); } catch (e) { slot.stderr += "\n" + e.message; }
        slot.gw = null;
      }
      await redis?.stop();
      for (const slot of slots) fs.rmSync(slot.stateDir, { recursive: true, force: true });
    },
  };
  return cluster;
}
