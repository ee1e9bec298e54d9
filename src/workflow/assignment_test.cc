// The assignment and escalation engine (pure), and a day of synthetic arrivals through it.
#include "dokuei/workflow/assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const base::Timestamp kNow = Jst(2026, 11, 25, 10, 0);

ReaderLoad Load(const ReaderInfo& info, base::Timestamp start = kNow - hours(1),
                base::Timestamp end = kNow + hours(8), base::Duration backlog = {}) {
  ReaderLoad l;
  l.info = info;
  Shift s;
  s.reader_id = info.user_id;
  s.start = start;
  s.end = end;
  l.duty = {s};
  l.backlog = backlog;
  return l;
}

ReaderInfo Info(int64_t id) {
  for (const auto& r : FixtureReaders())
    if (r.user_id == id) return r;
  return {};
}

WorkItem Item(int64_t id, Modality m, Priority p, base::Timestamp due,
              Step step = Step::kFirstRead) {
  WorkItem w;
  w.request_id = id;
  w.step = step;
  w.modality = m;
  w.priority = p;
  w.region = Region::kLumbar;
  w.received_at = kNow - minutes(5);
  w.due_at = due;
  return w;
}

TEST(AssignmentTest, CredentialsDecideEligibility) {
  const auto mr = Item(1, Modality::kMr, Priority::kRoutine, kNow + hours(20));
  EXPECT_TRUE(Eligible(Info(kJunior), mr));
  EXPECT_FALSE(Eligible(Info(kCtOnly), mr));   // no MR
  EXPECT_FALSE(Eligible(Info(kChecker), mr));  // checks only, no first reads
  auto second = Item(1, Modality::kMr, Priority::kRoutine, kNow + hours(20), Step::kSecondRead);
  second.min_years = 15;
  second.exclude = {kSenior};
  EXPECT_FALSE(Eligible(Info(kJunior), second));     // 5 years
  EXPECT_FALSE(Eligible(Info(kMidSenior), second));  // 12 years
  EXPECT_FALSE(Eligible(Info(kSenior), second));     // the first reader
  EXPECT_TRUE(Eligible(Info(kChecker), second));
  const auto check = Item(1, Modality::kCt, Priority::kRoutine, kNow + hours(20), Step::kCheck);
  EXPECT_FALSE(Eligible(Info(kJunior), check));
  EXPECT_TRUE(Eligible(Info(kChecker), check));
  auto neuro = mr;
  neuro.subspecialty = "neuro";
  EXPECT_FALSE(Eligible(Info(kJunior), neuro));
  EXPECT_TRUE(Eligible(Info(kSenior), neuro));
  ReaderInfo cervical = Info(kJunior);
  cervical.regions = {Region::kCervical};
  EXPECT_FALSE(Eligible(cervical, mr));
}

TEST(AssignmentTest, OnlyReadersOnDutyAndTheShortestQueueWins) {
  std::vector<ReaderLoad> readers = {
      Load(Info(kJunior), kNow + hours(1), kNow + hours(9)),  // not yet on duty
      Load(Info(kSenior), kNow - hours(1), kNow + hours(7), minutes(30)),
      Load(Info(kMidSenior), kNow - hours(1), kNow + hours(7), minutes(10)),
  };
  const AssignmentOptions o;
  auto plan = PlanAssignments(kNow, {Item(1, Modality::kMr, Priority::kRoutine, kNow + hours(30))},
                              readers, o);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].reader_id, kMidSenior);
  EXPECT_EQ(plan[0].predicted_finish, kNow + minutes(22));
  EXPECT_EQ(readers[2].backlog, minutes(22));  // the plan added the work
}

TEST(AssignmentTest, StatFirstAndTheBacklogCapKeepsRoutineWorkInThePool) {
  std::vector<ReaderLoad> readers = {Load(Info(kJunior))};
  AssignmentOptions o;
  o.max_backlog = minutes(20);
  std::vector<WorkItem> items;
  for (int i = 1; i <= 3; ++i)
    items.push_back(Item(i, Modality::kMr, Priority::kRoutine, kNow + hours(20)));
  items.push_back(Item(9, Modality::kCt, Priority::kStat, kNow + minutes(60)));
  auto plan = PlanAssignments(kNow, items, readers, o);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].request_id, 9);  // STAT first
  EXPECT_EQ(plan[1].request_id, 1);  // then one routine MR (8 + 12 = 20 min): the rest wait
  // A STAT is never left in the pool for a full backlog, and goes ahead of the routine MR the
  // reader holds (not of the STAT CT): 8 + 2 minutes.
  auto stat = PlanAssignments(
      kNow, {Item(10, Modality::kXray, Priority::kStat, kNow + minutes(60))}, readers, o);
  ASSERT_EQ(stat.size(), 1u);
  EXPECT_EQ(stat[0].predicted_finish, kNow + minutes(10));
  EXPECT_EQ(readers[0].backlog, minutes(22));
  EXPECT_EQ(readers[0].queue.size(), 3u);
}

