#include "chain/permit2_evidence.hpp"

#include <cstdio>

namespace x402gw::chain {
namespace {

// keccak256 selectors and topics (checked against viem in tests/unit/chain/permit2_evidence_test.cpp).
constexpr std::string_view kNonceBitmapSelector = "0x4fe02b44";  // nonceBitmap(address,uint256)
constexpr std::string_view kSettleSelector = "0xff11e7b4";       // settle(((address,uint256),uint256,uint256),uint256,address,(address,address,uint256),bytes)
constexpr std::string_view kSettleWithPermitSelector = "0x016c1748";  // settleWithPermit((uint256,uint256,bytes32,bytes32,uint8),...)
constexpr std::string_view kTransferTopic = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<std::string> address(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  std::string s = lower(it->get<std::string>());
  if (s.size() != 42 || s.compare(0, 2, "0x") != 0 || !is_hex(std::string_view(s).substr(2))) return std::nullopt;
  return s;
}

std::string word_of_address(std::string_view a) { return std::string(24, '0') + std::string(a.substr(2)); }

// A decimal amount as a 64-hex word, for comparing with ABI words.
std::optional<std::string> amount_word(std::string_view decimal) {
  auto hex = uint256_hex(decimal);
  if (!hex) return std::nullopt;
  return hex->substr(2);
}

}  // namespace

std::optional<std::string> uint256_hex(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 78) return std::nullopt;
  std::string digits(decimal);
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  // Repeated division by 16 of the decimal digit string.
  std::string hex;
  while (!(digits.size() == 1 && digits[0] == '0') && !digits.empty()) {
    std::string quotient;
    unsigned rest = 0;
    for (char c : digits) {
      rest = rest * 10 + static_cast<unsigned>(c - '0');
      if (!quotient.empty() || rest / 16) quotient.push_back(static_cast<char>('0' + rest / 16));
      rest %= 16;
    }
    hex.insert(hex.begin(), "0123456789abcdef"[rest]);
    digits = quotient.empty() ? "0" : quotient;
  }
  if (hex.size() > 64) return std::nullopt;
  return "0x" + std::string(64 - hex.size(), '0') + hex;
}

std::optional<Permit2Payment> permit2_of_settle_body(const nlohmann::json& body) {
  if (!body.is_object()) return std::nullopt;
  auto payload = body.find("paymentPayload");
  auto requirements = body.find("paymentRequirements");
  if (payload == body.end() || requirements == body.end() || !payload->is_object() || !requirements->is_object()) return std::nullopt;
  if (requirements->value("scheme", std::string()) != "upto") return std::nullopt;
  auto inner = payload->find("payload");
  if (inner == payload->end() || !inner->is_object()) return std::nullopt;
  auto auth = inner->find("permit2Authorization");
  if (auth == inner->end() || !auth->is_object()) return std::nullopt;
  auto owner = address(*auth, "from");
  auto token = address(*requirements, "asset");
  auto pay_to = address(*requirements, "payTo");
  auto nonce = auth->contains("nonce") && (*auth)["nonce"].is_string() ? uint256_hex((*auth)["nonce"].get<std::string>()) : std::nullopt;
  auto amount = requirements->find("amount");
  if (!owner || !token || !pay_to || !nonce || amount == requirements->end() || !amount->is_string() || !amount_word(amount->get<std::string>()))
    return std::nullopt;
  return Permit2Payment{*token, *owner, *nonce, *pay_to, amount->get<std::string>()};
}

nlohmann::json nonce_bitmap_params(const Permit2Payment& p) {
  // wordPos = nonce >> 8: the nonce's 64 hex digits without the last two, shifted right.
  const std::string word_pos = "00" + p.nonce.substr(2, 62);
  const std::string data = std::string(kNonceBitmapSelector) + word_of_address(p.owner) + word_pos;
  return nlohmann::json::array({{{"to", std::string(kPermit2)}, {"data", data}}, "latest"});
}

