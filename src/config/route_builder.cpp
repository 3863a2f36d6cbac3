#include "config/route_builder.hpp"

#include <algorithm>

#include "config/bazaar_reader.hpp"
#include "config/meter_reader.hpp"
#include "config/paywall_reader.hpp"
#include "config/price_reader.hpp"
#include "x402/money.hpp"
#include "x402/networks.hpp"

namespace x402gw::config {
namespace {

std::optional<Settlement> parse_settlement(YamlReader& reader, const YAML::Node& parent, const std::string& path) {
  auto text = reader.string(parent, "settlement", path);
  if (!text) return std::nullopt;
  if (*text == "after") return Settlement::after;
  if (*text == "before") return Settlement::before;
  reader.error(parent["settlement"], YamlReader::join(path, "settlement"),
               "settlement is 'after' (settle once the upstream answered < 400) or 'before' (settle, then stream)");
  return std::nullopt;
}

template <class T>
std::optional<size_t> find_named(const std::vector<T>& items, const std::string& name) {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].name == name) return i;
  return std::nullopt;
}

// `facilitator:` as one name or an ordered list of names; nullopt when absent or malformed (reported).
std::optional<std::vector<std::string>> read_facilitator_names(YamlReader& reader, const YAML::Node& parent,
                                                               const std::string& path) {
  YAML::Node node = parent["facilitator"];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  const std::string at = YamlReader::join(path, "facilitator");
  std::vector<std::string> names;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      auto name = reader.scalar(node[i], YamlReader::index(at, i));
      if (!name) return std::nullopt;
      for (const auto& seen : names)
        if (seen == *name) {
          reader.error(node[i], YamlReader::index(at, i), "facilitator '" + *name + "' is listed twice");
          return std::nullopt;
        }
      names.push_back(*name);
    }
    if (names.empty() || names.size() > kMaxRouteFacilitators) {
      reader.error(node, at, "facilitator is a name or a list of 1 to " + std::to_string(kMaxRouteFacilitators) +
                                 " names, tried in order");
      return std::nullopt;
    }
    return names;
  }
  auto name = reader.scalar(node, at);
  if (!name) return std::nullopt;
  names.push_back(*name);
  return names;
}

// The keys one way of paying may set, on a route (single accept) or in `accepts:` entries.
struct AcceptFields {
  std::optional<std::string> network, pay_to, scheme, fee_payer;
  std::optional<int64_t> max_timeout_seconds;
  YAML::Node price, extra;
};

AcceptFields read_accept_fields(YamlReader& reader, const YAML::Node& node, const std::string& path) {
  // Copy-construct the child nodes: yaml-cpp's assignment copies content and throws for absent keys.
  return AcceptFields{reader.string(node, "network", path),
                      reader.string(node, "pay_to", path),
                      reader.string(node, "scheme", path),
                      reader.string(node, "fee_payer", path),
                      reader.integer(node, "max_timeout_seconds", path, 1, 86400),
                      node["price"],
                      node["extra"]};
}

// The same fields with another price node (yaml-cpp's assignment would write into the tree).
AcceptFields with_price(const AcceptFields& f, const YAML::Node& price) {
  return AcceptFields{f.network, f.pay_to, f.scheme, f.fee_payer, f.max_timeout_seconds, price, f.extra};
}

