// Reading requests on every backend: creation and arrivals, the whole path through double
// reading and check, invalid transitions, role authorisation and visibility, optimistic
// concurrency (two readers claiming at once: exactly one wins), the audit hook.
#include <atomic>
#include <thread>

#include "dokuei/db/migrations.h"
#include "workflow_test_util.h"

namespace dokuei::workflow {
namespace {

using base::Code;
using std::chrono::minutes;

using RequestsTest = WorkflowTest;
DOKUEI_WORKFLOW_BACKENDS(RequestsTest);

std::vector<std::string> Actions(const std::vector<audit::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.action);
  return out;
}

TEST_P(RequestsTest, SchemaIsAtLatestVersion) {
  auto v = db::CurrentVersion(*db_, "workflow");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, LatestWorkflowSchemaVersion());
  EXPECT_TRUE(MigrateWorkflow(*db_).ok());
}

TEST_P(RequestsTest, HospitalStaffCreateARequest) {
  NewRequest nr;
  nr.tenant_id = hospital_;
  nr.study_uid = Uid(1);
  nr.details.clinical_question = "腰痛、右下肢のしびれ";
  nr.details.symptoms = "3か月前から";
  nr.details.side = Side::kRight;
  nr.details.region = Region::kLumbar;
  nr.details.modality = Modality::kMr;
  nr.details.priority = Priority::kSameDay;
  nr.details.prior_study_uids = {Uid(100)};
  nr.details.attachments = {"blob:2026/11/25/request-form.pdf"};
  nr.source = "portal";
  auto r = Req().Create(Staff(hospital_), nr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->state, State::kReceived);
  EXPECT_EQ(r->version, 1);
  EXPECT_TRUE(r->details_complete);
  EXPECT_EQ(r->details.clinical_question, "腰痛、右下肢のしびれ");
  EXPECT_EQ(r->details.side, Side::kRight);
  EXPECT_EQ(r->details.prior_study_uids, std::vector<std::string>{Uid(100)});
  EXPECT_EQ(r->details.attachments.size(), 1u);
  EXPECT_EQ(r->received_at, clock_.Now());
  EXPECT_EQ(r->due_at, Jst(2026, 11, 25, 23, 59));  // same day, received at 09:00 JST
  const auto events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "request.create");
  EXPECT_EQ(events[0].tenant_id, hospital_);
  EXPECT_EQ(events[0].study_uids, std::vector<std::string>{Uid(1)});
  EXPECT_EQ(events[0].actor, "staff" + std::to_string(hospital_));

  // The same open study again; another hospital; people who do not send studies; bad input.
  EXPECT_EQ(Req().Create(Staff(hospital_), nr).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(Req().Create(Staff(other_hospital_), nr).status().code(), Code::kNotFound);
  EXPECT_EQ(Req().Create(Reader(kJunior), nr).status().code(), Code::kPermissionDenied);
  NewRequest bad = nr;
  bad.study_uid = "../etc/passwd";
  EXPECT_EQ(Req().Create(Staff(hospital_), bad).status().field(), "study_uid");
  bad = nr;
  bad.study_uid = Uid(2);
  bad.details.prior_study_uids = {"not-a-uid"};
  EXPECT_EQ(Req().Create(Staff(hospital_), bad).status().field(), "prior_study_uids");
  bad.details.prior_study_uids = {};
  bad.details.clinical_question = std::string("bad\x01text");
  EXPECT_EQ(Req().Create(Staff(hospital_), bad).status().field(), "clinical_question");
  // A cancelled request does not block a new one for the same study.
  ASSERT_TRUE(Req().Transition(Staff(hospital_), r->id, State::kCancelled).ok());
  EXPECT_TRUE(Req().Create(Staff(hospital_), nr).ok());
}

