// Real front proxies for forward-auth tests and benchmarks: nginx (/usr/sbin/nginx) and Caddy
// (/usr/bin/caddy), run unprivileged from a temporary directory on free loopback ports, with the
// recipes of conf/forward-auth/ filled in (addresses only).
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const RECIPES = path.resolve(here, "../../conf/forward-auth");
export const NGINX_BIN = process.env.NGINX_BIN || "/usr/sbin/nginx";
export const CADDY_BIN = process.env.CADDY_BIN || "/usr/bin/caddy";

/** A free loopback port (bound, then released). */
export async function freePort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

async function untilListening(port, child, what, log) {
  const end = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.on("connect", () => { s.destroy(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} did not listen on ${port}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `${NAME}` placeholders of a recipe replaced from `vars` (envsubst with a list, as the README says). */
export function fill(text, vars) {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
}

function stopper(child, dir) {
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * nginx with a site file (an http-context file such as conf/forward-auth/nginx.conf), filled in
 * with `vars`; NGINX_LISTEN is chosen here. Resolves to { port, url(path), stop(), log() }.
 */
export async function startNginx(siteFile, vars, { workers = 1 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-nginx-"));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, "site.conf"), fill(fs.readFileSync(siteFile, "utf8"), { ...vars, NGINX_LISTEN: `127.0.0.1:${port}` }));
  // The main context a distribution's nginx.conf would hold, with everything inside `dir`.
  fs.writeFileSync(path.join(dir, "nginx.conf"), `worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`);
  const child = spawn(NGINX_BIN, ["-p", dir, "-e", `${dir}/error.log`, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const log = () => output + (fs.existsSync(`${dir}/error.log`) ? fs.readFileSync(`${dir}/error.log`, "utf8") : "");
  await untilListening(port, child, "nginx", log);
  return { port, url: (p) => `http://127.0.0.1:${port}${p}`, log, stop: stopper(child, dir) };
}

/**
 * Caddy with a Caddyfile whose {$NAME} placeholders come from `env`; CADDY_LISTEN is chosen here
 * (`anyHost`: a site for every Host, `http://:port`, rather than for 127.0.0.1 only).
 */
export async function startCaddy(caddyfile, env, { anyHost = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "x402gw-caddy-"));
  const port = await freePort();
  const child = spawn(CADDY_BIN, ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: dir,
    // Caddy keeps its state under HOME / XDG dirs: inside `dir`, never the user's.
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, ...env, CADDY_LISTEN: anyHost ? `http://:${port}` : `http://127.0.0.1:${port}` },
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  await untilListening(port, child, "caddy", () => output);
  return { port, url: (p) => `http://127.0.0.1:${port}${p}`, log: () => output, stop: stopper(child, dir) };
}