// Resolves one accept into a Requirement; reports and returns nullopt on errors.
std::optional<x402::Requirement> build_requirement(YamlReader& reader, const YAML::Node& at, const std::string& path,
                                                   const AcceptFields& f, const PaymentDefaults& d) {
  bool ok = true;
  std::string network_name = f.network.value_or(d.network);
  if (network_name.empty()) {
    reader.error(at, YamlReader::join(path, "network"), "no network: set 'network' here or in 'payment:'");
    return std::nullopt;
  }
  auto network = x402::resolve_network(network_name);
  if (!network) {
    reader.error(f.network ? at["network"] : at, YamlReader::join(path, "network"),
                 "unknown network '" + network_name + "': use a v1 name such as base-sepolia or a CAIP-2 id such as eip155:84532");
    return std::nullopt;
  }
  x402::Requirement r;
  r.network = network->caip2;
  r.v1_network = network->v1_name;
  r.scheme = f.scheme.value_or(d.scheme);
  r.pay_to = f.pay_to.value_or(d.pay_to);
  r.max_timeout_seconds = static_cast<int>(f.max_timeout_seconds.value_or(d.max_timeout_seconds));
  if (r.pay_to.empty()) {
    reader.error(at, YamlReader::join(path, "pay_to"), "no pay_to: set the receiving address here or in 'payment:'");
    ok = false;
  }

  // Price: "$0.01", "0.5 STX", or {amount, asset, decimals, eip712}.
  const std::string price_path = YamlReader::join(path, "price");
  const x402::Asset* asset = nullptr;
  x402::Asset explicit_asset;
  if (!f.price.IsDefined() || f.price.IsNull()) {
    reader.error(at, price_path, "a priced route needs 'price' (\"$0.01\", \"0.5 STX\" or {amount, asset})");
    return std::nullopt;
  }
  if (f.price.IsScalar()) {
    auto price = scalar_price(reader, f.price, price_path, *network);
    if (!price) return std::nullopt;
    asset = price->second;
    r.amount = std::move(price->first);
  } else if (reader.expect_map(f.price, price_path, {"amount", "asset", "decimals", "eip712", "symbol"})) {
    auto amount = reader.string(f.price, "amount", price_path, true);
    auto asset_id = reader.string(f.price, "asset", price_path, true);
    if (!amount || !asset_id) return std::nullopt;
    if (!x402::is_atomic_amount(*amount) || *amount == "0") {
      reader.error(f.price["amount"], YamlReader::join(price_path, "amount"),
                   "amount is in atomic units: a whole number greater than 0 without leading zeros, got '" + *amount + "'");
      return std::nullopt;
    }
    r.amount = *amount;
    if (const auto* known = network->find_asset(*asset_id)) {
      explicit_asset = *known;
    } else {
      explicit_asset.address = *asset_id;
      explicit_asset.symbol = reader.string(f.price, "symbol", price_path).value_or("");
    }
    if (auto dec = reader.integer(f.price, "decimals", price_path, 0, 36)) explicit_asset.decimals = static_cast<int>(*dec);
    YAML::Node eip712 = f.price["eip712"];
    if (eip712.IsDefined() &&
        reader.expect_map(eip712, YamlReader::join(price_path, "eip712"), {"name", "version"})) {
      auto name = reader.string(eip712, "name", YamlReader::join(price_path, "eip712"), true);
      auto version = reader.string(eip712, "version", YamlReader::join(price_path, "eip712"), true);
      if (name && version) explicit_asset.eip712 = x402::Eip712Domain{*name, *version};
    }
    if (network->family == x402::Family::evm && !explicit_asset.eip712) {
      reader.error(f.price, price_path,
                   "an EVM token that is not built in needs eip712: {name, version} (the token's EIP-712 domain)");
      return std::nullopt;
    }
    asset = &explicit_asset;
  } else {
    return std::nullopt;
  }

  r.asset = asset->address;
  r.asset_symbol = asset->symbol;
  r.decimals = asset->decimals;
  if (asset->eip712) r.extra = {{"name", asset->eip712->name}, {"version", asset->eip712->version}};
  // upto (specs/schemes/upto/): EVM only, through Permit2, as @x402/evm's upto server advertises it;
  // extra.facilitatorAddress comes from the facilitator's /supported (facilitator/supported_truth).
  if (r.scheme == "upto") {
    if (network->family != x402::Family::evm) {
      reader.error(f.scheme ? at["scheme"] : at, YamlReader::join(path, "scheme"),
                   "scheme upto is for EVM networks (Permit2); " + network->caip2 + " is not one");
      return std::nullopt;
    }
    r.extra["assetTransferMethod"] = "permit2";
  }
  std::string fee_payer = f.fee_payer.value_or(d.fee_payer);
  // Without fee_payer, the facilitator's /supported names it (facilitator/supported_truth.hpp).
  if (network->family == x402::Family::solana && !fee_payer.empty()) r.extra["feePayer"] = fee_payer;
  // scheme_exact_stellar.md: the facilitator sponsors the fees and says so in `extra`; the
  // reference client refuses a requirement without it. A route's own `extra` may still override it.
  if (network->family == x402::Family::stellar) r.extra["areFeesSponsored"] = true;
  if (f.extra.IsDefined()) {
    auto extra = reader.to_json(f.extra, YamlReader::join(path, "extra"));
    if (!extra.is_object()) {
      reader.error(f.extra, YamlReader::join(path, "extra"), "extra must be a mapping");
      ok = false;
    } else {
      r.extra.update(extra);
    }
  }
  if (!ok) return std::nullopt;
  return r;
}

