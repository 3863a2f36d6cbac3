#include "config/price_reader.hpp"

#include "config/url.hpp"
#include "core/strings.hpp"
#include "x402/money.hpp"

namespace x402gw::config {

// A price written as text: "$0.01" (the network's USD stablecoin) or "0.5 STX" (a named asset),
// as atomic units and the asset; nullopt when it is not usable (reported).
std::optional<std::pair<std::string, const x402::Asset*>> scalar_price(YamlReader& reader, const YAML::Node& node,
                                                                       const std::string& price_path,
                                                                       const x402::Network& net) {
  const x402::Network* network = &net;
  const x402::Asset* asset = nullptr;
  auto text = reader.scalar(node, price_path);
  if (!text) return std::nullopt;
  std::string amount_text = *text;
  if (!text->empty() && text->front() == '$') {
    asset = network->usd_asset();
    if (!asset) {
      reader.error(node, price_path,
                   "network " + network->caip2 + " has no built-in USD stablecoin: give the price as "
                   "{amount: <atomic units>, asset: <address>} or as '<amount> <symbol>'");
      return std::nullopt;
    }
  } else if (auto space = text->find(' '); space != std::string::npos) {
    std::string symbol = text->substr(space + 1);
    amount_text = text->substr(0, space);
    asset = network->find_asset(symbol);
    if (!asset) {
      reader.error(node, price_path, "network " + network->caip2 + " has no built-in asset '" + symbol + "'");
      return std::nullopt;
    }
  } else {
    reader.error(node, price_path,
                 "write \"$0.01\" for US dollars, \"0.5 STX\" for a named token, or {amount, asset} for atomic units");
    return std::nullopt;
  }
  auto converted = x402::to_atomic_units(amount_text, asset->decimals);
  if (auto* e = std::get_if<x402::MoneyError>(&converted)) {
    reader.error(node, price_path, "'" + *text + "': " + x402::describe(*e, asset->decimals));
    return std::nullopt;
  }
  return std::pair{std::get<std::string>(std::move(converted)), asset};
}

bool is_price_rule(const YAML::Node& price) { return price.IsMap() && price["from"].IsDefined(); }

YAML::Node first_rule_price(const YAML::Node& price) {
  YAML::Node table = price["table"];
  if (table.IsMap())
    for (auto it = table.begin(); it != table.end(); ++it) return YAML::Node(it->second);
  return YAML::Node(price["default"]);
}

std::optional<pricing::PriceRule> read_price_rule(YamlReader& reader, const YAML::Node& price, const std::string& path,
                                                  const x402::Requirement& requirement, const routing::PathPattern& pattern) {
  if (!reader.expect_map(price, path, {"from", "table", "default"})) return std::nullopt;
  const std::optional<x402::Network> network = x402::resolve_network(requirement.network);
  if (!network) return std::nullopt;
  bool ok = true;
  pricing::PriceRule rule;

  const YAML::Node from = price["from"];
  const std::string from_path = YamlReader::join(path, "from");
  if (!from.IsMap() || from.size() != 1) {
    reader.error(from, from_path, "from is one of {body: <JSON field>}, {query: <name>}, {header: <name>}, {path: <:parameter>}");
    return std::nullopt;
  }
  const std::string kind = from.begin()->first.Scalar();
  if (!reader.expect_map(from, from_path, {"body", "query", "header", "path"})) return std::nullopt;
  if (kind != "body" && kind != "query" && kind != "header" && kind != "path") return std::nullopt;  // reported just above
  auto name = reader.string(from, kind.c_str(), from_path, true);
  if (!name || name->empty()) {
    if (name) reader.error(from[kind], YamlReader::join(from_path, kind), kind + " needs a name");
    return std::nullopt;
  }
  rule.name = *name;
  if (kind == "body") {
    rule.source = pricing::Source::body;
    if (name->front() == '.' || name->back() == '.' || name->find("..") != std::string::npos) {
      reader.error(from[kind], YamlReader::join(from_path, kind), "a body field is a key or a dotted path such as options.model");
      ok = false;
    }
  } else if (kind == "query") {
    rule.source = pricing::Source::query;
  } else if (kind == "header") {
    rule.source = pricing::Source::header;
  } else {
    rule.source = pricing::Source::path;
    if (!rule.name.empty() && rule.name.front() == ':') rule.name.erase(0, 1);
    if (!pattern.has_parameter(rule.name)) {
      reader.error(from[kind], YamlReader::join(from_path, kind),
                   "the route's match has no path parameter ':" + rule.name + "' (write it in match, e.g. \"/v1/images/:" + rule.name + "\")");
      ok = false;
    } else if (auto segment = pattern.parameter_segment(rule.name)) {
      rule.path_segment = *segment;
    } else {
      reader.error(from[kind], YamlReader::join(from_path, kind),
                   "the path parameter ':" + rule.name + "' comes after a '*', so its segment is not fixed; put it before any '*'");
      ok = false;
    }
  }

  // Every price is in the requirement's asset: the 402 names one asset, whatever the request.
  auto convert = [&](const YAML::Node& node, const std::string& at) -> std::optional<std::string> {
    auto converted = scalar_price(reader, node, at, *network);
    if (!converted) return std::nullopt;
    if (converted->second->address != requirement.asset) {
      reader.error(node, at, "every price of a rule is in one asset (" +
                                 (requirement.asset_symbol.empty() ? requirement.asset : requirement.asset_symbol) +
                                 ", the first price's); this one is in " +
                                 (converted->second->symbol.empty() ? converted->second->address : converted->second->symbol));
      return std::nullopt;
    }
    return std::move(converted->first);
  };
  const YAML::Node table = price["table"];
  const std::string table_path = YamlReader::join(path, "table");
  if (!table.IsMap() || table.size() == 0) {
    reader.error(table.IsDefined() ? table : price, table_path, "table is a non-empty mapping of value: price, e.g. { small: \"$0.01\" }");
    ok = false;
  } else {
    for (auto it = table.begin(); it != table.end(); ++it) {
      std::string key = it->first.Scalar();
      const std::string at = YamlReader::join(table_path, key);
      // Routes match paths case-insensitively, so a path value is compared in lower case.
      if (rule.source == pricing::Source::path) key = core::to_lower(key);
      for (const auto& [seen, amount] : rule.table)
        if (seen == key) {
          reader.error(it->first, at, "the value '" + key + "' is listed twice");
          ok = false;
        }
      if (auto amount = convert(YAML::Node(it->second), at)) rule.table.emplace_back(std::move(key), std::move(*amount));
      else ok = false;
    }
  }
  if (price["default"].IsDefined()) {
    if (auto amount = convert(price["default"], YamlReader::join(path, "default"))) rule.fallback = std::move(*amount);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return rule;
}

std::optional<Pricer> read_pricer(YamlReader& reader, const YAML::Node& node, const std::string& path) {
  if (!reader.expect_map(node, path, {"url", "timeout", "headers", "fields", "body_digest", "cache", "breaker",
                                      "max_idle_connections", "idle_timeout"}))
    return std::nullopt;
  bool ok = true;
  Pricer p;
  if (auto text = reader.string(node, "url", path, true)) {
    std::string why;
    if (auto url = parse_url(*text, &why)) p.url = *url;
    else reader.error(node["url"], YamlReader::join(path, "url"), why + ", got '" + *text + "'"), ok = false;
  } else {
    ok = false;
  }
  if (auto v = reader.duration(node, "timeout", path)) {
    if (v->count() <= 0) reader.error(node["timeout"], YamlReader::join(path, "timeout"), "timeout must be more than 0"), ok = false;
    else p.timeout = *v;
  }
  if (auto v = reader.duration(node, "idle_timeout", path)) p.idle_timeout = *v;
  if (auto v = reader.integer(node, "max_idle_connections", path, 0, 100000)) p.max_idle_connections = static_cast<size_t>(*v);
  if (auto v = reader.boolean(node, "body_digest", path)) p.body_digest = *v;
  auto names = [&](const char* key, std::vector<std::string>& out) {
    const YAML::Node list = node[key];
    if (!list.IsDefined() || list.IsNull()) return;
    const std::string at = YamlReader::join(path, key);
    if (!list.IsSequence()) {
      reader.error(list, at, std::string(key) + " is a list of names");
      ok = false;
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      auto v = reader.scalar(list[i], YamlReader::index(at, i));
      if (!v || v->empty()) ok = false;
      else out.push_back(*v);
    }
  };
  names("headers", p.headers);
  names("fields", p.fields);
  const YAML::Node breaker = node["breaker"];
  if (breaker.IsDefined() && !breaker.IsNull()) {
    const std::string at = YamlReader::join(path, "breaker");
    if (reader.expect_map(breaker, at, {"failures", "open_for"})) {
      if (auto v = reader.integer(breaker, "failures", at, 1, 1000)) p.breaker.failures = static_cast<int>(*v);
      if (auto v = reader.duration(breaker, "open_for", at)) {
        if (v->count() < 100) reader.error(breaker["open_for"], YamlReader::join(at, "open_for"), "open_for is at least 100ms"), ok = false;
        else p.breaker.open_for = *v;
      }
    } else {
      ok = false;
    }
  }
  const YAML::Node cache = node["cache"];
  if (cache.IsDefined() && !cache.IsNull()) {
    const std::string at = YamlReader::join(path, "cache");
    if (!reader.expect_map(cache, at, {"key", "ttl", "max_entries"})) return std::nullopt;
    if (auto v = reader.duration(cache, "ttl", at)) p.cache_ttl = *v;
    else {
      if (!cache["ttl"].IsDefined()) reader.error(cache, YamlReader::join(at, "ttl"), "a pricer cache needs a ttl (e.g. 30s)");
      ok = false;
    }
    if (auto v = reader.integer(cache, "max_entries", at, 1, 10'000'000)) p.cache_entries = static_cast<size_t>(*v);
    const YAML::Node key = cache["key"];
    const std::string key_path = YamlReader::join(at, "key");
    if (!key.IsSequence() || key.size() == 0) {
      reader.error(key.IsDefined() ? key : cache, key_path,
                   "key is a non-empty list of method, path, header:<name>, query:<name>, body:<field>");
      ok = false;
    } else {
      for (size_t i = 0; i < key.size(); ++i) {
        auto part = reader.scalar(key[i], YamlReader::index(key_path, i));
        if (!part) { ok = false; continue; }
        const size_t colon = part->find(':');
        const std::string kind = part->substr(0, colon);
        const bool named = kind == "header" || kind == "query" || kind == "body";
        const bool plain = (kind == "method" || kind == "path") && colon == std::string::npos;
        if (!plain && !(named && colon != std::string::npos && colon + 1 < part->size())) {
          reader.error(key[i], YamlReader::index(key_path, i),
                       "a key part is method, path, header:<name>, query:<name> or body:<field>, got '" + *part + "'");
          ok = false;
          continue;
        }
        p.cache_key.push_back(*part);
      }
    }
  }
  if (!ok) return std::nullopt;
  p.pool_key = "pricer|" + p.url.to_string();
  return p;
}

}  // namespace x402gw::config
