// A day of synthetic arrivals through the whole library on every backend: studies arrive
// (RecordArrival), hospitals complete their requests, the dispatcher routes and assigns on the
// fake clock, simulated readers open, read and sign, the coordinator delivers. Every request is
// delivered within its SLA and nothing escalates to a breach.
#include <cstdio>
#include <random>

#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

using DayTest = WorkflowTest;
DOKUEI_WORKFLOW_BACKENDS(DayTest);

TEST_P(DayTest, ADayOfArrivalsIsDeliveredInTime) {
  const auto wall_start = std::chrono::steady_clock::now();
  const base::Timestamp day = Jst(2026, 11, 26, 0, 0);
  clock_.Set(day);
  // 12 readers on 8-hour shifts, four at a time around the clock; every third one checks too.
  std::vector<ReaderInfo> infos;
  for (int i = 0; i < 12; ++i) {
    ReaderInfo r;
    r.user_id = 2000 + i;
    r.display_name = "reader " + std::to_string(i);
    r.checks = i % 3 == 0;
    r.years_of_experience = 4 + 2 * i;
    infos.push_back(r);
  }
  StaticReaderDirectory dir(infos);
  auto wf = OpenWorkflow(db_, clock_, dir, {});
  ASSERT_TRUE(wf.ok());
  Workflow& w = **wf;
  for (int i = 0; i < 12; ++i) {
    Shift s;
    s.reader_id = 2000 + i;
    s.start = day + hours(8 * (i % 3));
    s.end = s.start + hours(8);
    ASSERT_TRUE(w.rosters().AddShift(Coordinator(), s).ok());
  }
  // Arrivals: 120 studies, mostly by day; 10 % STAT, 40 % same day.
  struct Arrival {
    base::Timestamp at;
    Modality modality;
    Priority priority;
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Arrival> arrivals;
  for (int i = 0; i < 120; ++i) {
    const double h = u(rng) < 0.8 ? 8 + u(rng) * 10 : u(rng) * 22;
    const double m = u(rng), p = u(rng);
    arrivals.push_back({day + minutes(static_cast<int>(h * 60)),
                        m < 0.4   ? Modality::kMr
                        : m < 0.7 ? Modality::kCt
                                  : Modality::kXray,
                        p < 0.1   ? Priority::kStat
                        : p < 0.5 ? Priority::kSameDay
                                  : Priority::kRoutine});
  }
  std::sort(arrivals.begin(), arrivals.end(),
            [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
  const char* dicom[] = {"OT", "CR", "CT", "MR"};
  const ReadingTimes times;
  size_t next = 0;
  const auto step = minutes(5);
  for (base::Timestamp now = day; now < day + hours(30); now += step) {
    clock_.Set(now);
    for (; next < arrivals.size() && arrivals[next].at <= now; ++next) {
      const Arrival& a = arrivals[next];
      const std::string study = Uid(5000 + static_cast<int>(next));
      ReadingRequest r;
      for (int k = 0; k < 3; ++k) {
        auto res = w.requests().RecordArrival(hospital_, study, study + ".1",
                                              dicom[static_cast<int>(a.modality)]);
        ASSERT_TRUE(res.ok()) << res.status().ToString();
        r = *res;
      }
      RequestDetails d = r.details;
      d.priority = a.priority;
      d.region = Region::kLumbar;
      d.clinical_question = "腰痛";
      ASSERT_TRUE(w.requests().UpdateDetails(Staff(hospital_), r.id, d).ok());
    }
    auto tick = w.dispatcher().Tick();
    ASSERT_TRUE(tick.ok()) << tick.status().ToString();
    // Readers: finish what they read, then open the next assigned study.
    for (const ReaderInfo& info : infos) {
      const Actor me = Centre(info.user_id, {identity::Role::kReader});
      RequestFilter mine;
      mine.holder = info.user_id;
      auto held = w.requests().List(me, mine);
      ASSERT_TRUE(held.ok()) << held.status().ToString();
      bool reading = false;
      for (const ReadingRequest& r : *held) {
        if (r.state != State::kReading) continue;
        reading = true;
        const auto t = ExpectedReadingTime(times, r.details.modality, r.details.region);
        if (*r.started_at + t > now) continue;
        ASSERT_TRUE(w.requests().Transition(me, r.id, State::kFinal).ok());
        ASSERT_TRUE(w.requests().Transition(Coordinator(), r.id, State::kDelivered).ok());
        reading = false;
      }
      if (reading) continue;
      for (const ReadingRequest& r : *held) {
        if (r.state != State::kAssigned) continue;
        auto st = w.requests().Transition(me, r.id, State::kReading);
        ASSERT_TRUE(st.ok()) << st.status().ToString();
        break;
      }
    }
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start)
          .count();
  RequestFilter delivered;
  delivered.state = State::kDelivered;
  delivered.limit = 1000;
  auto done = w.requests().List(Coordinator(), delivered);
  ASSERT_TRUE(done.ok());
  int late = 0;
  for (const ReadingRequest& r : *done)
    if (*r.final_at > r.due_at) ++late;
  auto esc = w.dispatcher().Escalations(0, 1000);
  ASSERT_TRUE(esc.ok());
  int breaches = 0;
  for (const Escalation& e : *esc) {
    breaches += e.kind == EscalationKind::kBreached;
    std::printf("  escalation: request %lld at %s %s %s\n", static_cast<long long>(e.request_id),
                base::FormatIso8601(e.at).c_str(), std::string(EscalationKindName(e.kind)).c_str(),
                e.detail.c_str());
  }
  std::printf(
      "%s: 120 requests over a simulated day in %.0f ms; %zu delivered, %d late, %zu "
      "escalations\n",
      BackendName(::testing::TestParamInfo<Backend>(GetParam(), 0)).c_str(), elapsed_ms,
      done->size(), late, esc->size());
  EXPECT_EQ(done->size(), arrivals.size());
  EXPECT_EQ(late, 0);
  EXPECT_EQ(breaches, 0);
}

}  // namespace
}  // namespace dokuei::workflow