TEST_P(RequestsTest, ArrivingInstancesCreateAndCountARequest) {
  auto a = Req().RecordArrival(hospital_, Uid(1), Uid(11), "MR");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->source, "auto");
  EXPECT_FALSE(a->details_complete);
  EXPECT_EQ(a->details.modality, Modality::kMr);
  EXPECT_EQ(a->details.priority, Priority::kRoutine);
  clock_.Advance(minutes(1));
  ASSERT_TRUE(Req().RecordArrival(hospital_, Uid(1), Uid(11), "MR").ok());
  auto c = Req().RecordArrival(hospital_, Uid(1), Uid(12), "MR");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->id, a->id);
  EXPECT_EQ(c->instance_count, 3);
  EXPECT_EQ(c->series_count, 2);
  EXPECT_EQ(c->first_instance_at, a->received_at);
  EXPECT_EQ(c->last_instance_at, clock_.Now());
  EXPECT_EQ(c->late_instances, 0);
  // The hospital completes it later; a priority change moves the deadline (from reception).
  RequestDetails d = c->details;
  d.clinical_question = "頸部痛";
  d.priority = Priority::kStat;
  d.region = Region::kCervical;
  auto u = Req().UpdateDetails(Staff(hospital_), c->id, d);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->details_complete);
  EXPECT_EQ(u->due_at, a->received_at + minutes(60));
  EXPECT_EQ(Req().UpdateDetails(Staff(other_hospital_), c->id, d).status().code(), Code::kNotFound);
  EXPECT_EQ(Req().UpdateDetails(Reader(kJunior), c->id, d).status().code(), Code::kNotFound);
  // Routed: instances arriving now are late, and the reader is told.
  ASSERT_TRUE(Req().Transition(Coordinator(), c->id, State::kReady).ok());
  auto late = Req().RecordArrival(hospital_, Uid(1), Uid(13), "MR");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->late_instances, 1);
  EXPECT_EQ(late->state, State::kReady);
  // Other hospitals' studies with the same UID are other requests.
  auto other = Req().RecordArrival(other_hospital_, Uid(1), Uid(11), "CT");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->id, a->id);
}

// What a server's ingest feed drains at once: one transaction, the same counts as one by one,
// and all or nothing (an invalid UID refuses the batch, recording none of it).
TEST_P(RequestsTest, ArrivalsInOneBatch) {
  std::vector<Arrival> batch = {{hospital_, Uid(5), Uid(51), "CT"},
                                {hospital_, Uid(5), Uid(51), "CT"},
                                {hospital_, Uid(5), Uid(52), "CT"},
                                {other_hospital_, Uid(6), Uid(61), "DX"}};
  auto r = Req().RecordArrivals(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].id, (*r)[2].id);
  EXPECT_EQ((*r)[2].instance_count, 3);
  EXPECT_EQ((*r)[2].series_count, 2);
  EXPECT_EQ((*r)[2].details.modality, Modality::kCt);
  EXPECT_NE((*r)[3].id, (*r)[0].id);
  EXPECT_EQ((*r)[3].details.modality, Modality::kXray);
  std::vector<Arrival> bad = {{hospital_, Uid(5), Uid(53), "CT"},
                              {hospital_, "../x", Uid(54), "CT"}};
  EXPECT_EQ(Req().RecordArrivals(bad).status().code(), Code::kInvalidArgument);
  auto after = Req().RecordArrival(hospital_, Uid(5), Uid(51), "CT");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->instance_count, 4);  // the refused batch counted nothing
}

