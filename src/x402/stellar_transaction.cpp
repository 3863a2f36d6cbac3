#include "x402/stellar_transaction.hpp"

#include <optional>

#include "x402/byte_reader.hpp"

namespace x402gw::x402 {
namespace {

// Union arms and limits from Stellar's XDR definitions (Stellar-transaction.x, Stellar-contract.x,
// Stellar-ledger-entries.x). An arm this reader does not know makes the input malformed: a
// payment of the x402 `exact` scheme uses none of the newer ones.
constexpr uint32_t kEnvelopeTypeTx = 2;
constexpr uint32_t kInvokeHostFunction = 24;
constexpr int kMaxDepth = 64;   // nesting of SCVal and invocation trees; real payments use 3

// Reads Stellar XDR, big-endian and 4-byte aligned; everything fails the reader on bad input.
class XdrReader {
 public:
  explicit XdrReader(std::string_view bytes) : r_(bytes) {}
  ByteReader& raw() { return r_; }
  bool ok() const { return r_.ok(); }

  uint32_t u32() { return r_.u32be(); }
  int64_t i64() { return static_cast<int64_t>(r_.u64be()); }
  uint64_t u64() { return r_.u64be(); }
  std::string_view fixed(size_t n) { return r_.take(n); }
  bool boolean() {
    uint32_t v = u32();
    if (v > 1) r_.fail();
    return v == 1;
  }
  /// Variable-length opaque or string of at most `max` bytes; its padding must be zeros, so that
  /// one value has one encoding.
  std::string_view var(uint32_t max) {
    uint32_t n = u32();
    if (n > max) r_.fail();
    auto data = r_.take(n);
    for (char pad : r_.take((4 - n % 4) % 4))
      if (pad != 0) r_.fail();
    return data;
  }
  /// An array count whose elements take at least `min_size` bytes each, at most `max` of them.
  uint32_t count(uint32_t max, size_t min_size) {
    uint32_t n = u32();
    if (n > max) r_.fail();
    return static_cast<uint32_t>(r_.count(n, min_size));
  }
  void fail() { r_.fail(); }

