#pragma once
// A coarse timer wheel: the deadlines of one worker's connections, kept without a timer each.
// Pure bookkeeping on a millisecond clock the caller reads (net/socket_deadline drives it with
// one Asio timer); no I/O, no allocation per deadline.
//
// Time is cut into ticks of `tick_ms`. A deadline d is filed under tick ceil(d / tick), in slot
// tick % kSlots; the slot is looked at once the clock reaches that tick's end, so an entry is
// never seen before its deadline and at most one tick after it. Deadlines further out than the
// wheel's span share a slot with nearer ones and are simply filed again when looked at.
//
// Re-arming an armed entry to a later deadline only writes the timestamp (nginx's habit): the
// entry stays where it is filed and is refiled when its old tick comes. Only an earlier
// deadline moves it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace x402gw::net {

class DeadlineWheel;

/// One deadline, embedded in what it guards: arming links it into a wheel, nothing is allocated.
class DeadlineEntry {
 public:
  DeadlineEntry() = default;
  DeadlineEntry(const DeadlineEntry&) = delete;
  DeadlineEntry& operator=(const DeadlineEntry&) = delete;
  ~DeadlineEntry();

  /// Whether the deadline is set and has not passed.
  bool armed() const { return wheel_ != nullptr; }
  /// Whether the deadline passed since it was last armed.
  bool fired() const { return fired_; }
  /// The deadline (ms on the wheel's clock) it was last armed with.
  uint64_t deadline() const { return deadline_; }
  /// Takes the deadline off, if set; `fired()` keeps its answer.
  void disarm();

 private:
  friend class DeadlineWheel;
  DeadlineEntry* next_ = nullptr;
  DeadlineEntry** prev_next_ = nullptr;  // the pointer that points to this entry
  DeadlineWheel* wheel_ = nullptr;       // set while armed
  uint64_t deadline_ = 0;
  uint64_t tick_ = 0;                    // the tick it is filed under
  bool fired_ = false;
};

/// The wheel: entries filed by tick, looked at when the clock passes their tick.
class DeadlineWheel {
 public:
  static constexpr size_t kSlots = 256;

  /// `now_ms`: the clock at creation (ticks before it count as looked at).
  DeadlineWheel(uint64_t tick_ms, uint64_t now_ms) : tick_ms_(tick_ms), done_tick_(now_ms / tick_ms) {}
  DeadlineWheel(const DeadlineWheel&) = delete;
  DeadlineWheel& operator=(const DeadlineWheel&) = delete;
  ~DeadlineWheel();

  /// Sets `entry`'s deadline (clearing `fired()`); a later deadline than the one it is filed
  /// under only writes the timestamp.
  void arm(DeadlineEntry& entry, uint64_t deadline_ms);
  /// Takes the deadline off; `fired()` keeps telling whether it had passed.
  void disarm(DeadlineEntry& entry);

  /// Fires every entry whose deadline is at or before `now_ms`: unlinks it, sets fired(), and
  /// calls `fire(entry)` (which must not destroy other entries). Returns how many fired.
  template <class Fire>
  size_t expire(uint64_t now_ms, Fire&& fire) {
    size_t fired = 0;
    for (DeadlineEntry* e = take_due(now_ms); e != nullptr;) {
      DeadlineEntry* next = e->next_;
      e->next_ = nullptr;
      e->prev_next_ = nullptr;
      e->wheel_ = nullptr;
      --count_;
      if (e->deadline_ <= now_ms) {
        e->fired_ = true;
        ++fired;
        fire(*e);
      } else {
        link(*e, e->deadline_);  // a later round, or a deadline moved on since it was filed
      }
      e = next;
    }
    return fired;
  }

  /// When the wheel must next be looked at (ms): the end of the first tick that has entries
  /// filed; nothing when the wheel is empty. (It may be early for an entry of a later round,
  /// never late.)
  std::optional<uint64_t> next_check() const;
  /// When `entry`, armed, will be looked at (ms).
  uint64_t check_time(const DeadlineEntry& entry) const { return entry.tick_ * tick_ms_; }

  size_t size() const { return count_; }
  uint64_t tick_ms() const { return tick_ms_; }

 private:
  friend class DeadlineEntry;
  void link(DeadlineEntry& e, uint64_t deadline_ms);
  void unlink(DeadlineEntry& e);
  // Detaches the slots of every tick up to now_ms's and returns their entries as one list.
  DeadlineEntry* take_due(uint64_t now_ms);

  uint64_t tick_ms_;
  uint64_t done_tick_;  // every tick up to this one has been looked at
  size_t count_ = 0;
  std::array<DeadlineEntry*, kSlots> slots_{};
  std::array<uint64_t, kSlots / 64> filled_{};  // a bit per slot that may hold entries
};

}  // namespace x402gw::net
