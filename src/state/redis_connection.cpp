#include "state/redis_connection.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/log.hpp"

namespace x402gw::state {

using Clock = std::chrono::steady_clock;

namespace {
// A command's words, built outside the coroutines: GCC 12 destroys some temporaries of a braced
// list inside a coroutine twice.
std::vector<std::string> words(std::initializer_list<std::string_view> parts) {
  std::vector<std::string> out;
  out.reserve(parts.size());
  for (std::string_view p : parts) out.emplace_back(p);
  return out;
}
}  // namespace

// A command waiting for its reply: shared by the waiting coroutine and hiredis's callback, so that
// either may go first (a reply after the deadline, or a deadline after the connection was freed).
struct RedisConnection::Pending {
  explicit Pending(asio::io_context& ioc) : timer(ioc) {}
  net::Timer timer;
  bool done = false;
  bool failed = false;  // the connection went away before the reply
  RedisValue value;
};

// hiredis's event hooks on an Asio descriptor. hiredis owns the socket; cleanup() releases it.
struct RedisConnection::Watcher : std::enable_shared_from_this<Watcher> {
  Watcher(asio::io_context& ioc, redisAsyncContext* context) : descriptor(ioc, context->c.fd), ac(context) {}
  asio::posix::stream_descriptor descriptor;
  redisAsyncContext* ac;
  bool alive = true;
  bool want_read = false, want_write = false;
  bool reading = false, writing = false;

  void arm_read() {
    if (!alive || reading || !want_read) return;
    reading = true;
    descriptor.async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](error_code ec) {
      self->reading = false;
      if (!self->alive || ec) return;
      redisAsyncHandleRead(self->ac);  // may free the context: cleanup() clears alive
      self->arm_read();
    });
  }
  void arm_write() {
    if (!alive || writing || !want_write) return;
    writing = true;
    descriptor.async_wait(asio::posix::stream_descriptor::wait_write, [self = shared_from_this()](error_code ec) {
      self->writing = false;
      if (!self->alive || ec) return;
      redisAsyncHandleWrite(self->ac);
      self->arm_write();
    });
  }
  static Watcher* of(void* data) { return static_cast<Watcher*>(data); }
  static void add_read(void* d) { of(d)->want_read = true, of(d)->arm_read(); }
  static void del_read(void* d) { of(d)->want_read = false; }
  static void add_write(void* d) { of(d)->want_write = true, of(d)->arm_write(); }
  static void del_write(void* d) { of(d)->want_write = false; }
  static void cleanup(void* d) {
    Watcher* w = of(d);
    w->alive = false;
    error_code ignored;
    w->descriptor.cancel(ignored);
    (void)w->descriptor.release();  // hiredis closes the socket itself
  }
};

RedisConnection::RedisConnection(asio::io_context& ioc, const config::State& settings, metrics::GatewayMetrics* metrics)
    : ioc_(ioc), settings_(settings), metrics_(metrics), wake_(ioc) {}

RedisConnection::~RedisConnection() {
  if (ac_) {
    ac_->data = nullptr;  // no callback reaches this object any more
    redisAsyncFree(ac_);
    ac_ = nullptr;
  }
}

void RedisConnection::start() {
  asio::co_spawn(ioc_, maintain(), [](std::exception_ptr e) {
    if (e) core::log_event("error", "the Redis connection loop ended with an exception");
  });
}

std::string RedisConnection::problem() const {
  std::lock_guard lock(problem_mutex_);
  return problem_;
}

void RedisConnection::set_problem(std::string why) {
  std::lock_guard lock(problem_mutex_);
  if (why != problem_) {
    if (why.empty()) core::log_event("info", "connected to Redis", {{"redis", settings_.redis.to_string()}});
    else if (problem_.empty()) core::log_event("warn", "Redis is unavailable", {{"redis", settings_.redis.to_string()}, {"reason", why}});
  }
  problem_ = std::move(why);
}

void RedisConnection::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (!self || status == REDIS_OK) return;
  // hiredis frees the context after this callback: forget it.
  self->set_problem(std::string("cannot connect: ") + ac->errstr);
  self->ac_ = nullptr;
  self->ready_ = false;
  self->wake_.cancel();
}

void RedisConnection::on_disconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (!self) return;
  if (status != REDIS_OK) self->set_problem(std::string("connection lost: ") + ac->errstr);
  else self->set_problem("connection closed by the server");
  self->ac_ = nullptr;
  self->ready_ = false;
  self->wake_.cancel();
}

