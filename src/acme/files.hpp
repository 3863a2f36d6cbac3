#pragma once
// The files of an ACME state directory, written so that no crash leaves them half-done and no
// other user ever reads a key: each file is created under a fresh name with O_CREAT|O_EXCL and its
// final mode (0600 for keys) before a byte is written, synced, then renamed over the old one, and
// the directory synced. The certificate and its key live in ONE file (the key, then the chain), so
// they are replaced together by one rename: there is no moment, and no crash, with a mismatched pair.
#include <filesystem>
#include <optional>
#include <string>

namespace x402gw::acme {

/// The pair file of a state directory: certificate.pem (key + chain, 0600).
std::filesystem::path pair_path(const std::filesystem::path& state_dir);

/// Writes `text` to `path` atomically with `mode` from creation; throws std::runtime_error.
void write_file_atomically(const std::filesystem::path& path, const std::string& text, unsigned mode);

/// The whole file, or nullopt when it cannot be read.
std::optional<std::string> read_whole_file(const std::filesystem::path& path);

/// What was found in a state directory at start-up.
enum class StoredPair { none, valid, set_aside };

/// Makes the state directory's pair servable or absent, never broken: a pair file whose key does
/// not match its certificate is renamed to certificate.pem.invalid (a new one is then ordered),
/// and the files of earlier versions (cert.pem + key.pem) are joined into the pair file when they
/// match, or left unused when they do not. `why` says what was set aside.
StoredPair check_stored_pair(const std::filesystem::path& state_dir, std::string* why);

}  // namespace x402gw::acme
