#pragma once
// Configuration mistakes, each with the line and column it was found at.
#include <string>
#include <vector>

namespace x402gw::config {

/// One configuration error or warning.
struct Diagnostic {
  int line = 0;            // 1-based; 0 when the file could not be placed
  int column = 0;          // 1-based
  std::string path;        // "routes[2].price"
  std::string message;

  /// "gateway.yaml:12:5: routes[2].price: price converts to 0 atomic units"
  std::string format(const std::string& source) const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace x402gw::config
