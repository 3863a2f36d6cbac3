#pragma once
// Strings lent to requests for the heads they write (the upstream request head, the client's
// response head), so that a proxied request does not allocate one per head: a returned string
// keeps its capacity for the next request. One pool per worker thread: no locking.
#include <cstddef>
#include <string>
#include <vector>

namespace x402gw::net {

/// A per-thread pool of reusable strings.
class StringPool {
 public:
  /// A string longer than this is freed when returned rather than kept: one request with a huge
  /// head must not pin its memory for the worker's life.
  static constexpr size_t kKeepCapacity = 16 * 1024;

  /// A string on loan, empty when lent; goes back to its pool when destroyed.
  class Lease {
   public:
    Lease(StringPool& pool, std::string text) : pool_(&pool), text_(std::move(text)) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), text_(std::move(other.text_)) { other.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->give_back(std::move(text_));
    }
    std::string& operator*() { return text_; }
    std::string* operator->() { return &text_; }

   private:
    StringPool* pool_;
    std::string text_;
  };

  /// `keep`: how many returned strings stay allocated for the next requests.
  explicit StringPool(size_t keep = 64) : keep_(keep) {}

  Lease lease() {
    if (free_.empty()) return Lease(*this, std::string());
    std::string text = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(text));
  }

  size_t idle() const { return free_.size(); }

 private:
  void give_back(std::string text) {
    if (free_.size() >= keep_ || text.capacity() > kKeepCapacity) return;
    text.clear();
    free_.push_back(std::move(text));
  }

  size_t keep_;
  std::vector<std::string> free_;
};

}  // namespace x402gw::net