TEST(AssignmentTest, CountsTheRiskItAddsToWorkQueuedBehind) {
  // The junior holds a same-day MR due in 25 minutes, not started (20 minutes of work); the
  // senior is 15 minutes into something else. A STAT CT (8 minutes, due in 60) would be done
  // first by either, but with the junior it would push the MR past its deadline.
  ReaderLoad junior = Load(Info(kJunior));
  junior.queue.push_back({77, Priority::kSameDay, kNow + minutes(25), minutes(20), false});
  junior.backlog = minutes(20);
  std::vector<ReaderLoad> readers = {
      junior, Load(Info(kSenior), kNow - hours(1), kNow + hours(7), minutes(15))};
  const AssignmentOptions o;
  const auto item = Item(1, Modality::kCt, Priority::kStat, kNow + minutes(60));
  auto best = BestReader(kNow, item, readers, o);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->reader_id, kSenior);
  EXPECT_EQ(best->predicted_finish, kNow + minutes(23));
  EXPECT_LT(best->breach_risk, 0.01);
  // Alone, the junior would have been the earlier finish (+8).
  std::vector<ReaderLoad> only_junior = {junior};
  auto forced = BestReader(kNow, item, only_junior, o);
  ASSERT_TRUE(forced.has_value());
  EXPECT_EQ(forced->predicted_finish, kNow + minutes(8));
  // The MR would now end at +28 instead of +20 (due at +25): its breach probability rises from
  // about 0.27 to about 0.64 (reading times vary, coefficient of variation 0.4).
  EXPECT_NEAR(forced->added_risk - forced->breach_risk, 0.37, 0.02);
}

TEST(AssignmentTest, MinimisesBreachRiskNotJustQueueLength) {
  // The junior is idle but goes off duty in 5 minutes (back tomorrow); the senior has 20 minutes
  // of work but stays. A STAT MR due in 60 minutes goes to the senior.
  ReaderLoad leaving = Load(Info(kJunior), kNow - hours(8), kNow + minutes(5));
  Shift tomorrow;
  tomorrow.start = kNow + hours(20);
  tomorrow.end = kNow + hours(28);
  leaving.duty.push_back(tomorrow);
  std::vector<ReaderLoad> readers = {
      leaving, Load(Info(kSenior), kNow - hours(1), kNow + hours(7), minutes(20))};
  const AssignmentOptions o;
  auto plan = PlanAssignments(kNow, {Item(1, Modality::kMr, Priority::kStat, kNow + minutes(60))},
                              readers, o);
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].reader_id, kSenior);
  EXPECT_LT(plan[0].breach_risk, 0.05);
  // Predicted finish across an off-duty gap.
  EXPECT_EQ(PredictFinish(leaving, kNow, minutes(12)), kNow + hours(20) + minutes(7));
  EXPECT_FALSE(PredictFinish(leaving, kNow, hours(12)).has_value());
}

TEST(AssignmentTest, SecondReaderDiffersAndMeetsSeniority) {
  std::vector<ReaderLoad> readers = {
      Load(Info(kJunior)), Load(Info(kMidSenior)),
      Load(Info(kSenior), kNow - hours(1), kNow + hours(7), minutes(30)),
      Load(Info(kChecker), kNow - hours(1), kNow + hours(7), minutes(20))};
  auto second = Item(1, Modality::kMr, Priority::kRoutine, kNow + hours(20), Step::kSecondRead);
  second.min_years = 15;
  second.exclude = {kSenior};  // the senior read it first
  auto plan = PlanAssignments(kNow, {second}, readers, AssignmentOptions{});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].reader_id, kChecker);  // the only one left with 15+ years
}

