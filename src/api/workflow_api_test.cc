// The workflow routes over real HTTP on SQLite and PostgreSQL: the reading loop (a study arrives,
// the hospital completes its request, the dispatcher assigns the reader on shift, the reader
// reads and signs, the coordinator delivers), every invalid transition answering 409 (or 403)
// with the allowed ones, two readers claiming at once, billing exactness, another hospital's
// request indistinguishable from a missing one, and the audit records of every change.
#include <thread>

#include "api_fixture.h"
#include "dokuei/workflow/workflow.h"

namespace dokuei::api::testing {
namespace {

using workflow::State;

class WorkflowApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    User(centre_, "reader2", {identity::Role::kReader});
    for (const char* login : {"reader1", "reader2", "checker1"}) {
      identity::ReaderProfile p;
      p.years_of_experience = 20;
      p.subspecialties = {"spine"};
      ASSERT_TRUE(stack_.id().profiles().Put(centre_.id, users_[login].id, p).ok());
    }
    directory_ = workflow::IdentityReaderDirectory(stack_.id());
    workflow::WorkflowOptions o;
    o.audit = AuditToLog();
    auto wf = workflow::OpenWorkflow(stack_.database(), stack_.clock(), *directory_, o);
    ASSERT_TRUE(wf.ok()) << wf.status().ToString();
    wf_ = std::move(wf).value();
    services_->workflow = wf_.get();
    server_->Stop();
    ASSERT_TRUE(RegisterWorkflowRoutes(routes_, *services_).ok());
    StartServer(4);
    NewRecords();
  }
  void TearDown() override {
    ApiTest::TearDown();
    wf_.reset();
  }

  // A study of `tenant` arrives (as ingest reports it) and becomes complete: the request is ready.
  int64_t ReadyRequest(const identity::Tenant& t, const std::string& study,
                       const char* dicom = "MR") {
    auto r = wf_->requests().RecordArrival(t.id, study, study + ".1", dicom);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    stack_.clock().Advance(std::chrono::minutes(4));
    EXPECT_TRUE(wf_->dispatcher().Tick().ok());
    return r.ok() ? r->id : 0;
  }
  std::string Path(int64_t id, const std::string& rest = "") {
    return "/api/requests/" + std::to_string(id) + rest;
  }
  HttpResult Move(const std::string& as, int64_t id, State to) {
    return Do(as, "POST", Path(id, "/transitions"), {{"to", workflow::StateName(to)}});
  }
  std::vector<std::string> Actions() {
    std::vector<std::string> out;
    for (const auto& r : NewRecords()) out.push_back(r.event.action);
    return out;
  }

  std::unique_ptr<workflow::ReaderDirectory> directory_;
  std::unique_ptr<workflow::Workflow> wf_;
};

