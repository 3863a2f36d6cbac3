// Runs wrk (with --latency) and reads its report.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

function duration(text) {
  const m = text.match(/^([\d.]+)(us|ms|s|m)$/);
  if (!m) return NaN;
  const scale = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 }[m[2]];
  return Number(m[1]) * scale;  // milliseconds
}

/** Parses wrk's report into {rps, p50, p90, p99 (ms), requests, non2xx, errors}. */
export function parseWrk(out) {
  const pct = (p) => {
    const m = out.match(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m"));
    return m ? duration(m[1]) : NaN;
  };
  const rps = Number((out.match(/Requests\/sec:\s+([\d.]+)/) || [])[1]);
  const requests = Number((out.match(/(\d+) requests in/) || [])[1]);
  const non2xx = Number((out.match(/Non-2xx or 3xx responses:\s+(\d+)/) || [0, 0])[1]);
  const socket = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const errors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  if (!Number.isFinite(rps)) throw new Error(`cannot read wrk's report:\n${out}`);
  return { rps, p50: pct(50), p90: pct(90), p99: pct(99), requests, non2xx, errors };
}

/**
 * One wrk run. `cpu` pins wrk (null: unpinned); `script` and `args` pass a Lua script and its
 * arguments.
 */
export async function wrk({ url, connections, seconds, cpu = null, script = null, args = [] }) {
  const argv = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "10s"];
  if (script) argv.push("-s", script);
  argv.push(url);
  if (args.length) argv.push("--", ...args);
  const [cmd, full] = cpu === null ? ["wrk", argv] : ["taskset", ["-c", String(cpu), "wrk", ...argv]];
  const { stdout } = await run(cmd, full, { maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}