nlohmann::json build_output_schema(YamlReader& reader, const YAML::Node& node, const std::string& path,
                                   const std::string& method) {
  YAML::Node input = node["input"], output = node["output"];
  if (!input.IsDefined() && !output.IsDefined()) return nullptr;
  nlohmann::json in = {{"type", "http"}, {"method", method.empty() ? "GET" : method}, {"discoverable", true}};
  if (input.IsDefined()) {
    auto extra = reader.to_json(input, YamlReader::join(path, "input"));
    if (!extra.is_object()) reader.error(input, YamlReader::join(path, "input"), "input must be a mapping");
    else in.update(extra);
  }
  nlohmann::json schema = {{"input", in}};
  if (output.IsDefined()) schema["output"] = reader.to_json(output, YamlReader::join(path, "output"));
  return schema;
}

}  // namespace

// on_repeat and payment_identifier: what a payment presented again gets. False on an error.
static bool read_repeat_policy(YamlReader& reader, const YAML::Node& node, const std::string& path, Route& route) {
  bool ok = true;
  if (auto v = reader.string(node, "on_repeat", path)) {
    if (*v == "refuse") route.on_repeat = OnRepeat::refuse;
    else if (*v == "pass") route.on_repeat = OnRepeat::pass;
    else if (*v == "serve") {
      // The old default sold a pass without saying so: it is no longer accepted, so that nobody keeps it unaware.
      reader.error(node["on_repeat"], YamlReader::join(path, "on_repeat"),
                   "on_repeat: serve is gone: it let one payment buy the resource again and again until it expired. "
                   "Remove the key for the default (refuse: a payment buys one answer; one never delivered is still served), "
                   "or write 'pass' to sell that on purpose");
      ok = false;
    } else {
      reader.error(node["on_repeat"], YamlReader::join(path, "on_repeat"),
                   "on_repeat is 'refuse' (default: a payment whose answer was delivered gets 402 payment_already_used) "
                   "or 'pass' (it gets the resource again, no second charge, until it expires), got '" + *v + "'");
      ok = false;
    }
  }
  const YAML::Node pi = node["payment_identifier"];
  if (!pi.IsDefined() || pi.IsNull()) return ok;
  const std::string p = YamlReader::join(path, "payment_identifier");
  PaymentIdentifier& id = route.payment_identifier;
  if (pi.IsScalar()) {  // shorthand: `payment_identifier: true`
    if (auto v = reader.boolean(node, "payment_identifier", path)) id.enabled = *v;
    else ok = false;
    return ok;
  }
  if (!reader.expect_map(pi, p, {"required", "mode", "ttl", "max_bytes"})) return false;
  id.enabled = true;
  if (auto v = reader.boolean(pi, "required", p)) id.required = *v;
  if (auto v = reader.string(pi, "mode", p)) {
    if (*v == "fresh_call") id.mode = PaymentIdentifier::Mode::fresh_call;
    else if (*v == "replay_answer") id.mode = PaymentIdentifier::Mode::replay_answer;
    else {
      reader.error(pi["mode"], YamlReader::join(p, "mode"),
                   "mode is 'fresh_call' (call the upstream again, no second settlement) or 'replay_answer' (the first "
                   "answer again), got '" + *v + "'");
      ok = false;
    }
  }
  if (auto v = reader.duration(pi, "ttl", p)) {
    if (v->count() < 1000) reader.error(pi["ttl"], YamlReader::join(p, "ttl"), "ttl must be at least 1s"), ok = false;
    else id.ttl = *v;
  }
  if (auto v = reader.size(pi, "max_bytes", p)) id.max_bytes = *v;
  if (id.mode == PaymentIdentifier::Mode::replay_answer && route.settlement == Settlement::before) {
    reader.error(pi["mode"], YamlReader::join(p, "mode"),
                 "replay_answer keeps the first answer, which only settle-after routes hold whole; use settlement: after "
                 "or mode: fresh_call");
    ok = false;
  }
  return ok;
}

