#include "config/paywall_reader.hpp"

#include <fstream>

#include "config/paywall_template.hpp"

namespace x402gw::config {

std::string check_paywall_template(std::string_view text) {
  int scripts = 0, styles = 0;
  for (size_t at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at + 2)) {
    const size_t end = text.find("}}", at + 2);
    if (end == std::string_view::npos) break;  // a lone "{{" is text
    const std::string_view name = text.substr(at + 2, end - at - 2);
    bool known = false;
    for (std::string_view p : kPaywallPlaceholders) known = known || p == name;
    if (!known) {
      std::string list;
      for (std::string_view p : kPaywallPlaceholders) list += (list.empty() ? "" : ", ") + std::string(p);
      return "unknown placeholder {{" + std::string(name.substr(0, 40)) + "}}; the placeholders are " + list;
    }
    scripts += name == "script";
    styles += name == "style";
    at = end;
  }
  if (scripts != 1) return "the template must hold {{script}} exactly once (the page pays with it)";
  if (styles > 1) return "the template may hold {{style}} once at most";
  return {};
}

namespace {

constexpr size_t kMaxTemplateBytes = 256 * 1024;

// The logo is shown under the page's Content-Security-Policy (img-src 'self' data:), so only an
// image this host serves or one written into the URL loads; anything else would be a broken image.
bool logo_allowed(const std::string& logo) {
  return logo.empty() || (logo.starts_with("/") && !logo.starts_with("//")) || logo.starts_with("data:image/");
}

}  // namespace

void read_paywall(YamlReader& r, const YAML::Node& node, const std::string& path, Paywall& into) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (node.IsScalar()) {  // paywall: false / true
    const std::optional<std::string> v = r.scalar(node, path);
    if (v && (*v == "true" || *v == "false")) into.enabled = *v == "true";
    else if (v) r.error(node, path, "paywall is true, false or a map {enabled, app_name, app_logo, testnet_banner, template_file}");
    return;
  }
  if (!r.expect_map(node, path, {"enabled", "app_name", "app_logo", "testnet_banner", "template_file"})) return;
  if (auto v = r.boolean(node, "enabled", path)) into.enabled = *v;
  if (auto v = r.string(node, "app_name", path)) into.app_name = *v;
  if (auto v = r.string(node, "app_logo", path)) {
    if (logo_allowed(*v)) into.app_logo = *v;
    else
      r.error(node["app_logo"], YamlReader::join(path, "app_logo"),
              "app_logo is shown under the page's Content-Security-Policy (img-src 'self' data:): give a path on "
              "this host (/logo.png) or a data:image/... URI");
  }
  if (auto v = r.boolean(node, "testnet_banner", path)) into.testnet_banner = *v;
  if (auto v = r.string(node, "template_file", path)) {
    const std::string at = YamlReader::join(path, "template_file");
    into.template_file = *v;
    into.template_text.reset();
    if (v->empty()) return;  // the built-in page
    std::ifstream in(*v, std::ios::binary);
    // One byte past the limit is enough to know it is too large (and a device file never ends).
    std::string content(kMaxTemplateBytes + 1, '\0');
    if (in) in.read(content.data(), static_cast<std::streamsize>(content.size()));
    if (!in && !in.eof()) {
      r.error(node["template_file"], at, "cannot read '" + *v + "'");
      return;
    }
    content.resize(static_cast<size_t>(in.gcount()));
    if (content.size() > kMaxTemplateBytes) {
      r.error(node["template_file"], at, "'" + *v + "' is larger than 256KiB");
      return;
    }
    if (std::string why = check_paywall_template(content); !why.empty()) {
      r.error(node["template_file"], at, "'" + *v + "': " + why);
      return;
    }
    into.template_text = std::make_shared<const std::string>(std::move(content));
  }
}

}  // namespace x402gw::config