TEST_P(RequestsTest, AFormCompletesTheRequestTheImagesCreated) {
  auto a = Req().RecordArrival(hospital_, Uid(1), Uid(11), "CT");
  ASSERT_TRUE(a.ok());
  NewRequest nr;
  nr.tenant_id = hospital_;
  nr.study_uid = Uid(1);
  nr.details.clinical_question = "転倒後の腰痛。圧迫骨折の有無";
  nr.details.priority = Priority::kStat;
  nr.source = "hl7";
  auto r = Req().Create(Staff(hospital_), nr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, a->id);
  EXPECT_TRUE(r->details_complete);
  EXPECT_EQ(r->source, "hl7");
  EXPECT_EQ(r->details.modality, Modality::kCt);  // kept from the images
  EXPECT_EQ(r->details.clinical_question, "転倒後の腰痛。圧迫骨折の有無");
  EXPECT_EQ(r->due_at, a->received_at + minutes(60));
  EXPECT_EQ(r->instance_count, 1);
  // Once only: a second form is a duplicate.
  EXPECT_EQ(Req().Create(Staff(hospital_), nr).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(Req().History(Coordinator(), r->id)->back().action, "complete");
  // Unknown hospitals and sources are refused.
  nr.study_uid = Uid(2);
  nr.tenant_id = 99999;
  EXPECT_EQ(Req().Create(Coordinator(), nr).status().code(), Code::kNotFound);
  nr.tenant_id = hospital_;
  nr.source = "fax";
  EXPECT_EQ(Req().Create(Staff(hospital_), nr).status().field(), "source");
  Contract c;
  c.tenant_id = 99999;
  EXPECT_EQ(wf_->contracts().Put(Admin(), c).status().code(), Code::kNotFound);
}

TEST_P(RequestsTest, TheClockStartsWithTheFirstImage) {
  const ReadingRequest r = MakeRequest(1, Modality::kCt, Priority::kStat);  // form at 09:00 JST
  EXPECT_EQ(r.due_at, Jst(2026, 11, 25, 10, 0));
  clock_.Advance(std::chrono::hours(2));
  auto a = Req().RecordArrival(hospital_, Uid(1), Uid(11), "CT");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->due_at, Jst(2026, 11, 25, 12, 0));
  clock_.Advance(minutes(5));
  auto b = Req().RecordArrival(hospital_, Uid(1), Uid(11), "CT");
  EXPECT_EQ(b->due_at, Jst(2026, 11, 25, 12, 0));  // later images do not move it
  EXPECT_EQ(Req().Get(Coordinator(), r.id)->due_at, Jst(2026, 11, 25, 12, 0));
  RequestDetails d = b->details;
  d.priority = Priority::kSameDay;
  EXPECT_EQ(Req().UpdateDetails(Staff(hospital_), r.id, d)->due_at, Jst(2026, 11, 25, 23, 59));
}

TEST_P(RequestsTest, InstancesArrivingAtOnceMakeOneRequest) {
  std::atomic<bool> go{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int k = 0; k < 5; ++k) {
        auto r = Req().RecordArrival(hospital_, Uid(1), Uid(10 + t), "MR");
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << r.status().ToString();
        }
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto all = Req().List(Coordinator(), {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].instance_count, 20);
  EXPECT_EQ((*all)[0].series_count, 4);
  EXPECT_EQ((*all)[0].source, "auto");
  int creates = 0;
  for (const auto& e : Events()) creates += e.action == "request.create";
  EXPECT_EQ(creates, 1);
}

