#include "facilitator/supported_truth.hpp"

#include <algorithm>

#include "config/loader.hpp"
#include "x402/networks.hpp"

namespace x402gw::facilitator {
namespace {

bool is_solana(const x402::Requirement& r) {
  auto network = x402::resolve_network(r.network);
  return network && network->family == x402::Family::solana;
}

std::string quoted_names(const config::Config& c, const std::vector<size_t>& indices) {
  std::string out;
  for (size_t i : indices) out += (out.empty() ? "'" : ", '") + c.facilitators[i].name + "'";
  return out;
}

// The fee payer a kind names: its extra.feePayer, else its only signer.
std::optional<std::string> fee_payer_of(const x402::SupportedKind& kind) {
  if (auto it = kind.extra.find("feePayer"); it != kind.extra.end() && it->is_string() && !it->get<std::string>().empty())
    return it->get<std::string>();
  if (kind.signers.size() == 1) return kind.signers.front();
  return std::nullopt;
}

bool is_upto(const x402::Requirement& r) { return r.scheme == "upto"; }

// The address an upto kind names for the buyer to sign into its Permit2 witness. @x402/evm's upto
// facilitator accepts any of its addresses, and names a random one in extra.facilitatorAddress at
// each /supported: taken as it is, the 402 (and the `accepted` a payment must echo) would change at
// every refresh. So the first of the kind's signers when it lists some (stable), else its extra.
std::optional<std::string> facilitator_address_of(const x402::SupportedKind& kind) {
  if (!kind.signers.empty()) return kind.signers.front();
  if (auto it = kind.extra.find("facilitatorAddress"); it != kind.extra.end() && it->is_string() && !it->get<std::string>().empty())
    return it->get<std::string>();
  return std::nullopt;
}

// What /supported fills in for a requirement that leaves it out: the key and the value, or nullopt.
std::optional<std::pair<const char*, std::string>> completion_of(const x402::Requirement& r, const x402::SupportedKind& kind) {
  if (is_upto(r)) {
    if (auto address = facilitator_address_of(kind)) return std::pair{"facilitatorAddress", *address};
    return std::nullopt;
  }
  if (auto payer = fee_payer_of(kind)) return std::pair{"feePayer", *payer};
  return std::nullopt;
}

}  // namespace

std::vector<size_t> used_facilitators(const config::Config& config) {
  std::vector<size_t> used;
  for (const auto& route : config.routes)
    if (route.priced)
      for (size_t i : route.facilitators)
        if (std::find(used.begin(), used.end(), i) == used.end()) used.push_back(i);
  return used;
}

Findings check_routes(const config::Config& config, const SupportedAnswers& answers) {
  Findings f;
  auto answer = [&](size_t i) -> const SupportedAnswer* { return i < answers.size() ? &answers[i] : nullptr; };
  for (const auto& route : config.routes) {
    if (!route.priced) continue;
    std::vector<size_t> up;
    std::string down;
    for (size_t i : route.facilitators) {
      const SupportedAnswer* a = answer(i);
      if (a && a->answered) up.push_back(i);
      else down += (down.empty() ? "" : "; ") + ("facilitator '" + config.facilitators[i].name + "': " + (a && !a->error.empty() ? a->error : "not checked yet"));
    }
    if (up.empty()) {
      f.problems.push_back("route '" + route.name + "': no facilitator answered /supported (" + down + ")");
      continue;
    }
    if (!down.empty()) f.warnings.push_back("route '" + route.name + "' runs on its other facilitators: " + down);
    for (const auto& r : route.requirements) {
      std::vector<size_t> offering, lacking;
      for (size_t i : up) (x402::supports(answers[i].kinds, r) ? offering : lacking).push_back(i);
      if (offering.empty()) {
        f.problems.push_back("route '" + route.name + "' accepts " + r.scheme + " on " + r.network + ", which " +
                             (up.size() == 1 ? "facilitator " + quoted_names(config, up) + " does not list"
                                             : "none of its facilitators (" + quoted_names(config, up) + ") lists") +
                             " in /supported");
        continue;
      }
      if (!lacking.empty())
        f.warnings.push_back("route '" + route.name + "': facilitator " + quoted_names(config, lacking) + " does not list " +
                             r.scheme + " on " + r.network + " in /supported and cannot stand in for " +
                             quoted_names(config, offering));
      if (is_upto(r)) {
        // The buyer's client signs the facilitator into the witness and refuses to pay without it.
        if (!r.extra.contains("facilitatorAddress"))
          f.problems.push_back("route '" + route.name + "' accepts upto on " + r.network + ", but no facilitator of it names an "
                               "extra.facilitatorAddress for upto in /supported (buyers sign it into their Permit2 witness): "
                               "use a facilitator that settles upto, or set extra.facilitatorAddress");
        else if (offering.size() > 1)
          f.warnings.push_back("route '" + route.name + "': an upto payment names one facilitator (" +
                               r.extra["facilitatorAddress"].dump() + "); failover to " + quoted_names(config, {offering.begin() + 1, offering.end()}) +
                               " can settle it only if they share that address");
        continue;
      }
      if (!is_solana(r)) continue;
      auto fee_payer = r.extra.find("feePayer");
      if (fee_payer == r.extra.end() || !fee_payer->is_string()) {
        f.problems.push_back("route '" + route.name + "' accepts " + r.network +
                             " but has no fee payer: set fee_payer, or use a facilitator whose /supported names one");
        continue;
      }
      const x402::SupportedKind* kind = x402::find_kind(answers[offering.front()].kinds, r);
      if (kind && !kind->signers.empty() &&
          std::find(kind->signers.begin(), kind->signers.end(), fee_payer->get<std::string>()) == kind->signers.end())
        f.problems.push_back("route '" + route.name + "': fee payer " + fee_payer->get<std::string>() +
                             " is not one of facilitator '" + config.facilitators[offering.front()].name +
                             "''s signers for " + r.network + " in /supported");
    }
  }
  return f;
}

std::optional<config::Config> complete_from_supported(const config::Config& loaded, const SupportedAnswers& answers) {
  std::optional<config::Config> out;
  for (size_t ri = 0; ri < loaded.routes.size(); ++ri) {
    const config::Route& route = loaded.routes[ri];
    if (!route.priced) continue;
    for (size_t qi = 0; qi < route.requirements.size(); ++qi) {
      const x402::Requirement& r = route.requirements[qi];
      // Solana's fee payer and upto's facilitator address: named by the facilitator that settles.
      if (is_upto(r) ? r.extra.contains("facilitatorAddress") : !is_solana(r) || r.extra.contains("feePayer")) continue;
      for (size_t i : route.facilitators) {
        if (i >= answers.size() || !answers[i].answered) continue;
        const x402::SupportedKind* kind = x402::find_kind(answers[i].kinds, r);
        if (!kind) continue;
        auto completion = completion_of(r, *kind);
        if (!completion) break;  // the first facilitator that offers the kind decides: it signs
        if (!out) out = loaded;
        out->routes[ri].requirements[qi].extra[completion->first] = completion->second;
        break;
      }
    }
  }
  if (out) out->generation = config::next_generation();
  return out;
}

bool same_requirements(const config::Config& a, const config::Config& b) {
  if (a.routes.size() != b.routes.size()) return false;
  for (size_t i = 0; i < a.routes.size(); ++i) {
    const auto& x = a.routes[i].requirements;
    const auto& y = b.routes[i].requirements;
    if (x.size() != y.size()) return false;
    for (size_t j = 0; j < x.size(); ++j)
      if (x[j].extra != y[j].extra) return false;
  }
  return true;
}

Findings breaker_findings(const config::Config& config, const BreakerSet& breakers, Breaker::Clock::time_point now) {
  Findings f;
  auto state_of = [&](size_t i) {
    return i < breakers.by_index.size() ? breakers.by_index[i]->snapshot(now) : Breaker::Snapshot{};
  };
  for (size_t i : used_facilitators(config)) {
    const Breaker::Snapshot s = state_of(i);
    if (s.state == BreakerState::closed) continue;
    std::string why = "facilitator '" + config.facilitators[i].name + "': circuit " + std::string(state_name(s.state));
    if (s.state == BreakerState::open)
      why += " for " + std::to_string(std::chrono::ceil<std::chrono::seconds>(s.open_remaining).count()) + "s more";
    if (s.consecutive_failures > 0) why += " after " + std::to_string(s.consecutive_failures) + " consecutive failures";
    if (!s.last_failure.empty()) why += " (last: " + s.last_failure + ")";
    f.warnings.push_back(std::move(why));
  }
  for (const auto& route : config.routes) {
    if (!route.priced) continue;
    const bool all_open = std::all_of(route.facilitators.begin(), route.facilitators.end(),
                                      [&](size_t i) { return state_of(i).state == BreakerState::open; });
    if (all_open && !route.facilitators.empty())
      f.problems.push_back("route '" + route.name + "': every facilitator's circuit is open (" +
                           quoted_names(config, route.facilitators) + ")");
  }
  return f;
}

}  // namespace x402gw::facilitator
