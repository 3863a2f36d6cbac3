#include "chain/transfer_check.hpp"

#include <array>

namespace x402gw::chain {
namespace {

// keccak256("Transfer(address,address,uint256)"): the ERC-20 Transfer event.
constexpr std::string_view kTransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

using U256 = std::array<uint8_t, 32>;  // big-endian

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_hex(std::string_view s, size_t digits) {
  if (s.size() != digits + 2 || s[0] != '0' || s[1] != 'x') return false;
  for (size_t i = 2; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

int nibble(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

std::optional<U256> u256_from_hex(std::string_view word) {  // 0x + 64 hex, lowercase
  if (!is_hex(word, 64)) return std::nullopt;
  U256 v{};
  for (size_t i = 0; i < 32; ++i) v[i] = static_cast<uint8_t>(nibble(word[2 + 2 * i]) * 16 + nibble(word[3 + 2 * i]));
  return v;
}

std::optional<U256> u256_from_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  U256 v{};
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (size_t i = 32; i-- > 0;) {
      unsigned x = v[i] * 10u + carry;
      v[i] = static_cast<uint8_t>(x & 0xff);
      carry = x >> 8;
    }
    if (carry) return std::nullopt;  // beyond 2^256
  }
  return v;
}

std::string u256_to_decimal(U256 v) {
  std::string digits;
  bool zero = false;
  while (!zero) {
    unsigned rem = 0;
    zero = true;
    for (auto& b : v) {
      unsigned x = rem * 256u + b;
      b = static_cast<uint8_t>(x / 10);
      rem = x % 10;
      if (b) zero = false;
    }
    digits.insert(digits.begin(), static_cast<char>('0' + rem));
  }
  return digits;
}

// a += b, saturating at 2^256 - 1 (a sum no real token reaches).
void add_saturating(U256& a, const U256& b) {
  unsigned carry = 0;
  for (size_t i = 32; i-- > 0;) {
    unsigned x = a[i] + b[i] + carry;
    a[i] = static_cast<uint8_t>(x & 0xff);
    carry = x >> 8;
  }
  if (carry) a.fill(0xff);
}

// a - b, or zero when b >= a.
U256 minus_or_zero(U256 a, const U256& b) {
  if (b >= a) return U256{};
  unsigned borrow = 0;
  for (size_t i = 32; i-- > 0;) {
    int x = int{a[i]} - int{b[i]} - static_cast<int>(borrow);
    borrow = x < 0;
    a[i] = static_cast<uint8_t>(x < 0 ? x + 256 : x);
  }
  return a;
}

// The address in a 32-byte topic (left-padded with zeros), or "" when the padding is not zero.
std::string topic_address(std::string_view topic) {
  if (!is_hex(topic, 64) || topic.substr(2, 24) != std::string(24, '0')) return {};
  return "0x" + std::string(topic.substr(26));
}

ProofVerdict refuse(ProofRefusal refusal, std::string message) { return {refusal, std::move(message), {}, {}}; }

// What `pay_to` kept of `token` in the transaction: what its Transfers brought in less what they
// took out. A transfer pay_to made to itself nets zero; one sent straight back (a round trip through
// pay_to, which a contract holding its allowance could make) takes away what came in.
U256 net_received(const EvmReceipt& receipt, const std::string& token, const std::string& pay_to) {
  U256 in{}, out{};
  for (const auto& log : receipt.logs) {
    if (log.address != token || log.topics.size() != 3 || log.topics[0] != kTransferTopic) continue;
    auto value = u256_from_hex(log.data);
    if (!value) continue;
    if (topic_address(log.topics[2]) == pay_to) add_saturating(in, *value);
    if (topic_address(log.topics[1]) == pay_to) add_saturating(out, *value);
  }
  return minus_or_zero(in, out);
}

}  // namespace

std::optional<uint64_t> parse_quantity(const nlohmann::json& value) {
  if (!value.is_string()) return std::nullopt;
  std::string s = lower(value.get<std::string>());
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || s[1] != 'x') return std::nullopt;
  uint64_t n = 0;
  for (size_t i = 2; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    n = n * 16 + static_cast<uint64_t>(nibble(c));
  }
  return n;
}

std::variant<std::nullopt_t, EvmReceipt, std::string> parse_receipt(const nlohmann::json& result) {
  if (result.is_null()) return std::nullopt;
  if (!result.is_object()) return std::string("the receipt is not an object");
  EvmReceipt r;
  if (auto hash = result.find("transactionHash"); hash != result.end() && hash->is_string()) r.transaction_hash = lower(hash->get<std::string>());
  auto status = result.find("status");
  if (status == result.end()) return std::string("the receipt has no status (a pre-Byzantium chain?)");
  auto s = parse_quantity(*status);
  if (!s || *s > 1) return std::string("the receipt's status is not 0x0 or 0x1");
  r.succeeded = *s == 1;
  auto block = result.find("blockNumber");
  auto number = block == result.end() ? std::nullopt : parse_quantity(*block);
  if (!number) return std::string("the receipt has no block number");
  r.block_number = *number;
  auto logs = result.find("logs");
  if (logs == result.end() || !logs->is_array()) return std::string("the receipt has no logs array");
  for (const auto& l : *logs) {
    if (!l.is_object()) return std::string("a log is not an object");
    EvmLog log;
    auto address = l.find("address");
    auto topics = l.find("topics");
    auto data = l.find("data");
    if (address == l.end() || !address->is_string() || topics == l.end() || !topics->is_array() || data == l.end() ||
        !data->is_string())
      return std::string("a log lacks address, topics or data");
    log.address = lower(address->get<std::string>());
    for (const auto& t : *topics) {
      if (!t.is_string()) return std::string("a log topic is not a string");
      log.topics.push_back(lower(t.get<std::string>()));
    }
    log.data = lower(data->get<std::string>());
    r.logs.push_back(std::move(log));
  }
  return r;
}

std::string_view refusal_code(ProofRefusal refusal) {
  switch (refusal) {
    case ProofRefusal::none: return "";
    case ProofRefusal::not_found: return "proof_not_found";
    case ProofRefusal::reverted: return "proof_reverted";
    case ProofRefusal::too_small: return "proof_amount_too_small";
    case ProofRefusal::wrong_token: return "proof_wrong_token";
    case ProofRefusal::wrong_recipient: return "proof_wrong_recipient";
    case ProofRefusal::not_confirmed: return "proof_not_confirmed";
    case ProofRefusal::too_old: return "proof_too_old";
  }
  return "proof_invalid";
}

bool holds_for_every_route(ProofRefusal refusal) {
  return refusal == ProofRefusal::reverted || refusal == ProofRefusal::too_old;
}

ProofVerdict check_transfer(const std::optional<EvmReceipt>& receipt, const ExpectedTransfer& expected,
                            const ProofPolicy& policy, uint64_t head, uint64_t block_timestamp, uint64_t now) {
  const std::vector<ExpectedTransfer> one = {expected};
  return check_transfer(receipt, one, policy, head, block_timestamp, now);
}

ProofVerdict check_transfer(const std::optional<EvmReceipt>& receipt, const std::vector<ExpectedTransfer>& expected,
                            const ProofPolicy& policy, uint64_t head, uint64_t block_timestamp, uint64_t now) {
  if (!receipt) return refuse(ProofRefusal::not_found, "no receipt for this transaction (not mined yet, or unknown)");
  if (!receipt->succeeded) return refuse(ProofRefusal::reverted, "the transaction reverted");
  // Too old holds for every route: found before what this route asks, so that it may be remembered.
  if (policy.max_age_seconds > 0 && now > block_timestamp && now - block_timestamp > policy.max_age_seconds)
    return refuse(ProofRefusal::too_old, "the transaction is " + std::to_string(now - block_timestamp) +
                                             " s old; at most " + std::to_string(policy.max_age_seconds) + " s is accepted");

  // The nearest miss over every expected transfer: too small, then wrong recipient, then wrong token.
  ProofRefusal best = ProofRefusal::wrong_token;
  std::string why = "the transaction has no ERC-20 Transfer";
  ProofVerdict accepted;
  auto rank = [](ProofRefusal r) { return r == ProofRefusal::too_small ? 2 : r == ProofRefusal::wrong_recipient ? 1 : 0; };
  for (size_t i = 0; i < expected.size() && best != ProofRefusal::none; ++i) {
    const std::string token = lower(expected[i].token);
    const std::string pay_to = lower(expected[i].pay_to);
    auto min = u256_from_decimal(expected[i].min_amount);
    if (!min) continue;  // not an atomic amount: the configuration loader never lets one through
    const U256 kept = net_received(*receipt, token, pay_to);
    for (const auto& log : receipt->logs) {
      if (log.topics.size() != 3 || log.topics[0] != kTransferTopic) continue;
      auto value = u256_from_hex(log.data);
      std::string to = topic_address(log.topics[2]);
      if (!value || to.empty()) continue;
      if (log.address != token) {
        if (best == ProofRefusal::wrong_token) why = "the Transfer is of token " + log.address + ", not " + token;
        continue;
      }
      if (to != pay_to) {
        if (rank(best) < rank(ProofRefusal::wrong_recipient)) {
          best = ProofRefusal::wrong_recipient;
          why = "the Transfer goes to " + to + ", not " + pay_to;
        }
        continue;
      }
      if (*value < *min) {  // big-endian arrays compare as numbers
        if (rank(best) < rank(ProofRefusal::too_small) || best == ProofRefusal::too_small) {
          best = ProofRefusal::too_small;
          why = "the Transfer moves " + u256_to_decimal(*value) + " atomic units; the price is " + expected[i].min_amount;
        }
        continue;
      }
      if (kept < *min) {  // pay_to sent (some of) it back in the same transaction, or paid itself
        best = ProofRefusal::too_small;
        why = "pay_to kept " + u256_to_decimal(kept) + " atomic units of this transaction (net of what it sent out); the price is " +
              expected[i].min_amount;
        continue;
      }
      accepted = {ProofRefusal::none, {}, topic_address(log.topics[1]), u256_to_decimal(*value), i};
      best = ProofRefusal::none;
      break;
    }
  }
  if (best != ProofRefusal::none) return refuse(best, why);

  uint64_t confirmations = head >= receipt->block_number ? head - receipt->block_number + 1 : 0;
  if (confirmations < policy.confirmations)
    return refuse(ProofRefusal::not_confirmed, std::to_string(confirmations) + " confirmations of " +
                                                   std::to_string(policy.confirmations) + " needed");
  return accepted;
}

}  // namespace x402gw::chain