void RedisConnection::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  auto* holder = static_cast<std::shared_ptr<Pending>*>(privdata);
  std::shared_ptr<Pending> pending = std::move(*holder);
  delete holder;
  if (reply) pending->value = from_hiredis(static_cast<redisReply*>(reply));
  else pending->failed = true;
  pending->done = true;
  pending->timer.cancel();
}

bool RedisConnection::send(const std::vector<std::string>& args, void* privdata) {
  if (!ac_) return false;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.data()), lengths.push_back(a.size());
  return redisAsyncCommandArgv(ac_, privdata ? &on_reply : nullptr, privdata, static_cast<int>(args.size()), argv.data(),
                               lengths.data()) == REDIS_OK;
}

awaitable<RedisResult> RedisConnection::command(const std::vector<std::string>& args, std::chrono::milliseconds deadline) {
  RedisResult result;
  auto pending = std::make_shared<Pending>(ioc_);
  auto* holder = new std::shared_ptr<Pending>(pending);
  if (!send(args, holder)) {
    delete holder;
    co_return result;  // unavailable
  }
  pending->timer.expires_after(deadline);
  while (!pending->done) {
    auto [ec] = co_await pending->timer.async_wait(use_nothrow);
    if (!ec) break;  // the deadline passed
  }
  if (!pending->done) {
    result.status = RedisResult::Status::timeout;
    co_return result;
  }
  if (pending->failed) co_return result;  // unavailable: the connection went away
  result.status = pending->value.is_error() ? RedisResult::Status::error : RedisResult::Status::ok;
  result.value = std::move(pending->value);
  co_return result;
}

std::vector<std::string> RedisConnection::script_args(Script script, const std::vector<std::string>& keys_and_args,
                                                      bool by_sha) const {
  std::vector<std::string> args;
  args.reserve(keys_and_args.size() + 3);
  args.emplace_back(by_sha ? "EVALSHA" : "EVAL");
  args.emplace_back(by_sha ? std::string(shas_.at(script)) : std::string(kScripts[script]));
  args.emplace_back("1");  // every script takes one key, first
  args.insert(args.end(), keys_and_args.begin(), keys_and_args.end());
  return args;
}

awaitable<RedisResult> RedisConnection::eval(Script script, const std::vector<std::string>& keys_and_args, const char* operation) {
  const auto started = Clock::now();
  RedisResult result;
  if (ready_) {
    const std::vector<std::string> args = script_args(script, keys_and_args, true);
    result = co_await command(args, settings_.timeout);
    // The server lost its scripts (SCRIPT FLUSH, or a failover to a replica without them): send the text.
    if (result.status == RedisResult::Status::error && result.value.text.rfind("NOSCRIPT", 0) == 0) {
      const std::vector<std::string> full = script_args(script, keys_and_args, false);
      const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      const std::chrono::milliseconds left = std::max(settings_.timeout - spent, std::chrono::milliseconds(1));
      result = co_await command(full, left);
    }
    if (result.status == RedisResult::Status::timeout) drop("a command missed its deadline");
  }
  const char* outcome = "ok";
  switch (result.status) {
    case RedisResult::Status::ok: break;
    case RedisResult::Status::error:
      outcome = "error";
      core::log_event("error", "Redis answered with an error", {{"operation", operation}, {"error", result.value.text}});
      break;
    case RedisResult::Status::timeout: outcome = "timeout"; break;
    case RedisResult::Status::unavailable: outcome = "unavailable"; break;
  }
  if (metrics_) metrics_->state_store_call(operation, outcome, std::chrono::duration<double>(Clock::now() - started).count());
  co_return result;
}

void RedisConnection::eval_detached(Script script, std::vector<std::string> keys_and_args, const char* operation) {
  if (!ready_) return;
  asio::co_spawn(ioc_, eval_in_background(script, std::move(keys_and_args), operation), asio::detached);
}

awaitable<void> RedisConnection::eval_in_background(Script script, std::vector<std::string> keys_and_args, const char* operation) {
  (void)co_await eval(script, keys_and_args, operation);
}

void RedisConnection::drop(const std::string& why) {
  set_problem(why);
  ready_ = false;
  if (!ac_) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  ac->data = nullptr;
  redisAsyncFree(ac);  // pending commands get their callbacks now, with no reply
  wake_.cancel();
}

