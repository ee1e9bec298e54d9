// Clock: the only source of time outside base/ and server/. Inject a FakeClock
// (src/testing) to advance a day in a microsecond.
// Thread safety: implementations must be safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dokuei::base {

// Wall-clock UTC time with microsecond resolution.
using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;
using Duration = std::chrono::microseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current UTC time.
  virtual Timestamp Now() = 0;
  // Monotonic time for timeouts and durations (not related to Now()).
  virtual std::chrono::steady_clock::time_point Monotonic() = 0;
};

// The process-wide real clock.
Clock& SystemClock();

// ISO 8601 UTC, e.g. "2026-11-25T04:38:47.123456Z".
std::string FormatIso8601(Timestamp t);
// Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)". A bare date is the start of
// that day in UTC, or with `date_end` the start of the next day (an exclusive upper bound:
// "to=2026-11-25" includes the whole of the 25th). nullopt when malformed.
std::optional<Timestamp> ParseIso8601(std::string_view s, bool date_end = false);
// DICOM DA "YYYYMMDD" and TM "HHMMSS.ffffff" of t in UTC.
std::string FormatDicomDate(Timestamp t);
std::string FormatDicomTime(Timestamp t);
int64_t ToUnixMicros(Timestamp t);
Timestamp FromUnixMicros(int64_t us);

}  // namespace dokuei::base
