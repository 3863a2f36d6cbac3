#include "config/state_reader.hpp"

namespace x402gw::config {

void read_state(YamlReader& r, const YAML::Node& node, State& s) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.expect_map(node, "state",
                    {"store", "url", "password", "key_prefix", "on_store_failure", "timeout", "connect_timeout",
                     "claim_lease", "remember", "dir", "max_payments"}))
    return;
  if (auto v = r.string(node, "dir", "state")) {
    if (v->empty()) r.error(node["dir"], "state.dir", "state.dir is a directory path, e.g. /var/lib/x402-gateway");
    else s.dir = *v;
  }
  if (auto v = r.string(node, "store", "state")) {
    if (*v == "memory") s.store = StateStore::memory;
    else if (*v == "redis") s.store = StateStore::redis;
    else r.error(node["store"], "state.store", "store is 'memory' (this process only) or 'redis' (shared by replicas)");
  }
  if (auto v = r.string(node, "url", "state")) {
    std::string why;
    if (auto a = parse_redis_url(*v, &why)) s.redis = std::move(*a);
    else r.error(node["url"], "state.url", why);
  } else if (s.store == StateStore::redis) {
    r.error(node, "state.url", "store: redis needs url: \"redis://host:6379/0\"");
  }
  if (auto v = r.string(node, "password", "state")) s.redis.password = *v;
  if (auto v = r.string(node, "key_prefix", "state")) {
    if (v->size() > 64) r.error(node["key_prefix"], "state.key_prefix", "key_prefix is at most 64 characters");
    s.key_prefix = *v;
  }
  if (auto v = r.string(node, "on_store_failure", "state")) {
    if (*v == "refuse") s.on_store_failure = OnStoreFailure::refuse;
    else r.error(node["on_store_failure"], "state.on_store_failure",
                 "on_store_failure is 'refuse' (priced routes answer 503 while the store is unreachable); "
                 "serving paid routes without shared state would let one payment be used on every replica");
  }
  auto positive = [&](const char* key, std::chrono::milliseconds& out, std::chrono::milliseconds min) {
    if (auto v = r.duration(node, key, "state")) {
      if (*v < min) r.error(node[key], std::string("state.") + key, "must be at least " + std::to_string(min.count()) + "ms");
      else out = *v;
    }
  };
  positive("timeout", s.timeout, std::chrono::milliseconds(10));
  positive("connect_timeout", s.connect_timeout, std::chrono::milliseconds(10));
  positive("claim_lease", s.claim_lease, std::chrono::milliseconds(3000));
  std::chrono::milliseconds remember = s.remember;
  positive("remember", remember, std::chrono::milliseconds(60'000));
  s.remember = std::chrono::duration_cast<std::chrono::seconds>(remember);
  // The in-process store's memory bound; Redis keeps its own (each key's TTL).
  if (auto v = r.integer(node, "max_payments", "state", 1, 100'000'000)) s.max_payments = static_cast<size_t>(*v);
}

}  // namespace x402gw::config
