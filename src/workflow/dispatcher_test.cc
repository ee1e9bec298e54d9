// The dispatcher on every backend, on the fake clock: completeness by quiet period and by series
// count, the engine's choice of reader (credentials, duty, absences, queue, seniority for the
// second reader), escalation timing (no reader, breach, reroute), contracts and rosters.
#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using base::Code;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

using DispatcherTest = WorkflowTest;
DOKUEI_WORKFLOW_BACKENDS(DispatcherTest);

TEST_P(DispatcherTest, AStudyIsRoutedAfterTheQuietPeriod) {
  auto a = Req().RecordArrival(hospital_, Uid(1), Uid(11), "CT");
  ASSERT_TRUE(a.ok());
  clock_.Advance(minutes(1));
  ASSERT_TRUE(Req().RecordArrival(hospital_, Uid(1), Uid(11), "CT").ok());
  clock_.Advance(minutes(2));  // 2 minutes after the last instance (quiet period: 3)
  auto t = wf_->dispatcher().Tick();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->readied, 0);
  EXPECT_EQ(Req().Get(Coordinator(), a->id)->state, State::kReceived);
  clock_.Advance(seconds(59));
  EXPECT_EQ(wf_->dispatcher().Tick()->readied, 0);
  clock_.Advance(seconds(1));
  EXPECT_EQ(wf_->dispatcher().Tick()->readied, 1);
  auto r = Req().Get(Coordinator(), a->id);
  EXPECT_EQ(r->state, State::kReady);
  EXPECT_EQ(r->ready_at, clock_.Now());
  // A form without images is never routed.
  MakeRequest(2);
  clock_.Advance(hours(2));
  EXPECT_EQ(wf_->dispatcher().Tick()->readied, 0);
}

TEST_P(DispatcherTest, AStudyIsRoutedWhenTheExpectedSeriesArrived) {
  NewRequest nr;
  nr.tenant_id = hospital_;
  nr.study_uid = Uid(1);
  nr.details.modality = Modality::kMr;
  nr.details.expected_series = 3;
  auto r = Req().Create(Staff(hospital_), nr);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(Req().RecordArrival(hospital_, Uid(1), Uid(11), "MR").ok());
  ASSERT_TRUE(Req().RecordArrival(hospital_, Uid(1), Uid(12), "MR").ok());
  EXPECT_EQ(wf_->dispatcher().Tick()->readied, 0);
  ASSERT_TRUE(Req().RecordArrival(hospital_, Uid(1), Uid(13), "MR").ok());
  EXPECT_EQ(wf_->dispatcher().Tick()->readied, 1);  // no quiet period needed
  EXPECT_EQ(Req().Get(Coordinator(), r->id)->state, State::kReady);
}

TEST_P(DispatcherTest, TheEngineAssignsTheRightReaderOnDuty) {
  const auto now = clock_.Now();
  AddShift(kJunior, now - hours(1), now + hours(8));
  AddShift(kCtOnly, now - hours(1), now + hours(8));
  AddShift(kSenior, now - hours(1), now + hours(8));
  AddShift(kChecker, now + hours(2), now + hours(10));  // not yet
  Absence away;
  away.reader_id = kSenior;
  away.start = now - hours(1);
  away.end = now + hours(3);
  away.reason = "有給休暇";
  ASSERT_TRUE(wf_->rosters().AddAbsence(Coordinator(), away).ok());
  const ReadingRequest mr = Ready(1, Modality::kMr);
  auto t = wf_->dispatcher().Tick();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->assigned, 1);
  // The only MR reader on duty (the CT-only reader cannot, the senior is away).
  auto got = Req().Get(Coordinator(), mr.id);
  EXPECT_EQ(got->state, State::kAssigned);
  EXPECT_EQ(got->reader_id, kJunior);
  // The next CT goes to the reader with the shorter queue.
  const ReadingRequest ct = Ready(2, Modality::kCt);
  ASSERT_TRUE(wf_->dispatcher().Tick().ok());
  EXPECT_EQ(Req().Get(Coordinator(), ct.id)->reader_id, kCtOnly);
  auto loads = wf_->dispatcher().Loads();
  ASSERT_TRUE(loads.ok());
  for (const auto& l : *loads) {
    if (l.info.user_id == kJunior) {
      EXPECT_EQ(l.backlog, minutes(12));
    } else if (l.info.user_id == kCtOnly) {
      EXPECT_EQ(l.backlog, minutes(8));
    } else if (l.info.user_id == kSenior) {
      EXPECT_FALSE(OnDuty(l, now));
    }
  }
  // A study that becomes complete is routed and assigned in the same tick.
  auto arrived = Req().RecordArrival(hospital_, Uid(3), Uid(31), "DX");
  ASSERT_TRUE(arrived.ok());
  clock_.Advance(minutes(3));
  auto both = wf_->dispatcher().Tick();
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->readied, 1);
  EXPECT_EQ(both->assigned, 1);
  EXPECT_EQ(Req().Get(Coordinator(), arrived->id)->state, State::kAssigned);
  // Assignments are audited as the system.
  bool seen = false;
  for (const auto& e : Events())
    if (e.action == "request.assign" && e.actor == "system:workflow") seen = true;
  EXPECT_TRUE(seen);
}

