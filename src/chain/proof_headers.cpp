#include "chain/proof_headers.hpp"

#include <nlohmann/json.hpp>

namespace x402gw::chain {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string string_member(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool is_tx_hash(std::string_view text) {
  if (text.size() != 66 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return false;
  for (size_t i = 2; i < text.size(); ++i) {
    char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

std::optional<std::variant<TransferProof, std::string>> parse_proof_headers(std::optional<std::string_view> json_proof,
                                                                           std::optional<std::string_view> hash_proof) {
  if (json_proof) {
    auto doc = nlohmann::json::parse(json_proof->begin(), json_proof->end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::string("X-402-Payment-Proof is not a JSON object");
    TransferProof p{string_member(doc, "txHash"), string_member(doc, "network"), string_member(doc, "token"),
                    string_member(doc, "amount")};
    if (!is_tx_hash(p.tx_hash)) return std::string("X-402-Payment-Proof: txHash is not 0x and 64 hex digits");
    p.tx_hash = "0x" + lower(std::string_view(p.tx_hash).substr(2));
    return p;
  }
  if (hash_proof) {
    std::string_view h = *hash_proof;
    while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
    while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
    if (!is_tx_hash(h)) return std::string("X-Payment-Proof is not 0x and 64 hex digits");
    return TransferProof{"0x" + lower(h.substr(2)), "", "", ""};
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> hint_headers(const PaymentHint& hint) {
  nlohmann::json payment = {{"amount", hint.amount}, {"token", hint.token}, {"chain", hint.chain_id}, {"to", hint.receiver}};
  return {
      {"X-402-Amount", hint.amount},
      {"X-402-Receiver", hint.receiver},
      {"X-402-Network", hint.network},
      {"X-402-Token", hint.token},
      {"X-Payment", payment.dump()},
  };
}

}  // namespace x402gw::chain
