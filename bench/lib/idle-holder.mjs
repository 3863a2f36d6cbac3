// Opens COUNT keep-alive connections to 127.0.0.1:PORT, makes one request on each (so each has
// served a request, as a real idle client's has), then holds them all open until SIGTERM.
// Prints "ready N" once every connection has its answer. Usage: node idle-holder.mjs PORT COUNT PATH
import { connect } from "node:net";

const [port, count, path] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] || "/small"];
const sockets = [];
const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

function open() {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    s.setNoDelay(true);
    s.once("error", reject);
    s.once("connect", () => s.write(request));
    s.once("data", () => { s.removeListener("error", reject); s.on("error", () => {}); resolve(s); });
  });
}

for (let done = 0; done < count;) {
  const batch = Math.min(200, count - done);
  sockets.push(...(await Promise.all(Array.from({ length: batch }, open))));
  done += batch;
}
const closed = () => sockets.filter((s) => s.destroyed).length;
console.log(`ready ${sockets.length}`);
process.on("SIGTERM", () => {
  console.log(`closed-by-peer ${closed()}`);
  for (const s of sockets) s.destroy();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
