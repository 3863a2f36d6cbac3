#include "config/bazaar_reader.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "core/strings.hpp"

namespace x402gw::config {
namespace {

constexpr std::array<std::string_view, 3> kQueryMethods = {"GET", "HEAD", "DELETE"};
constexpr std::array<std::string_view, 3> kBodyMethods = {"POST", "PUT", "PATCH"};

template <size_t N>
bool one_of(const std::array<std::string_view, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// The first external reference in a schema ("$ref" not within the document, or "$id"), or "":
// catalogs refuse schemas that would make them fetch other documents.
std::string external_reference(const nlohmann::json& schema, const std::string& at) {
  if (schema.is_object()) {
    for (const auto& [key, value] : schema.items()) {
      if (key == "$id") return at + "/$id";
      if (key == "$ref" && !(value.is_string() && value.get<std::string>().rfind('#', 0) == 0)) return at + "/$ref";
      if (auto found = external_reference(value, at + "/" + key); !found.empty()) return found;
    }
  } else if (schema.is_array()) {
    for (size_t i = 0; i < schema.size(); ++i)
      if (auto found = external_reference(schema[i], at + "/" + std::to_string(i)); !found.empty()) return found;
  }
  return {};
}

}  // namespace

nlohmann::json read_bazaar(YamlReader& reader, const YAML::Node& node, const std::string& route_path, const std::string& route_method,
                           bool priced) {
  const YAML::Node b = node["bazaar"];
  if (!b.IsDefined() || b.IsNull()) return nullptr;
  const std::string path = YamlReader::join(route_path, "bazaar");
  if (!reader.expect_map(b, path, {"method", "query", "query_schema", "body", "body_type", "body_schema", "output"})) return nullptr;
  bool ok = true;
  auto fail = [&](const YAML::Node& at, const std::string& where, std::string message) {
    reader.error(at, where, std::move(message));
    ok = false;
  };
  if (!priced) fail(b, path, "bazaar describes a priced route for discovery catalogs: this route has no price");

  // The method: the match's, or bazaar.method for a route that matches every method.
  std::string method = route_method;
  if (auto m = reader.string(b, "method", path)) {
    const std::string upper = core::to_upper(*m);
    if (!route_method.empty() && upper != route_method)
      fail(b["method"], YamlReader::join(path, "method"), "the route matches " + route_method + " only; bazaar.method says " + upper);
    method = upper;
  }
  if (method.empty()) {
    fail(b, path, "the route matches every method: say which one agents should use (bazaar.method: GET, POST, ...)");
    return nullptr;
  }
  const bool query = one_of(kQueryMethods, method), body = one_of(kBodyMethods, method);
  if (!query && !body) {
    fail(b, path, "bazaar describes GET, HEAD, DELETE (query parameters) or POST, PUT, PATCH (a body) routes, not " + method);
    return nullptr;
  }

  // A mapping read as JSON, or nullopt (reported) when present and not a mapping.
  auto mapping = [&](const YAML::Node& parent, const std::string& base, const char* key,
                     std::string_view what) -> std::optional<nlohmann::json> {
    const YAML::Node n = parent[key];
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    const std::string at = YamlReader::join(base, key);
    nlohmann::json j = reader.to_json(n, at);
    if (!j.is_object()) {
      fail(n, at, std::string(key) + " must be a mapping (" + std::string(what) + ")");
      return std::nullopt;
    }
    if (auto ref = external_reference(j, ""); !ref.empty())
      fail(n, at, std::string(key) + " must not refer to other documents ($id, or a $ref not starting with #): found at " + ref);
    return j;
  };

  const char* wrong_side[] = {"query", "query_schema"};
  const char* wrong_body[] = {"body", "body_type", "body_schema"};
  if (body)
    for (const char* k : wrong_side)
      if (b[k].IsDefined()) fail(b[k], YamlReader::join(path, k), std::string(k) + " is for GET, HEAD, DELETE routes; a " + method + " route takes a body");
  if (query)
    for (const char* k : wrong_body)
      if (b[k].IsDefined()) fail(b[k], YamlReader::join(path, k), std::string(k) + " is for POST, PUT, PATCH routes; a " + method + " route takes query parameters");

  nlohmann::json info_input = {{"type", "http"}, {"method", method}};
  nlohmann::json schema_input_props = {{"type", {{"type", "string"}, {"const", "http"}}},
                                       {"method", {{"type", "string"}, {"enum", nlohmann::json::array({method})}}}};
  nlohmann::json required = {"type", "method"};
  if (query) {
    info_input["queryParams"] = mapping(b, path, "query", "example query parameters, name: value").value_or(nlohmann::json::object());
    nlohmann::json q = {{"type", "object"}};
    q.update(mapping(b, path, "query_schema", "a JSON Schema for the query parameters").value_or(nlohmann::json{{"properties", nlohmann::json::object()}}));
    schema_input_props["queryParams"] = std::move(q);
  } else {
    std::string body_type = "json";
    if (auto t = reader.string(b, "body_type", path)) {
      if (*t != "json" && *t != "form-data" && *t != "text")
        fail(b["body_type"], YamlReader::join(path, "body_type"), "body_type is json (default), form-data or text, got '" + *t + "'");
      body_type = *t;
    }
    info_input["bodyType"] = body_type;
    // The example body: any JSON value (a mapping for json and form-data).
    nlohmann::json example = nlohmann::json::object();
    if (b["body"].IsDefined() && !b["body"].IsNull()) example = reader.to_json(b["body"], YamlReader::join(path, "body"));
    info_input["body"] = std::move(example);
    schema_input_props["bodyType"] = {{"type", "string"}, {"enum", {"json", "form-data", "text"}}};
    schema_input_props["body"] = mapping(b, path, "body_schema", "a JSON Schema for the body").value_or(nlohmann::json{{"properties", nlohmann::json::object()}});
    required = {"type", "method", "bodyType", "body"};
  }

  nlohmann::json info = {{"input", std::move(info_input)}};
  nlohmann::json properties = {
      {"input", {{"type", "object"}, {"properties", std::move(schema_input_props)}, {"required", std::move(required)}, {"additionalProperties", false}}}};
  if (const YAML::Node out = b["output"]; out.IsDefined() && !out.IsNull()) {
    const std::string at = YamlReader::join(path, "output");
    if (reader.expect_map(out, at, {"example", "schema"})) {
      const YAML::Node ex = out["example"];
      if (!ex.IsDefined() || ex.IsNull()) {
        fail(out, at, "output needs an example (catalogs show the answer's example; output.schema describes it)");
      } else {
        nlohmann::json example = reader.to_json(ex, YamlReader::join(at, "example"));
        nlohmann::json example_schema = {{"type", "object"}};
        if (auto s = mapping(out, at, "schema", "a JSON Schema for the answer")) example_schema.update(*s);
        else if (!example.is_object())
          fail(ex, YamlReader::join(at, "example"), "output.example must be a mapping (a JSON object), or give output.schema with its type");
        info["output"] = {{"type", "json"}, {"example", std::move(example)}};
        properties["output"] = {{"type", "object"},
                                {"properties", {{"type", {{"type", "string"}}}, {"example", std::move(example_schema)}}},
                                {"required", nlohmann::json::array({"type"})}};
      }
    } else {
      ok = false;
    }
  }
  if (!ok) return nullptr;
  return {{"info", std::move(info)},
          {"schema",
           {{"$schema", "https://json-schema.org/draft/2020-12/schema"}, {"type", "object"}, {"properties", std::move(properties)}, {"required", nlohmann::json::array({"input"})}}}};
}

}  // namespace x402gw::config
