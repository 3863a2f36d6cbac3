#pragma once
// The pricer's wire: the JSON the gateway POSTs ({method, path, headers, fields, body_sha256}) and
// the answer it reads ({"price"} | {"free": true} | {"refuse": true, "reason"}, with an optional
// "max" for an upto route), and the cache key an operator composes from the request. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "pricing/price_rule.hpp"

namespace x402gw::pricing {

/// What the gateway tells the pricer about one request.
struct PricerQuestion {
  std::string method;
  std::string path;                 // canonical path (and the raw query, if any)
  std::vector<std::pair<std::string, std::string>> headers;  // the configured headers the request has
  std::vector<std::pair<std::string, std::string>> fields;   // the configured body fields the body has (table text)
  std::optional<std::string> body_sha256;                    // hex, when the route sends a digest
};

/// The JSON body POSTed to the pricer.
std::string pricer_request_body(const PricerQuestion& question);

/// The pricer's verdict.
struct PricerAnswer {
  enum class Kind { price, free, refuse };
  Kind kind = Kind::price;
  std::string amount;               // Kind::price: atomic units
  std::optional<std::string> max;   // atomic units: the maximum an upto route's buyer authorizes
  std::string reason;               // Kind::refuse: the pricer's words, if any (at most 200 characters)
};

/// Reads a pricer's answer; amounts ("$0.01" or atomic units "12300") are converted with the
/// asset's `decimals`. The error says what is wrong with an answer that is not one of the shapes.
std::variant<PricerAnswer, std::string> parse_pricer_answer(std::string_view body, int decimals);

/// The amount a price answer puts in the route's requirement: for an `upto` route the maximum the
/// buyer authorizes (the answer's "max" when it has one), else the price.
const std::string& quoted_amount(const PricerAnswer& answer, std::string_view scheme);

/// The sha256 of `bytes`, lower-case hex.
std::string sha256_hex(std::string_view bytes);

/// The cache key of a request from the operator's parts (method, path, header:X, query:x,
/// body:field). Parts are length-prefixed, so no value can pose as two.
std::string pricer_cache_key(const std::vector<std::string>& parts, std::string_view method, const RequestFacts& facts,
                             std::string_view path);

}  // namespace x402gw::pricing
