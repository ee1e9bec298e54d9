#include "dokuei/base/clock.h"

#include <fmt/format.h>

#include <ctime>

#include "dokuei/base/strings.h"

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

namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

// "YYYY-MM-DD" (date_end: the end of that day) or "YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)".
std::optional<Timestamp> ParseIso8601(std::string_view s, bool date_end) {
  auto num = [&](size_t pos, size_t len) -> std::optional<int64_t> {
    if (pos + len > s.size()) return std::nullopt;
    for (size_t i = pos; i < pos + len; ++i)
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
    return ParseInt(s.substr(pos, len));
  };
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (!y || !mo || !d || *mo < 1 || *mo > 12 || *d < 1 || *d > 31) return std::nullopt;
  int64_t us =
      DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86'400'000'000;
  if (s.size() == 10) return FromUnixMicros(date_end ? us + 86'400'000'000 : us);
  if (s[10] != 'T' || s.size() < 20 || s[13] != ':' || s[16] != ':') return std::nullopt;
  const auto h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
  if (!h || !mi || !sec || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;
  us += ((*h * 60 + *mi) * 60 + *sec) * 1'000'000;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    int64_t scale = 1'000'000;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      scale /= 10;
      us += (s[pos] - '0') * scale;
    }
  }
  const std::string_view zone = s.substr(pos);
  if (zone == "Z") return FromUnixMicros(us);
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
  const auto zh = num(pos + 1, 2), zm = num(pos + 4, 2);
  if (!zh || !zm) return std::nullopt;
  const int64_t offset = (*zh * 60 + *zm) * 60'000'000;
  return FromUnixMicros(zone[0] == '+' ? us - offset : us + offset);
}

}  // namespace dokuei::base
