#pragma once
// Counts heap allocations (global operator new) made on this thread while a counter is alive, so
// that a test can say "this path allocates nothing". The binary that includes this links
// allocation_counter.cpp, which replaces operator new and delete with plain malloc and free.
#include <cstddef>

namespace x402gw::test_support {

class AllocationCounter {
 public:
  AllocationCounter();
  ~AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;

  /// Allocations on this thread since construction.
  size_t count() const { return count_; }

 private:
  size_t count_ = 0;
  AllocationCounter* outer_;
};

}  // namespace x402gw::test_support
