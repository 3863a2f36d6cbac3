#include "config/meter_reader.hpp"

#include <optional>
#include <variant>

#include "x402/money.hpp"
#include "x402/networks.hpp"

namespace x402gw::config {
namespace {

// A json meter's path: dot-separated, non-empty segments (a number segment indexes an array).
bool valid_path(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') return false;
  return path.find("..") == std::string::npos;
}

// A meter's price for one requirement: its atomic units, or why not (`error` empty when the reader
// reported it already).
struct UnitPrice {
  std::optional<std::string> amount;
  std::string error;
};

UnitPrice fail(std::string why) { return UnitPrice{std::nullopt, std::move(why)}; }

// The meter's price in atomic units of `r`'s asset, or a message saying why not. The price is
// written as the route's is ("$0.002", "0.5 STX") or as {amount: <atomic units>}, and must be in
// the requirement's asset: a meter cannot charge USDC on a route that authorizes another token.
UnitPrice unit_price_for(YamlReader& reader, const YAML::Node& price,
                         const std::string& at, const x402::Requirement& r) {
  const std::optional<x402::Network> network = x402::resolve_network(r.network);
  const std::string route_asset = r.asset_symbol.empty() ? r.asset : r.asset_symbol;
  if (price.IsMap()) {
    if (!reader.expect_map(price, at, {"amount"})) return fail("");  // reported
    auto amount = reader.string(price, "amount", at, true);
    if (!amount) return fail("");
    if (!x402::is_atomic_amount(*amount) || *amount == "0")
      return fail("amount is in atomic units of the route's asset (" + route_asset +
             "): a whole number greater than 0 without leading zeros, got '" + *amount + "'");
    return UnitPrice{*amount, ""};
  }
  auto text = reader.scalar(price, at);
  if (!text) return fail("");
  std::string amount_text = *text;
  const x402::Asset* asset = nullptr;
  if (!text->empty() && text->front() == '$') {
    asset = network ? network->usd_asset() : nullptr;
    if (!asset || asset->address != r.asset)
      return fail("'" + *text + "' is in dollars, but the route is paid in " + route_asset + " on " + r.network +
                  ": give the meter's price in the route's asset");
  } else if (auto space = text->find(' '); space != std::string::npos) {
    amount_text = text->substr(0, space);
    const std::string symbol = text->substr(space + 1);
    asset = network ? network->find_asset(symbol) : nullptr;
    if (!asset || asset->address != r.asset)
      return fail("'" + *text + "' is not in the route's asset (" + route_asset + " on " + r.network + ")");
  } else {
    return fail("write \"$0.002\" for US dollars, \"0.5 STX\" for a named token, or {amount: <atomic units>}, in "
                "the route's asset");
  }
  auto converted = x402::to_atomic_units(amount_text, r.decimals);
  if (auto* e = std::get_if<x402::MoneyError>(&converted)) {
    std::string message = "'" + *text + "': " + x402::describe(*e, r.decimals);
    if (*e == x402::MoneyError::too_precise || *e == x402::MoneyError::zero)
      message += "; price a larger unit instead (a json meter's per: 1000, bytes: 1MiB, time: 1m)";
    return fail(std::move(message));
  }
  return UnitPrice{std::get<std::string>(converted), ""};
}

}  // namespace

bool read_meter(YamlReader& reader, const YAML::Node& node, const std::string& path, Route& route) {
  const YAML::Node m = node["meter"];
  if (!m.IsDefined() || m.IsNull()) return true;
  const std::string at = YamlReader::join(path, "meter");
  if (!reader.expect_map(m, at, {"bytes", "time", "json", "per", "price"})) return false;
  MeterSpec spec;
  spec.line = m.Mark().line + 1;
  bool ok = true;

  int kinds = 0;
  for (const char* kind : {"bytes", "time", "json"})
    if (m[kind].IsDefined()) ++kinds;
  if (kinds != 1) {
    reader.error(m, at, kinds == 0 ? "a meter measures one thing: bytes: <size per unit>, time: <duration per unit> or "
                                     "json: <dotted path> (with per: <count per unit>)"
                                   : "a meter measures one thing: give only one of bytes, time and json");
    return false;
  }
  if (m["bytes"].IsDefined()) {
    spec.kind = MeterSpec::Kind::bytes;
    if (auto v = reader.size(m, "bytes", at)) {
      if (*v == 0) reader.error(m["bytes"], YamlReader::join(at, "bytes"), "bytes is the size of one priced unit, more than 0"), ok = false;
      else spec.per = *v;
    } else {
      ok = false;
    }
  } else if (m["time"].IsDefined()) {
    spec.kind = MeterSpec::Kind::time;
    if (auto v = reader.duration(m, "time", at)) {
      if (v->count() <= 0) reader.error(m["time"], YamlReader::join(at, "time"), "time is the length of one priced unit, more than 0"), ok = false;
      else spec.per = static_cast<uint64_t>(v->count()) * 1000;  // microseconds, as the meter measures
    } else {
      ok = false;
    }
  } else {
    spec.kind = MeterSpec::Kind::json;
    if (auto v = reader.string(m, "json", at, true)) {
      if (!valid_path(*v)) {
        reader.error(m["json"], YamlReader::join(at, "json"),
                     "json is a dotted path to a number in the answer, such as usage.total_tokens, got '" + *v + "'");
        ok = false;
      } else {
        spec.path = *v;
      }
    } else {
      ok = false;
    }
  }
  if (m["per"].IsDefined()) {
    if (spec.kind != MeterSpec::Kind::json) {
      reader.error(m["per"], YamlReader::join(at, "per"),
                   "per belongs to a json meter; bytes: and time: are the unit themselves (bytes: 1KiB, time: 1s)");
      ok = false;
    } else if (auto v = reader.integer(m, "per", at, 1, 1'000'000'000'000)) {
      spec.per = static_cast<uint64_t>(*v);
    } else {
      ok = false;
    }
  }

  const YAML::Node price = m["price"];
  const std::string price_at = YamlReader::join(at, "price");
  if (!price.IsDefined() || price.IsNull()) {
    reader.error(m, price_at, "a meter needs price: what one unit costs (\"$0.002\"), in the route's asset");
    return false;
  }
  if (price.IsScalar()) spec.price = price.Scalar();

  // Atomic units name no asset: over upto requirements in several assets they would mean two prices.
  if (price.IsMap()) {
    const x402::Requirement* first = nullptr;
    for (const auto& r : route.requirements) {
      if (r.scheme != "upto") continue;
      if (first && (r.asset != first->asset || r.network != first->network)) {
        reader.error(price, price_at, "{amount} is in atomic units of one asset, but this route's upto payments are in "
                                      "several assets: write the price as \"$0.002\" (each network's USDC) or "
                                      "give the route one upto asset");
        return false;
      }
      first = &r;
    }
  }

  bool upto = false;
  for (const auto& r : route.requirements) {
    if (r.scheme != "upto") {
      spec.unit_price.emplace_back();
      continue;
    }
    upto = true;
    UnitPrice unit = unit_price_for(reader, price, price_at, r);
    if (unit.amount) {
      spec.unit_price.push_back(std::move(*unit.amount));
    } else {
      if (!unit.error.empty()) reader.error(price, price_at, unit.error);
      ok = false;
      break;
    }
  }
  if (!upto) {
    reader.error(m, at, "a meter sets what an upto payment settles: it needs scheme: upto on the route (its price is "
                        "then the most a buyer authorizes)");
    return false;
  }
  // settlement: before on an upto route is reported by the route builder (it is wrong with or
  // without a meter): not reported twice here.
  if (!ok) return false;
  route.meter = std::move(spec);
  return true;
}

}  // namespace x402gw::config
