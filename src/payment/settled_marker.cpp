#include "payment/settled_marker.hpp"

#include <charconv>

#include "core/json_text.hpp"
#include "x402/digest.hpp"

namespace x402gw::payment {

using nlohmann::json;

std::string payload_digest(std::string_view route, const x402::PaymentPayload& payment) {
  return payload_digest(route, core::json_text(payment.document));
}

std::string payload_digest(std::string_view route, std::string_view payload_text) {
  std::string text;
  text.reserve(route.size() + 1 + payload_text.size());
  text += route;
  text += '\n';
  text += payload_text;
  return x402::to_hex(x402::sha256(text));
}

std::string encode_marker(const SettledMarker& marker) {
  // The members in the order a json object dumps them (sorted), written without copying the
  // settlement into a new tree: the bytes are those of json{...}.dump() (unit-tested).
  std::string out = R"({"payload_digest":)";
  core::append_json_text(out, json(marker.payload_digest));
  out += R"(,"settlement":)";
  core::append_json_text(out, marker.settlement);
  out += '}';
  return out;
}

std::optional<SettledMarker> decode_marker(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("payload_digest") || !j["payload_digest"].is_string() || !j.contains("settlement") ||
      !j["settlement"].is_object())
    return std::nullopt;
  return SettledMarker{j["payload_digest"].get<std::string>(), j["settlement"]};
}

x402::SettleResult settlement_of(const SettledMarker& marker) {
  const json& j = marker.settlement;
  auto text = [&](const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string(); };
  x402::SettleResult r;
  r.success = true;
  r.transaction = text("transaction");
  r.network = text("network");
  r.payer = text("payer");
  r.document = j;
  return r;
}

int64_t payment_expiry(const x402::PaymentPayload& payment, int max_timeout_seconds, int64_t now) {
  const json& doc = payment.document;
  if (doc.contains("payload") && doc["payload"].is_object()) {
    const json& p = doc["payload"];
    const json* auth = p.contains("authorization") && p["authorization"].is_object() ? &p["authorization"] : nullptr;
    // A Permit2 authorization (exact via Permit2, upto) ends at its `deadline`.
    const char* end_key = "validBefore";
    if (!auth && p.contains("permit2Authorization") && p["permit2Authorization"].is_object()) {
      auth = &p["permit2Authorization"];
      end_key = "deadline";
    }
    if (auth && auth->contains(end_key)) {
      const json& v = (*auth)[end_key];
      if (v.is_number_unsigned()) return static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), INT64_MAX));
      if (v.is_string()) {
        const std::string s = v.get<std::string>();
        int64_t value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec == std::errc() && end == s.data() + s.size() && value > 0) return value;
        if (ec == std::errc::result_out_of_range) return INT64_MAX;
      }
    }
  }
  return now + std::max(0, max_timeout_seconds);
}

}  // namespace x402gw::payment
