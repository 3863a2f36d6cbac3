#include "http/dashboard_page.hpp"

#include "http/dashboard/assets.hpp"

namespace x402gw::http {

std::optional<core::DocumentReply> dashboard_file(std::string_view path) {
  std::string_view body, type;
  if (path == "/admin/" || path == "/admin") {
    body = dashboard_assets::html;
    type = "text/html; charset=utf-8";
  } else if (path == "/admin/dashboard.css") {
    body = dashboard_assets::css;
    type = "text/css; charset=utf-8";
  } else if (path == "/admin/dashboard.js") {
    body = dashboard_assets::js;
    type = "text/javascript; charset=utf-8";
  } else {
    return std::nullopt;
  }
  return core::DocumentReply{200, std::string(body), std::string(type),
                             {{"Content-Security-Policy", kDashboardCsp},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "no-referrer"},
                              {"Cross-Origin-Resource-Policy", "same-origin"}}};
}

}  // namespace x402gw::http
