// x402-gateway: a reverse proxy that puts x402 payments in front of an HTTP API.
#include <cstdio>
#include <csignal>
#include <cstring>
#include <string>

#include "app/readiness.hpp"
#include "app/server.hpp"
#include "config/loader.hpp"

namespace {

constexpr const char* kUsage = R"(usage: x402-gateway [--config FILE] [--check [--online]] [--version]

  --config FILE   the YAML configuration (default: gateway.yaml)
  --check         validate the configuration, print every error with its line, and exit
  --online        with --check: also ask every facilitator the priced routes use for /supported;
                  a route none of its facilitators supports is an error (exit code 3)
  --version       print the version and exit

Signals: SIGTERM/SIGINT drain and exit, SIGHUP reloads the configuration.
)";

}  // namespace

int main(int argc, char** argv) {
  std::string config_path = "gateway.yaml";
  bool check_only = false;
  bool online = false;
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
    } else if (arg == "--online") {
      online = true;
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
  if (online && !check_only) {
    std::fprintf(stderr, "x402-gateway: --online goes with --check\n%s", kUsage);
    return 2;
  }
  if (check_only && online) {
    std::signal(SIGPIPE, SIG_IGN);
    if (auto problem = x402gw::app::check_tls_files(*loaded.config)) {
      std::fprintf(stderr, "%s: %s\n", config_path.c_str(), problem->c_str());
      return 2;
    }
    std::vector<std::string> notes;
    const std::vector<std::string> problems = x402gw::app::check_online(*loaded.config, notes);
    for (const auto& n : notes) std::fprintf(stderr, "%s: %s\n", config_path.c_str(), n.c_str());
    for (const auto& p : problems) std::fprintf(stderr, "%s: error: %s\n", config_path.c_str(), p.c_str());
    if (!problems.empty()) {
      std::fprintf(stderr, "%s: %zu route problem(s) found online; the gateway would not be ready\n", config_path.c_str(),
                   problems.size());
      return 3;
    }
    std::printf("%s: ok online (%zu routes; every facilitator lists what they accept)\n", config_path.c_str(),
                loaded.config->routes.size());
    return 0;
  }
  if (check_only) {
    std::printf("%s: ok (%zu routes)\n", config_path.c_str(), loaded.config->routes.size());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  x402gw::app::Server server(std::move(loaded.config), config_path);
  return server.run();
}
