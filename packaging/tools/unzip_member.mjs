// Extracts one member of a zip archive: node unzip_member.mjs <archive.zip> <member> <out-file>.
// For packaging/tools/helm.sh, so that no unzip package is needed. Reads the central directory
// (authoritative sizes, even when the local header defers them to a data descriptor); supports the
// two methods zip tools write, stored (0) and deflate (8), and checks the CRC-32.
import fs from "node:fs";
import zlib from "node:zlib";

const [archive, member, out] = process.argv.slice(2);
if (!archive || !member || !out) {
  console.error("usage: node unzip_member.mjs <archive.zip> <member> <out-file>");
  process.exit(2);
}
const zip = fs.readFileSync(archive);
const fail = (why) => { console.error(`unzip_member: ${archive}: ${why}`); process.exit(1); };

// End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
let eocd = -1;
for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
  if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
}
if (eocd < 0) fail("no end of central directory (not a zip?)");
const entries = zip.readUInt16LE(eocd + 10);
let p = zip.readUInt32LE(eocd + 16);
for (let n = 0; n < entries; n++) {
  if (zip.readUInt32LE(p) !== 0x02014b50) fail("bad central directory entry");
  const method = zip.readUInt16LE(p + 10), crc = zip.readUInt32LE(p + 16);
  const compressed = zip.readUInt32LE(p + 20), size = zip.readUInt32LE(p + 24);
  const nameLen = zip.readUInt16LE(p + 28), extraLen = zip.readUInt16LE(p + 30), commentLen = zip.readUInt16LE(p + 32);
  const local = zip.readUInt32LE(p + 42);
  const name = zip.toString("utf8", p + 46, p + 46 + nameLen);
  p += 46 + nameLen + extraLen + commentLen;
  if (name !== member) continue;
  if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff) fail(`${member}: zip64 is not supported`);
  if (zip.readUInt32LE(local) !== 0x04034b50) fail(`${member}: bad local header`);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const raw = zip.subarray(start, start + compressed);
  const data = method === 0 ? raw : method === 8 ? zlib.inflateRawSync(raw) : fail(`${member}: compression method ${method}`);
  if (data.length !== size) fail(`${member}: ${data.length} bytes, expected ${size}`);
  if (zlib.crc32 && zlib.crc32(data) !== crc) fail(`${member}: CRC mismatch`);
  fs.writeFileSync(out, data);
  process.exit(0);
}
fail(`no member ${member}`);
