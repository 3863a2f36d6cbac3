// libFuzzer target: the YAML configuration loader. Any text must give a config or diagnostics,
// never a crash; every diagnostic must format.
#include <cstdint>
#include <string>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  auto result = x402gw::config::load_config_text(text, "fuzz.yaml", env);
  if (!result.config && result.errors.empty()) __builtin_trap();
  (void)result.report();
  return 0;
}