TEST_P(RequestsTest, TheWholePathWithDoubleReadingAndCheck) {
  PutContract(/*double_reading=*/true, /*check=*/true);
  const ReadingRequest r = Ready(1);
  auto claimed = Req().Transition(Reader(kJunior), r.id, State::kAssigned);
  ASSERT_TRUE(claimed.ok()) << claimed.status().ToString();
  EXPECT_EQ(claimed->reader_id, kJunior);
  EXPECT_EQ(claimed->Holder(), kJunior);
  ASSERT_TRUE(Req().Transition(Reader(kJunior), r.id, State::kReading).ok());
  // With double reading the first reader cannot sign.
  auto sign = Req().Transition(Reader(kJunior), r.id, State::kFinal);
  EXPECT_EQ(sign.status().code(), Code::kFailedPrecondition);
  auto submitted = Req().Transition(Reader(kJunior), r.id, State::kSecondRead);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  // The second reader: not the first reader, at least 15 years, and only coordinators choose.
  EXPECT_EQ(Req().Assign(Coordinator(), r.id, Slot::kSecondReader, kJunior).status().field(),
            "reader_id");
  EXPECT_EQ(Req().Assign(Coordinator(), r.id, Slot::kSecondReader, kMidSenior).status().field(),
            "reader_id");
  EXPECT_EQ(Req().Assign(Reader(kSenior), r.id, Slot::kSecondReader, kSenior).status().code(),
            Code::kPermissionDenied);
  ASSERT_TRUE(Req().Assign(Coordinator(), r.id, Slot::kSecondReader, kSenior).ok());
  // The first reader no longer holds the lock.
  EXPECT_EQ(Req().Transition(Reader(kJunior), r.id, State::kCheck).status().code(),
            Code::kPermissionDenied);
  ASSERT_TRUE(Req().Transition(Reader(kSenior), r.id, State::kCheck).ok());
  EXPECT_EQ(Req().Assign(Coordinator(), r.id, Slot::kChecker, kJunior).status().field(),
            "reader_id");  // the first reader cannot check their own report
  ASSERT_TRUE(Req().Assign(Coordinator(), r.id, Slot::kChecker, kChecker).ok());
  // The checker returns it once, then approves.
  ASSERT_TRUE(Req().Transition(Reader(kChecker), r.id, State::kReading).ok());
  ASSERT_TRUE(Req().Transition(Reader(kJunior), r.id, State::kSecondRead).ok());
  ASSERT_TRUE(Req().Transition(Reader(kSenior), r.id, State::kCheck).ok());
  auto final = Req().Transition(Reader(kChecker), r.id, State::kFinal);
  ASSERT_TRUE(final.ok()) << final.status().ToString();
  EXPECT_EQ(final->final_at, clock_.Now());
  ASSERT_TRUE(Req().Transition(Coordinator(), r.id, State::kDelivered).ok());
  // An addendum by the original reader, signed again; the first signature stays what the SLA
  // measures.
  const base::Timestamp signed_at = final->final_at.value();
  clock_.Advance(std::chrono::hours(5));
  ASSERT_TRUE(Req().Transition(Reader(kJunior), r.id, State::kAddendum).ok());
  auto again = Req().Transition(Reader(kJunior), r.id, State::kFinal);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, State::kFinal);
  EXPECT_EQ(again->final_at, signed_at);
  EXPECT_EQ(Req().History(Coordinator(), r.id)->back().at, clock_.Now());

  auto history = Req().History(Staff(hospital_), r.id);
  ASSERT_TRUE(history.ok());
  std::vector<std::string> actions;
  for (const auto& h : *history) actions.push_back(h.action);
  const std::vector<std::string> expected = {
      "create",  "ready",          "claim",        "start",  "submit",  "assign_second_reader",
      "confirm", "assign_checker", "return",       "submit", "confirm", "approve",
      "deliver", "addendum",       "sign_addendum"};
  EXPECT_EQ(actions, expected);
  std::vector<std::string> audited = {"contract.update"};
  for (const auto& a : expected) audited.push_back("request." + a);
  EXPECT_EQ(Actions(Events()), audited);
}

TEST_P(RequestsTest, InvalidTransitionsAreRefusedWithTheAllowedOnes) {
  const ReadingRequest r = Ready(1);
  auto bad = Req().Transition(Coordinator(), r.id, State::kFinal);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(bad.status().message().find("(allowed: assigned, on_hold, cancelled)"),
            std::string::npos)
      << bad.status().message();
  auto allowed = Req().Allowed(Coordinator(), r.id);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(*allowed, (std::vector<State>{State::kAssigned, State::kOnHold, State::kCancelled}));
  // "assign" needs a reader: Assign names one.
  EXPECT_EQ(Req().Transition(Coordinator(), r.id, State::kAssigned).status().field(), "reader_id");
  // Nothing changed, nothing audited but the setup.
  EXPECT_EQ(Req().Get(Coordinator(), r.id)->version, r.version);
  EXPECT_EQ(Actions(Events()), (std::vector<std::string>{"request.create", "request.ready"}));
}

