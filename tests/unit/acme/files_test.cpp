#include "acme/files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "acme/crypto.hpp"

using namespace x402gw::acme;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const char* name) {
  const fs::path dir = fs::path(::testing::TempDir()) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

std::string cert_for(const Key& key) { return make_tls_alpn_certificate(key, "shop.test", "x"); }

}  // namespace

TEST(AcmeFiles, KeysAre0600WhateverTheUmaskAndNoTemporaryIsLeft) {
  const fs::path dir = fresh_dir("x402gw_acme_files_mode");
  const mode_t old = ::umask(0);
  write_file_atomically(dir / "account.key", "secret", 0600);
  write_file_atomically(dir / "domains", "shop.test\n", 0644);
  ::umask(old);
  EXPECT_EQ(mode_of(dir / "account.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "domains"), 0644u);
  write_file_atomically(dir / "account.key", "secret 2", 0600);
  EXPECT_EQ(*read_whole_file(dir / "account.key"), "secret 2");
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 2u) << "no temporary file stays behind";
}

TEST(AcmeFiles, ALinkAtTheDestinationIsReplacedNotFollowed) {
  const fs::path dir = fresh_dir("x402gw_acme_files_link");
  const fs::path elsewhere = dir / "elsewhere";
  std::ofstream(elsewhere) << "untouched";
  fs::create_symlink(elsewhere, dir / "certificate.pem");
  write_file_atomically(dir / "certificate.pem", "key and chain", 0600);
  EXPECT_FALSE(fs::is_symlink(dir / "certificate.pem"));
  EXPECT_EQ(*read_whole_file(elsewhere), "untouched");
}

TEST(AcmeFiles, AMatchingPairIsKeptAMismatchedOneIsSetAside) {
  const fs::path dir = fresh_dir("x402gw_acme_files_pair");
  const Key a = Key::generate(), b = Key::generate();
  EXPECT_EQ(check_stored_pair(dir, nullptr), StoredPair::none);

  write_file_atomically(pair_path(dir), a.to_pem() + cert_for(a), 0600);
  EXPECT_EQ(check_stored_pair(dir, nullptr), StoredPair::valid);

  write_file_atomically(pair_path(dir), b.to_pem() + cert_for(a), 0600);
  std::string why;
  EXPECT_EQ(check_stored_pair(dir, &why), StoredPair::set_aside);
  EXPECT_FALSE(fs::exists(pair_path(dir))) << "the listener must see no pair, and ACME orders one";
  EXPECT_TRUE(fs::exists(dir / "certificate.pem.invalid"));
  EXPECT_NE(why.find("does not match"), std::string::npos);
}

TEST(AcmeFiles, TheTwoFilesOfEarlierVersionsAreJoinedWhenTheyMatch) {
  const fs::path dir = fresh_dir("x402gw_acme_files_legacy");
  const Key a = Key::generate(), b = Key::generate();
  std::ofstream(dir / "cert.pem") << cert_for(a);
  std::ofstream(dir / "key.pem") << b.to_pem();
  EXPECT_EQ(check_stored_pair(dir, nullptr), StoredPair::set_aside) << "a crash between the key and the certificate";
  EXPECT_FALSE(fs::exists(pair_path(dir)));

  std::ofstream(dir / "key.pem", std::ios::trunc) << a.to_pem();
  EXPECT_EQ(check_stored_pair(dir, nullptr), StoredPair::valid);
  const auto pair = read_whole_file(pair_path(dir));
  ASSERT_TRUE(pair);
  EXPECT_TRUE(certificate_matches_key(*pair, *pair));
  EXPECT_EQ(mode_of(pair_path(dir)), 0600u);
  EXPECT_FALSE(fs::exists(dir / "key.pem"));
}
