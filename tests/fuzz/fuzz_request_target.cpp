// libFuzzer target: request targets through canonicalisation and the route table. Properties: the
// canonical path is a fixed point (canonicalising it again changes nothing), so the path the
// gateway forwards is the path it priced; and the fast path for plain paths answers exactly as
// the general canonicalisation does.
#include <cstdint>
#include <string>

#include "routing/path.hpp"
#include "routing/route_table.hpp"

namespace {
x402gw::routing::RouteTable table() {
  x402gw::routing::RouteTable t;
  std::string e;
  for (const char* m : {"GET /api/weather", "POST /api/*", "/users/:id/posts", "/items/[item]", "/files/*.json", "/public/*"})
    t.add(*x402gw::routing::parse_match(m, "", &e));
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto routes = table();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = x402gw::routing::normalise_target(input);
  auto general = x402gw::routing::normalise_target_general(input);
  if (result.index() != general.index()) __builtin_trap();
  if (auto* e = std::get_if<x402gw::routing::TargetError>(&result); e && *e != std::get<x402gw::routing::TargetError>(general))
    __builtin_trap();
  if (auto* f = std::get_if<x402gw::routing::Target>(&result)) {
    const auto& g = std::get<x402gw::routing::Target>(general);
    if (f->path != g.path || f->query != g.query || f->match_key != g.match_key || f->authority != g.authority) __builtin_trap();
  }
  auto* t = std::get_if<x402gw::routing::Target>(&result);
  if (!t) return 0;
  (void)routes.find("GET", "gw.test", t->match_key);
  auto again = x402gw::routing::normalise_target(t->path + t->query);
  auto* u = std::get_if<x402gw::routing::Target>(&again);
  if (!u || u->path != t->path || u->match_key != t->match_key || u->query != t->query) __builtin_trap();
  return 0;
}
