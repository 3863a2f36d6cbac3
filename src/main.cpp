// x402-gateway: a reverse proxy that puts x402 payments in front of an HTTP API.
#include <cstdio>
#include <csignal>
#include <cstring>
#include <string>

#include "app/server.hpp"
#include "config/loader.hpp"

namespace {

constexpr const char* kUsage = R"(usage: x402-gateway [--config FILE] [--check] [--version]

  --config FILE   the YAML configuration (default: gateway.yaml)
  --check         validate the configuration, print every error with its line, and exit
  --version       print the version and exit

Signals: SIGTERM/SIGINT drain and exit, SIGHUP reloads the configuration.
)";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "gateway.yaml";
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--version") {
      std::printf("x402-gateway %s\n", X402GW_VERSION);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--check") {
      check_only = true;
    } else if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      config_path = arg.substr(9);
    } else {
      std::fprintf(stderr, "x402-gateway: unknown argument '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }

  auto loaded = x402gw::config::load_config_file(config_path, x402gw::config::process_environment());
  std::fputs(loaded.report().c_str(), stderr);
  if (!loaded.config) {
    std::fprintf(stderr, "%s: %zu error(s); the gateway did not start\n", config_path.c_str(), loaded.errors.size());
    return 2;
  }
  if (check_only) {
    std::printf("%s: ok (%zu routes)\n", config_path.c_str(), loaded.config->routes.size());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  x402gw::app::Server server(std::move(loaded.config), config_path);
  return server.run();
}
