#pragma once
// Test helper: header fields as a parsed request head holds them (views), from (name, value)
// pairs. The strings are kept for the test program's life.
#include <boost/beast/http/field.hpp>
#include <deque>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "net/request_head.hpp"

namespace x402gw::testing {

inline std::vector<net::RequestHead::Field> head_fields(std::initializer_list<std::pair<std::string, std::string>> list) {
  static std::deque<std::string> kept;
  std::vector<net::RequestHead::Field> fields;
  for (const auto& [name, value] : list) {
    const std::string_view n = kept.emplace_back(name);
    const std::string_view v = kept.emplace_back(value);
    fields.push_back(net::RequestHead::Field{boost::beast::http::string_to_field(n), n, v});
  }
  return fields;
}

}  // namespace x402gw::testing
