#include "upstream/forwarded_head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/container/small_vector.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "net/head_writer.hpp"
#include "upstream/headers.hpp"

namespace x402gw::upstream {

namespace bhttp = boost::beast::http;

namespace {

bool iequal(std::string_view a, std::string_view b) { return boost::beast::iequals(a, b); }

constexpr size_t kKeyMax = 64;

// A name as a CGI-style server reads it (lower case, '_' as '-') into `buf`; empty when longer
// than kKeyMax (such a name is then compared with same_variable one name at a time).
std::string_view variable_key(std::string_view name, char (&buf)[kKeyMax]) {
  if (name.size() > kKeyMax) return {};
  for (size_t i = 0; i < name.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    buf[i] = c == '_' ? '-' : c;
  }
  return {buf, name.size()};
}

// A fixed list of names, looked up by variable key (one binary search instead of a comparison
// per name: the forwarding headers alone are some sixty).
class NameSet {
 public:
  explicit NameSet(std::initializer_list<const std::vector<std::string_view>*> lists) {
    for (const auto* list : lists)
      for (std::string_view n : *list) {
        char buf[kKeyMax];
        keys_.emplace_back(variable_key(n, buf));
      }
    std::sort(keys_.begin(), keys_.end());
  }
  /// Whether a field named `name` (its key `key`, empty when too long) is in the set.
  bool contains(std::string_view name, std::string_view key) const {
    if (!key.empty() || name.empty()) return std::binary_search(keys_.begin(), keys_.end(), key);
    for (const std::string& k : keys_)
      if (same_variable(name, k)) return true;
    return false;
  }

 private:
  std::vector<std::string> keys_;
};

// The first element of a list-valued field, trimmed ("https, http" -> "https").
std::string_view first_element(std::string_view value) {
  value = value.substr(0, value.find(','));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

// The fields the gateway sets, in the order set; setting a name again replaces it (as Beast's set()).
struct Extras {
  boost::container::small_vector<std::pair<std::string_view, std::string_view>, 12> fields;
  void set(std::string_view name, std::string_view value) {
    for (auto it = fields.begin(); it != fields.end();)
      it = iequal(it->first, name) ? fields.erase(it) : std::next(it);
    fields.emplace_back(name, value);
  }
  // Whether the gateway sets a field that `name` is a spelling of (by its CGI variable: a client's
  // `Accept_Encoding` goes when the gateway sets `Accept-Encoding`).
  bool has(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (same_variable(name, n)) return true;
    return false;
  }
};

}  // namespace

void append_forwarded_head(std::string& out, const net::RequestHead& head, const ForwardEdits& edits) {
  static const std::vector<std::string_view> kPayment = {"X-PAYMENT", "PAYMENT-SIGNATURE"};
  static const std::vector<std::string_view> kClientSays = {"X-Forwarded-For", "X-Real-IP", "Forwarded"};
  static const std::vector<std::string_view> kUpstreamSays = {"Settlement-Overrides"};
  static const NameSet payment{&kPayment};
  static const NameSet always{&override_headers(), &kUpstreamSays, &kClientSays};
  static const NameSet forwarding{&forwarding_headers()};

  // The names Connection lists go with it.
  boost::container::small_vector<std::string_view, 8> named;
  for (const auto& f : head.fields())
    if (f.id == bhttp::field::connection) for_each_connection_name(f.value, [&](std::string_view n) { named.push_back(n); });

  // Removed before the forwarding headers are set (upstream/headers: remove_hop_by_hop, Expect,
  // the payment headers, remove_client_controlled, set_forwarding's removals).
  auto removed = [&](const net::RequestHead::Field& f) {
    if (hop_by_hop(f.id) || f.id == bhttp::field::expect) return true;
    // By the name's CGI spelling, as the fields below: `Connection: X-Keep` takes `X_Keep` too.
    for (std::string_view n : named)
      if (same_variable(f.name, n)) return true;
    char buf[kKeyMax];
    const std::string_view key = variable_key(f.name, buf);
    // A route that forwards the payment header forwards the spelling the gateway verified, never
    // another (`PAYMENT_SIGNATURE` next to `PAYMENT-SIGNATURE`): a CGI-style upstream reads both
    // as one variable and may take the client's unverified value.
    if (payment.contains(f.name, key) && (!edits.forward_payment_header || f.name.find('_') != std::string_view::npos))
      return true;
    if (always.contains(f.name, key)) return true;
    if (!edits.from_trusted_proxy && forwarding.contains(f.name, key)) return true;
    if (edits.reserved)
      for (const std::string& r : *edits.reserved)
        if (same_variable(f.name, r)) return true;
    return false;
  };
  boost::container::small_vector<bool, net::RequestHead::kInlineFields> gone;
  gone.reserve(head.field_count());
  for (const auto& f : head.fields()) gone.push_back(removed(f));

  const net::RequestHead::Field* client_proto = nullptr;
  const net::RequestHead::Field* client_host = nullptr;
  for (size_t i = 0; i < head.field_count(); ++i) {
    const auto& f = head.fields()[i];
    if (gone[i]) continue;
    if (!client_proto && iequal(f.name, "X-Forwarded-Proto")) client_proto = &f;
    if (!client_host && iequal(f.name, "X-Forwarded-Host")) client_host = &f;
  }

  Extras extras;
  std::string xff;
  std::string forwarded;
  const std::vector<std::string> no_chain;
  const std::vector<std::string>& chain = edits.chain ? *edits.chain : no_chain;
  if (!chain.empty()) {
    for (const std::string& address : chain) {
      if (!xff.empty()) xff += ", ";
      xff += address;
    }
    extras.set("X-Forwarded-For", xff);
    extras.set("X-Real-IP", chain.front());
  }
  if (!client_proto) extras.set("X-Forwarded-Proto", edits.proto);
  if (!client_host && !edits.client_host.empty()) extras.set("X-Forwarded-Host", edits.client_host);
  forwarded = forwarded_value(chain, client_proto ? first_element(client_proto->value) : edits.proto, edits.proto,
                              client_host ? first_element(client_host->value) : first_element(edits.client_host));
  extras.set("Forwarded", forwarded);
  extras.set("Host", edits.host_header);
  if (edits.request_headers)
    for (const auto& [name, value] : *edits.request_headers) extras.set(name, value);
  char length[24];
  if (edits.content_length) {
    const int n = std::snprintf(length, sizeof length, "%llu", static_cast<unsigned long long>(*edits.content_length));
    extras.set("Content-Length", std::string_view(length, static_cast<size_t>(n)));
  }

  auto dropped = [&](size_t i) {
    const auto& f = head.fields()[i];
    if (gone[i]) return true;
    if (edits.content_length && (f.id == bhttp::field::transfer_encoding || f.id == bhttp::field::content_length)) return true;
    return extras.has(f.name);
  };

  size_t size = head.method_string().size() + edits.target.size() + 14;
  for (const auto& f : head.fields()) size += f.name.size() + f.value.size() + 4;
  for (const auto& [name, value] : extras.fields) size += name.size() + value.size() + 4;
  out.reserve(out.size() + size);
  out += head.method_string();
  out += ' ';
  out += edits.target;
  out += " HTTP/1.1\r\n";
  for (size_t i = 0; i < head.field_count(); ++i)
    if (!dropped(i)) net::append_field(out, head.fields()[i].name, head.fields()[i].value);
  for (const auto& [name, value] : extras.fields) net::append_field(out, name, value);
  out += "\r\n";
}

}  // namespace x402gw::upstream