PaymentDefaults read_payment_defaults(YamlReader& reader, const YAML::Node& node) {
  PaymentDefaults d;
  if (!node.IsDefined() || node.IsNull()) return d;
  const std::string path = "payment";
  if (!reader.expect_map(node, path,
                         {"pay_to", "network", "scheme", "facilitator", "fee_payer", "max_timeout_seconds",
                          "settlement", "payer_header", "forward_payment_header"}))
    return d;
  if (auto v = reader.string(node, "pay_to", path)) d.pay_to = *v;
  if (auto v = reader.string(node, "network", path)) d.network = *v;
  if (auto v = reader.string(node, "scheme", path)) d.scheme = *v;
  if (auto v = read_facilitator_names(reader, node, path)) d.facilitators = *v;
  if (auto v = reader.string(node, "fee_payer", path)) d.fee_payer = *v;
  if (auto v = reader.integer(node, "max_timeout_seconds", path, 1, 86400)) d.max_timeout_seconds = static_cast<int>(*v);
  if (auto v = parse_settlement(reader, node, path)) d.settlement = *v;
  if (auto v = reader.string(node, "payer_header", path)) d.payer_header = *v;
  if (auto v = reader.boolean(node, "forward_payment_header", path)) d.forward_payment_header = *v;
  return d;
}

// proof: tx_hash: the route's EVM requirements may also be paid by a plain transfer proven by its
// hash, checked against the network's entry under chains:. False on an error.
bool read_proof(YamlReader& reader, const YAML::Node& node, const std::string& path, const Config& config, Route& route) {
  auto v = reader.string(node, "proof", path);
  if (!v) return !node["proof"].IsDefined();
  const std::string p = YamlReader::join(path, "proof");
  if (*v == "none") return true;
  if (*v != "tx_hash") {
    reader.error(node["proof"], p, "proof is 'tx_hash' (a plain token transfer proven by its transaction hash) or 'none'");
    return false;
  }
  bool evm = false;
  for (const auto& r : route.requirements) {
    const std::optional<x402::Network> network = x402::resolve_network(r.network);
    if (!network || network->family != x402::Family::evm) continue;
    evm = true;
    if (!config.chain_for(r.network)) {
      reader.error(node["proof"], p, "proof: tx_hash needs a JSON-RPC endpoint for " + r.network +
                                          ": add chains: { " + (r.v1_network.empty() ? r.network : r.v1_network) + ": { rpc: URL } }");
      return false;
    }
  }
  if (!evm) {
    reader.error(node["proof"], p, "proof: tx_hash is for EVM networks only; this route accepts none");
    return false;
  }
  route.proof = Proof::tx_hash;
  return true;
}

