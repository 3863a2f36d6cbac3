#include "acme/files.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "acme/crypto.hpp"

namespace x402gw::acme {
namespace fs = std::filesystem;
namespace {

std::string random_suffix() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a temporary file name");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) out += {hex[b >> 4], hex[b & 15]};
  return out;
}

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the rename is done; a directory that cannot be opened is not worth failing for
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

fs::path pair_path(const fs::path& state_dir) { return state_dir / "certificate.pem"; }

void write_file_atomically(const fs::path& path, const std::string& text, unsigned mode) {
  // A fresh name, created exclusively and without following links: nobody else's file or link
  // can receive the bytes, and the mode holds from the first byte (the umask can only narrow it).
  const fs::path tmp = path.string() + ".tmp-" + random_suffix();
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) fail("cannot create", tmp);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      fail("cannot write", tmp);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail("cannot sync", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail("cannot rename into place", path);
  }
  sync_directory(path.parent_path());
}

std::optional<std::string> read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

StoredPair check_stored_pair(const fs::path& state_dir, std::string* why) {
  const fs::path pair = pair_path(state_dir);
  if (auto text = read_whole_file(pair)) {
    if (certificate_matches_key(*text, *text)) return StoredPair::valid;
    std::error_code ec;
    fs::rename(pair, pair.string() + ".invalid", ec);
    if (ec) fs::remove(pair, ec);
    if (why) *why = pair.string() + " holds a key that does not match its certificate (set aside as certificate.pem.invalid)";
    return StoredPair::set_aside;
  }
  // Earlier versions kept cert.pem and key.pem apart, replaced one after the other.
  const auto cert = read_whole_file(state_dir / "cert.pem");
  const auto key = read_whole_file(state_dir / "key.pem");
  if (!cert || !key) return StoredPair::none;
  if (!certificate_matches_key(*cert, *key)) {
    if (why) *why = "cert.pem and key.pem in " + state_dir.string() + " do not match (left unused)";
    return StoredPair::set_aside;
  }
  write_file_atomically(pair, *key + *cert, 0600);
  std::error_code ec;
  fs::remove(state_dir / "key.pem", ec);
  fs::remove(state_dir / "cert.pem", ec);
  return StoredPair::valid;
}

}  // namespace x402gw::acme
