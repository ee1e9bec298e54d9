// Clocks of the reading workflow, as pure functions: SLA deadlines from a contract, expected
// reading times, and the completeness rule that decides when a study may be routed.
//
// Japan time: Asia/Tokyo is UTC+09:00 all year (no daylight saving time since 1951), so deadlines
// use a fixed +09:00 offset instead of a time-zone database. A contract's "same day by 23:59"
// means 23:59:00 JST of the JST calendar day of reception.
// Thread safety: pure functions.
#pragma once

#include <cstdint>

#include "dokuei/base/clock.h"
#include "dokuei/workflow/records.h"

namespace dokuei::workflow {

inline constexpr base::Duration kJstOffset = std::chrono::hours(9);

// Days since 1970-01-01 of the JST calendar day containing t, and the UTC instant of a JST
// minute of that day.
int64_t JstDay(base::Timestamp t);
base::Timestamp JstMinuteOfDay(int64_t jst_day, int minute);
int JstMinuteOf(base::Timestamp t);  // 0..1439
// Days since 1970-01-01 of a calendar date (proleptic Gregorian), e.g. the JST day of a date.
int64_t DayOfDate(int year, int month, int day);

// The SLA deadline of a request of `priority` received at `received_at` under contract `c`:
//  STAT: received + stat_minutes;
//  same-day: same_day_deadline_minute of the reception day when received before the cut-off
//            (JST), else of the next JST day;
//  routine: routine_deadline_minute, routine_days JST days after the reception day.
base::Timestamp SlaDeadline(const Contract& c, Priority priority, base::Timestamp received_at);

// When a request's SLA clock starts: at reception, or when its first image arrived if the form
// came first (the centre cannot read a study it does not have).
base::Timestamp SlaStart(const ReadingRequest& r);

// Expected reading times (product.md section 5; to be calibrated with real data).
struct ReadingTimes {
  base::Duration xray = std::chrono::minutes(2);
  base::Duration ct = std::chrono::minutes(8);
  base::Duration mr_single_region = std::chrono::minutes(12);
  base::Duration mr_whole_spine = std::chrono::seconds(22 * 60 + 30);  // 20-25 min
  base::Duration other = std::chrono::minutes(10);
  double second_read_factor = 0.5;  // a second read or review, as a share of the first read
  double check_factor = 0.25;       // a report check (校閲)
};

enum class Step : uint8_t { kFirstRead, kSecondRead, kCheck };
base::Duration ExpectedReadingTime(const ReadingTimes& t, Modality m, Region r,
                                   Step step = Step::kFirstRead);

// Completeness (product.md 3.3): a study is routed when no instance arrived for `quiet_period`,
// or as soon as the expected series count is reached. A request without any instance is never
// complete.
struct CompletenessRule {
  base::Duration quiet_period = std::chrono::minutes(3);
};
bool IsComplete(const CompletenessRule& rule, const ReadingRequest& r, base::Timestamp now);
// When the quiet period of r ends (nullopt without instances).
std::optional<base::Timestamp> QuietUntil(const CompletenessRule& rule, const ReadingRequest& r);

}  // namespace dokuei::workflow