TEST_P(WorkflowApiTest, ReadingLoopFromArrivalToDelivery) {
  // The images come first: the request exists before the hospital fills it.
  ASSERT_TRUE(wf_->requests().RecordArrival(sakura_.id, "1.2.392.7.1", "1.2.392.7.1.1", "MR").ok());
  auto list = Do("sakura.staff", "GET", "/api/requests");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.Json()["requests"].size(), 1u);
  const json auto_created = list.Json()["requests"][0];
  EXPECT_EQ(auto_created["source"], "auto");
  EXPECT_EQ(auto_created["details_complete"], false);
  EXPECT_EQ(auto_created["tenant"], "sakura");
  const int64_t id = auto_created["id"];
  NewRecords();

  auto done = Do("sakura.staff", "PATCH", Path(id),
                 {{"clinical_question", "腰痛と左下肢のしびれ。L4/5 ヘルニアの有無"},
                  {"symptoms", "左下肢しびれ"},
                  {"side", "left"},
                  {"region", "lumbar"},
                  {"priority", "same_day"},
                  {"desired_return_at", "2026-11-25T18:00:00+09:00"},
                  {"prior_study_uids", {"1.2.392.7.0"}},
                  {"attachments", {"scan://request-form-1.pdf"}}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["details_complete"], true);
  EXPECT_EQ(done.Json()["side"], "left");
  EXPECT_EQ(done.Json()["priority"], "same_day");
  EXPECT_EQ(Actions(), std::vector<std::string>{"request.update"});

  // A shift for reader1 (the coordinator keeps the roster), then the quiet period and a tick.
  const auto now = stack_.clock().Now();
  auto shift = Do("coord1", "POST", "/api/rosters/shifts",
                  {{"reader_id", users_["reader1"].id},
                   {"start", base::FormatIso8601(now - std::chrono::hours(1))},
                   {"end", base::FormatIso8601(now + std::chrono::hours(8))}});
  ASSERT_EQ(shift.status, 201) << shift.body;
  EXPECT_EQ(Actions(), std::vector<std::string>{"roster.shift_add"});
  stack_.clock().Advance(std::chrono::minutes(4));
  auto tick = wf_->dispatcher().Tick();
  ASSERT_TRUE(tick.ok()) << tick.status().ToString();
  EXPECT_EQ(tick->readied, 1);
  EXPECT_EQ(tick->assigned, 1);
  EXPECT_EQ(Actions(), (std::vector<std::string>{"request.ready", "request.assign"}));

  auto mine = Do("reader1", "GET", "/api/requests?mine=true");
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.Json()["requests"].size(), 1u);
  EXPECT_EQ(mine.Json()["requests"][0]["state"], "assigned");
  EXPECT_EQ(Do("reader2", "GET", "/api/requests?mine=true").Json()["requests"].size(), 0u);
  EXPECT_EQ(Do("reader2", "GET", Path(id)).status, 404);  // not theirs, not in the pool

  auto got = Do("reader1", "GET", Path(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.Json()["allowed_transitions"], json({"reading", "ready"}));
  EXPECT_EQ(got.Json()["clinical_question"], "腰痛と左下肢のしびれ。L4/5 ヘルニアの有無");

  for (State to : {State::kReading, State::kFinal}) {
    auto r = Move("reader1", id, to);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Json()["state"], workflow::StateName(to));
  }
  auto delivered = Move("coord1", id, State::kDelivered);
  ASSERT_EQ(delivered.status, 200) << delivered.body;
  EXPECT_EQ(delivered.Json()["state_label"], "返送済み");
  EXPECT_EQ(Actions(),
            (std::vector<std::string>{"request.start", "request.sign", "request.deliver"}));

  auto history = Do("sakura.staff", "GET", Path(id, "/history"));
  ASSERT_EQ(history.status, 200);
  const json entries = history.Json()["history"];
  std::vector<std::string> actions;
  for (const auto& h : entries) actions.push_back(h["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "update", "ready", "assign", "start",
                                               "sign", "deliver"}));
  NewRecords();
}

