// The reference facilitator logic (@x402/core + @x402/evm, v2 and v1) behind a small HTTP server:
// POST /verify, POST /settle, GET /supported, as the x402 facilitator API defines them. It takes
// `exact` (EIP-3009) and `upto` (Permit2, v2 only; /supported lists it with
// extra.facilitatorAddress, the account that alone may settle what buyers sign for it).
import http from "node:http";
import { x402Facilitator } from "@x402/core/facilitator";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import { UptoEvmScheme } from "@x402/evm/upto/facilitator";
import { toFacilitatorEvmSigner } from "@x402/evm";

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")); } catch (e) { reject(e); }
    });
    req.on("error", reject);
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts the facilitator on 127.0.0.1:`port` (0: any). `walletClient` is a viem wallet client
 * extended with public actions, for the facilitator's own account. Resolves to { url, port, calls, close }.
 */
export async function startFacilitator({ walletClient, network = "eip155:84532", port = 0, log = () => {} }) {
  const signer = toFacilitatorEvmSigner(Object.assign(walletClient, { address: walletClient.account.address }));
  const facilitator = new x402Facilitator();
  registerExactEvmScheme(facilitator, { signer, networks: network });
  facilitator.register(network, new UptoEvmScheme(signer));

  const calls = { verify: 0, settle: 0, supported: 0 };
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === "GET" && req.url === "/supported") {
        calls.supported++;
        return send(res, 200, facilitator.getSupported());
      }
      if (req.method === "POST" && (req.url === "/verify" || req.url === "/settle")) {
        const body = await readJson(req);
        if (!body.paymentPayload || !body.paymentRequirements) return send(res, 400, { error: "paymentPayload and paymentRequirements are required" });
        if (req.url === "/verify") {
          calls.verify++;
          const result = await facilitator.verify(body.paymentPayload, body.paymentRequirements);
          log("verify", result);
          return send(res, 200, result);
        }
        calls.settle++;
        const result = await facilitator.settle(body.paymentPayload, body.paymentRequirements);
        log("settle", result);
        return send(res, 200, result);
      }
      send(res, 404, { error: "not found" });
    } catch (e) {
      log("error", String(e && e.stack || e));
      send(res, 500, { error: String(e && e.message || e) });
    }
  });
  server.keepAliveTimeout = 60000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = server.address().port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    calls,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
