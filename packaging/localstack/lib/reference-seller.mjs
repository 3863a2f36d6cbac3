// The v2 reference seller (@x402/express on express 5) selling the same demo answers, for
// side-by-side measurements against the gateway on the same stack.
import express from "express";
import { paymentMiddlewareFromConfig } from "@x402/express";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";

/**
 * Starts the seller on 127.0.0.1:`port` (0: any) with GET `path` at `price`. It answers with the
 * demo weather document, or with `body` (a JSON text) when given.
 */
export async function startReferenceSeller({ facilitatorUrl, payTo, price = "$0.01", network = "eip155:84532", port = 0,
                                             path = "/api/weather", body = null }) {
  const app = express();
  const served = { weather: 0 };
  app.use(paymentMiddlewareFromConfig(
    { [`GET ${path}`]: { accepts: { scheme: "exact", price, network, payTo }, description: "Current weather", mimeType: "application/json" } },
    new HTTPFacilitatorClient({ url: facilitatorUrl }),
    [{ network, server: new ExactEvmScheme() }],
  ));
  app.get(path, (req, res) => {
    served.weather++;
    if (body !== null) return res.type("application/json").send(body);
    res.json({ city: req.query.city || "Lisbon", temperature_c: 21, conditions: "sunny" });
  });
  const server = await new Promise((resolve) => { const s = app.listen(port, "127.0.0.1", () => resolve(s)); });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    served,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