TEST_P(RequestsTest, RolesAndVisibility) {
  const ReadingRequest mr = Ready(1, Modality::kMr);
  const ReadingRequest ct = Ready(2, Modality::kCt);
  // Readers see the part of the pool they may claim.
  auto ct_pool = Req().List(Reader(kCtOnly), {});
  ASSERT_TRUE(ct_pool.ok()) << ct_pool.status().ToString();
  ASSERT_EQ(ct_pool->size(), 1u);
  EXPECT_EQ((*ct_pool)[0].id, ct.id);
  EXPECT_EQ(Req().Get(Reader(kCtOnly), mr.id).status().code(), Code::kNotFound);
  EXPECT_TRUE(Req().Get(Reader(kCtOnly), ct.id).ok());
  EXPECT_TRUE(Req().List(Reader(kChecker), {})->empty());  // checks only: no first reads
  EXPECT_EQ(Req().List(Reader(kJunior), {})->size(), 2u);
  // Claims need the credentials: the CT-only reader cannot take an MR, a checker-only person
  // takes no first reads, the hospital claims nothing.
  EXPECT_EQ(Req().Transition(Reader(kCtOnly), mr.id, State::kAssigned).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Req().Transition(Reader(kChecker), mr.id, State::kAssigned).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Req().Transition(Staff(hospital_), mr.id, State::kAssigned).status().code(),
            Code::kPermissionDenied);
  ASSERT_TRUE(Req().Transition(Reader(kJunior), mr.id, State::kAssigned).ok());
  // Once held, other readers no longer see it; the holder does.
  EXPECT_EQ(Req().Get(Reader(kSenior), mr.id).status().code(), Code::kNotFound);
  EXPECT_EQ(Req().Transition(Reader(kSenior), mr.id, State::kReading).status().code(),
            Code::kNotFound);
  EXPECT_TRUE(Req().Get(Reader(kJunior), mr.id).ok());
  // Another hospital sees nothing; its auditors and administrators have no access at all.
  EXPECT_EQ(Req().Get(Staff(other_hospital_), mr.id).status().code(), Code::kNotFound);
  EXPECT_EQ(Req().Transition(Staff(other_hospital_), ct.id, State::kCancelled).status().code(),
            Code::kNotFound);
  auto others = Req().List(Staff(other_hospital_), {});
  ASSERT_TRUE(others.ok());
  EXPECT_TRUE(others->empty());
  Actor auditor = Staff(hospital_);
  auditor.roles = {identity::Role::kAuditor};
  EXPECT_EQ(Req().List(auditor, {}).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(Req().Get(auditor, mr.id).status().code(), Code::kNotFound);
  // Lists: the hospital sees both; a reader the pool and what they hold.
  EXPECT_EQ(Req().List(Staff(hospital_), {})->size(), 2u);
  auto pool = Req().List(Reader(kSenior), {});
  ASSERT_TRUE(pool.ok());
  ASSERT_EQ(pool->size(), 1u);
  EXPECT_EQ((*pool)[0].id, ct.id);
  RequestFilter mine;
  mine.holder = kJunior;
  auto held = Req().List(Coordinator(), mine);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].id, mr.id);
  // Coordinators reassign, even while it is being read; the lock moves.
  ASSERT_TRUE(Req().Transition(Reader(kJunior), mr.id, State::kReading).ok());
  auto moved = Req().Assign(Coordinator(), mr.id, Slot::kReader, kSenior);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->state, State::kAssigned);
  EXPECT_EQ(moved->reader_id, kSenior);
  EXPECT_FALSE(moved->started_at.has_value());
  EXPECT_EQ(Req().Transition(Reader(kJunior), mr.id, State::kFinal).status().code(),
            Code::kNotFound);
  EXPECT_EQ(Req().Assign(Coordinator(), mr.id, Slot::kReader, kCtOnly).status().field(),
            "reader_id");  // no MR credentials
  // Hold and resume where it was.
  ASSERT_TRUE(Req().Transition(Coordinator(), mr.id, State::kOnHold).ok());
  auto resumed = Req().Transition(Coordinator(), mr.id, State::kAssigned);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->reader_id, kSenior);
  EXPECT_FALSE(resumed->held_from.has_value());
}

