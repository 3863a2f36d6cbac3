// The demo API the gateway sits in front of: it knows nothing about payments. It counts what it
// serves, so tests can check that every paid answer was served exactly once.
import http from "node:http";

const JOKES = [
  "There are 10 kinds of people: those who understand binary and those who do not.",
  "A SQL query walks into a bar, goes up to two tables and asks: may I join you?",
  "It works on my machine. Then we'll ship your machine.",
];

/** Starts the demo API on 127.0.0.1:`port` (0: any). Resolves to { url, port, served, close }. */
export async function startDemoUpstream({ port = 0 } = {}) {
  const served = {};
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://demo");
    served[url.pathname] = (served[url.pathname] || 0) + 1;
    const json = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && url.pathname === "/api/weather") {
      const city = url.searchParams.get("city") || "Lisbon";
      return json(200, { city, temperature_c: 21, conditions: "sunny", paid_by: req.headers["x-payment-payer"] || null });
    }
    if (req.method === "GET" && url.pathname === "/api/joke") {
      return json(200, { joke: JOKES[served[url.pathname] % JOKES.length] });
    }
    if (req.method === "POST" && url.pathname === "/api/summarize") {
      let text = "";
      req.on("data", (c) => (text += c));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain" });
        const words = text.split(/\s+/).filter(Boolean);
        res.write(`words: ${words.length}\n`);
        setTimeout(() => res.end(`summary: ${words.slice(0, 8).join(" ")}${words.length > 8 ? " ..." : ""}\n`), 50);
      });
      return;
    }
    if (url.pathname.startsWith("/public/")) return json(200, { hello: "world", free: true });
    if (url.pathname === "/__served") return json(200, served);
    json(404, { error: "not_found" });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    served,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
