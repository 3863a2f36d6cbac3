#include "config/admin_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "config/auth_reader.hpp"  // is_loopback_host (defined there, shared with the facilitator URL check)

namespace x402gw::config {
namespace {

// Long enough that guessing is hopeless over a network; `openssl rand -hex 32` gives 64.
constexpr size_t kMinTokenLength = 16;

// RFC 6750 token68 characters, so the token travels in an Authorization header unchanged.
bool token_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

std::optional<std::string> check_token(const std::string& token) {
  if (token.size() < kMinTokenLength)
    return "the admin token must be at least " + std::to_string(kMinTokenLength) + " characters (e.g. `openssl rand -hex 32`)";
  for (char c : token)
    if (!token_character(c)) return std::string("the admin token may hold only letters, digits and - . _ ~ + / =");
  return std::nullopt;
}

}  // namespace

void read_admin(YamlReader& r, const YAML::Node& root, const std::optional<ListenAddress>& listen, Admin& a) {
  const YAML::Node node = root["admin"];
  a.loopback_only = listen && is_loopback_host(listen->host);
  if (node.IsDefined() && !node.IsNull() && r.expect_map(node, "admin", {"token", "token_file", "protect_metrics"})) {
    if (node["token"].IsDefined() && node["token_file"].IsDefined())
      r.error(node["token_file"], "admin.token_file", "set admin.token or admin.token_file, not both");
    // An empty token (`"${ADMIN_TOKEN:-}"` with the variable unset) is no token: control endpoints
    // then stay off unless the listener is loopback-only, which fails safe.
    if (auto v = r.string(node, "token", "admin"); v && !v->empty()) {
      if (auto why = check_token(*v)) r.error(node["token"], "admin.token", *why);
      else a.token = *v;
    }
    if (auto v = r.string(node, "token_file", "admin")) {
      std::ifstream in(*v, std::ios::binary);
      std::ostringstream text;
      if (in) text << in.rdbuf();
      std::string token = text.str();
      // A file written by `echo` or an editor ends with a newline: not part of the token.
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
        token.pop_back();
      if (!in) r.error(node["token_file"], "admin.token_file", "cannot read the admin token file " + *v);
      else if (auto why = check_token(token)) r.error(node["token_file"], "admin.token_file", *why + " (in " + *v + ")");
      else a.token = std::move(token);
    }
    if (auto v = r.boolean(node, "protect_metrics", "admin")) {
      a.protect_metrics = *v;
      if (*v && a.token.empty() && !node["token_file"].IsDefined())
        r.error(node["protect_metrics"], "admin.protect_metrics", "protect_metrics: true needs a non-empty admin.token or admin.token_file");
    }
  }
  if (listen && a.token.empty() && !a.loopback_only)
    r.warning(root["admin_listen"], "admin_listen",
              "admin_listen is not on loopback and no admin.token is set: POST /admin/reload will be refused "
              "(probes and /metrics are served)");
}

}  // namespace x402gw::config
