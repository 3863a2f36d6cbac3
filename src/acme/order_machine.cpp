#include "acme/order_machine.hpp"

#include <nlohmann/json.hpp>

#include "acme/crypto.hpp"

namespace x402gw::acme {
namespace {

using json = nlohmann::json;
constexpr int kMaxPolls = 120;

std::optional<json> parse(const std::string& body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

std::string string_of(const json& doc, const char* key) {
  auto it = doc.find(key);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

const char* type_name(config::AcmeChallenge t) { return t == config::AcmeChallenge::http_01 ? "http-01" : "tls-alpn-01"; }

}  // namespace

std::string problem_detail(const std::string& body) {
  if (auto doc = parse(body)) {
    std::string type = string_of(*doc, "type"), detail = string_of(*doc, "detail");
    if (!type.empty() || !detail.empty()) return type + (detail.empty() ? "" : ": " + detail);
  }
  return body.substr(0, 200);
}

OrderMachine::OrderMachine(std::string directory_url, std::vector<std::string> domains, std::string email,
                           config::AcmeChallenge type, std::string thumbprint, std::string csr_der,
                           std::chrono::milliseconds poll_interval)
    : directory_url_(std::move(directory_url)), domains_(std::move(domains)), email_(std::move(email)), type_(type),
      thumbprint_(std::move(thumbprint)), csr_der_(std::move(csr_der)), poll_interval_(poll_interval) {}

Action OrderMachine::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
  // A published challenge is taken down before the failure is reported.
  if (published_) {
    published_ = false;
    return Action{Action::Kind::retract, {}, pending_, {}, {}};
  }
  return Action{Action::Kind::fail, {}, {}, {}, error_};
}

Action OrderMachine::send(Request r) {
  awaiting_ = true;
  return Action{Action::Kind::send, std::move(r), {}, {}, {}};
}

Action OrderMachine::next() {
  if (awaiting_) return fail("internal: next() before the response to the last request");
  if (wait_first_) {
    wait_first_ = false;
    if (++polls_ > kMaxPolls) return fail("the ACME server did not finish validating or issuing in time");
    return Action{Action::Kind::wait, {}, {}, poll_interval_, {}};
  }
  switch (state_) {
    case State::directory: return send(Request{directory_url_, std::nullopt, true, false});
    case State::account: {
      json payload = {{"termsOfServiceAgreed", true}};
      if (!email_.empty()) payload["contact"] = json::array({"mailto:" + email_});
      return send(Request{new_account_url_, payload.dump(), false, true});
    }
    case State::order: {
      json ids = json::array();
      for (const auto& d : domains_) ids.push_back({{"type", "dns"}, {"value", d}});
      return send(Request{new_order_url_, json{{"identifiers", ids}}.dump(), false, false});
    }
    case State::authorization:
      if (authz_index_ >= authorizations_.size()) {
        state_ = State::finalize;
        return next();
      }
      return send(Request{authorizations_[authz_index_], std::nullopt, false, false});
    case State::answer:
      if (retract_then_next_) {
        retract_then_next_ = false;
        published_ = false;
        ++authz_index_;
        polls_ = 0;
        state_ = State::authorization;
        return Action{Action::Kind::retract, {}, pending_, {}, {}};
      }
      if (!published_) {
        published_ = true;
        return Action{Action::Kind::publish, {}, pending_, {}, {}};
      }
      return send(Request{challenge_url_, std::string("{}"), false, false});
    case State::poll_authorization: return send(Request{authorizations_[authz_index_], std::nullopt, false, false});
    case State::finalize: return send(Request{finalize_url_, json{{"csr", base64url(csr_der_)}}.dump(), false, false});
    case State::poll_order: return send(Request{order_url_, std::nullopt, false, false});
    case State::download: return send(Request{certificate_url_, std::nullopt, false, false});
    case State::done: return Action{Action::Kind::done, {}, {}, {}, certificate_};
    case State::failed:
      if (published_) {
        published_ = false;
        return Action{Action::Kind::retract, {}, pending_, {}, {}};
      }
      return Action{Action::Kind::fail, {}, {}, {}, error_};
  }
  return fail("internal: unknown state");
}

void OrderMachine::on_response(const Response& r) {
  awaiting_ = false;
  auto failed = [&](const std::string& what) {
    state_ = State::failed;
    error_ = what;
  };
  if (r.status >= 400) {
    // Leave a published challenge to be retracted by next().
    const std::string why = "the ACME server refused (" + std::to_string(r.status) + "): " + problem_detail(r.body);
    state_ = State::failed;
    error_ = why;
    return;
  }
  if (state_ == State::download) {
    if (r.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) return failed("the certificate download is not PEM");
    certificate_ = r.body;
    state_ = State::done;
    return;
  }
  auto doc = parse(r.body);
  if (!doc) return failed("the ACME server sent something that is not a JSON object");
  switch (state_) {
    case State::directory:
      new_account_url_ = string_of(*doc, "newAccount");
      new_order_url_ = string_of(*doc, "newOrder");
      nonce_url_ = string_of(*doc, "newNonce");
      if (new_account_url_.empty() || new_order_url_.empty() || nonce_url_.empty())
        return failed("the ACME directory lacks newAccount, newOrder or newNonce");
      state_ = State::account;
      return;
    case State::account:
      if (r.location.empty()) return failed("the ACME server sent no account URL");
      account_url_ = r.location;
      state_ = State::order;
      return;
    case State::order: {
      order_url_ = r.location;
      finalize_url_ = string_of(*doc, "finalize");
      authorizations_.clear();
      if (auto it = doc->find("authorizations"); it != doc->end() && it->is_array())
        for (const auto& a : *it)
          if (a.is_string()) authorizations_.push_back(a.get<std::string>());
      if (order_url_.empty() || finalize_url_.empty()) return failed("the order lacks its URL or its finalize URL");
      const std::string status = string_of(*doc, "status");
      if (status == "invalid") return failed("the ACME server made the order invalid");
      authz_index_ = 0;
      state_ = State::authorization;
      return;
    }
    case State::authorization:
    case State::poll_authorization: {
      const std::string status = string_of(*doc, "status");
      if (status == "valid") {
        if (published_) {
          // next() retracts it, then moves on.
          state_ = State::answer;
          retract_then_next_ = true;
          return;
        }
        ++authz_index_;
        state_ = State::authorization;
        polls_ = 0;
        return;
      }
      if (status == "invalid") {
        std::string why = "the ACME server could not validate " + pending_.domain;
        if (auto cs = doc->find("challenges"); cs != doc->end() && cs->is_array())
          for (const auto& c : *cs)
            if (c.is_object() && c.contains("error")) why += ": " + problem_detail(c["error"].dump());
        return failed(why);
      }
      if (state_ == State::poll_authorization) {  // pending or processing: poll again
        wait_first_ = true;
        return;
      }
      if (status != "pending") return failed("unexpected authorization status '" + status + "'");
      const json* identifier = doc->contains("identifier") ? &(*doc)["identifier"] : nullptr;
      const std::string domain = identifier && identifier->is_object() ? string_of(*identifier, "value") : std::string{};
      auto cs = doc->find("challenges");
      if (cs == doc->end() || !cs->is_array()) return failed("the authorization lists no challenges");
      for (const auto& c : *cs) {
        if (!c.is_object() || string_of(c, "type") != type_name(type_)) continue;
        const std::string token = string_of(c, "token"), url = string_of(c, "url");
        if (token.empty() || url.empty()) continue;
        pending_ = Challenge{type_, domain, token, token + "." + thumbprint_};
        challenge_url_ = url;
        state_ = State::answer;
        return;
      }
      return failed(std::string("the ACME server offers no ") + type_name(type_) + " challenge for " + domain);
    }
    case State::answer:
      // The challenge was accepted for validation: poll its authorization.
      state_ = State::poll_authorization;
      wait_first_ = true;
      return;
    case State::finalize:
    case State::poll_order: {
      const std::string status = string_of(*doc, "status");
      if (status == "valid") {
        certificate_url_ = string_of(*doc, "certificate");
        if (certificate_url_.empty()) return failed("a valid order without a certificate URL");
        state_ = State::download;
        return;
      }
      if (status == "invalid") return failed("the ACME server made the order invalid: " + problem_detail(r.body));
      state_ = State::poll_order;
      wait_first_ = true;
      return;
    }
    default: return failed("internal: a response in state without a request");
  }
}

}  // namespace x402gw::acme
