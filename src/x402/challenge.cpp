#include "x402/challenge.hpp"

#include "core/json_text.hpp"
#include "x402/base64.hpp"

namespace x402gw::x402 {

nlohmann::json payment_required_v2(const std::vector<Requirement>& requirements, const ResourceInfo& resource,
                                   const std::string& error, const nlohmann::json& extensions) {
  nlohmann::json res = {{"url", resource.url}};
  if (!resource.description.empty()) res["description"] = resource.description;
  if (!resource.mime_type.empty()) res["mimeType"] = resource.mime_type;
  nlohmann::json accepts = nlohmann::json::array();
  for (const auto& r : requirements) accepts.push_back(to_v2_json(r));
  nlohmann::json doc = {{"x402Version", 2}, {"resource", std::move(res)}, {"accepts", std::move(accepts)}};
  if (!error.empty()) doc["error"] = error;
  if (extensions.is_object() && !extensions.empty()) doc["extensions"] = extensions;
  return doc;
}

Challenge build_challenge(const std::vector<Requirement>& requirements, const ResourceInfo& resource,
                          const std::string& error, const std::string& message, const nlohmann::json& extensions) {
  nlohmann::json v1_accepts = nlohmann::json::array();
  for (const auto& r : requirements)
    if (offered_to_v1(r)) v1_accepts.push_back(to_v1_json(r, resource));
  nlohmann::json body = {{"x402Version", 1}, {"error", error}, {"accepts", std::move(v1_accepts)}};
  if (!message.empty()) body["message"] = message;
  return Challenge{core::json_text(body), base64_encode(core::json_text(payment_required_v2(requirements, resource, error, extensions)))};
}

}  // namespace x402gw::x402
