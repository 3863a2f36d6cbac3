#pragma once
// facilitators.<name>.auth: which credentials a facilitator wants, read once at load. Secrets come
// inline (usually "${ENV}") or from a file (e.g. a mounted Kubernetes secret); keys are parsed
// here, so a secret that cannot be read or does not parse is a configuration error with its line.
// No diagnostic ever quotes a secret.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authenticator.hpp"
#include "config/yaml_reader.hpp"

namespace x402gw::config {

/// The authenticator `node` describes; nullptr when absent or wrong (every mistake reported).
/// `static_headers` are the facilitator's `headers`, which must not set what auth sets.
auth::AuthenticatorPtr read_facilitator_auth(YamlReader& r, const YAML::Node& node, const std::string& path,
                                             const std::vector<std::pair<std::string, std::string>>& static_headers);

/// Whether `host` names this machine (localhost, 127.0.0.0/8, ::1), where http:// keeps secrets local.
bool is_loopback_host(std::string_view host);

}  // namespace x402gw::config