TEST_P(DispatcherTest, TheSecondReaderDiffersFromTheFirstAndMeetsSeniority) {
  PutContract(/*double_reading=*/true, /*check=*/true);
  const auto now = clock_.Now();
  for (int64_t id : {kJunior, kCtOnly, kSenior, kChecker, kMidSenior})
    AddShift(id, now - hours(1), now + hours(8));
  // The senior reads first (assigned by the coordinator), so the second read goes to the only
  // other reader with 15+ years: the checker.
  const ReadingRequest r = Ready(1, Modality::kMr);
  ASSERT_TRUE(Req().Assign(Coordinator(), r.id, Slot::kReader, kSenior).ok());
  ASSERT_TRUE(Req().Transition(Reader(kSenior), r.id, State::kReading).ok());
  ASSERT_TRUE(Req().Transition(Reader(kSenior), r.id, State::kSecondRead).ok());
  ASSERT_TRUE(wf_->dispatcher().Tick().ok());
  auto got = Req().Get(Coordinator(), r.id);
  EXPECT_EQ(got->second_reader_id, kChecker);
  ASSERT_TRUE(Req().Transition(Reader(kChecker), r.id, State::kCheck).ok());
  // The check: a checker who is neither reader (the mid-senior, 12 years, checks too).
  ASSERT_TRUE(wf_->dispatcher().Tick().ok());
  got = Req().Get(Coordinator(), r.id);
  EXPECT_EQ(got->checker_id, kMidSenior);
  // With the junior reading first, the senior (20 years, idle, lowest id) second-reads.
  const ReadingRequest s = Ready(2, Modality::kMr);
  ASSERT_TRUE(Req().Assign(Coordinator(), s.id, Slot::kReader, kJunior).ok());
  ASSERT_TRUE(Req().Transition(Reader(kJunior), s.id, State::kReading).ok());
  ASSERT_TRUE(Req().Transition(Reader(kJunior), s.id, State::kSecondRead).ok());
  ASSERT_TRUE(wf_->dispatcher().Tick().ok());
  got = Req().Get(Coordinator(), s.id);
  EXPECT_TRUE(got->second_reader_id == kSenior || got->second_reader_id == kChecker);
  EXPECT_NE(got->second_reader_id, kJunior);
}

TEST_P(DispatcherTest, NoReaderThenBreachEscalateOnceEach) {
  const ReadingRequest r = Ready(1, Modality::kCt, Priority::kStat);  // due 10:00 JST
  auto t = wf_->dispatcher().Tick();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->escalations, 1);  // nobody on duty
  auto esc = wf_->dispatcher().Escalations(hospital_);
  ASSERT_TRUE(esc.ok());
  ASSERT_EQ(esc->size(), 1u);
  EXPECT_EQ((*esc)[0].kind, EscalationKind::kNoReader);
  EXPECT_EQ((*esc)[0].request_id, r.id);
  EXPECT_EQ((*esc)[0].at, clock_.Now());
  EXPECT_EQ(wf_->dispatcher().Tick()->escalations, 0);  // once
  clock_.Advance(minutes(59));
  EXPECT_EQ(wf_->dispatcher().Tick()->escalations, 0);
  clock_.Advance(minutes(1));  // the deadline
  EXPECT_EQ(wf_->dispatcher().Tick()->escalations, 1);
  esc = wf_->dispatcher().Escalations(0);
  ASSERT_EQ(esc->size(), 2u);
  EXPECT_EQ((*esc)[0].kind, EscalationKind::kBreached);
  EXPECT_EQ(Req().Get(Coordinator(), r.id)->escalation_level, 2);
  EXPECT_EQ(wf_->dispatcher().Tick()->escalations, 0);
  EXPECT_TRUE(wf_->dispatcher().Escalations(other_hospital_)->empty());
  std::vector<std::string> actions;
  for (const auto& e : Events()) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"request.create", "request.ready",
                                               "request.escalate", "request.breach"}));
}

