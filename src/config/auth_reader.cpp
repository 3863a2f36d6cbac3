#include "config/auth_reader.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/strings.hpp"

namespace x402gw::config {
namespace {

constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// Printable ASCII without spaces: what can go in a header and a JWT kid unchanged.
bool is_plain_token(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

// A header value: visible ASCII and spaces, no control characters (CR/LF would split the request).
bool is_header_value(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

bool is_header_name(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c))) return false;
  return true;
}

std::optional<std::string> read_secret_file(const std::string& file, std::string* why) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    *why = "cannot read '" + file + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text(kMaxSecretFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    *why = "cannot read '" + file + "'";
    return std::nullopt;
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxSecretFileBytes) {
    *why = "'" + file + "' is larger than 64KiB: not a secret file";
    return std::nullopt;
  }
  // Mounted secrets and `echo` often end with a line break that is not part of the secret.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.empty()) {
    *why = "'" + file + "' is empty";
    return std::nullopt;
  }
  return text;
}

/// A secret and the node to blame when it is wrong.
struct Secret {
  std::string value;
  YAML::Node at;
  std::string path;
};

// Exactly one of `key` (inline, ${ENV} expanded) and `file_key` (a file's content).
std::optional<Secret> read_secret(YamlReader& r, const YAML::Node& node, const std::string& path, const char* key,
                                  const char* file_key) {
  const bool inline_set = node[key].IsDefined(), file_set = node[file_key].IsDefined();
  if (inline_set == file_set) {
    r.error(node, path, std::string(inline_set ? "set only one of " : "set one of ") + key + " and " + file_key);
    return std::nullopt;
  }
  if (inline_set) {
    auto v = r.string(node, key, path, true);
    if (!v) return std::nullopt;
    if (v->empty()) {
      r.error(node[key], YamlReader::join(path, key), "is empty (an unset environment variable with a default of ''?)");
      return std::nullopt;
    }
    return Secret{std::move(*v), node[key], YamlReader::join(path, key)};
  }
  auto file = r.string(node, file_key, path, true);
  if (!file) return std::nullopt;
  std::string why;
  auto text = read_secret_file(*file, &why);
  if (!text) {
    r.error(node[file_key], YamlReader::join(path, file_key), why);
    return std::nullopt;
  }
  return Secret{std::move(*text), node[file_key], YamlReader::join(path, file_key)};
}

std::optional<std::string> read_key_id(YamlReader& r, const YAML::Node& node, const std::string& path) {
  auto id = r.string(node, "key_id", path, true);
  if (!id) return std::nullopt;
  if (!is_plain_token(*id)) {
    r.error(node["key_id"], YamlReader::join(path, "key_id"), "must be non-empty printable ASCII without spaces");
    return std::nullopt;
  }
  return id;
}

auth::AuthenticatorPtr read_signed(YamlReader& r, const YAML::Node& node, const std::string& path, bool cdp) {
  if (!r.expect_map(node, path, {"type", "key_id", "key_secret", "key_secret_file"})) return nullptr;
  auto id = read_key_id(r, node, path);
  auto secret = read_secret(r, node, path, "key_secret", "key_secret_file");
  if (!id || !secret) return nullptr;
  auth::KeyResult key = cdp ? auth::parse_cdp_secret(secret->value) : auth::parse_payai_secret(secret->value);
  if (auto* why = std::get_if<std::string>(&key)) {
    r.error(secret->at, secret->path, *why);
    return nullptr;
  }
  auto& k = std::get<auth::SigningKey>(key);
  return cdp ? auth::make_cdp_authenticator(std::move(*id), std::move(k))
             : auth::make_payai_authenticator(std::move(*id), std::move(k));
}

auth::AuthenticatorPtr read_bearer(YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (!r.expect_map(node, path, {"type", "token", "token_file"})) return nullptr;
  auto token = read_secret(r, node, path, "token", "token_file");
  if (!token) return nullptr;
  if (!is_plain_token(token->value)) {
    r.error(token->at, token->path, "the token must be printable ASCII without spaces or line breaks");
    return nullptr;
  }
  return auth::make_static_authenticator("bearer", "Authorization", "Bearer " + token->value);
}

auth::AuthenticatorPtr read_header(YamlReader& r, const YAML::Node& node, const std::string& path) {
  if (!r.expect_map(node, path, {"type", "name", "value", "value_file"})) return nullptr;
  auto name = r.string(node, "name", path, true);
  if (name && !is_header_name(*name)) {
    r.error(node["name"], YamlReader::join(path, "name"), "'" + *name + "' is not a header name");
    name.reset();
  }
  auto value = read_secret(r, node, path, "value", "value_file");
  if (!name || !value) return nullptr;
  if (!is_header_value(value->value)) {
    r.error(value->at, value->path, "the value must not hold line breaks or control characters");
    return nullptr;
  }
  return auth::make_static_authenticator("header", std::move(*name), std::move(value->value));
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  return core::iequals(host, "localhost") || host == "::1" || host.substr(0, 4) == "127.";
}

auth::AuthenticatorPtr read_facilitator_auth(YamlReader& r, const YAML::Node& node, const std::string& path,
                                             const std::vector<std::pair<std::string, std::string>>& static_headers) {
  if (!node.IsDefined() || node.IsNull()) return nullptr;
  if (!node.IsMap()) {
    r.error(node, path, "expected a mapping, e.g. auth: { type: bearer, token: \"${TOKEN}\" }");
    return nullptr;
  }
  auto type = r.string(node, "type", path, true);
  if (!type) return nullptr;
  auth::AuthenticatorPtr result;
  std::vector<std::string> sets;  // the headers this auth sets
  if (*type == "cdp" || *type == "payai") {
    result = read_signed(r, node, path, *type == "cdp");
    sets = {"Authorization"};
    if (*type == "cdp") sets.push_back("Correlation-Context");
  } else if (*type == "bearer") {
    result = read_bearer(r, node, path);
    sets = {"Authorization"};
  } else if (*type == "header") {
    result = read_header(r, node, path);
    if (auto name = node["name"]; name.IsDefined() && name.IsScalar()) sets = {name.Scalar()};
  } else {
    r.error(node["type"], YamlReader::join(path, "type"), "auth type is cdp, payai, bearer or header, got '" + *type + "'");
    return nullptr;
  }
  for (const auto& [name, value] : static_headers)
    for (const auto& set : sets)
      if (core::iequals(name, set))
        r.error(node, path, "headers." + name + " is also set by auth (type " + *type + "); keep one of them");
  return result;
}

}  // namespace x402gw::config