TEST(AssignmentTest, EscalationDecisions) {
  const AssignmentOptions o;  // at-risk margin 10 minutes
  std::vector<ReaderLoad> readers = {Load(Info(kJunior)), Load(Info(kSenior))};
  // Junior holds two STAT MRs due in 30 minutes (12 + 12 min of reading): the second one in
  // the queue would end at +24 min, later than due - margin -> at risk; it was not opened yet,
  // and the senior is idle (done at +12): reroute.
  OpenWork a;
  a.item = Item(1, Modality::kMr, Priority::kStat, kNow + minutes(30));
  a.holder = kJunior;
  a.state = State::kReading;
  OpenWork b;
  b.item = Item(2, Modality::kMr, Priority::kStat, kNow + minutes(30));
  b.item.received_at = kNow;
  b.holder = kJunior;
  b.state = State::kAssigned;
  b.reroutable = true;
  // Overdue: breached.
  OpenWork c;
  c.item = Item(3, Modality::kCt, Priority::kStat, kNow - minutes(1));
  c.holder = kSenior;
  c.state = State::kReading;
  // A CT nobody on duty may read (checker-only reader list): no reader.
  OpenWork d;
  d.item = Item(4, Modality::kCt, Priority::kSameDay, kNow + hours(5));
  d.item.exclude = {kJunior, kSenior};
  auto decisions = PlanEscalations(kNow, std::vector<OpenWork>{a, b, c, d}, readers, o);
  std::map<int64_t, EscalationDecision> by;
  for (const auto& x : decisions) by[x.request_id] = x;
  ASSERT_EQ(decisions.size(), 3u);
  EXPECT_EQ(by.count(1), 0u);  // first in the junior's queue: done at +12
  ASSERT_EQ(by.count(2), 1u);
  EXPECT_EQ(by[2].kind, EscalationKind::kRerouted);
  EXPECT_EQ(by[2].to_reader_id, kSenior);
  EXPECT_EQ(by[3].kind, EscalationKind::kBreached);
  EXPECT_EQ(by[4].kind, EscalationKind::kNoReader);
  // Raised once per level.
  c.escalation_level = 2;
  d.escalation_level = 1;
  EXPECT_EQ(PlanEscalations(kNow, std::vector<OpenWork>{c, d}, readers, o).size(), 0u);
  // What is being read is finished first, whatever its priority: a routine MR in progress
  // delays a STAT CT queued behind it.
  OpenWork reading_routine;
  reading_routine.item = Item(6, Modality::kMr, Priority::kRoutine, kNow + hours(20));
  reading_routine.holder = kSenior;
  reading_routine.state = State::kReading;
  OpenWork stat_behind;
  stat_behind.item = Item(7, Modality::kCt, Priority::kStat, kNow + minutes(25));
  stat_behind.holder = kSenior;
  stat_behind.state = State::kAssigned;
  auto behind = PlanEscalations(kNow, std::vector<OpenWork>{reading_routine, stat_behind},
                                std::vector<ReaderLoad>{Load(Info(kSenior))}, o);
  ASSERT_EQ(behind.size(), 1u);  // 12 + 8 = +20 > 25 - 10; nobody else to take it
  EXPECT_EQ(behind[0].request_id, 7);
  EXPECT_EQ(behind[0].kind, EscalationKind::kAtRisk);
  EXPECT_EQ(behind[0].predicted_finish, kNow + minutes(20));
  // Not reroutable (being read): the coordinator is alerted instead.
  b.reroutable = false;
  b.state = State::kReading;
  auto alert = PlanEscalations(kNow, std::vector<OpenWork>{a, b}, readers, o);
  ASSERT_EQ(alert.size(), 1u);
  EXPECT_EQ(alert[0].kind, EscalationKind::kAtRisk);
  EXPECT_EQ(alert[0].request_id, 2);
  // Pool work while nobody eligible is on duty: fine if a reader comes on duty in time, at risk
  // if only after the deadline.
  std::vector<ReaderLoad> later = {Load(Info(kJunior), kNow + minutes(30), kNow + hours(8))};
  OpenWork pool;
  pool.item = Item(5, Modality::kMr, Priority::kStat, kNow + hours(2));
  EXPECT_TRUE(PlanEscalations(kNow, std::vector<OpenWork>{pool}, later, o).empty());
  pool.item.due_at = kNow + minutes(35);
  auto late = PlanEscalations(kNow, std::vector<OpenWork>{pool}, later, o);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].kind, EscalationKind::kAtRisk);
  EXPECT_EQ(late[0].predicted_finish, kNow + minutes(42));
}

