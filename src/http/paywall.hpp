#pragma once
// When a priced route's 402 becomes the paywall page, and what that page says about the route.
#include <span>
#include <string_view>

#include "config/config.hpp"
#include "core/reply.hpp"
#include "http/paywall_page.hpp"
#include "net/asio.hpp"
#include "net/request_head.hpp"
#include "routing/request_context.hpp"

namespace x402gw::http {

/// Whether a request gets the page instead of the JSON 402: GET or HEAD, no payment header
/// (PAYMENT-SIGNATURE, X-PAYMENT) and no proof header, an Accept that prefers text/html. Pure.
bool wants_paywall(std::string_view method, std::span<const net::RequestHead::Field> request);

/// What the page shows for a route whose v2 challenge is `payment_required` (its decoded JSON).
PaywallView paywall_view(const config::Config& config, const config::Route& route, const nlohmann::json& payment_required);

/// Turns `reply`, a route's plain 402, into the paywall page when the route has the paywall on
/// and the request wants_paywall(). The status and the PAYMENT-REQUIRED header stay: clients that
/// read them see no difference; the exchange's record says so. Anything else is left as it is.
void offer_paywall(routing::RequestContext& ctx, std::span<const net::RequestHead::Field> request, core::Reply& reply);

}  // namespace x402gw::http
