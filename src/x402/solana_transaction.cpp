#include "x402/solana_transaction.hpp"

#include <optional>

#include "x402/byte_reader.hpp"

namespace x402gw::x402 {
namespace {

// Solana's short_vec length: 7 bits a byte, at most 3 bytes, value < 2^16. Like the validator we
// refuse aliases (a redundant zero last byte), so one length has one spelling.
std::optional<uint16_t> compact_u16(ByteReader& r) {
  uint32_t value = 0;
  for (int i = 0; i < 3; ++i) {
    uint8_t b = r.u8();
    if (!r.ok()) return std::nullopt;
    if (i == 2 && b > 0x03) return std::nullopt;  // would overflow 16 bits
    if (i > 0 && b == 0) return std::nullopt;     // alias of a shorter encoding
    value |= uint32_t(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return static_cast<uint16_t>(value);
  }
  return std::nullopt;
}

std::optional<std::vector<uint8_t>> index_list(ByteReader& r) {
  auto n = compact_u16(r);
  if (!n || r.count(*n, 1) != *n) return std::nullopt;
  auto raw = r.take(*n);
  return std::vector<uint8_t>(raw.begin(), raw.end());
}

}  // namespace

std::variant<SolanaTransaction, std::string> parse_solana_transaction(std::string_view bytes) {
  ByteReader r(bytes);
  SolanaTransaction tx;
  auto signatures = compact_u16(r);
  if (!signatures) return std::string("the signature count is truncated or not a canonical compact-u16");
  if (*signatures == 0) return std::string("the transaction has no signature slots");
  if (r.count(*signatures, 64) != *signatures) return std::string("the transaction is shorter than its signatures");
  tx.signature_count = *signatures;
  r.take(size_t{64} * *signatures);

  size_t message_start = r.offset();
  uint8_t first = r.u8();
  uint8_t required_signatures = first;
  if (first & 0x80) {
    // Versioned message: the high bit flags it, the low bits are the version. Only v0 exists.
    tx.version = first & 0x7f;
    if (tx.version != 0) return "the message has version " + std::to_string(tx.version) + ", only legacy and v0 exist";
    required_signatures = r.u8();
  }
  r.u8();  // read-only signed accounts
  r.u8();  // read-only unsigned accounts
  if (!r.ok()) return std::string("the message header is truncated");
  if (required_signatures != tx.signature_count)
    return "the message requires " + std::to_string(required_signatures) + " signatures but the transaction has " +
           std::to_string(tx.signature_count) + " slots";

  auto keys = compact_u16(r);
  if (!keys || r.count(*keys, 32) != *keys) return std::string("the account keys are truncated");
  if (*keys < required_signatures) return std::string("the message has fewer account keys than signers");
  for (unsigned i = 0; i < *keys; ++i) tx.account_keys.emplace_back(r.take(32));
  r.take(32);  // recent blockhash
  if (!r.ok()) return std::string("the recent blockhash is truncated");

  auto instructions = compact_u16(r);
  if (!instructions || r.count(*instructions, 3) != *instructions) return std::string("the instructions are truncated");
  for (unsigned i = 0; i < *instructions; ++i) {
    SolanaInstruction ix;
    ix.program_index = r.u8();
    auto accounts = index_list(r);
    auto data_size = accounts ? compact_u16(r) : std::nullopt;
    if (!data_size) return "instruction " + std::to_string(i) + " is truncated";
    ix.accounts = std::move(*accounts);
    auto data = r.take(*data_size);
    if (!r.ok()) return "instruction " + std::to_string(i) + " is truncated";
    ix.data = std::string(data);
    tx.instructions.push_back(std::move(ix));
  }

  if (tx.version == 0) {
    auto lookups = compact_u16(r);
    if (!lookups || r.count(*lookups, 34) != *lookups) return std::string("the address table lookups are truncated");
    for (unsigned i = 0; i < *lookups; ++i) {
      r.take(32);
      if (!index_list(r) || !index_list(r)) return std::string("the address table lookups are truncated");
    }
  }
  if (!r.ok()) return std::string("the message is truncated");
  if (!r.at_end()) return std::string("the transaction has bytes after its message");
  tx.message = std::string(bytes.substr(message_start));
  return tx;
}

}  // namespace x402gw::x402
