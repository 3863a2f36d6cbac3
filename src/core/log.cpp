#include "core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/json_text.hpp"

namespace x402gw::core {

void log_event(std::string_view level, std::string_view message, nlohmann::json fields) {
  static std::mutex mutex;
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  nlohmann::json line = {{"time", when}, {"level", level}, {"msg", message}};
  if (fields.is_object()) line.update(fields);
  std::string text = core::json_text(line) + "\n";
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace x402gw::core
