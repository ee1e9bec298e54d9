#include "dokuei/base/clock.h"

#include <gtest/gtest.h>

namespace dokuei::base {
namespace {

int64_t Us(std::string_view s, bool date_end = false) {
  auto t = ParseIso8601(s, date_end);
  EXPECT_TRUE(t.has_value()) << s;
  return t ? ToUnixMicros(*t) : -1;
}

TEST(Iso8601, ParsesDatesTimesFractionsAndOffsets) {
  EXPECT_EQ(Us("1970-01-01"), 0);
  EXPECT_EQ(Us("1970-01-01", /*date_end=*/true), 86'400'000'000);
  EXPECT_EQ(Us("2026-11-25T04:38:47Z"), 1'795'581'527'000'000);
  EXPECT_EQ(Us("2026-11-25T04:38:47.123456Z"), 1'795'581'527'123'456);
  EXPECT_EQ(Us("2026-11-25T04:38:47.5Z"), 1'795'581'527'500'000);
  // Japan time is nine hours ahead of UTC.
  EXPECT_EQ(Us("2026-11-25T13:38:47+09:00"), Us("2026-11-25T04:38:47Z"));
  EXPECT_EQ(Us("2026-11-24T23:38:47-05:00"), Us("2026-11-25T04:38:47Z"));
  EXPECT_EQ(Us("2000-02-29T00:00:00Z"), 951'782'400'000'000);  // a leap day
}

TEST(Iso8601, RoundTripsFormatIso8601) {
  const Timestamp t = FromUnixMicros(1'795'581'527'123'456);
  EXPECT_EQ(ParseIso8601(FormatIso8601(t)), t);
}

TEST(Iso8601, RefusesMalformedInput) {
  for (const char* bad :
       {"", "2026", "2026-13-01", "2026-00-10", "2026-11-32", "2026/11/25", "2026-11-25T",
        "2026-11-25T25:00:00Z", "2026-11-25T04:38:47", "2026-11-25T04:38:47+0900",
        "2026-11-25T04:38:47+09:xx", "2026-1a-25", "2026-11-25 04:38:47Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace dokuei::base
