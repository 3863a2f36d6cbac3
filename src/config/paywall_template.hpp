#pragma once
// The placeholders of a paywall page template (README "Paywall"). Config checks an operator's
// template_file against them at load; http fills them in per request.
#include <array>
#include <string>
#include <string_view>

namespace x402gw::config {

/// Every placeholder a template may hold, written `{{name}}`.
inline constexpr std::array<std::string_view, 9> kPaywallPlaceholders = {
    "title", "app_name", "app_logo", "description", "offers", "testnet_banner", "resource_url", "style", "script"};

/// Empty when `text` is a usable template: only known placeholders, `{{script}}` exactly once (the
/// page pays with it), `{{style}}` at most once. Otherwise why not.
std::string check_paywall_template(std::string_view text);

}  // namespace x402gw::config
