#pragma once
// One certificate order as a sans-io state machine (RFC 8555 section 7): directory, account,
// order, each authorization and its challenge, finalize with a CSR, poll, download. It says what
// to do next (an Action) and is told what came back (a Response); the driver (client.cpp) does
// the HTTP, the nonces and the signing, so every transition is unit-tested without a server.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/listener.hpp"

namespace x402gw::acme {

/// An ACME request the driver must send. `payload` nullopt: POST-as-GET; `get`: an unsigned GET
/// (the directory only); `with_jwk`: signed with the JWK (newAccount) rather than the account URL.
struct Request {
  std::string url;
  std::optional<std::string> payload;
  bool get = false;
  bool with_jwk = false;
};

/// What came back for a Request (after the driver retried a bad nonce).
struct Response {
  unsigned status = 0;
  std::string location;   // the Location header, if any
  std::string body;
};

/// A challenge to answer, by type: http-01 serves key_authorization at the token's path;
/// tls-alpn-01 serves a certificate for `domain` built from it.
struct Challenge {
  config::AcmeChallenge type = config::AcmeChallenge::http_01;
  std::string domain;
  std::string token;
  std::string key_authorization;
};

/// The next thing the driver does.
struct Action {
  enum class Kind { send, publish, retract, wait, done, fail } kind = Kind::fail;
  Request request;                      // send
  Challenge challenge;                  // publish, retract
  std::chrono::milliseconds delay{0};   // wait
  std::string text;                     // done: the certificate chain (PEM); fail: why
};

/// One order from start to a certificate or a failure.
class OrderMachine {
 public:
  /// `thumbprint` is the account key's JWK thumbprint; `csr_der` the request for `domains`.
  OrderMachine(std::string directory_url, std::vector<std::string> domains, std::string email, config::AcmeChallenge type,
               std::string thumbprint, std::string csr_der, std::chrono::milliseconds poll_interval = std::chrono::milliseconds(500));

  /// What to do now. After `send`, call on_response(); after anything else, call next() again.
  Action next();
  /// The answer to the last `send`.
  void on_response(const Response& response);

  /// The account URL (the "kid" of later requests), once known.
  const std::string& account_url() const { return account_url_; }
  /// The newNonce URL, once the directory is read.
  const std::string& nonce_url() const { return nonce_url_; }

 private:
  enum class State {
    directory, account, order, authorization, answer, poll_authorization, finalize, poll_order, download, done, failed
  };
  Action fail(std::string why);
  Action send(Request r);

  std::string directory_url_;
  std::vector<std::string> domains_;
  std::string email_;
  config::AcmeChallenge type_;
  std::string thumbprint_;
  std::string csr_der_;
  std::chrono::milliseconds poll_interval_;

  State state_ = State::directory;
  bool awaiting_ = false;     // a send is out; next() must not be called before on_response()
  bool wait_first_ = false;   // the next poll waits before it sends
  int polls_ = 0;
  std::string new_account_url_, new_order_url_, nonce_url_, account_url_;
  std::string order_url_, finalize_url_, certificate_url_;
  std::vector<std::string> authorizations_;
  size_t authz_index_ = 0;
  Challenge pending_;         // the challenge being answered
  std::string challenge_url_;
  bool published_ = false;
  bool retract_then_next_ = false;  // the authorization is valid: take the challenge down, then go on
  std::string certificate_;
  std::string error_;
};

/// The "detail" of an RFC 7807 problem document, or the body itself when it is not one.
std::string problem_detail(const std::string& body);

}  // namespace x402gw::acme