TEST_P(WorkflowApiTest, CreateFromJsonAndValidation) {
  auto r = Do("sakura.staff", "POST", "/api/requests",
              {{"study_uid", "1.2.392.8.1"},
               {"clinical_question", "頸部痛"},
               {"region", "cervical"},
               {"modality", "ct"},
               {"priority", "stat"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["source"], "api");
  EXPECT_EQ(r.Json()["priority"], "stat");
  EXPECT_EQ(r.headers["Location"], Path(r.Json()["id"]));
  auto recs = NewRecords();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event.action, "request.create");
  EXPECT_EQ(recs[0].event.actor, "sakura.staff");
  EXPECT_EQ(recs[0].event.tenant_id, sakura_.id);
  EXPECT_EQ(recs[0].event.study_uids, std::vector<std::string>{"1.2.392.8.1"});
  // A duplicate, bad values (each naming its field), another hospital.
  EXPECT_EQ(Do("sakura.staff", "POST", "/api/requests", {{"study_uid", "1.2.392.8.1"}}).status,
            409);
  auto bad =
      Do("sakura.staff", "POST", "/api/requests", {{"study_uid", "1.2.392.8.2"}, {"side", "up"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "side");
  EXPECT_EQ(Do("sakura.staff", "POST", "/api/requests", {{"study_uid", "../etc"}}).Json()["field"],
            "study_uid");
  EXPECT_EQ(Do("sakura.staff", "POST", "/api/requests", {{"study", "1.2.3"}}).Json()["field"],
            "study");
  auto other = Do("sakura.staff", "POST", "/api/requests",
                  {{"study_uid", "1.2.392.8.3"}, {"tenant", "kaede"}});
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, Do("sakura.staff", "POST", "/api/requests",
                           {{"study_uid", "1.2.392.8.3"}, {"tenant", "nowhere"}})
                            .body);
  // The coordinator creates for any hospital (naming it).
  EXPECT_EQ(
      Do("coord1", "POST", "/api/requests", {{"study_uid", "1.2.392.8.4"}, {"tenant", "kaede"}})
          .status,
      201);
  EXPECT_TRUE(NewRecords().size() == 1u);
}

// Every target not allowed answers 409 (no such transition) or 403 (not for this role) with the
// allowed ones, in every state the loop passes through; nothing changes.
TEST_P(WorkflowApiTest, EveryInvalidTransitionAnswersWithTheAllowedOnes) {
  const int64_t id = ReadyRequest(sakura_, "1.2.392.9.1");
  NewRecords();
  int refusals = 0;
  auto check_all = [&](const std::vector<std::string>& actors) {
    NewRecords();
    for (const std::string& as : actors) {
      auto got = Do(as, "GET", Path(id));
      ASSERT_EQ(got.status, 200) << as << " " << got.body;
      const json allowed = got.Json()["allowed_transitions"];
      const int64_t version = got.Json()["version"];
      for (int s = 0; s < workflow::kStateCount; ++s) {
        const State to = static_cast<State>(s);
        if (std::find(allowed.begin(), allowed.end(), workflow::StateName(to)) != allowed.end())
          continue;
        auto r = Move(as, id, to);
        EXPECT_TRUE(r.status == 409 || r.status == 403)
            << as << " -> " << workflow::StateName(to) << ": " << r.status << " " << r.body;
        EXPECT_EQ(r.headers["Content-Type"].rfind("application/problem+json", 0), 0u);
        EXPECT_EQ(r.Json()["allowed"], allowed) << as << " -> " << workflow::StateName(to);
        EXPECT_NE(r.Json()["detail"].get<std::string>().find("可能な変更"), std::string::npos)
            << r.body;
        ++refusals;
      }
      auto en = Do(as, "POST", Path(id, "/transitions"), {{"to", "received"}},
                   {{"Accept-Language", "en"}});
      EXPECT_NE(en.Json()["detail"].get<std::string>().find("allowed"), std::string::npos)
          << en.body;
      EXPECT_EQ(Do(as, "GET", Path(id)).Json()["version"], version) << "a refusal changed it";
    }
    EXPECT_TRUE(NewRecords().empty()) << "a refusal was audited as a change";
  };
  check_all({"coord1", "reader1", "sakura.staff"});  // ready
  ASSERT_EQ(Do("reader1", "POST", Path(id, "/claim")).status, 200);
  check_all({"coord1", "reader1", "sakura.staff"});  // assigned
  ASSERT_EQ(Move("reader1", id, State::kReading).status, 200);
  check_all({"coord1", "reader1", "sakura.staff"});  // reading
  ASSERT_EQ(Move("reader1", id, State::kFinal).status, 200);
  check_all({"coord1", "reader1", "sakura.staff"});  // final
  EXPECT_GT(refusals, 60);
  // A hospital staff member's own transition: cancel is theirs only before reading.
  const int64_t other = ReadyRequest(sakura_, "1.2.392.9.2");
  EXPECT_EQ(Move("sakura.staff", other, State::kOnHold).status, 200);
  EXPECT_EQ(Move("sakura.staff", other, State::kCancelled).status, 200);
  // Unknown target names and missing members are 400 naming the field.
  EXPECT_EQ(Do("coord1", "POST", Path(id, "/transitions"), {{"to", "nowhere"}}).Json()["field"],
            "to");
  EXPECT_EQ(Do("coord1", "POST", Path(id, "/transitions"), json::object()).Json()["field"], "to");
}

TEST_P(WorkflowApiTest, TwoReadersClaimingAtOnceExactlyOneWins) {
  for (int round = 0; round < 3; ++round) {
    const int64_t id = ReadyRequest(sakura_, "1.2.392.10." + std::to_string(round));
    std::atomic<int> go{0};
    int status[2] = {0, 0};
    std::thread t[2];
    const char* who[2] = {"reader1", "reader2"};
    for (int i = 0; i < 2; ++i) {
      t[i] = std::thread([&, i] {
        ++go;
        while (go < 2) std::this_thread::yield();
        status[i] = Do(who[i], "POST", Path(id, "/claim")).status;
      });
    }
    for (auto& th : t) th.join();
    EXPECT_EQ((status[0] == 200) + (status[1] == 200), 1) << status[0] << " " << status[1];
    for (int s : status) EXPECT_TRUE(s == 200 || s == 409 || s == 404) << s;
    auto got = Do("coord1", "GET", Path(id));
    const int winner = status[0] == 200 ? 0 : 1;
    EXPECT_EQ(got.Json()["reader_id"], users_[who[winner]].id);
    EXPECT_EQ(got.Json()["state"], "assigned");
  }
  // A claim of something not in the pool any more is a 409 with the allowed ones (or 404 when
  // the request is another reader's).
  auto late = Do("reader1", "POST", Path(ReadyRequest(sakura_, "1.2.392.10.9"), "/claim"));
  EXPECT_EQ(late.status, 200);
}

TEST_P(WorkflowApiTest, BillingIsOneChargePerDeliveredRequestAtTheContractPrice) {
  auto put = Do("centre.admin", "PUT", "/api/tenants/sakura/contract",
                {{"prices", {{"xray", 800}, {"ct", 2500}, {"mr", 4000}}}, {"monthly_fee", 0}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["prices"]["mr"], 4000);
  EXPECT_EQ(Actions(), std::vector<std::string>{"contract.update"});
  EXPECT_EQ(Do("sakura.admin", "PUT", "/api/tenants/sakura/contract", json::object()).status, 403);
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/sakura/contract").Json()["prices"]["ct"], 2500);
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/kaede/contract").status, 404);

  auto deliver = [&](const std::string& uid, const char* dicom) {
    const int64_t id = ReadyRequest(sakura_, uid, dicom);
    EXPECT_EQ(Do("reader1", "POST", Path(id, "/claim")).status, 200);
    EXPECT_EQ(Move("reader1", id, State::kReading).status, 200);
    EXPECT_EQ(Move("reader1", id, State::kFinal).status, 200);
    EXPECT_EQ(Move("coord1", id, State::kDelivered).status, 200);
    return id;
  };
  const int64_t mr = deliver("1.2.392.11.1", "MR");
  deliver("1.2.392.11.2", "CT");
  // Delivered again after an addendum: still one charge.
  ASSERT_EQ(Move("reader1", mr, State::kAddendum).status, 200);
  ASSERT_EQ(Move("reader1", mr, State::kFinal).status, 200);
  ASSERT_EQ(Move("coord1", mr, State::kDelivered).status, 200);
  // Cancelled and undelivered requests are not charged.
  const int64_t cancelled = ReadyRequest(sakura_, "1.2.392.11.3", "CR");
  ASSERT_EQ(Move("coord1", cancelled, State::kCancelled).status, 200);
  ReadyRequest(sakura_, "1.2.392.11.4", "CR");

  const std::string month =
      base::FormatIso8601(stack_.clock().Now() + std::chrono::hours(9)).substr(0, 7);
  auto st = Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=" + month);
  ASSERT_EQ(st.status, 200) << st.body;
  const json j = st.Json();
  ASSERT_EQ(j["charges"].size(), 2u) << st.body;
  EXPECT_EQ(j["total"], 6500);
  EXPECT_EQ(j["month"], month);
  auto csv = Do("centre.admin", "GET", "/api/tenants/sakura/billing?format=csv&month=" + month);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers["Content-Type"].rfind("text/csv", 0), 0u);
  int charge_lines = 0;
  for (size_t p = csv.body.find(",charge,"); p != std::string::npos;
       p = csv.body.find(",charge,", p + 1))
    ++charge_lines;
  EXPECT_EQ(charge_lines, 2) << csv.body;
  EXPECT_NE(csv.body.find(",total,,,,,6500\r\n"), std::string::npos) << csv.body;
  // Another hospital's administrator: 404 like a missing hospital; no permission: 403.
  auto other = Do("kaede.admin", "GET", "/api/tenants/sakura/billing");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, Do("kaede.admin", "GET", "/api/tenants/nowhere/billing").body);
  EXPECT_EQ(Do("sakura.staff", "GET", "/api/tenants/sakura/billing").status, 403);
  EXPECT_EQ(Do("sakura.admin", "GET", "/api/tenants/sakura/billing?month=2026-13").status, 400);
}

TEST_P(WorkflowApiTest, AnotherHospitalsRequestLooksMissing) {
  const int64_t id = ReadyRequest(sakura_, "1.2.392.12.1");
  NewRecords();
  const std::string missing = Path(987654);
  for (const auto& [method, rest, body] : std::vector<std::tuple<std::string, std::string, json>>{
           {"GET", "", nullptr},
           {"GET", "/history", nullptr},
           {"PATCH", "", {{"symptoms", "x"}}},
           {"POST", "/transitions", {{"to", "cancelled"}}}}) {
    auto theirs = Do("kaede.staff", method, Path(id, rest), body);
    auto none = Do("kaede.staff", method, missing + rest, body);
    EXPECT_EQ(theirs.status, 404) << method << rest << " " << theirs.body;
    std::string masked = theirs.body;
    EXPECT_EQ(masked, none.body) << method << rest;
  }
  EXPECT_EQ(Do("kaede.staff", "GET", "/api/requests").Json()["requests"].size(), 0u);
  EXPECT_EQ(Do("kaede.staff", "GET", "/api/requests?tenant=sakura").Json()["requests"].size(), 0u);
  // Administrators and auditors of hospitals hold no request permission at all.
  EXPECT_EQ(Do("sakura.admin", "GET", Path(id)).status, 403);
  EXPECT_EQ(Do("sakura.auditor", "GET", "/api/requests").status, 403);
  EXPECT_EQ(Do("centre.admin", "GET", "/api/requests").status, 403);
  // The hospital and the coordinator see it; the reading centre sees the tenant's code.
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id)).status, 200);
  EXPECT_EQ(
      Do("coord1", "GET", "/api/requests?tenant=sakura&state=ready").Json()["requests"].size(), 1u);
  EXPECT_TRUE(NewRecords().empty());
}

