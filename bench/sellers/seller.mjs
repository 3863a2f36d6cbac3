// Runs one reference seller as its own process so that it can be pinned like the gateway.
// Usage: node bench/sellers/seller.mjs v1|v2 PORT FACILITATOR_URL PAY_TO PATH BODY_FILE
import { readFileSync } from "node:fs";
import { startReferenceSeller } from "../../packaging/localstack/lib/reference-seller.mjs";
import { startReferenceSellerV1 } from "../../packaging/localstack/lib/reference-seller-v1.mjs";

const [version, port, facilitatorUrl, payTo, path, bodyFile] = process.argv.slice(2);
const body = readFileSync(bodyFile, "utf8");
const start = version === "v1" ? startReferenceSellerV1 : startReferenceSeller;
const seller = await start({ facilitatorUrl, payTo, port: Number(port), path, body });
console.log(`listening ${seller.url}`);
process.on("SIGTERM", async () => { await seller.close(); process.exit(0); });
