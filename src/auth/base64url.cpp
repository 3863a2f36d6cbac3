#include "auth/base64url.hpp"

#include "x402/base64.hpp"

namespace x402gw::auth {

std::string base64url_encode(std::string_view bytes) {
  std::string out = x402::base64_encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/') return std::nullopt;  // the standard alphabet is not base64url
  }
  return x402::base64_decode(standard);
}

}  // namespace x402gw::auth
