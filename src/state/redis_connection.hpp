#pragma once
// One Redis connection owned by one worker thread, driven by that thread's io_context through
// hiredis's async adapter interface (the descriptor is watched with Asio; hiredis parses and
// pipelines: commands go out as they are issued and their replies come back in order). Every
// command has a deadline; a connection that misses one is dropped, and the connection is made
// again in the background with a back-off. While it is down, commands fail at once.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "config/state.hpp"
#include "metrics/gateway_metrics.hpp"
#include "net/asio.hpp"
#include "state/redis_reply.hpp"
#include "state/redis_scripts.hpp"

struct redisAsyncContext;

namespace x402gw::state {

/// The result of one command.
struct RedisResult {
  enum class Status { ok, error, timeout, unavailable };
  Status status = Status::unavailable;
  RedisValue value;  // ok: the reply (an error reply is Status::error, its text in value.text)
  bool ok() const { return status == Status::ok; }
};

/// A connection to one Redis server on one io_context. Not thread-safe except problem().
class RedisConnection {
 public:
  RedisConnection(asio::io_context& ioc, const config::State& settings, metrics::GatewayMetrics* metrics);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  /// Starts connecting (and reconnecting, forever); call once, before the io_context runs.
  void start();
  /// Runs a script with its keys and arguments, by its SHA1 (loaded on connect), within the
  /// command deadline. `operation` labels the metrics.
  awaitable<RedisResult> eval(Script script, const std::vector<std::string>& keys_and_args, const char* operation);
  /// Runs a script call in the background (from paths that cannot co_await): as eval(), with its
  /// NOSCRIPT fallback, deadline, metrics and log; nobody waits for its answer.
  void eval_detached(Script script, std::vector<std::string> keys_and_args, const char* operation);
  /// Whether commands can be sent now.
  bool ready() const { return ready_; }
  /// Why the connection is not ready, or "" when it is. Thread-safe.
  std::string problem() const;

 private:
  struct Pending;
  struct Watcher;
  awaitable<void> maintain();
  awaitable<bool> connect_once();
  awaitable<void> eval_in_background(Script script, std::vector<std::string> keys_and_args, const char* operation);
  awaitable<RedisResult> command(const std::vector<std::string>& args, std::chrono::milliseconds deadline);
  bool send(const std::vector<std::string>& args, void* privdata);
  std::vector<std::string> script_args(Script script, const std::vector<std::string>& keys_and_args, bool by_sha) const;
  void drop(const std::string& why);
  void set_problem(std::string why);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);

  asio::io_context& ioc_;
  const config::State settings_;
  metrics::GatewayMetrics* metrics_;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<Watcher> watcher_;
  bool ready_ = false;
  std::vector<std::string> shas_;    // by Script index, as SCRIPT LOAD answered
  net::Timer wake_;          // cut short when the connection is lost
  mutable std::mutex problem_mutex_;
  std::string problem_ = "not connected yet";
};

}  // namespace x402gw::state
