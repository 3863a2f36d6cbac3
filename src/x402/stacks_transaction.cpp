#include "x402/stacks_transaction.hpp"

#include <algorithm>

#include "x402/byte_reader.hpp"
#include "x402/digest.hpp"

namespace x402gw::x402 {
namespace {

// Field values from SIP-005 (transaction encoding) and SIP-002 (Clarity value encoding).
constexpr uint8_t kMainnetSingleSig = 22, kMainnetMultiSig = 20, kTestnetSingleSig = 26, kTestnetMultiSig = 21;
constexpr int kMaxDepth = 32;   // Clarity's own type nesting limit

std::string u128_decimal(unsigned __int128 v) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return digits;
}

std::string contract_name(ByteReader& r) {
  uint8_t n = r.u8();
  if (n == 0 || n > 128) r.fail();
  return std::string(r.take(n));
}

// A standard principal's version and hash160, as an address.
std::string standard_principal(ByteReader& r) {
  uint8_t version = r.u8();
  if (version >= 32) r.fail();
  auto hash = r.take(20);
  return r.ok() ? stacks_address(version, hash) : std::string();
}

struct SpendingCondition {
  uint8_t hash_mode = 0;
  std::string signer;
  uint64_t nonce = 0;
};

SpendingCondition spending_condition(ByteReader& r) {
  SpendingCondition c;
  c.hash_mode = r.u8();
  c.signer = std::string(r.take(20));
  c.nonce = r.u64be();
  r.u64be();  // fee
  switch (c.hash_mode) {
    case 0x00: case 0x02:                      // single signature: P2PKH, P2WPKH
      if (r.u8() > 1) r.fail();                // public key encoding
      r.take(65);                              // recoverable signature
      break;
    case 0x01: case 0x03: case 0x05: case 0x07: {  // multisig: P2SH, P2WSH and their non-sequential forms
      for (uint64_t i = 0, n = r.count(r.u32be(), 34); i < n && r.ok(); ++i) {
        uint8_t type = r.u8();
        if (type > 3) r.fail();
        r.take(type < 2 ? 33 : 65);            // public key, or signature
      }
      r.u16be();                               // signatures required
      break;
    }
    default: r.fail();
  }
  return c;
}

void asset_info(ByteReader& r) {
  standard_principal(r);
  contract_name(r);
  contract_name(r);  // asset name: a Clarity name, same encoding
}

void clarity_value(ByteReader& r, int depth, StacksValue* out = nullptr);

void post_condition_principal(ByteReader& r) {
  switch (r.u8()) {
    case 0x01: break;                                         // origin
    case 0x02: standard_principal(r); break;                  // standard
    case 0x03: standard_principal(r); contract_name(r); break;  // contract
    default: r.fail();
  }
}

void post_condition(ByteReader& r) {
  switch (r.u8()) {
    case 0x00: post_condition_principal(r); r.u8(); r.u64be(); break;                           // STX
    case 0x01: post_condition_principal(r); asset_info(r); r.u8(); r.u64be(); break;            // fungible token
    case 0x02: post_condition_principal(r); asset_info(r); clarity_value(r, 0); r.u8(); break;  // NFT
    default: r.fail();
  }
}

void clarity_value(ByteReader& r, int depth, StacksValue* out) {
  if (depth > kMaxDepth) return r.fail();
  switch (r.u8()) {
    case 0x00: r.take(16); break;  // int
    case 0x01: {                   // uint
      unsigned __int128 v = r.u64be();
      v = v << 64 | r.u64be();
      if (out && r.ok()) *out = {StacksValue::Kind::uint, u128_decimal(v)};
      break;
    }
    case 0x02: case 0x0d: case 0x0e: r.take(r.u32be()); break;  // buffer, string-ascii, string-utf8
    case 0x03: case 0x04: case 0x09: break;                     // true, false, none
    case 0x05: {                                                // standard principal
      auto p = standard_principal(r);
      if (out && r.ok()) *out = {StacksValue::Kind::principal, std::move(p)};
      break;
    }
    case 0x06: {                                                // contract principal
      auto p = standard_principal(r);
      auto name = contract_name(r);
      if (out && r.ok()) *out = {StacksValue::Kind::principal, p + "." + name};
      break;
    }
    case 0x07: case 0x08: case 0x0a: clarity_value(r, depth + 1); break;  // ok, err, some
    case 0x0b:                                                            // list
      for (uint64_t i = 0, n = r.count(r.u32be(), 1); i < n && r.ok(); ++i) clarity_value(r, depth + 1);
      break;
    case 0x0c:                                                            // tuple
      for (uint64_t i = 0, n = r.count(r.u32be(), 2); i < n && r.ok(); ++i) {
        contract_name(r);  // field name: a Clarity name
        clarity_value(r, depth + 1);
      }
      break;
    default: r.fail();
  }
}

}  // namespace

