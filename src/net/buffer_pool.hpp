#pragma once
// Relay buffers lent to requests while they move a body, so that an idle keep-alive connection
// holds none. One pool per worker thread: no locking.
#include <cstddef>
#include <memory>
#include <vector>

namespace x402gw::net {

/// A per-thread pool of fixed-size byte buffers.
class BufferPool {
 public:
  static constexpr size_t kBufferSize = 64 * 1024;

  /// A buffer on loan; goes back to its pool when destroyed.
  class Lease {
   public:
    Lease(BufferPool& pool, std::unique_ptr<char[]> bytes) : pool_(&pool), bytes_(std::move(bytes)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (bytes_) pool_->give_back(std::move(bytes_));
    }
    char* data() const { return bytes_.get(); }
    static constexpr size_t size() { return kBufferSize; }

   private:
    BufferPool* pool_;
    std::unique_ptr<char[]> bytes_;
  };

  /// `keep`: how many returned buffers stay allocated for the next requests.
  explicit BufferPool(size_t keep = 64) : keep_(keep) {}

  Lease lease() {
    if (free_.empty()) return Lease(*this, std::make_unique_for_overwrite<char[]>(kBufferSize));
    std::unique_ptr<char[]> bytes = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(bytes));
  }

  size_t idle() const { return free_.size(); }

 private:
  void give_back(std::unique_ptr<char[]> bytes) {
    if (free_.size() < keep_) free_.push_back(std::move(bytes));
  }

  size_t keep_;
  std::vector<std::unique_ptr<char[]>> free_;
};

}  // namespace x402gw::net
