#include "chain/authorization_evidence.hpp"

#include <cstdio>

namespace x402gw::chain {
namespace {

// keccak256 of the EIP-3009 events and the selector of authorizationState(address,bytes32).
constexpr std::string_view kUsedTopic = "0x98de503528ee59b575ef0c0a2576a82497bfc029a5685b209e9ec333479b10a5";
constexpr std::string_view kCanceledTopic = "0x1cdd46ff242716cdaa72d159d339a485b3438398348d68f09d7c8c0a59353d81";
constexpr std::string_view kStateSelector = "0xe94a0102";

std::optional<std::string> hex_field(const nlohmann::json& j, const char* key, size_t digits) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  std::string s = it->get<std::string>();
  if (s.size() != digits + 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return std::nullopt;
  s[1] = 'x';
  for (size_t i = 2; i < s.size(); ++i) {
    char& c = s[i];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return s;
}

std::optional<std::string> decimal_field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  const std::string s = it->get<std::string>();
  if (s.empty() || s.size() > 78) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  return s;
}

// An address as a 32-byte topic (left-padded with zeros).
std::string address_topic(std::string_view address) { return "0x" + std::string(24, '0') + std::string(address.substr(2)); }

}  // namespace

std::optional<EvmAuthorization> authorization_of_settle_body(const nlohmann::json& body) {
  if (!body.is_object()) return std::nullopt;
  auto payload = body.find("paymentPayload");
  auto requirements = body.find("paymentRequirements");
  if (payload == body.end() || requirements == body.end() || !payload->is_object() || !requirements->is_object()) return std::nullopt;
  auto inner = payload->find("payload");
  if (inner == payload->end() || !inner->is_object()) return std::nullopt;
  auto auth = inner->find("authorization");
  if (auth == inner->end() || !auth->is_object()) return std::nullopt;
  EvmAuthorization a;
  auto from = hex_field(*auth, "from", 40);
  auto nonce = hex_field(*auth, "nonce", 64);
  auto token = hex_field(*requirements, "asset", 40);
  auto pay_to = hex_field(*requirements, "payTo", 40);
  // v2 names the price `amount`, v1 `maxAmountRequired`.
  auto amount = requirements->contains("amount") ? decimal_field(*requirements, "amount") : decimal_field(*requirements, "maxAmountRequired");
  if (!from || !nonce || !token || !pay_to || !amount) return std::nullopt;
  return EvmAuthorization{*token, *from, *nonce, *pay_to, *amount};
}

nlohmann::json authorization_state_params(const EvmAuthorization& a) {
  const std::string data = std::string(kStateSelector) + std::string(24, '0') + a.from.substr(2) + a.nonce.substr(2);
  return nlohmann::json::array({{{"to", a.token}, {"data", data}}, "latest"});
}

std::optional<bool> parse_bool_word(const nlohmann::json& result) {
  if (!result.is_string()) return std::nullopt;
  const std::string s = result.get<std::string>();
  if (s.size() != 66 || s.compare(0, 2, "0x") != 0) return std::nullopt;
  for (size_t i = 2; i < 65; ++i)
    if (s[i] != '0') return std::nullopt;
  if (s[65] == '0') return false;
  if (s[65] == '1') return true;
  return std::nullopt;
}

nlohmann::json authorization_logs_params(const EvmAuthorization& a, uint64_t from_block) {
  char block[24];
  std::snprintf(block, sizeof block, "0x%llx", static_cast<unsigned long long>(from_block));
  const nlohmann::json topics = nlohmann::json::array(
      {nlohmann::json::array({kUsedTopic, kCanceledTopic}), address_topic(a.from), a.nonce});
  return nlohmann::json::array({{{"address", a.token}, {"fromBlock", block}, {"toBlock", "latest"}, {"topics", topics}}});
}

std::variant<std::vector<AuthorizationLog>, std::string> parse_authorization_logs(const nlohmann::json& result,
                                                                                  const EvmAuthorization& a) {
  if (!result.is_array()) return std::string("the logs are not an array");
  std::vector<AuthorizationLog> out;
  const std::string from = address_topic(a.from);
  for (const auto& l : result) {
    if (!l.is_object()) return std::string("a log is not an object");
    auto address = hex_field(l, "address", 40);
    auto tx = hex_field(l, "transactionHash", 64);
    auto topics = l.find("topics");
    if (!address || !tx || topics == l.end() || !topics->is_array()) return std::string("a log lacks address, topics or transactionHash");
    if (*address != a.token || topics->size() != 3) continue;
    std::vector<std::string> t;
    for (const auto& topic : *topics) {
      if (!topic.is_string()) return std::string("a log topic is not a string");
      std::string s = topic.get<std::string>();
      for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      t.push_back(std::move(s));
    }
    if (t[1] != from || t[2] != a.nonce) continue;
    if (t[0] == kUsedTopic) out.push_back({false, *tx});
    else if (t[0] == kCanceledTopic) out.push_back({true, *tx});
  }
  return out;
}

bool receipt_pays(const EvmReceipt& receipt, const EvmAuthorization& a) {
  if (!receipt.succeeded) return false;
  bool used = false;
  const std::string from = address_topic(a.from);
  for (const auto& log : receipt.logs)
    if (log.address == a.token && log.topics.size() == 3 && log.topics[0] == kUsedTopic && log.topics[1] == from && log.topics[2] == a.nonce)
      used = true;
  if (!used) return false;
  // The Transfer to pay_to of at least the price, from the payer (confirmations and age do not
  // matter here: the authorization's own transaction is the one being judged).
  const ProofVerdict transfer = check_transfer(receipt, ExpectedTransfer{a.token, a.pay_to, a.amount}, ProofPolicy{0, 0}, receipt.block_number, 0, 0);
  return transfer.refusal == ProofRefusal::none && transfer.payer == a.from;
}

std::string_view to_string(ChainFinding f) { return f == ChainFinding::landed ? "landed" : "not_paid"; }

}  // namespace x402gw::chain
