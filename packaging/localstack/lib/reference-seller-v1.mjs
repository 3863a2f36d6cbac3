// The v1 reference seller (x402-express) selling GET `path`, for side-by-side measurements
// against the gateway with the same facilitator.
import express from "express";
import { paymentMiddleware } from "x402-express";

/**
 * Starts the seller on 127.0.0.1:`port` (0: any). `facilitatorUrl` is the facilitator's base URL
 * (it calls `${facilitatorUrl}/verify` and `/settle`); the answer is `body`, a JSON text.
 */
export async function startReferenceSellerV1({ facilitatorUrl, payTo, price = "$0.01", network = "base-sepolia", port = 0,
                                               path = "/api/weather", body }) {
  const app = express();
  const served = { count: 0 };
  app.use(paymentMiddleware(payTo, { [`GET ${path}`]: { price, network, config: { description: "Current weather", mimeType: "application/json" } } },
                            { url: facilitatorUrl }));
  app.get(path, (req, res) => {
    served.count++;
    res.type("application/json").send(body);
  });
  const server = await new Promise((resolve) => { const s = app.listen(port, "127.0.0.1", () => resolve(s)); });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    served,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
