#pragma once
// The paywall page's files (paywall.html, paywall.css, paywall.js beside this header), compiled
// into the binary by CMake (packaging/cmake/embed_files.cmake): no files to lose, no CDN.
#include <string_view>

namespace x402gw::http::paywall_assets {

extern const std::string_view html;  // the built-in template, with {{placeholders}}
extern const std::string_view css;
extern const std::string_view js;

}  // namespace x402gw::http::paywall_assets