std::string stacks_address(uint8_t version, std::string_view hash160) {
  // c32check: Crockford-style base32 of hash160 + 4 checksum bytes (double SHA-256 of version and
  // hash), read as one big-endian number, a '0' kept for each leading zero byte; the version is
  // one more c32 digit after the 'S'.
  static constexpr char kC32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string data(hash160);
  data += sha256(sha256(std::string(1, static_cast<char>(version)) + data)).substr(0, 4);
  std::string digits;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = data.size(); i-- > 0;) {
    acc |= static_cast<uint32_t>(static_cast<uint8_t>(data[i])) << bits;
    bits += 8;
    while (bits >= 5) {
      digits += kC32[acc & 31];
      acc >>= 5;
      bits -= 5;
    }
  }
  if (bits > 0) digits += kC32[acc & 31];
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  size_t zero_bytes = 0;
  while (zero_bytes < data.size() && data[zero_bytes] == 0) ++zero_bytes;
  digits.append(zero_bytes, '0');
  std::reverse(digits.begin(), digits.end());
  return std::string("S") + kC32[version & 31] + digits;
}

std::variant<StacksTransaction, std::string> parse_stacks_transaction(std::string_view bytes) {
  ByteReader r(bytes);
  StacksTransaction tx;
  uint8_t version = r.u8();
  if (version != 0x00 && version != 0x80) return std::string("the transaction version is neither mainnet nor testnet");
  tx.mainnet = version == 0x00;
  tx.chain_id = r.u32be();

  uint8_t auth_type = r.u8();
  if (auth_type != 0x04 && auth_type != 0x05) return std::string("the authorization is neither standard nor sponsored");
  tx.sponsored = auth_type == 0x05;
  auto origin = spending_condition(r);
  if (tx.sponsored) spending_condition(r);
  if (!r.ok()) return std::string("the authorization is truncated or malformed");
  bool single = origin.hash_mode == 0x00;
  uint8_t address_version = tx.mainnet ? (single ? kMainnetSingleSig : kMainnetMultiSig)
                                       : (single ? kTestnetSingleSig : kTestnetMultiSig);
  tx.origin = stacks_address(address_version, origin.signer);
  tx.origin_nonce = origin.nonce;

  uint8_t anchor_mode = r.u8();
  if (anchor_mode < 1 || anchor_mode > 3) r.fail();
  uint8_t post_condition_mode = r.u8();
  if (post_condition_mode < 1 || post_condition_mode > 2) r.fail();
  for (uint64_t i = 0, n = r.count(r.u32be(), 2); i < n && r.ok(); ++i) post_condition(r);
  if (!r.ok()) return std::string("the post-conditions are truncated or malformed");

  switch (r.u8()) {
    case 0x00: {  // token transfer: recipient (a principal value), amount, 34-byte memo
      tx.kind = StacksTransaction::Kind::token_transfer;
      StacksValue recipient;
      clarity_value(r, 0, &recipient);
      if (recipient.kind != StacksValue::Kind::principal) r.fail();
      tx.recipient = std::move(recipient.text);
      tx.amount = r.u64be();
      r.take(34);
      break;
    }
    case 0x02: {  // contract call
      tx.kind = StacksTransaction::Kind::contract_call;
      auto address = standard_principal(r);
      tx.contract = address + "." + contract_name(r);
      tx.function = contract_name(r);
      for (uint64_t i = 0, n = r.count(r.u32be(), 1); i < n && r.ok(); ++i) {
        StacksValue arg;
        clarity_value(r, 0, &arg);
        tx.args.push_back(std::move(arg));
      }
      break;
    }
    default:
      if (!r.ok()) break;
      return std::string("the transaction is neither a token transfer nor a contract call");
  }
  if (!r.ok()) return std::string("the transaction payload is truncated or malformed");
  if (!r.at_end()) return std::string("the transaction has bytes after its payload");
  tx.txid = to_hex(sha512_256(bytes));
  return tx;
}

}  // namespace x402gw::x402