TEST_P(DispatcherTest, AReaderWhoWouldMissTheDeadlineIsRelieved) {
  Contract c;
  c.tenant_id = hospital_;
  c.stat_minutes = 30;
  ASSERT_TRUE(wf_->contracts().Put(Admin(), c).ok());
  const auto now = clock_.Now();
  AddShift(kJunior, now - hours(1), now + hours(8));
  AddShift(kSenior, now - hours(1), now + hours(8));
  // Three STAT CTs (8 minutes each, due in 30) put on the junior by hand: the third would end
  // at +24, later than due - 10 minutes. It was not opened yet: the engine moves it.
  std::vector<int64_t> ids;
  for (int i = 1; i <= 3; ++i) {
    const ReadingRequest r = Ready(i, Modality::kCt, Priority::kStat);
    ASSERT_TRUE(Req().Assign(Coordinator(), r.id, Slot::kReader, kJunior).ok());
    ids.push_back(r.id);
  }
  auto t = wf_->dispatcher().Tick();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->escalations, 1);
  EXPECT_EQ(Req().Get(Coordinator(), ids[0])->reader_id, kJunior);
  EXPECT_EQ(Req().Get(Coordinator(), ids[1])->reader_id, kJunior);
  auto moved = Req().Get(Coordinator(), ids[2]);
  EXPECT_EQ(moved->reader_id, kSenior);
  EXPECT_EQ(moved->state, State::kAssigned);
  auto esc = wf_->dispatcher().Escalations(hospital_);
  ASSERT_EQ(esc->size(), 1u);
  EXPECT_EQ((*esc)[0].kind, EscalationKind::kRerouted);
  EXPECT_EQ((*esc)[0].from_reader_id, kJunior);
  EXPECT_EQ((*esc)[0].to_reader_id, kSenior);
  EXPECT_EQ(Req().History(Coordinator(), ids[2])->back().action, "reroute");
  // Now every one ends in time: nothing more.
  EXPECT_EQ(wf_->dispatcher().Tick()->escalations, 0);
}

TEST_P(DispatcherTest, ContractsAndRosters) {
  auto d = wf_->contracts().Get(hospital_);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->stat_minutes, 60);
  EXPECT_EQ(d->initial_fee, 0);
  EXPECT_EQ(d->monthly_fee, 0);
  EXPECT_FALSE(d->double_reading);
  Contract c;
  c.tenant_id = hospital_;
  c.double_reading = true;
  c.price_mr = 8000;
  EXPECT_EQ(wf_->contracts().Put(Coordinator(), c).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(wf_->contracts().Put(Staff(hospital_), c).status().code(), Code::kPermissionDenied);
  Contract bad = c;
  bad.same_day_cutoff_minute = 24 * 60;
  EXPECT_EQ(wf_->contracts().Put(Admin(), bad).status().field(), "same_day_cutoff_minute");
  bad = c;
  bad.price_ct = -1;
  EXPECT_EQ(wf_->contracts().Put(Admin(), bad).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(wf_->contracts().Put(Admin(), c).ok());
  c.price_mr = 9000;
  ASSERT_TRUE(wf_->contracts().Put(Admin(), c).ok());
  auto got = wf_->contracts().Get(hospital_);
  EXPECT_TRUE(got->double_reading);
  EXPECT_EQ(got->PriceOf(Modality::kMr), 9000);
  EXPECT_EQ(got->PriceOf(Modality::kCt), 0);

  const auto now = clock_.Now();
  Shift s;
  s.reader_id = kJunior;
  s.start = now;
  s.end = now - hours(1);
  EXPECT_EQ(wf_->rosters().AddShift(Coordinator(), s).status().field(), "end");
  s.end = now + hours(8);
  s.display_time_zone = "Europe/Berlin";
  EXPECT_EQ(wf_->rosters().AddShift(Reader(kJunior), s).status().code(), Code::kPermissionDenied);
  auto added = wf_->rosters().AddShift(Coordinator(), s);
  ASSERT_TRUE(added.ok());
  auto list = wf_->rosters().Shifts(now + hours(7), now + hours(9));
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].display_time_zone, "Europe/Berlin");
  EXPECT_TRUE(wf_->rosters().Shifts(now + hours(8), now + hours(9))->empty());
  ASSERT_TRUE(wf_->rosters().RemoveShift(Coordinator(), added->id).ok());
  EXPECT_EQ(wf_->rosters().RemoveShift(Coordinator(), added->id).code(), Code::kNotFound);
  // Every accepted change is audited (refused ones are not changes).
  std::vector<std::string> actions;
  for (const auto& e : Events()) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"contract.update", "contract.update",
                                               "roster.shift_add", "roster.shift_remove"}));
  EXPECT_EQ(Events()[0].tenant_id, hospital_);
  EXPECT_EQ(Events()[2].tenant_id, centre_);
  EXPECT_EQ(Events()[2].actor, "user500");
}

}  // namespace
}  // namespace dokuei::workflow
