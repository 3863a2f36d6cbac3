#include "config/forward_auth_reader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/yaml_reader.hpp"
#include "core/strings.hpp"

namespace x402gw::config {
namespace {

// Long enough that guessing is hopeless over a network (`openssl rand -hex 32` gives 64).
constexpr size_t kMinSecretLength = 16;

// Visible ASCII without spaces: the secret travels in a header value unchanged, in every proxy's
// configuration syntax.
std::optional<std::string> check_secret(const std::string& secret) {
  if (secret.size() < kMinSecretLength)
    return "the forward-auth secret must be at least " + std::to_string(kMinSecretLength) + " characters (e.g. `openssl rand -hex 32`)";
  for (char c : secret)
    if (c <= ' ' || c >= 127 || c == '"' || c == '\'' || c == '\\' || c == ';' || c == '{' || c == '}' || c == '$')
      return std::string("the forward-auth secret may hold only letters, digits and punctuation other than quotes, \\ ; { } $");
  return std::nullopt;
}

bool header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// The section itself.
void read_section(YamlReader& r, const YAML::Node& node, ForwardAuth& f) {
  f.line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
  if (node.IsNull()) return;
  if (!r.expect_map(node, "forward_auth", {"secret", "secret_file", "secret_header"})) return;
  if (node["secret"].IsDefined() && node["secret_file"].IsDefined())
    r.error(node["secret_file"], "forward_auth.secret_file", "set forward_auth.secret or forward_auth.secret_file, not both");
  // An empty secret ("${X:-}" unset) is none: trusted_proxies alone must then name the proxies.
  if (auto v = r.string(node, "secret", "forward_auth"); v && !v->empty()) {
    if (auto why = check_secret(*v)) r.error(node["secret"], "forward_auth.secret", *why);
    else f.secret = *v;
  }
  if (auto v = r.string(node, "secret_file", "forward_auth")) {
    std::ifstream in(*v, std::ios::binary);
    std::ostringstream text;
    if (in) text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ' || secret.back() == '\t'))
      secret.pop_back();
    if (!in) r.error(node["secret_file"], "forward_auth.secret_file", "cannot read the forward-auth secret file " + *v);
    else if (auto why = check_secret(secret)) r.error(node["secret_file"], "forward_auth.secret_file", *why + " (in " + *v + ")");
    else f.secret = std::move(secret);
  }
  if (auto v = r.string(node, "secret_header", "forward_auth")) {
    if (!header_name(*v)) r.error(node["secret_header"], "forward_auth.secret_header", "secret_header is a header name (letters, digits, '-')");
    else f.secret_header = *v;
  }
}

// A price read from the request body (`price: {from: {body: ...}}`, on the route or one of its
// accepts). Read from the YAML, so that it holds whatever module prices requests.
// (A missing key of a const node is a node that throws when asked anything but IsDefined().)
bool body_price(const YAML::Node& price) {
  if (!price.IsDefined() || !price.IsMap()) return false;
  const YAML::Node from = price["from"];
  return from.IsDefined() && from.IsMap() && from["body"].IsDefined();
}

// A pricer that is sent something of the body: `fields`, `body_digest: true`, or a cache key part
// `body:<field>`.
bool body_pricer(const YAML::Node& pricer) {
  if (!pricer.IsDefined() || !pricer.IsMap()) return false;
  if (const YAML::Node fields = pricer["fields"]; fields.IsDefined() && fields.IsSequence() && fields.size() > 0) return true;
  if (const YAML::Node digest = pricer["body_digest"]; digest.IsDefined() && digest.IsScalar() && digest.Scalar() == "true")
    return true;
  const YAML::Node cache = pricer["cache"];
  if (!cache.IsDefined() || !cache.IsMap()) return false;
  if (const YAML::Node key = cache["key"]; key.IsDefined() && key.IsSequence())
    for (const auto& part : key)
      if (part.IsScalar() && part.Scalar().rfind("body:", 0) == 0) return true;
  return false;
}

// A route whose payment the auth service cannot take as configured: reported at the key's line.
void check_routes(YamlReader& r, const YAML::Node& root, const Config& c) {
  // Routes that did not load were reported already, and c.routes no longer lines up with the list.
  if (!r.ok()) return;
  const std::string why_before =
      "a forward-auth listener never sees the upstream's answer, so it settles before the request goes on; "
      "settlement: after cannot be honoured (remove it: forward-auth routes settle before)";
  if (const YAML::Node payment = root["payment"]; payment.IsDefined() && payment.IsMap() && payment["settlement"].IsDefined() &&
                                                  payment["settlement"].IsScalar() && payment["settlement"].Scalar() == "after")
    r.error(payment["settlement"], "payment.settlement", why_before);
  const YAML::Node routes = root["routes"];
  if (!routes.IsDefined() || !routes.IsSequence()) return;
  for (size_t i = 0; i < routes.size() && i < c.routes.size(); ++i) {
    const YAML::Node node = routes[i];
    const Route& route = c.routes[i];
    if (!route.priced) continue;
    const std::string path = YamlReader::index("routes", i);
    // Auth calls carry no body: a price that depends on it would be a guess.
    const std::string why_body = "auth calls carry no request body, so a forward-auth listener cannot price a request by its body";
    if (body_price(node["price"])) r.error(node["price"], YamlReader::join(path, "price.from.body"), why_body);
    if (const YAML::Node accepts = node["accepts"]; accepts.IsDefined() && accepts.IsSequence())
      for (size_t j = 0; j < accepts.size(); ++j)
        if (body_price(accepts[j]["price"]))
          r.error(accepts[j]["price"], YamlReader::join(YamlReader::index(YamlReader::join(path, "accepts"), j), "price.from.body"), why_body);
    if (body_pricer(node["pricer"]))
      r.error(node["pricer"], YamlReader::join(path, "pricer"), why_body + " (its pricer is sent body fields or a body digest)");
    if (node["settlement"].IsDefined() && route.settlement == Settlement::after)
      r.error(node["settlement"], YamlReader::join(path, "settlement"), why_before);
    if (route.payment_identifier.mode == PaymentIdentifier::Mode::replay_answer)
      r.error(node["payment_identifier"], YamlReader::join(path, "payment_identifier.mode"),
              "replay_answer keeps the upstream's first answer, which a forward-auth listener never sees; use mode: fresh_call");
    // A metered payment is settled for what the answer cost, which an auth service never sees:
    // settled before, it would charge the maximum every time.
    if (std::any_of(route.requirements.begin(), route.requirements.end(), [](const x402::Requirement& q) { return q.scheme == "upto"; }))
      r.error(node["scheme"].IsDefined() ? node["scheme"] : node, YamlReader::join(path, "scheme"),
              "an upto (metered) payment is settled for what the upstream's answer cost, which a forward-auth listener "
              "never sees; forward-auth routes take fixed prices (scheme: exact)");
    if (route.proof == Proof::tx_hash)
      r.error(node["proof"], YamlReader::join(path, "proof"), "proof: tx_hash is not served by forward-auth listeners");
  }
}

}  // namespace

bool auth_only(const Config& c) {
  return !c.listen.empty() && std::all_of(c.listen.begin(), c.listen.end(), [](const Listener& l) { return l.forward_auth; });
}

void read_forward_auth(YamlReader& r, const YAML::Node& root, Config& c) {
  const YAML::Node node = root["forward_auth"];
  const bool has_listener = std::any_of(c.listen.begin(), c.listen.end(), [](const Listener& l) { return l.forward_auth; });
  if (node.IsDefined()) read_section(r, node, c.forward_auth);
  if (!has_listener) {
    if (node.IsDefined() && !node.IsNull())
      r.error(node, "forward_auth", "forward_auth: configures forward-auth listeners, and no listener has mode: forward_auth");
    return;
  }
  // Without either, nobody could name the request to authorize, and every call would be refused.
  if (c.forward_auth.secret.empty() && c.trusted_proxies.empty())
    r.error(node.IsDefined() ? node : root["listen"], "forward_auth",
            "a listener with mode: forward_auth believes only its proxies: list them in trusted_proxies, "
            "or set forward_auth.secret (or secret_file) and have the proxy send it");
  if (core::iequals(c.forward_auth.secret_header, "X-Payment-Payer"))
    r.error(node["secret_header"], "forward_auth.secret_header", "secret_header must not be a header the gateway sets");
  check_routes(r, root, c);
  // The answer is never seen: every priced route settles first, on every listener of this
  // gateway (one rule per route, whichever listener a request came through).
  for (Route& route : c.routes)
    if (route.priced) route.settlement = Settlement::before;
}

}  // namespace x402gw::config
