// Raw HTTP/1.1 over TCP for tests that need exact bytes: a client connection that reads whole
// responses one at a time (keeping whatever follows), a response parser, a raw upstream that parses
// requests per connection, and small polling helpers.
import net from "node:net";

/** Parses one HTTP/1.1 response at the start of `buf`. Returns null while incomplete, else
 *  { status, reason, headers (lower-case names; repeated names joined with ", "), body (Buffer),
 *  head (the header block as text), size (bytes consumed) }. `head: true` for a HEAD request's
 *  answer (no body whatever the framing says). */
export function parseResponse(buf, { head = false, closed = false } = {}) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const headText = buf.subarray(0, end).toString("latin1");
  const [statusLine, ...lines] = headText.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(headText.slice(0, 200))}`);
  const status = Number(m[1]);
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let at = end + 4;
  const done = (body) => ({ status, reason: m[2] || "", headers, body, head: headText, size: at });
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return done(Buffer.alloc(0));
  if (/chunked/i.test(headers["transfer-encoding"] || "")) {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(at, lineEnd).toString("latin1").split(";")[0], 16);
      if (Number.isNaN(size)) throw new Error("bad chunk size in response");
      if (size === 0) {
        // Trailers (none expected), then the empty line.
        const trailerEnd = buf.indexOf("\r\n\r\n", lineEnd);
        if (trailerEnd < 0) {
          if (buf.length >= lineEnd + 4 && buf.subarray(lineEnd, lineEnd + 4).toString() === "\r\n\r\n") { at = lineEnd + 4; return done(Buffer.concat(parts)); }
          return null;
        }
        at = trailerEnd + 4;
        return done(Buffer.concat(parts));
      }
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (buf.length < at + length) return null;
    const body = buf.subarray(at, at + length);
    at += length;
    return done(body);
  }
  // Delimited by the close.
  if (!closed) return null;
  const body = buf.subarray(at);
  at = buf.length;
  return done(body);
}

/** A raw client connection. `data` holds every byte not yet consumed by readResponse. */
export class RawClient {
  constructor(socket) {
    this.socket = socket;
    this.data = Buffer.alloc(0);
    this.closed = false;
    this.waiters = new Set();
    socket.on("data", (d) => { this.data = Buffer.concat([this.data, d]); this.wake(); });
    socket.on("close", () => { this.closed = true; this.wake(); });
    socket.on("error", () => {});
  }
  wake() { for (const w of [...this.waiters]) w(); }
  write(bytes) { this.socket.write(bytes); }
  /** Waits until `check()` returns a value, the peer closes, or `ms` pass (then returns undefined). */
  until(check, ms) {
    return new Promise((resolve) => {
      const attempt = () => {
        let value;
        try { value = check(); } catch (e) { finish(); return resolve({ error: e }); }
        if (value !== undefined && value !== null) { finish(); resolve(value); } else if (this.closed) { finish(); resolve(undefined); }
      };
      const timer = setTimeout(() => { finish(); resolve(undefined); }, ms);
      const finish = () => { clearTimeout(timer); this.waiters.delete(attempt); };
      this.waiters.add(attempt);
      attempt();
    });
  }
  /** Reads one whole response and consumes it; undefined if none arrived (closed or timed out). */
  async readResponse({ head = false, ms = 5000 } = {}) {
    const res = await this.until(() => parseResponse(this.data, { head, closed: this.closed }), ms);
    if (res?.error) throw res.error;
    if (res) this.data = this.data.subarray(res.size);
    return res;
  }
  /** Resolves true once the peer closed (false if it did not within `ms`). */
  async waitClosed(ms = 3000) { return (await this.until(() => (this.closed ? true : null), ms)) === true || this.closed; }
  close() { this.socket.destroy(); }
}

export function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(new RawClient(socket)));
    socket.once("error", reject);
  });
}

/** One request on a fresh connection: sends `bytes`, reads one response (or undefined when the
 *  gateway closed or said nothing within `ms`), closes. */
export async function request(port, bytes, { ms = 5000, head = false } = {}) {
  const c = await connect(port);
  try {
    c.write(bytes);
    const res = await c.readResponse({ ms, head });
    return res ? { ...res, text: res.body.toString("utf8") } : { status: undefined, closed: c.closed, raw: c.data.toString("latin1") };
  } finally {
    c.close();
  }
}

/** Reads the value of one series from the gateway's admin /metrics (0 when absent). */
export async function metric(gw, series) {
  const text = await (await fetch(gw.admin("/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line ? Number(line.split(" ").pop()) : 0;
}

export async function waitFor(check, { ms = 10000, every = 100 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, every));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A raw TCP upstream. Parses each connection's requests in order (Content-Length or chunked
 * bodies, pipelined or kept alive) and calls `handler(req, socket)` for each, where req is
 * { method, target, headers (lower-case), body (Buffer) }; the handler writes the raw answer.
 * Records every request in `requests`.
 */
export async function startRawUpstream(handler) {
  const requests = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buf = Buffer.alloc(0);
    let busy = Promise.resolve();
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const parsed = parseRequest(buf);
        if (!parsed) break;
        buf = buf.subarray(parsed.size);
        const req = parsed.request;
        requests.push(req);
        busy = busy.then(() => handler(req, socket));
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const port = server.address().port;
  return {
    port, url: `http://127.0.0.1:${port}`, requests, server,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

function parseRequest(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [requestLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const [method, target] = requestLine.split(" ");
  const headers = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let at = end + 4;
  let body = Buffer.alloc(0);
  if (/chunked/i.test(headers["transfer-encoding"] || "")) {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(at, lineEnd).toString("latin1"), 16);
      if (size === 0) {
        if (buf.length < lineEnd + 4) return null;
        at = lineEnd + 4;
        break;
      }
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers["content-length"]) {
    const length = Number(headers["content-length"]);
    if (buf.length < at + length) return null;
    body = buf.subarray(at, at + length);
    at += length;
  }
  return { size: at, request: { method, target, headers, body } };
}
