#pragma once
// Human-written durations ("30s", "250ms", "2m") and sizes ("16KiB", "10MB").
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace x402gw::config {

/// Parses "250ms", "30s", "5m", "1h" or a bare number of seconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Parses "512", "16KiB", "16KB", "10MiB", "1GiB" (KB = 1000, KiB = 1024); nullopt when malformed.
std::optional<uint64_t> parse_size(std::string_view text);

}  // namespace x402gw::config
