// Global operator new and delete replaced for a test binary: malloc and free, counted on the
// threads where an AllocationCounter is alive. (The aligned forms keep the library's own pair.)
#include "support/allocation_counter.hpp"

#include <cstdlib>
#include <new>

namespace x402gw::test_support {
namespace {
thread_local AllocationCounter* active = nullptr;
thread_local size_t* active_count = nullptr;
}  // namespace

AllocationCounter::AllocationCounter() : outer_(active) {
  active = this;
  active_count = &count_;
}

AllocationCounter::~AllocationCounter() {
  active = outer_;
  active_count = outer_ ? &outer_->count_ : nullptr;
}

}  // namespace x402gw::test_support

void* operator new(std::size_t size) {
  if (x402gw::test_support::active_count) ++*x402gw::test_support::active_count;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return ::operator new(size, std::nothrow); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
