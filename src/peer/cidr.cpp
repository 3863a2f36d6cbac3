#include "peer/cidr.hpp"

#include <charconv>

namespace x402gw::peer {

bool Cidr::contains(const IpAddress& address) const {
  if (address.v4 != base.v4) return false;
  unsigned bits = prefix;
  for (size_t i = 0; i < address.size() && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<uint8_t>(0xff << (8 - take));
    if ((address.bytes[i] & mask) != base.bytes[i]) return false;
    bits -= take;
  }
  return true;
}

std::string Cidr::to_string() const { return base.to_string() + "/" + std::to_string(prefix); }

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Cidr> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  const size_t slash = text.find('/');
  auto address = parse_ip(text.substr(0, slash));
  if (!address) return fail("not an IPv4 or IPv6 address or CIDR range (e.g. 10.0.0.0/8, fd00::/8)");
  // An IPv4-mapped IPv6 range would need its prefix shifted; nobody writes one on purpose.
  if (address->v4 && text.substr(0, slash).find(':') != std::string_view::npos)
    return fail("write an IPv4 range in IPv4 notation, not IPv4-mapped IPv6");
  Cidr cidr{*address, static_cast<unsigned>(address->size() * 8)};
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || prefix > address->size() * 8)
      return fail("the prefix length after '/' must be 0.." + std::to_string(address->size() * 8));
    cidr.prefix = prefix;
  }
  IpAddress masked = cidr.base;
  unsigned bits = cidr.prefix;
  for (size_t i = 0; i < masked.size(); ++i) {
    const unsigned keep = bits >= 8 ? 8 : bits;
    masked.bytes[i] &= static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
    bits -= keep;
  }
  if (!(masked == cidr.base))
    return fail("host bits are set below the prefix; did you mean " + masked.to_string() + "/" +
                std::to_string(cidr.prefix) + "?");
  return cidr;
}

bool TrustedProxies::contains(const IpAddress& address) const {
  for (const Cidr& range : ranges)
    if (range.contains(address)) return true;
  return false;
}

}  // namespace x402gw::peer
