#pragma once
// Where payment state (replay claims, challenge limits) lives: this process's memory, or a Redis
// shared by every replica of the gateway. Types and the pure parse of a redis:// URL.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace x402gw::config {

/// A Redis server as a redis:// URL names it.
struct RedisAddress {
  std::string host;        // without brackets for IPv6
  uint16_t port = 6379;
  int db = 0;              // SELECTed after connecting
  std::string password;    // from the URL's user information (the `password` key overrides it)
  std::string to_string() const;  // without the password
};

/// Parses "redis://[[user]:password@]host[:port][/db]"; nullopt with `error` set otherwise.
/// rediss:// (TLS) and unix sockets are refused: they are not supported.
std::optional<RedisAddress> parse_redis_url(std::string_view text, std::string* error);

/// Which store holds payment state.
enum class StateStore { memory, redis };

/// What a priced route does when the store cannot answer.
enum class OnStoreFailure { refuse };

/// The `state:` section.
struct State {
  StateStore store = StateStore::memory;
  RedisAddress redis;                                      // store: redis
  std::string key_prefix = "x402gw:";
  OnStoreFailure on_store_failure = OnStoreFailure::refuse;
  std::chrono::milliseconds timeout{1000};                 // deadline of one store command
  std::chrono::milliseconds connect_timeout{2000};         // deadline of one connection attempt
  std::chrono::milliseconds claim_lease{30'000};           // a claim's lease in Redis, renewed while its request runs
  std::chrono::seconds remember{24 * 3600};                // settled payments are remembered at least this long
  size_t max_payments = 50'000;                            // store: memory: payments remembered at most (about 35 MiB); then new ones get 503
  std::string dir;                                         // the settlement journal's directory; empty: not durable (a warning)
};

}  // namespace x402gw::config
