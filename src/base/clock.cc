#include "dokuei/base/clock.h"

#include <ctime>

#include <fmt/format.h>

namespace dokuei::base {
namespace {

class RealClock final : public Clock {
 public:
  Timestamp Now() override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
  std::chrono::steady_clock::time_point Monotonic() override {
    return std::chrono::steady_clock::now();
  }
};

std::tm ToTm(Timestamp t, int64_t* micros) {
  int64_t us = t.time_since_epoch().count();
  int64_t secs = us / 1000000;
  int64_t rem = us % 1000000;
  if (rem < 0) {
    rem += 1000000;
    secs -= 1;
  }
  *micros = rem;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

std::string FormatIso8601(Timestamp t) {
  int64_t us;
  std::tm tm = ToTm(t, &us);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

std::string FormatDicomDate(Timestamp t) {
  int64_t us;
  std::tm tm = ToTm(t, &us);
  return fmt::format("{:04}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string FormatDicomTime(Timestamp t) {
  int64_t us;
  std::tm tm = ToTm(t, &us);
  return fmt::format("{:02}{:02}{:02}.{:06}", tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

int64_t ToUnixMicros(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp FromUnixMicros(int64_t us) { return Timestamp(std::chrono::microseconds(us)); }

}  // namespace dokuei::base
