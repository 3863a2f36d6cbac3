#include "http/replies.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <vector>

#include "core/json_text.hpp"
#include "core/strings.hpp"
#include "net/head_writer.hpp"

namespace x402gw::http {
namespace {

using core::Error;

// The fields of one reply in order, with Beast's `set` semantics (a name set again replaces the
// earlier field and moves to the end). Names and values point into the reply or are literals.
class FieldList {
 public:
  void set(std::string_view name, std::string_view value) {
    fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const auto& f) { return core::iequals(f.first, name); }),
                  fields_.end());
    fields_.emplace_back(name, value);
  }
  size_t bytes() const {
    size_t n = 0;
    for (const auto& [name, value] : fields_) n += name.size() + value.size() + 4;
    return n;
  }
  void append_to(std::string& out) const {
    for (const auto& [name, value] : fields_) net::append_field(out, name, value);
  }

 private:
  // Inline room for every reply's fields (a handful): rendering allocates only the head.
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 16> fields_;
};

// Response headers every local reply carries.
void common_headers(FieldList& fields, std::string_view content_type) {
  fields.set("Server", "x402-gateway");
  fields.set("Content-Type", content_type);
  fields.set("Cache-Control", "no-store");
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

unsigned status_of(Error e) {
  switch (e) {
    case Error::bad_request:
    case Error::invalid_host:
    case Error::invalid_target: return 400;
    case Error::target_too_long: return 414;
    case Error::header_too_large: return 431;
    case Error::body_too_large: return 413;
    case Error::request_timeout: return 408;
    case Error::route_not_found: return 404;
    case Error::rate_limited: return 429;
    case Error::payment_identifier_missing:
    case Error::chunk_framing_too_large:
    case Error::invalid_method:
    case Error::duplicate_payment_header:
    case Error::unpriceable_request:
    case Error::price_not_in_table: return 400;
    case Error::pricer_refused: return 403;
    // A pricer that is down, slow or confused: the route cannot be priced, so it is not served (never free).
    case Error::pricer_unavailable:
    case Error::pricer_timeout:
    case Error::pricer_bad_response:
    case Error::pricer_circuit_open: return 503;
    case Error::payment_identifier_conflict: return 409;
    case Error::too_many_connections: return 503;
    case Error::client_gone: return 499;  // nginx's "client closed request": for the log, nobody reads it
    case Error::upstream_connect_timeout:
    case Error::upstream_timeout: return 504;
    case Error::upstream_resolve:
    case Error::upstream_connect:
    case Error::upstream_tls:
    case Error::upstream_write:
    case Error::upstream_read:
    case Error::upstream_bad_response:
    case Error::upstream_response_too_large:
    case Error::upstream_bad_settlement_override: return 502;
    case Error::facilitator_timeout:
    case Error::settlement_timeout: return 504;
    case Error::facilitator_resolve:
    case Error::facilitator_connect:
    case Error::facilitator_connect_timeout:
    case Error::facilitator_tls:
    case Error::facilitator_write:
    case Error::facilitator_read:
    case Error::facilitator_rate_limited:
    case Error::facilitator_circuit_open: return 503;
    case Error::facilitator_status:
    case Error::facilitator_bad_response:
    case Error::facilitator_auth:
    case Error::settlement_unknown: return 502;
    case Error::chain_unavailable: return 502;
    case Error::chain_timeout: return 504;
    case Error::state_unavailable: return 503;
    case Error::state_full: return 503;
    case Error::admin_not_found: return 404;
    case Error::admin_method_not_allowed: return 405;
    case Error::admin_unauthorized: return 401;
    case Error::admin_cross_site: return 403;
    case Error::admin_token_required: return 403;
    case Error::invalid_config: return 422;
    case Error::forward_auth_untrusted: return 403;
    case Error::forward_auth_incomplete: return 400;
    case Error::forward_auth_not_found: return 404;
    case Error::internal: return 500;
  }
  return 500;
}

std::string error_body(Error e, std::string_view message) {
  return core::json_text({{"error", core::public_code(e)}, {"message", message}});
}

WireReply render(const core::Reply& reply, unsigned version, bool keep_alive, bool head) {
  WireReply wire;
  FieldList fields;
  std::visit(Overloaded{
                 [&](const core::ErrorReply& r) {
                   wire.status = status_of(r.error);
                   common_headers(fields, "application/json");
                   wire.owned_body = error_body(r.error, r.message);
                   wire.owns_body = true;
                   for (const auto& [name, value] : r.headers) fields.set(name, value);
                 },
                 [&](const core::ChallengeReply& r) {
                   wire.status = 402;
                   // A browser's navigation gets the paywall page; the header is the same for both.
                   common_headers(fields, r.page.empty() ? "application/json" : "text/html; charset=utf-8");
                   fields.set("PAYMENT-REQUIRED", r.header_value);
                   fields.set("Access-Control-Expose-Headers", core::kExposedPaymentHeaders);
                   wire.borrowed_body = r.page.empty() ? std::string_view(r.body) : std::string_view(r.page);
                   for (const auto& [name, value] : r.headers) fields.set(name, value);
                 },
                 [&](const core::DocumentReply& r) {
                   wire.status = r.status;
                   common_headers(fields, r.content_type);
                   wire.borrowed_body = r.body;
                   for (const auto& [name, value] : r.headers) fields.set(name, value);
                 },
             },
             reply);
  // Keep-alive is HTTP/1.1's default and closing HTTP/1.0's: only the other case is said.
  if (version >= 11 && !keep_alive) fields.set("Connection", "close");
  if (version < 11 && keep_alive) fields.set("Connection", "keep-alive");
  const std::string length = std::to_string(wire.body().size());
  fields.set("Content-Length", length);

  const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(wire.status));
  std::string& out = wire.head;
  out.reserve(17 + reason.size() + fields.bytes());
  net::append_status_line(out, version >= 11 ? 11 : 10, wire.status, {reason.data(), reason.size()});
  fields.append_to(out);
  out += "\r\n";
  wire.head_only = head;
  return wire;
}

std::string recorded_error(const core::Reply& reply) {
  if (auto* e = std::get_if<core::ErrorReply>(&reply)) return std::string(core::public_code(e->error));
  if (auto* c = std::get_if<core::ChallengeReply>(&reply); c && c->error != "payment_required") return c->error;
  return {};
}

awaitable<void> send_reply(net::ClientIo& io, const core::Reply& reply, bool head) {
  if (io.body_pending()) io.must_close();
  const WireReply wire = render(reply, io.version, io.keep_alive(), head);
  const net::Pieces pieces{asio::buffer(wire.head), asio::buffer(wire.body())};
  co_await io.write_raw(wire.status, pieces, 2);
}

}  // namespace x402gw::http
