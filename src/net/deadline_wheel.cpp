#include "net/deadline_wheel.hpp"

#include <algorithm>
#include <bit>

namespace x402gw::net {

DeadlineEntry::~DeadlineEntry() {
  if (wheel_) wheel_->unlink(*this);
}

void DeadlineEntry::disarm() {
  if (wheel_) wheel_->unlink(*this);
}

DeadlineWheel::~DeadlineWheel() {
  // Entries that outlive the wheel must not reach back into it.
  for (DeadlineEntry* head : slots_)
    for (DeadlineEntry* e = head; e != nullptr; e = e->next_) e->wheel_ = nullptr;
}

void DeadlineWheel::arm(DeadlineEntry& entry, uint64_t deadline_ms) {
  entry.fired_ = false;
  if (entry.wheel_ == this) {
    // Filed under a tick no later than the new deadline's: it will be looked at in time, and
    // then refiled. Only the timestamp changes.
    if (entry.tick_ <= (deadline_ms + tick_ms_ - 1) / tick_ms_) {
      entry.deadline_ = deadline_ms;
      return;
    }
    unlink(entry);
  } else if (entry.wheel_) {
    entry.wheel_->unlink(entry);
  }
  link(entry, deadline_ms);
}

void DeadlineWheel::disarm(DeadlineEntry& entry) {
  if (entry.wheel_) entry.wheel_->unlink(entry);
}

void DeadlineWheel::link(DeadlineEntry& e, uint64_t deadline_ms) {
  // Never filed under a tick already looked at: that one would not be looked at again.
  const uint64_t tick = std::max((deadline_ms + tick_ms_ - 1) / tick_ms_, done_tick_ + 1);
  const size_t slot = tick % kSlots;
  e.deadline_ = deadline_ms;
  e.tick_ = tick;
  e.wheel_ = this;
  e.next_ = slots_[slot];
  e.prev_next_ = &slots_[slot];
  if (e.next_) e.next_->prev_next_ = &e.next_;
  slots_[slot] = &e;
  filled_[slot / 64] |= uint64_t{1} << (slot % 64);
  ++count_;
}

void DeadlineWheel::unlink(DeadlineEntry& e) {
  *e.prev_next_ = e.next_;
  if (e.next_) e.next_->prev_next_ = e.prev_next_;
  const size_t slot = e.tick_ % kSlots;
  if (slots_[slot] == nullptr) filled_[slot / 64] &= ~(uint64_t{1} << (slot % 64));
  e.next_ = nullptr;
  e.prev_next_ = nullptr;
  e.wheel_ = nullptr;
  --count_;
}

DeadlineEntry* DeadlineWheel::take_due(uint64_t now_ms) {
  const uint64_t now_tick = now_ms / tick_ms_;
  if (now_tick <= done_tick_) return nullptr;
  // After a long gap every slot is due once: one pass over the wheel covers every tick.
  const uint64_t first = std::max(done_tick_ + 1, now_tick >= kSlots ? now_tick - kSlots + 1 : 0);
  done_tick_ = now_tick;
  DeadlineEntry* due = nullptr;
  for (uint64_t tick = first; tick <= now_tick; ++tick) {
    const size_t slot = tick % kSlots;
    DeadlineEntry* e = slots_[slot];
    if (!e) continue;
    slots_[slot] = nullptr;
    filled_[slot / 64] &= ~(uint64_t{1} << (slot % 64));
    while (e) {
      DeadlineEntry* next = e->next_;
      // Still counted (and armed) until expire() fires or refiles it.
      e->next_ = due;
      due = e;
      e = next;
    }
  }
  return due;
}

std::optional<uint64_t> DeadlineWheel::next_check() const {
  if (count_ == 0) return std::nullopt;
  // The first filled slot from the next tick on, cyclically.
  const uint64_t start_tick = done_tick_ + 1;
  for (size_t step = 0; step < kSlots;) {
    const size_t slot = (start_tick + step) % kSlots;
    const uint64_t word = filled_[slot / 64] >> (slot % 64);
    if (word != 0) return (start_tick + step + static_cast<size_t>(std::countr_zero(word))) * tick_ms_;
    step += 64 - slot % 64;
  }
  return std::nullopt;
}

}  // namespace x402gw::net