std::optional<bool> nonce_used(const nlohmann::json& result, const Permit2Payment& p) {
  if (!result.is_string()) return std::nullopt;
  const std::string s = lower(result.get<std::string>());
  if (s.size() != 66 || s.compare(0, 2, "0x") != 0 || !is_hex(std::string_view(s).substr(2))) return std::nullopt;
  // bitPos = nonce & 0xff; bit b of a big-endian word is in hex digit 63 - b / 4.
  const unsigned bit = static_cast<unsigned>(std::stoul(p.nonce.substr(64, 2), nullptr, 16));
  const char digit = s[2 + 63 - bit / 4];
  const unsigned nibble = static_cast<unsigned>(digit <= '9' ? digit - '0' : digit - 'a' + 10);
  return ((nibble >> (bit % 4)) & 1u) != 0;
}

nlohmann::json permit2_transfer_logs_params(const Permit2Payment& p, uint64_t from_block) {
  char block[24];
  std::snprintf(block, sizeof block, "0x%llx", static_cast<unsigned long long>(from_block));
  const nlohmann::json topics = nlohmann::json::array({kTransferTopic, "0x" + word_of_address(p.owner), "0x" + word_of_address(p.pay_to)});
  return nlohmann::json::array({{{"address", p.token}, {"fromBlock", block}, {"toBlock", "latest"}, {"topics", topics}}});
}

std::variant<std::vector<std::string>, std::string> transfers_of_amount(const nlohmann::json& logs, const Permit2Payment& p) {
  if (!logs.is_array()) return std::string("the logs are not an array");
  const std::string want = "0x" + *amount_word(p.amount);
  const std::string from = "0x" + word_of_address(p.owner), to = "0x" + word_of_address(p.pay_to);
  std::vector<std::string> out;
  for (const auto& l : logs) {
    if (!l.is_object()) return std::string("a log is not an object");
    auto tx = l.find("transactionHash");
    auto topics = l.find("topics");
    auto data = l.find("data");
    auto addr = address(l, "address");
    if (tx == l.end() || !tx->is_string() || topics == l.end() || !topics->is_array() || data == l.end() || !data->is_string() || !addr)
      return std::string("a log lacks address, topics, data or transactionHash");
    if (*addr != p.token || topics->size() != 3) continue;
    if (!(*topics)[0].is_string() || !(*topics)[1].is_string() || !(*topics)[2].is_string()) return std::string("a log topic is not a string");
    if (lower((*topics)[0].get<std::string>()) != kTransferTopic || lower((*topics)[1].get<std::string>()) != from ||
        lower((*topics)[2].get<std::string>()) != to)
      continue;
    if (lower(data->get<std::string>()) == want) out.push_back(lower(tx->get<std::string>()));
  }
  return out;
}

bool settles_permit2(const nlohmann::json& transaction, const Permit2Payment& p) {
  if (!transaction.is_object()) return false;
  auto to = address(transaction, "to");
  auto input = transaction.find("input");
  if (!to || *to != kUptoProxy || input == transaction.end() || !input->is_string()) return false;
  const std::string data = lower(input->get<std::string>());
  // The ABI head: settle's permit tuple is static (token, amount, nonce, deadline), then amount and
  // owner; settleWithPermit has its EIP-2612 permit (five words) first.
  size_t first = 0;
  if (data.compare(0, 10, kSettleSelector) == 0) first = 0;
  else if (data.compare(0, 10, kSettleWithPermitSelector) == 0) first = 5;
  else return false;
  auto word = [&](size_t i) -> std::string {
    const size_t at = 10 + 64 * (first + i);
    return data.size() >= at + 64 ? data.substr(at, 64) : std::string();
  };
  return word(0) == word_of_address(p.token) && word(2) == p.nonce.substr(2) && word(4) == *amount_word(p.amount) &&
         word(5) == word_of_address(p.owner);
}

}  // namespace x402gw::chain
