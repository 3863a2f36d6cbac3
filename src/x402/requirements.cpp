#include "x402/requirements.hpp"

namespace x402gw::x402 {

nlohmann::json to_v2_json(const Requirement& r) {
  nlohmann::json j = {
      {"scheme", r.scheme},
      {"network", r.network},
      {"amount", r.amount},
      {"asset", r.asset},
      {"payTo", r.pay_to},
      {"maxTimeoutSeconds", r.max_timeout_seconds},
  };
  if (r.extra.is_object() && !r.extra.empty()) j["extra"] = r.extra;
  return j;
}

nlohmann::json to_v1_json(const Requirement& r, const ResourceInfo& resource) {
  nlohmann::json j = {
      {"scheme", r.scheme},
      {"network", r.v1_network.empty() ? r.network : r.v1_network},  // no v1 name: its CAIP-2 id
      {"maxAmountRequired", r.amount},
      {"resource", resource.url},
      {"description", resource.description},
      {"mimeType", resource.mime_type},
      {"payTo", r.pay_to},
      {"maxTimeoutSeconds", r.max_timeout_seconds},
      {"asset", r.asset},
  };
  if (!resource.output_schema.is_null()) j["outputSchema"] = resource.output_schema;
  if (r.extra.is_object() && !r.extra.empty()) j["extra"] = r.extra;
  return j;
}

}  // namespace x402gw::x402
