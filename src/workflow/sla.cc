// SLA deadlines in Japan time (fixed +09:00), reading times, completeness.
#include "dokuei/workflow/sla.h"

#include <algorithm>

namespace dokuei::workflow {
namespace {

constexpr int64_t kDayUs = int64_t{86'400} * 1'000'000;
constexpr int64_t kMinuteUs = int64_t{60} * 1'000'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

int64_t JstDay(base::Timestamp t) {
  return FloorDiv(base::ToUnixMicros(t) + kJstOffset.count(), kDayUs);
}

int64_t DayOfDate(int year, int month, int day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

base::Timestamp JstMinuteOfDay(int64_t jst_day, int minute) {
  return base::FromUnixMicros(jst_day * kDayUs + minute * kMinuteUs - kJstOffset.count());
}

int JstMinuteOf(base::Timestamp t) {
  const int64_t local = base::ToUnixMicros(t) + kJstOffset.count();
  return static_cast<int>((local - FloorDiv(local, kDayUs) * kDayUs) / kMinuteUs);
}

base::Timestamp SlaDeadline(const Contract& c, Priority priority, base::Timestamp received_at) {
  const int64_t day = JstDay(received_at);
  switch (priority) {
    case Priority::kStat:
      return received_at + std::chrono::minutes(c.stat_minutes);
    case Priority::kSameDay: {
      const bool before_cutoff = JstMinuteOf(received_at) < c.same_day_cutoff_minute;
      return JstMinuteOfDay(before_cutoff ? day : day + 1, c.same_day_deadline_minute);
    }
    case Priority::kRoutine:
      return JstMinuteOfDay(day + c.routine_days, c.routine_deadline_minute);
  }
  return received_at;
}

base::Timestamp SlaStart(const ReadingRequest& r) {
  if (r.first_instance_at && *r.first_instance_at > r.received_at) return *r.first_instance_at;
  return r.received_at;
}

base::Duration ExpectedReadingTime(const ReadingTimes& t, Modality m, Region r, Step step) {
  base::Duration first = t.other;
  switch (m) {
    case Modality::kXray:
      first = t.xray;
      break;
    case Modality::kCt:
      first = t.ct;
      break;
    case Modality::kMr:
      first = r == Region::kWholeSpine ? t.mr_whole_spine : t.mr_single_region;
      break;
    case Modality::kOther:
      break;
  }
  const double factor = step == Step::kFirstRead    ? 1.0
                        : step == Step::kSecondRead ? t.second_read_factor
                                                    : t.check_factor;
  return base::Duration(static_cast<int64_t>(static_cast<double>(first.count()) * factor));
}

std::optional<base::Timestamp> QuietUntil(const CompletenessRule& rule, const ReadingRequest& r) {
  if (!r.last_instance_at || r.instance_count == 0) return std::nullopt;
  return *r.last_instance_at + rule.quiet_period;
}

bool IsComplete(const CompletenessRule& rule, const ReadingRequest& r, base::Timestamp now) {
  if (r.instance_count == 0) return false;
  if (r.details.expected_series > 0 && r.series_count >= r.details.expected_series) return true;
  const auto quiet = QuietUntil(rule, r);
  return quiet && now >= *quiet;
}

}  // namespace dokuei::workflow