awaitable<bool> RedisConnection::connect_once() {
  const auto& address = settings_.redis;
  // Resolve with Asio (hiredis would block the thread in getaddrinfo), under the connect deadline.
  auto resolver = std::make_shared<net::Resolver>(ioc_);
  auto deadline = std::make_shared<net::Timer>(ioc_);
  deadline->expires_after(settings_.connect_timeout);
  deadline->async_wait([resolver](error_code ec) {
    if (!ec) resolver->cancel();
  });
  const std::string port = std::to_string(address.port);
  auto [ec, endpoints] = co_await resolver->async_resolve(address.host, port, use_nothrow);
  deadline->cancel();
  if (ec || endpoints.empty()) {
    set_problem("cannot resolve " + address.host + ": " + (ec ? ec.message() : std::string("no address")));
    co_return false;
  }
  const std::string ip = endpoints.begin()->endpoint().address().to_string();

  redisAsyncContext* ac = redisAsyncConnect(ip.c_str(), address.port);
  if (!ac || ac->err) {
    set_problem(std::string("cannot connect: ") + (ac ? ac->errstr : "out of memory"));
    if (ac) redisAsyncFree(ac);
    co_return false;
  }
  ac->data = this;
  watcher_ = std::make_shared<Watcher>(ioc_, ac);
  ac->ev.data = watcher_.get();
  ac->ev.addRead = &Watcher::add_read;
  ac->ev.delRead = &Watcher::del_read;
  ac->ev.addWrite = &Watcher::add_write;
  ac->ev.delWrite = &Watcher::del_write;
  ac->ev.cleanup = &Watcher::cleanup;
  redisAsyncSetConnectCallback(ac, &on_connect);
  redisAsyncSetDisconnectCallback(ac, &on_disconnect);
  ac_ = ac;

  // The handshake: AUTH, SELECT, then the scripts, each under the connect deadline. The first
  // command also completes the non-blocking connect.
  auto step = [this](const std::vector<std::string>& args, const char* what) -> awaitable<std::optional<RedisValue>> {
    RedisResult r = co_await command(args, settings_.connect_timeout);
    if (r.ok()) co_return std::move(r.value);
    std::string why = r.status == RedisResult::Status::timeout ? std::string(what) + " timed out"
                      : r.status == RedisResult::Status::error ? std::string(what) + ": " + r.value.text
                                                               : std::string("connection refused or lost");
    drop(why);
    co_return std::nullopt;
  };
  if (!settings_.redis.password.empty()) {
    const std::vector<std::string> auth = words({"AUTH", settings_.redis.password});
    std::optional<RedisValue> answer = co_await step(auth, "AUTH");
    if (!answer) co_return false;
  }
  if (settings_.redis.db != 0) {
    const std::string db = std::to_string(settings_.redis.db);
    const std::vector<std::string> select = words({"SELECT", db});
    std::optional<RedisValue> answer = co_await step(select, "SELECT");
    if (!answer) co_return false;
  }
  std::vector<std::string> shas;
  for (std::string_view text : kScripts) {
    const std::vector<std::string> load = words({"SCRIPT", "LOAD", text});
    std::optional<RedisValue> answer = co_await step(load, "SCRIPT LOAD");
    if (!answer) co_return false;
    shas.push_back(answer->text);
  }
  shas_ = std::move(shas);
  ready_ = true;
  set_problem("");
  co_return true;
}

awaitable<void> RedisConnection::maintain() {
  auto backoff = std::chrono::milliseconds(100);
  constexpr auto kMaxBackoff = std::chrono::milliseconds(2000);
  for (;;) {
    const bool connected = co_await connect_once();
    if (connected) {
      backoff = std::chrono::milliseconds(100);
      // Connected: a PING every few seconds finds a silent peer even when no request comes.
      int idle_seconds = 0;
      while (ready_) {
        wake_.expires_after(std::chrono::seconds(1));
        co_await wake_.async_wait(use_nothrow);
        if (!ready_ || ++idle_seconds < 5) continue;
        idle_seconds = 0;
        const std::vector<std::string> ping = words({"PING"});
        RedisResult r = co_await command(ping, settings_.timeout);
        if (!r.ok() && ready_) drop(r.status == RedisResult::Status::timeout ? "PING timed out" : "PING failed");
      }
      if (problem().empty()) set_problem("connection lost");
      continue;  // reconnect at once after a loss; back off only when connecting fails
    }
    if (ac_) drop(problem());
    wake_.expires_after(backoff);
    co_await wake_.async_wait(use_nothrow);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

}  // namespace x402gw::state
