#pragma once
// The operator dashboard's static files on the admin listener: GET /admin/ (the page),
// /admin/dashboard.css and /admin/dashboard.js. They hold no data: the page asks
// GET /admin/summary for it, with the admin token (see README, "Dashboard").
#include <optional>
#include <string_view>

#include "core/reply.hpp"

namespace x402gw::http {

/// The Content-Security-Policy sent with the page: its own script and style only, no inline code,
/// no other origin, no framing, no form posts.
inline constexpr const char* kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The reply for a dashboard file at `path` (query removed), or nullopt when `path` names none.
std::optional<core::DocumentReply> dashboard_file(std::string_view path);

}  // namespace x402gw::http