// API tokens carry permissions, not roles: a hospital gateway's token with requests.create acts
// as its hospital's staff (and reaches nothing else), a token without it creates nothing.
TEST_P(WorkflowApiTest, HospitalTokenActsAsItsStaff) {
  http::Principal gw;
  gw.tenant_id = sakura_.id;
  gw.tenant_kind = "hospital";
  gw.subject = "token:gateway";
  gw.permissions = {"requests.read", "requests.create"};
  gw.via = http::Principal::Via::kBearer;
  auth_.Add("tok-gateway", gw);
  http::Principal ro = gw;
  ro.subject = "token:reader-only";
  ro.permissions = {"requests.read"};
  auth_.Add("tok-readonly", ro);
  auto r =
      Do("gateway", "POST", "/api/requests", {{"study_uid", "1.2.392.15.1"}, {"modality", "mr"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["tenant"], "sakura");
  auto recs = NewRecords();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].event.actor, "token:gateway");
  EXPECT_EQ(Do("readonly", "GET", Path(r.Json()["id"])).status, 200);
  EXPECT_EQ(Do("readonly", "POST", "/api/requests", {{"study_uid", "1.2.392.15.2"}}).status, 403);
  EXPECT_EQ(
      Do("gateway", "POST", "/api/requests", {{"study_uid", "1.2.392.15.3"}, {"tenant", "kaede"}})
          .status,
      404);
}

