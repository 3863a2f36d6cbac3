#pragma once
// Reads the `forward_auth:` section and checks what forward-auth listeners need of the rest of
// the configuration: someone to trust, and routes whose payment an auth subrequest can take.
#include "config/config.hpp"

namespace YAML {
class Node;
}

namespace x402gw::config {

class YamlReader;

/// Whether every listener is a forward-auth listener: such a gateway forwards nothing, so it
/// needs no upstream.
bool auth_only(const Config& c);

/// Reads `forward_auth:` (root["forward_auth"]) into c.forward_auth and checks the listeners and
/// routes already read against it; every mistake is reported with its line. With a forward-auth
/// listener, every priced route settles before (`settlement: after` written out is refused).
void read_forward_auth(YamlReader& r, const YAML::Node& root, Config& c);

}  // namespace x402gw::config
