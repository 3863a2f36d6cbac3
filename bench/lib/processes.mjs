// Starting, pinning, watching and stopping the processes of a benchmark run.
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { openSync, readFileSync, readdirSync } from "node:fs";

const started = new Set();

/** Resolves once something accepts connections on `port`, or rejects after `ms`. */
export async function waitForPort(port, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = connect(port, "127.0.0.1", () => { c.destroy(); resolve(true); });
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `cmd args` pinned to `cpu` (null: anywhere), output to `log`, and waits for `port`.
 * taskset execs the command, so the child's PID is the program's own.
 */
export async function start(name, cmd, args, { cpu = null, port, log, env = {} }) {
  const out = openSync(log, "a");
  const [file, argv] = cpu === null ? [cmd, args] : ["taskset", ["-c", String(cpu), cmd, ...args]];
  const child = spawn(file, argv, { stdio: ["ignore", out, out], env: { ...process.env, ...env } });
  const proc = { name, child, pid: child.pid, exited: false };
  child.on("exit", () => { proc.exited = true; });
  started.add(proc);
  try {
    await waitForPort(port);
  } catch (e) {
    throw new Error(`${name} did not start (see ${log}): ${e.message}`);
  }
  if (proc.exited) throw new Error(`${name} exited at start (see ${log})`);
  return proc;
}

/** Stops a process with SIGTERM (SIGKILL after 5 s). */
export async function stop(proc) {
  if (!proc || proc.exited) { started.delete(proc); return; }
  const gone = new Promise((resolve) => proc.child.once("exit", resolve));
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
  started.delete(proc);
}

/** Stops everything still running (on exit or failure). */
export async function stopAll() {
  await Promise.all([...started].map(stop));
}

function statFields(pid) {
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
}

/** A process and its children (nginx's master and its worker). */
export function family(pid) {
  const pids = [pid];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try { if (Number(statFields(entry)[1]) === pid) pids.push(Number(entry)); } catch { /* gone */ }
  }
  return pids;
}

/** Resident memory of a process and its children, in KiB. */
export function rssKiB(pid) {
  let total = 0;
  for (const p of family(pid)) {
    const m = readFileSync(`/proc/${p}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    total += m ? Number(m[1]) : 0;
  }
  return total;
}

/** User + system CPU seconds a process and its children have used so far. */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of family(pid)) {
    const f = statFields(p);
    ticks += Number(f[11]) + Number(f[12]);  // utime, stime in clock ticks (USER_HZ = 100)
  }
  return ticks / 100;
}
