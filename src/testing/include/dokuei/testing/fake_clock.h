// FakeClock: a Clock that only moves when told to. Both Now() and Monotonic() advance together.
// Thread safety: thread-safe.
#pragma once

#include <atomic>

#include "dokuei/base/clock.h"

namespace dokuei::testing {

class FakeClock final : public base::Clock {
 public:
  explicit FakeClock(base::Timestamp start = base::FromUnixMicros(1'790'000'000'000'000))
      : now_us_(base::ToUnixMicros(start)) {}
  base::Timestamp Now() override { return base::FromUnixMicros(now_us_.load()); }
  std::chrono::steady_clock::time_point Monotonic() override {
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(now_us_.load()));
  }
  void Advance(base::Duration d) { now_us_ += d.count(); }
  void Set(base::Timestamp t) { now_us_ = base::ToUnixMicros(t); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace dokuei::testing
