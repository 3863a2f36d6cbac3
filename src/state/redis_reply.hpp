#pragma once
// A Redis reply as plain values, copied out of hiredis's reply tree (which hiredis frees after the
// callback returns), and RESP text decoded through hiredis's own reader (tests, diagnostics).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace x402gw::state {

/// One RESP value.
struct RedisValue {
  enum class Type { nil, string, status, error, integer, array };
  Type type = Type::nil;
  std::string text;                // string, status, error
  long long integer = 0;           // integer
  std::vector<RedisValue> elements;  // array

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
};

/// Copies a hiredis reply (null: nil).
RedisValue from_hiredis(const redisReply* reply);

/// Decodes one complete RESP value from `resp`; nullopt when it is malformed or incomplete.
std::optional<RedisValue> parse_resp(std::string_view resp);

}  // namespace x402gw::state