TEST_P(WorkflowApiTest, NoAuditRecordNoChange) {
  const int64_t id = ReadyRequest(sakura_, "1.2.392.13.1");
  const int64_t version = Do("coord1", "GET", Path(id)).Json()["version"];
  NewRecords();
  static_cast<SwitchableAuditLog&>(stack_.log()).fail = true;
  auto r = Do("reader1", "POST", Path(id, "/claim"));
  static_cast<SwitchableAuditLog&>(stack_.log()).fail = false;
  EXPECT_EQ(r.status, 503) << r.body;
  auto got = Do("coord1", "GET", Path(id)).Json();
  EXPECT_EQ(got["version"], version);
  EXPECT_EQ(got["state"], "ready");
  EXPECT_TRUE(NewRecords().empty());
}

TEST_P(WorkflowApiTest, CoordinatorReassignsAndSeesLoadsAndEscalations) {
  const int64_t id = ReadyRequest(sakura_, "1.2.392.14.1");
  ASSERT_EQ(Do("reader1", "POST", Path(id, "/claim")).status, 200);
  auto r = Do("coord1", "POST", Path(id, "/assign"),
              {{"reader_id", users_["reader2"].id}, {"reason", "reader1 in a meeting"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["reader_id"], users_["reader2"].id);
  EXPECT_EQ(Do("reader1", "GET", Path(id)).status, 404);  // the lock moved
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/assign"), {{"reader_id", 1}}).status, 403);
  EXPECT_EQ(Do("coord1", "POST", Path(id, "/assign"), {{"reader_id", 999999}}).Json()["field"],
            "reader_id");
  auto loads = Do("coord1", "GET", "/api/workflow/loads");
  ASSERT_EQ(loads.status, 200) << loads.body;
  EXPECT_EQ(loads.Json()["readers"].size(), 3u);
  // A STAT nobody is on shift for: the dispatcher alerts the coordinator.
  auto stat = Do("sakura.staff", "POST", "/api/requests",
                 {{"study_uid", "1.2.392.14.2"}, {"priority", "stat"}, {"modality", "ct"}});
  ASSERT_EQ(stat.status, 201);
  auto stats = Do("coord1", "GET", "/api/requests?priority=stat&limit=1");
  ASSERT_EQ(stats.status, 200) << stats.body;
  ASSERT_EQ(stats.Json()["requests"].size(), 1u);  // filtered before the limit
  EXPECT_EQ(stats.Json()["requests"][0]["study_uid"], "1.2.392.14.2");
  EXPECT_EQ(Do("coord1", "GET", "/api/requests?priority=soon").Json()["field"], "priority");
  ASSERT_TRUE(
      wf_->requests().RecordArrival(sakura_.id, "1.2.392.14.2", "1.2.392.14.2.1", "CT").ok());
  stack_.clock().Advance(std::chrono::minutes(4));
  ASSERT_TRUE(wf_->dispatcher().Tick().ok());
  auto esc = Do("coord1", "GET", "/api/workflow/escalations?tenant=sakura");
  ASSERT_EQ(esc.status, 200) << esc.body;
  ASSERT_FALSE(esc.Json()["escalations"].empty());
  EXPECT_EQ(esc.Json()["escalations"][0]["kind"], "no_reader");
  EXPECT_EQ(Do("reader1", "GET", "/api/workflow/escalations").status, 403);
  // Rosters: absences too, removable.
  auto abs = Do("centre.admin", "POST", "/api/rosters/absences",
                {{"reader_id", users_["reader1"].id},
                 {"start", "2026-12-29T00:00:00+09:00"},
                 {"end", "2027-01-04T00:00:00+09:00"},
                 {"reason", "年末年始"}});
  ASSERT_EQ(abs.status, 201) << abs.body;
  auto listed = Do("reader1", "GET", "/api/rosters/absences?from=2026-12-01&to=2027-01-31");
  ASSERT_EQ(listed.Json()["absences"].size(), 1u) << listed.body;
  EXPECT_EQ(Do("reader1", "DELETE",
               "/api/rosters/absences/" + std::to_string(abs.Json()["id"].get<int64_t>()))
                .status,
            403);
  EXPECT_EQ(Do("coord1", "DELETE",
               "/api/rosters/absences/" + std::to_string(abs.Json()["id"].get<int64_t>()))
                .status,
            200);
  EXPECT_EQ(Do("coord1", "DELETE", "/api/rosters/absences/999999").status, 404);
}

DOKUEI_API_BACKENDS(WorkflowApiTest);

}  // namespace
}  // namespace dokuei::api::testing
