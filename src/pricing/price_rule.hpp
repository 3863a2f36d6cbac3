#pragma once
// Prices from the request: a route's `price: {from, table, default}` as a pure rule, evaluated
// over the facts of one request (its canonical path, query, headers, body). No I/O: the caller
// reads the body (bounded) and looks the headers up. A request that cannot be priced is refused,
// never given the default price: the default is for a value the table does not list.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace x402gw::pricing {

/// Where a price rule reads its value.
enum class Source { body, query, header, path };

/// The key's name in `from:` ("body", "query", ...).
std::string_view source_name(Source s) noexcept;

/// A price table keyed by one value of the request.
struct PriceRule {
  Source source = Source::body;
  std::string name;                 // body: a JSON field ("model", "options.size"); query/header/path: its name
  size_t path_segment = 0;          // Source::path: the segment of the match key that holds the parameter
  std::vector<std::pair<std::string, std::string>> table;  // value -> atomic amount (path values lower case)
  std::optional<std::string> fallback;                     // `default:`: atomic amount for an unlisted value

  /// The amount the table gives `value` (or the default); nullopt when neither.
  const std::string* amount_for(std::string_view value) const;
};

/// What a rule looks at in one request.
struct RequestFacts {
  std::string_view match_key;       // routing::Target::match_key: canonical, lower case
  std::string_view query;           // raw, with its leading '?', or empty
  /// The values of a request header (every field of that name, in order).
  std::function<std::vector<std::string_view>(std::string_view)> header;
  const std::string* body = nullptr;  // the whole body, read before pricing (null: none read)
};

/// Why a request could not be priced.
struct PriceRefusal {
  enum class Kind {
    unpriceable,   // the value is missing, given twice, or not a string or number (the body not JSON)
    not_in_table,  // a value the table does not list, and no default
  };
  Kind kind = Kind::unpriceable;
  std::string message;
};

/// The amount (atomic units) of this request, or why there is none.
std::variant<std::string, PriceRefusal> evaluate(const PriceRule& rule, const RequestFacts& facts);

/// The value of query parameter `name` in `query` ("?a=1&b=2"), percent- and '+'-decoded; nullopt
/// when absent. `duplicate` is set when it is given more than once (servers differ on which wins).
std::optional<std::string> query_value(std::string_view query, std::string_view name, bool* duplicate = nullptr);

/// Every value of query parameter `name` in `query`, decoded as query_value() does, in order.
std::vector<std::string> query_values(std::string_view query, std::string_view name);

/// Segment `index` (0: the first after the leading '/') of a match key, or nullopt.
std::optional<std::string_view> path_segment(std::string_view match_key, size_t index);

/// body_value()'s `why` for a body that gives a JSON key twice: such a body is refused by every
/// price source, since which value the upstream reads is its parser's choice.
inline constexpr std::string_view kDuplicateJsonKey = "the request body gives a JSON key more than once";

/// The value at `field` ("a.b") of a JSON body as table text: a string as it is, a number as JSON
/// writes it (an integral value as an integer: 4.0 and 4e0 are "4"). On failure, `why` says what is wrong (not JSON, missing, a duplicate key, ...).
std::optional<std::string> body_value(std::string_view body, std::string_view field, std::string* why);

}  // namespace x402gw::pricing
