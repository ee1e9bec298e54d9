// SLA deadlines in Japan time, reading times and the completeness rule (pure).
#include "dokuei/workflow/sla.h"

#include <gtest/gtest.h>

#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

TEST(SlaTest, JapanTimeHelpers) {
  // 00:30 JST on 26 November is 15:30 UTC on 25 November: the JST day is the 26th.
  const auto t = Jst(2026, 11, 26, 0, 30);
  EXPECT_EQ(base::FormatIso8601(t), "2026-11-25T15:30:00.000000Z");
  EXPECT_EQ(JstMinuteOf(t), 30);
  EXPECT_EQ(JstDay(t), JstDay(Jst(2026, 11, 26, 23, 59)));
  EXPECT_EQ(JstDay(t), JstDay(Jst(2026, 11, 25, 23, 59)) + 1);
  EXPECT_EQ(JstMinuteOfDay(JstDay(t), 23 * 60 + 59), Jst(2026, 11, 26, 23, 59));
}

TEST(SlaTest, StatIsOneHourByDefault) {
  const Contract c;
  EXPECT_EQ(SlaDeadline(c, Priority::kStat, Jst(2026, 11, 25, 23, 30)), Jst(2026, 11, 26, 0, 30));
  Contract fast;
  fast.stat_minutes = 30;
  EXPECT_EQ(SlaDeadline(fast, Priority::kStat, Jst(2026, 11, 25, 9, 0)), Jst(2026, 11, 25, 9, 30));
}

TEST(SlaTest, SameDayBeforeAndAfterTheCutOff) {
  const Contract c;  // cut-off 18:00 JST, deadline 23:59 JST
  EXPECT_EQ(SlaDeadline(c, Priority::kSameDay, Jst(2026, 11, 25, 9, 0)), Jst(2026, 11, 25, 23, 59));
  EXPECT_EQ(SlaDeadline(c, Priority::kSameDay, Jst(2026, 11, 25, 17, 59, 59)),
            Jst(2026, 11, 25, 23, 59));
  EXPECT_EQ(SlaDeadline(c, Priority::kSameDay, Jst(2026, 11, 25, 18, 0)),
            Jst(2026, 11, 26, 23, 59));
  // Across JST midnight: 23:50 JST is after the cut-off (next JST day); 00:30 JST the next
  // morning is before it (that same JST day), although both are on 25 November in UTC.
  EXPECT_EQ(SlaDeadline(c, Priority::kSameDay, Jst(2026, 11, 25, 23, 50)),
            Jst(2026, 11, 26, 23, 59));
  EXPECT_EQ(SlaDeadline(c, Priority::kSameDay, Jst(2026, 11, 26, 0, 30)),
            Jst(2026, 11, 26, 23, 59));
  // Across a month and a year end.
  EXPECT_EQ(SlaDeadline(c, Priority::kSameDay, Jst(2026, 12, 31, 20, 0)), Jst(2027, 1, 1, 23, 59));
  Contract noon;
  noon.same_day_cutoff_minute = 12 * 60;
  noon.same_day_deadline_minute = 20 * 60;
  EXPECT_EQ(SlaDeadline(noon, Priority::kSameDay, Jst(2026, 11, 25, 11, 0)),
            Jst(2026, 11, 25, 20, 0));
  EXPECT_EQ(SlaDeadline(noon, Priority::kSameDay, Jst(2026, 11, 25, 12, 0)),
            Jst(2026, 11, 26, 20, 0));
}

TEST(SlaTest, RoutineIsTheNextJapanDay) {
  const Contract c;
  EXPECT_EQ(SlaDeadline(c, Priority::kRoutine, Jst(2026, 11, 25, 9, 0)), Jst(2026, 11, 26, 23, 59));
  EXPECT_EQ(SlaDeadline(c, Priority::kRoutine, Jst(2026, 11, 25, 23, 30)),
            Jst(2026, 11, 26, 23, 59));
  EXPECT_EQ(SlaDeadline(c, Priority::kRoutine, Jst(2026, 11, 26, 0, 10)),
            Jst(2026, 11, 27, 23, 59));
  Contract two;
  two.routine_days = 2;
  two.routine_deadline_minute = 17 * 60;
  EXPECT_EQ(SlaDeadline(two, Priority::kRoutine, Jst(2026, 11, 25, 9, 0)),
            Jst(2026, 11, 27, 17, 0));
}

TEST(SlaTest, ReadingTimesFromTheProductFigures) {
  const ReadingTimes t;
  using std::chrono::minutes;
  EXPECT_EQ(ExpectedReadingTime(t, Modality::kXray, Region::kLumbar), minutes(2));
  EXPECT_EQ(ExpectedReadingTime(t, Modality::kCt, Region::kLumbar), minutes(8));
  EXPECT_EQ(ExpectedReadingTime(t, Modality::kMr, Region::kCervical), minutes(12));
  const auto whole = ExpectedReadingTime(t, Modality::kMr, Region::kWholeSpine);
  EXPECT_GE(whole, minutes(20));
  EXPECT_LE(whole, minutes(25));
  EXPECT_EQ(ExpectedReadingTime(t, Modality::kMr, Region::kLumbar, Step::kSecondRead), minutes(6));
  EXPECT_EQ(ExpectedReadingTime(t, Modality::kCt, Region::kLumbar, Step::kCheck), minutes(2));
}

TEST(SlaTest, CompletenessByQuietPeriodOrSeriesCount) {
  CompletenessRule rule;
  rule.quiet_period = std::chrono::minutes(3);
  const auto t0 = Jst(2026, 11, 25, 9, 0);
  ReadingRequest r;
  EXPECT_FALSE(IsComplete(rule, r, t0 + std::chrono::hours(5)));  // no instance yet
  r.instance_count = 10;
  r.series_count = 2;
  r.last_instance_at = t0;
  EXPECT_FALSE(IsComplete(rule, r, t0 + std::chrono::seconds(179)));
  EXPECT_TRUE(IsComplete(rule, r, t0 + std::chrono::minutes(3)));
  EXPECT_EQ(QuietUntil(rule, r), t0 + std::chrono::minutes(3));
  r.details.expected_series = 3;
  EXPECT_FALSE(IsComplete(rule, r, t0 + std::chrono::seconds(10)));
  r.series_count = 3;
  EXPECT_TRUE(IsComplete(rule, r, t0 + std::chrono::seconds(10)));
}

}  // namespace
}  // namespace dokuei::workflow