 private:
  ByteReader r_;
};

constexpr uint32_t kUnbounded = 0xffffffffu;

void account_id(XdrReader& x) {
  if (x.u32() != 0) x.fail();  // PUBLIC_KEY_TYPE_ED25519 is the only key type
  x.fixed(32);
}

void muxed_account(XdrReader& x) {
  switch (x.u32()) {
    case 0x000: x.fixed(32); break;            // KEY_TYPE_ED25519
    case 0x100: x.u64(); x.fixed(32); break;   // KEY_TYPE_MUXED_ED25519
    default: x.fail();
  }
}

void signer_key(XdrReader& x) {
  switch (x.u32()) {
    case 0: case 1: case 2: x.fixed(32); break;    // ed25519, pre-auth tx, hash(x)
    case 3: x.fixed(32); x.var(64); break;         // ed25519 signed payload
    default: x.fail();
  }
}

void preconditions(XdrReader& x) {
  switch (x.u32()) {
    case 0: break;                                  // PRECOND_NONE
    case 1: x.u64(); x.u64(); break;                // PRECOND_TIME
    case 2:                                         // PRECOND_V2
      if (x.boolean()) { x.u64(); x.u64(); }        // timeBounds
      if (x.boolean()) { x.u32(); x.u32(); }        // ledgerBounds
      if (x.boolean()) x.i64();                     // minSeqNum
      x.u64();                                      // minSeqAge
      x.u32();                                      // minSeqLedgerGap
      for (uint32_t i = 0, n = x.count(2, 4); i < n && x.ok(); ++i) signer_key(x);
      break;
    default: x.fail();
  }
}

void memo(XdrReader& x) {
  switch (x.u32()) {
    case 0: break;                          // MEMO_NONE
    case 1: x.var(28); break;               // MEMO_TEXT
    case 2: x.u64(); break;                 // MEMO_ID
    case 3: case 4: x.fixed(32); break;     // MEMO_HASH, MEMO_RETURN
    default: x.fail();
  }
}

std::string big_endian_u64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}

// SCAddress, rendered as the strkey people and SDKs write.
std::string sc_address(XdrReader& x) {
  switch (x.u32()) {
    case 0: {                                            // SC_ADDRESS_TYPE_ACCOUNT
      if (x.u32() != 0) x.fail();
      auto key = x.fixed(32);
      return x.ok() ? stellar_strkey('G', key) : std::string();
    }
    case 1: {                                            // SC_ADDRESS_TYPE_CONTRACT
      auto id = x.fixed(32);
      return x.ok() ? stellar_strkey('C', id) : std::string();
    }
    case 2: {                                            // SC_ADDRESS_TYPE_MUXED_ACCOUNT
      uint64_t id = x.u64();
      auto key = x.fixed(32);
      return x.ok() ? stellar_strkey('M', std::string(key) + big_endian_u64(id)) : std::string();
    }
    case 3: {                                            // SC_ADDRESS_TYPE_CLAIMABLE_BALANCE
      if (x.u32() != 0) x.fail();
      auto id = x.fixed(32);
      return x.ok() ? stellar_strkey('B', std::string(1, '\0') + std::string(id)) : std::string();
    }
    case 4: {                                            // SC_ADDRESS_TYPE_LIQUIDITY_POOL
      auto id = x.fixed(32);
      return x.ok() ? stellar_strkey('L', id) : std::string();
    }
    default: x.fail(); return {};
  }
}

std::string i128_decimal(int64_t hi, uint64_t lo) {
  __int128 v = (static_cast<__int128>(hi) << 64) | lo;
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  return negative ? "-" + digits : digits;
}

void sc_map(XdrReader& x, int depth);

// One SCVal; `out`, if given, learns what a transfer argument needs of it.
void sc_val(XdrReader& x, int depth, StellarArgument* out = nullptr) {
  if (depth > kMaxDepth) return x.fail();
  switch (x.u32()) {
    case 0: x.boolean(); break;                                   // SCV_BOOL
    case 1: case 20: break;                                       // SCV_VOID, LEDGER_KEY_CONTRACT_INSTANCE
    case 2: if (x.u32() > 9) x.fail(); x.u32(); break;            // SCV_ERROR: type, code
    case 3: case 4: x.u32(); break;                               // U32, I32
    case 5: case 6: case 7: case 8: case 21: x.u64(); break;      // U64, I64, TIMEPOINT, DURATION, LEDGER_KEY_NONCE
    case 9: x.fixed(16); break;                                   // U128
    case 10: {                                                    // I128
      int64_t hi = x.i64();
      uint64_t lo = x.u64();
      if (out && x.ok()) *out = {StellarArgument::Kind::i128, i128_decimal(hi, lo)};
      break;
    }
    case 11: case 12: x.fixed(32); break;                         // U256, I256
    case 13: case 14: case 15: x.var(kUnbounded); break;          // BYTES, STRING, SYMBOL
    case 16:                                                      // SCV_VEC (optional)
      if (x.boolean())
        for (uint32_t i = 0, n = x.count(kUnbounded, 4); i < n && x.ok(); ++i) sc_val(x, depth + 1);
      break;
    case 17: if (x.boolean()) sc_map(x, depth + 1); break;        // SCV_MAP (optional)
    case 18: {                                                    // SCV_ADDRESS
      auto address = sc_address(x);
      if (out && x.ok()) *out = {StellarArgument::Kind::address, std::move(address)};
      break;
    }
    case 19:                                                      // SCV_CONTRACT_INSTANCE
      switch (x.u32()) {
        case 0: x.fixed(32); break;                               // wasm hash
        case 1: break;                                            // stellar asset
        default: x.fail();
      }
      if (x.boolean()) sc_map(x, depth + 1);
      break;
    default: x.fail();
  }
}

void sc_map(XdrReader& x, int depth) {
  for (uint32_t i = 0, n = x.count(kUnbounded, 8); i < n && x.ok(); ++i) {
    sc_val(x, depth + 1);
    sc_val(x, depth + 1);
  }
}

struct ContractInvocation {
  std::string contract;
  std::string function;
  std::vector<StellarArgument> args;
};

ContractInvocation invoke_contract_args(XdrReader& x, int depth) {
  ContractInvocation call;
  call.contract = sc_address(x);
  call.function = std::string(x.var(32));
  for (uint32_t i = 0, n = x.count(kUnbounded, 4); i < n && x.ok(); ++i) {
    StellarArgument arg;
    sc_val(x, depth + 1, &arg);
    call.args.push_back(std::move(arg));
  }
  return call;
}

// A SorobanAuthorizedInvocation tree. Only contract calls: x402 authorizes a transfer, never the
// creation of a contract.
void authorized_invocation(XdrReader& x, int depth) {
  if (depth > kMaxDepth) return x.fail();
  if (x.u32() != 0) return x.fail();  // SOROBAN_AUTHORIZED_FUNCTION_TYPE_CONTRACT_FN
  invoke_contract_args(x, depth);
  for (uint32_t i = 0, n = x.count(kUnbounded, 4); i < n && x.ok(); ++i) authorized_invocation(x, depth + 1);
}

void authorization_entry(XdrReader& x, StellarContractCall& call) {
  switch (x.u32()) {
    case 0: ++call.source_account_authorizations; break;   // SOROBAN_CREDENTIALS_SOURCE_ACCOUNT
    case 1: {                                              // SOROBAN_CREDENTIALS_ADDRESS
      StellarAddressAuthorization auth;
      auth.address = sc_address(x);
      auth.nonce = x.i64();
      auth.expiration_ledger = x.u32();
      sc_val(x, 0);  // the signature
      if (x.ok()) call.address_authorizations.push_back(std::move(auth));
      break;
    }
    default: return x.fail();
  }
  authorized_invocation(x, 0);
}

void trustline_asset(XdrReader& x) {
  switch (x.u32()) {
    case 0: break;                                  // native
    case 1: x.fixed(4); account_id(x); break;       // alphanum4
    case 2: x.fixed(12); account_id(x); break;      // alphanum12
    case 3: x.fixed(32); break;                     // pool share
    default: x.fail();
  }
}

void ledger_key(XdrReader& x) {
  switch (x.u32()) {
    case 0: account_id(x); break;                                         // ACCOUNT
    case 1: account_id(x); trustline_asset(x); break;                     // TRUSTLINE
    case 2: account_id(x); x.i64(); break;                                // OFFER
    case 3: account_id(x); x.var(64); break;                              // DATA
    case 4: if (x.u32() != 0) x.fail(); x.fixed(32); break;               // CLAIMABLE_BALANCE
    case 5: case 7: case 9: x.fixed(32); break;                           // LIQUIDITY_POOL, CONTRACT_CODE, TTL
    case 6: sc_address(x); sc_val(x, 0); if (x.u32() > 1) x.fail(); break;  // CONTRACT_DATA
    case 8: x.u32(); break;                                               // CONFIG_SETTING
    default: x.fail();
  }
}

void soroban_transaction_data(XdrReader& x) {
  switch (x.u32()) {
    case 0: break;
    case 1: for (uint32_t i = 0, n = x.count(kUnbounded, 4); i < n && x.ok(); ++i) x.u32(); break;  // archived entries
    default: x.fail();
  }
  for (int list = 0; list < 2; ++list)  // footprint: read-only, read-write
    for (uint32_t i = 0, n = x.count(kUnbounded, 4); i < n && x.ok(); ++i) ledger_key(x);
  x.u32();  // instructions
  x.u32();  // disk read bytes
  x.u32();  // write bytes
  x.i64();  // resource fee
}

std::string malformed(XdrReader& x, const char* where) {
  return std::string("the transaction XDR is truncated or malformed (") + where + ", byte " +
         std::to_string(x.raw().offset()) + ")";
}

}  // namespace

