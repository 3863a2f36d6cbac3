#pragma once
// The seam between the protocol envelope and one network family's payloads: what the gateway can
// know of a payment without I/O — the replay identity that names it on its chain, a pre-check of
// what the payload shows against the chosen requirement, and the payer it names.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "x402/payment_payload.hpp"
#include "x402/requirements.hpp"

namespace x402gw::x402 {

/// The canonical Permit2 contract (the same address on every EVM chain).
inline constexpr std::string_view kPermit2Address = "0x000000000022D473030F116dDEE9F6B43aC78BA3";
/// The x402 `upto` Permit2 proxy, the spender an `upto` payment authorizes (@x402/evm 2.27).
inline constexpr std::string_view kUptoPermit2ProxyAddress = "0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002";

/// What the gateway knows of one network family's payments, without I/O. Implementations are
/// stateless singletons, safe to share between threads.
class PaymentScheme {
 public:
  virtual ~PaymentScheme() = default;

  /// "evm", "solana", "stellar", "stacks" or "other".
  virtual std::string_view family() const = 0;

  /// The replay identity: what names this payment on its chain, prefixed by the family and the
  /// requirement's CAIP-2 network, canonical however the JSON or the encodings are spelled. A
  /// rejection (code "invalid_payload") when the payload lacks it or is malformed.
  virtual std::variant<std::string, PaymentRejection> identity(const PaymentPayload& payment,
                                                               const Requirement& requirement) const = 0;

  /// Checks what the payload shows (amount, recipient, asset, network where visible) against the
  /// requirement before any facilitator call; nullopt when nothing visible disagrees.
  virtual std::optional<PaymentRejection> precheck(const PaymentPayload& payment,
                                                   const Requirement& requirement) const = 0;

  /// The payer the payload itself names, or "" when it names none or cannot be read.
  virtual std::string payer(const PaymentPayload& payment) const = 0;
};

/// The scheme for a network written as a CAIP-2 id or a v1 name; the generic fallback for
/// networks of no known family.
const PaymentScheme& scheme_for_network(std::string_view network);

/// The scheme for a requirement's network.
const PaymentScheme& scheme_for(const Requirement& requirement);

}  // namespace x402gw::x402