TEST_P(RequestsTest, ASubspecialtyLimitsWhoMayReadIt) {
  NewRequest nr;
  nr.tenant_id = hospital_;
  nr.study_uid = Uid(1);
  nr.details.modality = Modality::kMr;
  nr.details.subspecialty = "neuro";
  auto r = Req().Create(Staff(hospital_), nr);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->details.subspecialty, "neuro");
  ASSERT_TRUE(Req().Transition(Coordinator(), r->id, State::kReady).ok());
  EXPECT_TRUE(Req().List(Reader(kJunior), {})->empty());
  EXPECT_EQ(Req().Get(Reader(kJunior), r->id).status().code(), Code::kNotFound);
  EXPECT_EQ(Req().Transition(Reader(kJunior), r->id, State::kAssigned).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(Req().Assign(Coordinator(), r->id, Slot::kReader, kJunior).status().field(),
            "reader_id");
  EXPECT_EQ(Req().List(Reader(kSenior), {})->size(), 1u);
  EXPECT_TRUE(Req().Transition(Reader(kSenior), r->id, State::kAssigned).ok());
}

TEST_P(RequestsTest, AStaleVersionIsAConflict) {
  const ReadingRequest r = Ready(1);
  TransitionOptions o;
  o.expected_version = r.version - 1;
  EXPECT_EQ(Req().Transition(Reader(kJunior), r.id, State::kAssigned, o).status().code(),
            Code::kConflict);
  o.expected_version = r.version;
  auto ok = Req().Transition(Reader(kJunior), r.id, State::kAssigned, o);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->version, r.version + 1);
}

TEST_P(RequestsTest, TheAuditHookFailingRollsTheChangeBack) {
  const ReadingRequest r = Ready(1);
  {
    std::lock_guard lock(events_mu_);
    fail_audit_ = true;
  }
  EXPECT_EQ(Req().Transition(Reader(kJunior), r.id, State::kAssigned).status().code(),
            Code::kUnavailable);
  {
    std::lock_guard lock(events_mu_);
    fail_audit_ = false;
  }
  auto now = Req().Get(Coordinator(), r.id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->state, State::kReady);
  EXPECT_EQ(now->version, r.version);
  EXPECT_EQ(Req().History(Coordinator(), r.id)->size(), 2u);
}

TEST_P(RequestsTest, TwoReadersClaimingAtOnceExactlyOneWins) {
  const std::vector<int64_t> claimers = {kJunior, kCtOnly, kSenior, kMidSenior};
  for (int round = 0; round < 5; ++round) {
    const ReadingRequest r = Ready(10 + round, Modality::kCt);
    std::atomic<bool> go{false};
    std::atomic<int> won{0}, lost{0}, other{0};
    std::atomic<int64_t> winner{0};
    std::vector<std::thread> threads;
    for (int64_t id : claimers) {
      threads.emplace_back([&, id] {
        while (!go.load()) std::this_thread::yield();
        auto res = Req().Transition(Reader(id), r.id, State::kAssigned);
        if (res.ok()) {
          ++won;
          winner = id;
        } else if (res.status().code() == Code::kConflict ||
                   res.status().code() == Code::kFailedPrecondition ||
                   res.status().code() == Code::kNotFound) {
          // Lost the race: saw the new version (conflict), or the new state (now assigned to
          // someone else, so no longer visible to this reader).
          ++lost;
        } else {
          ++other;
          ADD_FAILURE() << res.status().ToString();
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(lost.load(), 3);
    EXPECT_EQ(other.load(), 0);
    auto after = Req().Get(Coordinator(), r.id);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->reader_id, winner.load());
    EXPECT_EQ(after->version, r.version + 1);
  }
}

}  // namespace
}  // namespace dokuei::workflow
