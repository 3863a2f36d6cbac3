#include "pricing/pricer_messages.hpp"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "x402/money.hpp"

namespace x402gw::pricing {
namespace {

// "$0.01" (decimal dollars of the asset) or "12300" (atomic units); nullopt when neither, or zero.
std::optional<std::string> amount_of(const nlohmann::json& v, int decimals, std::string* why, const char* name) {
  if (!v.is_string()) {
    *why = std::string("\"") + name + "\" must be a string such as \"$0.01\" or \"12300\"";
    return std::nullopt;
  }
  const std::string text = v.get<std::string>();
  if (!text.empty() && text.front() == '$') {
    auto converted = x402::to_atomic_units(text, decimals);
    if (auto* e = std::get_if<x402::MoneyError>(&converted)) {
      *why = std::string("\"") + name + "\" '" + text.substr(0, 40) + "': " + x402::describe(*e, decimals);
      return std::nullopt;
    }
    return std::get<std::string>(std::move(converted));
  }
  if (!x402::is_atomic_amount(text) || text == "0") {
    *why = std::string("\"") + name + "\" is \"$<dollars>\" or a whole number of atomic units greater than 0";
    return std::nullopt;
  }
  return text;
}

}  // namespace

std::string pricer_request_body(const PricerQuestion& q) {
  nlohmann::json headers = nlohmann::json::object(), fields = nlohmann::json::object();
  for (const auto& [name, value] : q.headers) headers[name] = value;
  for (const auto& [name, value] : q.fields) fields[name] = value;
  nlohmann::json doc = {{"method", q.method}, {"path", q.path}, {"headers", headers}, {"fields", fields}};
  if (q.body_sha256) doc["body_sha256"] = *q.body_sha256;
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::variant<PricerAnswer, std::string> parse_pricer_answer(std::string_view body, int decimals) {
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string("the answer is not a JSON object");
  PricerAnswer a;
  std::string why;
  const bool free = doc.contains("free") && doc["free"] == true;
  const bool refuse = doc.contains("refuse") && doc["refuse"] == true;
  if (free + refuse + doc.contains("price") != 1)
    return std::string("the answer holds exactly one of \"price\", \"free\": true, \"refuse\": true");
  if (free) {
    a.kind = PricerAnswer::Kind::free;
    return a;
  }
  if (refuse) {
    a.kind = PricerAnswer::Kind::refuse;
    if (doc.contains("reason") && doc["reason"].is_string()) a.reason = doc["reason"].get<std::string>().substr(0, 200);
    return a;
  }
  auto amount = amount_of(doc["price"], decimals, &why, "price");
  if (!amount) return why;
  a.amount = std::move(*amount);
  if (doc.contains("max")) {
    auto max = amount_of(doc["max"], decimals, &why, "max");
    if (!max) return why;
    if (x402::compare_atomic(*max, a.amount) < 0) return std::string("\"max\" is less than \"price\"");
    a.max = std::move(*max);
  }
  return a;
}

const std::string& quoted_amount(const PricerAnswer& answer, std::string_view scheme) {
  return scheme == "upto" && answer.max ? *answer.max : answer.amount;
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * SHA256_DIGEST_LENGTH);
  for (unsigned char b : digest) out += kHex[b >> 4], out += kHex[b & 15];
  return out;
}

std::string pricer_cache_key(const std::vector<std::string>& parts, std::string_view method, const RequestFacts& facts,
                             std::string_view path) {
  std::string key;
  auto add = [&](std::string_view value, bool present) {
    key += present ? std::to_string(value.size()) : std::string("-");
    key += ':';
    key += value;
  };
  for (const std::string& part : parts) {
    const size_t colon = part.find(':');
    const std::string_view kind = std::string_view(part).substr(0, colon);
    const std::string_view name = colon == std::string::npos ? std::string_view{} : std::string_view(part).substr(colon + 1);
    if (kind == "method") add(method, true);
    else if (kind == "path") add(path, true);
    else if (kind == "query") {
      // Every value, not the first: the pricer reads the whole query, and which of two equal
      // parameters wins is its choice (and the upstream's). The count ("2*") keeps them apart from one value.
      const std::vector<std::string> values = query_values(facts.query, name);
      if (values.size() > 1) key += std::to_string(values.size()) + "*";
      for (const std::string& v : values) add(v, true);
      if (values.empty()) add({}, false);
    } else if (kind == "header") {
      std::vector<std::string_view> values = facts.header ? facts.header(name) : std::vector<std::string_view>{};
      std::string joined;
      for (size_t i = 0; i < values.size(); ++i) joined += (i ? "\n" : ""), joined += values[i];
      add(joined, !values.empty());
    } else if (kind == "body") {
      std::string why;
      auto v = facts.body ? body_value(*facts.body, name, &why) : std::nullopt;
      add(v ? *v : std::string_view{}, v.has_value());
    }
  }
  return key;
}

}  // namespace x402gw::pricing
