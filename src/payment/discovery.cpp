#include "payment/discovery.hpp"

#include "x402/requirements.hpp"

namespace x402gw::payment {

nlohmann::json discovery_document(const config::Config& config, const std::string& base_url) {
  nlohmann::json urls = nlohmann::json::array();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& route : config.routes) {
    if (!route.priced) continue;
    // "GET /api/weather" -> method GET, path /api/weather
    std::string method, path = route.match;
    if (auto space = route.match.find(' '); space != std::string::npos) {
      method = route.match.substr(0, space);
      path = route.match.substr(route.match.find_first_not_of(' ', space));
    }
    const std::string url = base_url + path;
    nlohmann::json accepts = nlohmann::json::array();
    for (const auto& r : route.requirements) {
      accepts.push_back(x402::to_v2_json(r));
      // A pricer names each request's amount: the configured requirement has none to show.
      if (route.pricer) accepts.back().erase("amount");
    }
    nlohmann::json item = {
        {"resource", url},
        {"type", "http"},
        {"method", method.empty() ? "ANY" : method},
        {"name", route.name},
        {"description", route.description},
        {"mimeType", route.mime_type},
        {"accepts", std::move(accepts)},
    };
    if (!route.output_schema.is_null()) item["outputSchema"] = route.output_schema;
    if (!route.bazaar.is_null()) item["extensions"] = {{"bazaar", route.bazaar}};
    // The 402 of each request says its price: a rule's first price is an example, not a promise.
    if (route.priced_per_request()) item["pricedPerRequest"] = true;
    urls.push_back(url);
    items.push_back(std::move(item));
  }
  nlohmann::json doc = {{"version", 1}, {"x402Version", 2}, {"resources", std::move(urls)}, {"items", std::move(items)}};
  if (!config.name.empty()) doc["name"] = config.name;
  if (!config.description.empty()) doc["description"] = config.description;
  if (!config.image.empty()) doc["image"] = config.image;
  return doc;
}

}  // namespace x402gw::payment
