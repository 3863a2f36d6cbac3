#pragma once
// The operator dashboard's page (GET /admin/), compiled into the binary from the files beside this
// header by packaging/cmake/embed_files.cmake.
#include <string_view>

namespace x402gw::http::dashboard_assets {

extern const std::string_view html;  // index.html
extern const std::string_view css;   // dashboard.css
extern const std::string_view js;    // dashboard.js

}  // namespace x402gw::http::dashboard_assets