// 250 studies over one day (the Y's Reading figure) with 40 part-time readers on 6-hour shifts,
// through the engine on simulated time, minute by minute: arrivals join the pool, the engine
// assigns, readers work through their queues. Runs in well under a second and keeps the SLAs.
TEST(AssignmentTest, ADayOfArrivalsRunsWellUnderASecond) {
  const auto wall_start = std::chrono::steady_clock::now();
  const base::Timestamp day = Jst(2026, 11, 25, 0, 0);
  std::mt19937 rng(42);
  const Contract contract;
  const AssignmentOptions o;
  // Readers: 40, each on one 6-hour shift, starts staggered so that about 10 are on at any time.
  std::vector<ReaderLoad> readers;
  for (int i = 0; i < 40; ++i) {
    ReaderInfo info;
    info.user_id = 1000 + i;
    info.reads = true;
    info.checks = i % 5 == 0;
    info.years_of_experience = 5 + (i * 7) % 25;
    if (i % 4 == 1) info.modalities = {Modality::kXray, Modality::kCt};
    Shift s;
    s.reader_id = info.user_id;
    s.start = day + minutes((i * 36) % (24 * 60));
    s.end = s.start + hours(6);
    Shift wrap = s;  // the part of a late shift after midnight counts from the day's start
    ReaderLoad l;
    l.info = info;
    l.duty = {s};
    if (s.end > day + hours(24)) {
      wrap.start = day;
      wrap.end = day + (s.end - (day + hours(24)));
      l.duty.insert(l.duty.begin(), wrap);
    }
    readers.push_back(l);
  }
  // Arrivals: 250, more by day than by night; 40 % MR, 30 % CT, 30 % X-ray; 10 % STAT.
  struct Study {
    WorkItem item;
    std::optional<base::Timestamp> done;
    int64_t reader = 0;
  };
  std::vector<Study> studies;
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 250; ++i) {
    const double h = u(rng) < 0.8 ? 8 + u(rng) * 12 : u(rng) * 24;
    const base::Timestamp at = day + minutes(static_cast<int>(h * 60));
    const double m = u(rng);
    const Modality mod = m < 0.4 ? Modality::kMr : m < 0.7 ? Modality::kCt : Modality::kXray;
    const double p = u(rng);
    const Priority prio = p < 0.1   ? Priority::kStat
                          : p < 0.5 ? Priority::kSameDay
                                    : Priority::kRoutine;
    WorkItem w;
    w.request_id = i + 1;
    w.modality = mod;
    w.priority = prio;
    w.region = u(rng) < 0.1 ? Region::kWholeSpine : Region::kLumbar;
    w.received_at = at;
    w.due_at = SlaDeadline(contract, prio, at);
    studies.push_back({w, std::nullopt, 0});
  }
  std::sort(studies.begin(), studies.end(),
            [](const Study& a, const Study& b) { return a.item.received_at < b.item.received_at; });
  std::map<int64_t, std::vector<size_t>> queues;  // reader -> studies in the order assigned
  std::map<int64_t, base::Timestamp> busy_until;
  std::vector<size_t> pool;
  size_t next = 0;
  int assigned = 0;
  for (base::Timestamp now = day; now < day + hours(30); now += minutes(1)) {
    while (next < studies.size() && studies[next].item.received_at <= now) pool.push_back(next++);
    // Readers finish their current study, and the engine sees what is left.
    for (ReaderLoad& r : readers) {
      auto& q = queues[r.info.user_id];
      while (!q.empty() && busy_until[r.info.user_id] <= now && OnDuty(r, now)) {
        Study& s = studies[q.front()];
        const auto t = WorkFor(o, r, s.item);
        const auto start = std::max(now, busy_until[r.info.user_id]);
        busy_until[r.info.user_id] = start + t;
        s.done = start + t;
        q.erase(q.begin());
      }
      r.backlog = {};
      if (busy_until[r.info.user_id] > now) r.backlog += busy_until[r.info.user_id] - now;
      for (size_t idx : q) r.backlog += WorkFor(o, r, studies[idx].item);
    }
    if (pool.empty()) continue;
    std::vector<WorkItem> items;
    for (size_t idx : pool) items.push_back(studies[idx].item);
    const auto plan = PlanAssignments(now, items, readers, o);
    for (const Choice& c : plan) {
      const size_t idx = static_cast<size_t>(
          std::find_if(studies.begin(), studies.end(),
                       [&](const Study& s) { return s.item.request_id == c.request_id; }) -
          studies.begin());
      studies[idx].reader = c.reader_id;
      queues[c.reader_id].push_back(idx);
      pool.erase(std::find(pool.begin(), pool.end(), idx));
      ++assigned;
    }
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start)
          .count();
  int done = 0, late = 0, stat_late = 0;
  for (const Study& s : studies) {
    if (!s.done) continue;
    ++done;
    if (*s.done > s.item.due_at) {
      ++late;
      if (s.item.priority == Priority::kStat) ++stat_late;
    }
  }
  std::printf("day of 250 studies: %d assigned, %d read, %d late (%d STAT), %.1f ms\n", assigned,
              done, late, stat_late, elapsed_ms);
  EXPECT_EQ(assigned, 250);
  EXPECT_EQ(done, 250);
  EXPECT_EQ(late, 0);
  EXPECT_LT(elapsed_ms, 1000.0);
}

}  // namespace
}  // namespace dokuei::workflow