std::string stellar_strkey(char kind, std::string_view payload) {
  // SEP-23: base32 (RFC 4648, unpadded) of version byte, payload and CRC16-XModem (little-endian).
  uint8_t version = 0;
  switch (kind) {
    case 'G': version = 6 << 3; break;
    case 'C': version = 2 << 3; break;
    case 'M': version = 12 << 3; break;
    case 'B': version = 1 << 3; break;
    case 'L': version = 11 << 3; break;
    default: return {};
  }
  std::string data(1, static_cast<char>(version));
  data += payload;
  uint16_t crc = 0;
  for (unsigned char c : data) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? static_cast<uint16_t>(crc << 1 ^ 0x1021) : static_cast<uint16_t>(crc << 1);
  }
  data += static_cast<char>(crc & 0xff);
  data += static_cast<char>(crc >> 8);
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : data) {
    acc = acc << 8 | c;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kBase32[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += kBase32[(acc << (5 - bits)) & 31];
  return out;
}

std::variant<StellarContractCall, std::string> parse_stellar_contract_call(std::string_view envelope_xdr) {
  XdrReader x(envelope_xdr);
  uint32_t envelope_type = x.u32();
  if (!x.ok()) return malformed(x, "envelope type");
  if (envelope_type != kEnvelopeTypeTx)
    return "the envelope is of type " + std::to_string(envelope_type) + ", not a v1 transaction (ENVELOPE_TYPE_TX)";

  muxed_account(x);  // source account
  x.u32();           // fee
  x.i64();           // sequence number
  preconditions(x);
  memo(x);
  if (!x.ok()) return malformed(x, "transaction header");

  uint32_t operations = x.count(100, 8);
  if (!x.ok()) return malformed(x, "operation count");
  if (operations != 1) return "the transaction has " + std::to_string(operations) + " operations, not exactly one";
  if (x.boolean()) muxed_account(x);  // operation source account
  uint32_t op_type = x.u32();
  if (!x.ok()) return malformed(x, "operation");
  if (op_type != kInvokeHostFunction) return "the operation is of type " + std::to_string(op_type) + ", not invokeHostFunction";
  uint32_t host_function = x.u32();
  if (!x.ok()) return malformed(x, "host function");
  if (host_function != 0) return std::string("the host function does not invoke a contract");

  StellarContractCall call;
  auto invocation = invoke_contract_args(x, 0);
  if (!x.ok()) return malformed(x, "contract call");
  call.contract = std::move(invocation.contract);
  call.function = std::move(invocation.function);
  call.args = std::move(invocation.args);
  for (uint32_t i = 0, n = x.count(kUnbounded, 8); i < n && x.ok(); ++i) authorization_entry(x, call);
  if (!x.ok()) return malformed(x, "authorization entries");

  switch (x.u32()) {  // transaction ext
    case 0: break;
    case 1: soroban_transaction_data(x); break;
    default: x.fail();
  }
  if (!x.ok()) return malformed(x, "soroban data");
  for (uint32_t i = 0, n = x.count(20, 8); i < n && x.ok(); ++i) {
    x.fixed(4);  // hint
    x.var(64);   // signature
  }
  if (!x.ok()) return malformed(x, "signatures");
  if (!x.raw().at_end()) return std::string("the transaction XDR has bytes after its signatures");
  return call;
}

}  // namespace x402gw::x402