std::optional<Route> read_route(YamlReader& reader, const YAML::Node& node, const std::string& path,
                                const Config& config, const PaymentDefaults& defaults,
                                routing::RouteTable& table) {
  if (!reader.expect_map(node, path,
                         {"match", "name", "host", "upstream", "price", "network", "pay_to", "scheme", "fee_payer",
                          "max_timeout_seconds", "extra", "accepts", "facilitator", "settlement", "description",
                          "mime_type", "input", "output", "bazaar", "payer_header", "forward_payment_header",
                          "max_request_body", "on_repeat", "payment_identifier", "proof", "paywall", "pricer", "meter"}))
    return std::nullopt;
  bool ok = true;
  Route route;
  route.line = node.Mark().line + 1;

  auto match = reader.string(node, "match", path, true);
  auto host = reader.string(node, "host", path);
  std::optional<routing::RouteMatcher> matcher;
  if (match) {
    std::string why;
    matcher = routing::parse_match(*match, host.value_or(""), &why);
    if (!matcher) {
      reader.error(node["match"], YamlReader::join(path, "match"), why);
      ok = false;
    }
    route.match = *match;
  } else {
    ok = false;
  }
  route.name = reader.string(node, "name", path).value_or(route.match);

  // Upstream: named, or the only one there is.
  if (auto name = reader.string(node, "upstream", path)) {
    if (auto i = find_named(config.upstreams, *name)) route.upstream = *i;
    else {
      reader.error(node["upstream"], YamlReader::join(path, "upstream"), "no upstream named '" + *name + "' in 'upstreams:'");
      ok = false;
    }
  } else if (config.upstreams.size() != 1) {
    reader.error(node, YamlReader::join(path, "upstream"), "'upstream' is required when more than one upstream is configured");
    ok = false;
  }

  if (auto v = reader.string(node, "description", path)) route.description = *v;
  if (auto v = reader.string(node, "mime_type", path)) route.mime_type = *v;
  if (auto v = reader.size(node, "max_request_body", path)) route.max_request_body = *v;
  route.settlement = parse_settlement(reader, node, path).value_or(defaults.settlement);
  route.payer_header = reader.string(node, "payer_header", path).value_or(defaults.payer_header);
  route.forward_payment_header = reader.boolean(node, "forward_payment_header", path).value_or(defaults.forward_payment_header);
  route.output_schema = build_output_schema(reader, node, path, matcher ? matcher->method : "");
  route.paywall = defaults.paywall;
  read_paywall(reader, node["paywall"], YamlReader::join(path, "paywall"), route.paywall);

  YAML::Node accepts = node["accepts"];
  bool has_price = node["price"].IsDefined() && !node["price"].IsNull();
  const YAML::Node pricer = node["pricer"];
  const bool has_pricer = pricer.IsDefined() && !pricer.IsNull();
  if (has_price && accepts.IsDefined()) {
    reader.error(node["accepts"], YamlReader::join(path, "accepts"), "give either 'price' or 'accepts', not both");
    ok = false;
  } else if (has_pricer && (has_price || accepts.IsDefined())) {
    reader.error(pricer, YamlReader::join(path, "pricer"),
                 "a route priced by a pricer takes no 'price' or 'accepts': the pricer names the amount (in the network's USD stablecoin)");
    ok = false;
  } else if (has_pricer) {
    // The requirement's network, asset and payee are the route's; its amount is the pricer's, per request.
    const AcceptFields read = read_accept_fields(reader, node, path);
    std::optional<x402::Network> network = x402::resolve_network(read.network.value_or(defaults.network));
    if (network && !network->usd_asset()) {
      reader.error(pricer, YamlReader::join(path, "pricer"),
                   "a pricer's prices are in the network's USD stablecoin, and " + network->caip2 + " has none built in");
      ok = false;
    } else {
      const AcceptFields fields = with_price(read, YAML::Node("$1"));
      auto r = build_requirement(reader, node, path, fields, defaults);
      auto p = read_pricer(reader, pricer, YamlReader::join(path, "pricer"));
      if (r && p) {
        route.requirements.push_back(std::move(*r));
        route.pricer = std::move(*p);
      } else {
        ok = false;
      }
    }
  } else if (has_price && is_price_rule(node["price"])) {
    const std::string price_path = YamlReader::join(path, "price");
    const AcceptFields fields = with_price(read_accept_fields(reader, node, path), first_rule_price(node["price"]));
    if (!fields.price.IsDefined()) {
      reader.error(node["price"], YamlReader::join(price_path, "table"), "table is a non-empty mapping of value: price, e.g. { small: \"$0.01\" }");
      ok = false;
    } else if (!fields.price.IsScalar()) {
      reader.error(fields.price, price_path, "a rule's prices are written as \"$0.01\" or \"0.5 STX\"");
      ok = false;
    } else if (auto r = build_requirement(reader, node, path, fields, defaults); r && matcher) {
      auto rule = read_price_rule(reader, node["price"], price_path, *r, matcher->pattern);
      if (rule) {
        route.requirements.push_back(std::move(*r));
        route.price_rule = std::move(*rule);
      } else {
        ok = false;
      }
    } else {
      ok = false;
    }
  } else if (has_price) {
    auto r = build_requirement(reader, node, path, read_accept_fields(reader, node, path), defaults);
    if (r) route.requirements.push_back(std::move(*r));
    else ok = false;
  } else if (accepts.IsDefined()) {
    const std::string accepts_path = YamlReader::join(path, "accepts");
    if (!accepts.IsSequence() || accepts.size() == 0) {
      reader.error(accepts, accepts_path, "accepts must be a non-empty list of {network, price, pay_to, ...}");
      ok = false;
    } else {
      for (size_t i = 0; i < accepts.size(); ++i) {
        const std::string p = YamlReader::index(accepts_path, i);
        if (!reader.expect_map(accepts[i], p,
                               {"network", "price", "pay_to", "scheme", "fee_payer", "max_timeout_seconds", "extra"})) {
          ok = false;
          continue;
        }
        if (is_price_rule(accepts[i]["price"])) {
          reader.error(accepts[i]["price"], YamlReader::join(p, "price"),
                       "a price from the request ({from, table}) is the route's own 'price:', not an accepts entry's");
          ok = false;
          continue;
        }
        auto r = build_requirement(reader, accepts[i], p, read_accept_fields(reader, accepts[i], p), defaults);
        if (r) route.requirements.push_back(std::move(*r));
        else ok = false;
      }
    }
  } else {
    for (const char* key : {"network", "pay_to", "scheme", "fee_payer", "max_timeout_seconds", "extra", "facilitator",
                            "on_repeat", "payment_identifier", "proof", "paywall", "meter"})
      if (node[key].IsDefined())
        reader.error(node[key], YamlReader::join(path, key), std::string("'") + key + "' has no effect on a free route (no price)");
  }
  route.priced = !route.requirements.empty();
  // An upto payment is settled for what the answer says it cost: before the answer nothing is
  // known, so settling first would charge the maximum every time (a fixed price in disguise).
  const bool upto = std::any_of(route.requirements.begin(), route.requirements.end(),
                                [](const x402::Requirement& r) { return r.scheme == "upto"; });
  if (upto && route.settlement == Settlement::before) {
    reader.error(node["settlement"].IsDefined() ? node["settlement"] : node, YamlReader::join(path, "settlement"),
                 "settlement: before cannot settle an upto (metered) payment: the charge is known only from the answer. "
                 "Use settlement: after (the default) for this route");
    ok = false;
  }
  if (upto && node["proof"].IsDefined()) {
    reader.error(node["proof"], YamlReader::join(path, "proof"),
                 "proof: tx_hash proves a fixed price paid; it cannot stand in for an upto (metered) payment");
    ok = false;
  }
  if (route.priced && !read_repeat_policy(reader, node, path, route)) ok = false;
  if (upto && route.on_repeat == OnRepeat::pass) {
    // A pass sells repeated answers for one charge; a metered charge is the cost of one answer.
    reader.error(node["on_repeat"].IsDefined() ? node["on_repeat"] : node, YamlReader::join(path, "on_repeat"),
                 "on_repeat: pass sells repeated answers for one charge; an upto (metered) route charges each answer. "
                 "Remove it (the default, refuse)");
    ok = false;
  }
  if (route.priced && !read_proof(reader, node, path, config, route)) ok = false;
  route.bazaar = read_bazaar(reader, node, path, matcher ? matcher->method : "", route.priced || has_price || accepts.IsDefined());
  if (route.priced && !read_meter(reader, node, path, route)) ok = false;

  if (route.priced_per_request() && route.proof == Proof::tx_hash) {
    reader.error(node["proof"], YamlReader::join(path, "proof"),
                 "proof: tx_hash checks a transfer against one fixed price; a price from the request or a pricer cannot use it");
    ok = false;
  }

  if (route.priced || has_price || accepts.IsDefined() || has_pricer) {
    const bool own = node["facilitator"].IsDefined();
    std::vector<std::string> names;
    if (own) {
      if (auto v = read_facilitator_names(reader, node, path)) names = std::move(*v);
      else ok = false;
    } else {
      names = defaults.facilitators;
    }
    for (const auto& name : names) {
      if (auto i = find_named(config.facilitators, name)) route.facilitators.push_back(*i);
      else {
        reader.error(own ? node["facilitator"] : node, YamlReader::join(path, "facilitator"),
                     "no facilitator named '" + name + "' in 'facilitators:'");
        ok = false;
      }
    }
    if (names.empty() && ok) {
      if (config.facilitators.size() == 1) {
        route.facilitators.push_back(0);
      } else {
        reader.error(node, YamlReader::join(path, "facilitator"),
                     config.facilitators.empty() ? "a priced route needs a facilitator: add one under 'facilitators:'"
                                                 : "several facilitators are configured: name one (or a list) here or in 'payment:'");
        ok = false;
      }
    }
  }

  if (!ok) return std::nullopt;
  table.add(std::move(*matcher));
  return route;
}

}  // namespace x402gw::config
