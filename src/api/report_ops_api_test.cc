// The report routes added for the operations around a report, over real HTTP on SQLite and
// PostgreSQL: resolving a double-reading discrepancy, the critical-result list (scoped per
// caller, earliest deadline first, open / overdue / acknowledged on the clock), the reader's
// follow-up inbox (original and covering reader), and the retry path of every route that also
// moves the workflow: the report step done and the request not moved (or the other way round),
// then the same POST again converges without a second signature, review or check.
#include "report_api_fixture.h"

namespace dokuei::api::testing {
namespace {

class ReportOpsApiTest : public ReportApiTest {
 protected:
  workflow::Actor Reader1() {
    return CentreActor(users_["reader1"], centre_.id, identity::Role::kReader);
  }
  int64_t SignedFinal(const std::string& study, int64_t tenant_id = 0) {
    const int64_t id = Reading(study, tenant_id);
    EXPECT_EQ(Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}})
                  .status,
              200);
    EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).status, 200);
    return id;
  }
  int CountActions(const std::string& action) {
    int n = 0;
    for (const auto& a : Actions()) n += a == action ? 1 : 0;
    return n;
  }
  std::vector<int64_t> CriticalIds(const std::string& as, const std::string& query = "") {
    auto r = Do(as, "GET", "/api/critical-results" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<int64_t> out;
    if (r.status != 200) return out;
    const json j = r.Json();  // (a temporary in the range-for would not outlive the loop)
    for (const auto& c : j["critical_results"]) out.push_back(c["id"].get<int64_t>());
    return out;
  }
};

TEST_P(ReportOpsApiTest, DiscrepancyResolvedAsAmendedByTheAddendum) {
  ASSERT_EQ(
      Do("centre.admin", "PUT", "/api/tenants/sakura/contract", {{"double_reading", true}}).status,
      200);
  const int64_t id = Reading("1.2.392.20.11");
  ASSERT_EQ(Do("coord1", "POST", Path(id, "/assign"),
               {{"reader_id", users_["reader2"].id}, {"slot", "second_reader"}})
                .status,
            200);
  ASSERT_EQ(
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      200);
  ASSERT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).status, 200);
  auto review = Do("reader2", "POST", Path(id, "/report/review"),
                   {{"score", "2b"}, {"comment", "L5-S1 の外側陥凹狭窄の見落とし"}});
  ASSERT_EQ(review.status, 200) << review.body;
  const int64_t rid = review.Json()["id"];
  EXPECT_TRUE(review.Json()["resolution"].is_null());
  const std::string res = Path(id, "/report/reviews/" + std::to_string(rid) + "/resolution");

  // The reading centre sees the review with the report; the hospital does not.
  auto seen = Do("reader1", "GET", Path(id, "/report"));
  ASSERT_EQ(seen.status, 200) << seen.body;
  ASSERT_EQ(seen.Json()["reviews"].size(), 1u) << seen.body;
  EXPECT_EQ(seen.Json()["reviews"][0]["score"], "2b");
  EXPECT_FALSE(Do("sakura.staff", "GET", Path(id, "/report")).Json().contains("reviews"));

  // Bad input names the field; the hospital and another request answer 404.
  EXPECT_EQ(Do("coord1", "POST", res, {{"resolution", "maybe"}}).Json()["field"], "resolution");
  EXPECT_EQ(Do("coord1", "POST", res, json::object()).Json()["field"], "resolution");
  EXPECT_EQ(Do("coord1", "POST", res, {{"resolution", "amended"}}).Json()["field"], "version_id");
  EXPECT_EQ(Do("sakura.staff", "POST", res, {{"resolution", "first_upheld"}}).status, 404);
  EXPECT_EQ(Do("kaede.staff", "POST", res, {{"resolution", "first_upheld"}}).status, 404);
  const int64_t other = SignedFinal("1.2.392.20.12");
  EXPECT_EQ(
      Do("coord1", "POST", Path(other, "/report/reviews/" + std::to_string(rid) + "/resolution"),
         {{"resolution", "first_upheld"}})
          .status,
      404);
  EXPECT_EQ(Do("coord1", "POST", Path(id, "/report/reviews/999999/resolution"),
               {{"resolution", "first_upheld"}})
                .status,
            404);
  // amended must name a later signed version of this report.
  const int64_t first_version = seen.Json()["versions"][0]["id"];
  EXPECT_EQ(
      Do("coord1", "POST", res, {{"resolution", "amended"}, {"version_id", first_version}}).status,
      400);

  auto add = Do("reader1", "POST", Path(id, "/report/addendum"),
                {{"content", json::parse(Content("L5-S1 右外側陥凹狭窄を追記"))},
                 {"reason", "二次読影の指摘"}});
  ASSERT_EQ(add.status, 200) << add.body;
  const int64_t addendum = add.Json()["id"];
  NewRecords();
  auto done = Do("coord1", "POST", res,
                 {{"resolution", "amended"}, {"version_id", addendum}, {"note", "追記で修正"}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["resolution"], "amended");
  EXPECT_EQ(done.Json()["resolution_version_id"], addendum);
  EXPECT_EQ(done.Json()["resolution_note"], "追記で修正");
  EXPECT_EQ(done.Json()["resolved_by"], users_["coord1"].id);
  EXPECT_FALSE(done.Json()["resolved_at"].is_null());
  EXPECT_EQ(CountActions("report.review_resolve"), 1);
  // Once: a second resolution is refused and the first stays.
  EXPECT_EQ(Do("reader2", "POST", res, {{"resolution", "second_overruled"}}).status, 409);
  EXPECT_EQ(Do("reader1", "GET", Path(id, "/report")).Json()["reviews"][0]["resolution"],
            "amended");
}

TEST_P(ReportOpsApiTest, CriticalResultListIsScopedSortedAndFollowsTheClock) {
  const int64_t a = Reading("1.2.392.20.21");             // sakura
  const int64_t b = Reading("1.2.392.20.22", kaede_.id);  // kaede
  const int64_t c = Reading("1.2.392.20.23");             // sakura
  for (int64_t id : {a, b, c})
    ASSERT_EQ(Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}})
                  .status,
              200);
  auto record = [&](int64_t id, int category) -> int64_t {
    auto r = Do("reader1", "POST", Path(id, "/report/critical"),
                {{"category", category}, {"finding", "脊髄圧迫"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json()["id"].get<int64_t>() : 0;
  };
  const int64_t ca = record(a, 2);  // deadline +24 h
  const int64_t cb = record(b, 1);  // deadline +60 min
  const int64_t cc = record(c, 3);  // deadline +7 days

  // Coordinators: every hospital, earliest deadline first; hospitals: their own; readers:
  // those they reported; centre administrators hold no requests.read.
  EXPECT_EQ(CriticalIds("coord1"), (std::vector<int64_t>{cb, ca, cc}));
  EXPECT_EQ(CriticalIds("sakura.staff"), (std::vector<int64_t>{ca, cc}));
  EXPECT_EQ(CriticalIds("kaede.staff"), (std::vector<int64_t>{cb}));
  EXPECT_EQ(CriticalIds("reader1"), (std::vector<int64_t>{cb, ca, cc}));
  EXPECT_TRUE(CriticalIds("reader2").empty());
  EXPECT_EQ(Do("centre.admin", "GET", "/api/critical-results").status, 403);
  auto bad = Do("coord1", "GET", "/api/critical-results?state=late");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "state");
  auto first = Do("coord1", "GET", "/api/critical-results").Json()["critical_results"][0];
  EXPECT_EQ(first["request_id"], b);
  EXPECT_EQ(first["study_uid"], "1.2.392.20.22");
  EXPECT_EQ(first["category"], 1);
  EXPECT_EQ(first["overdue"], false);

  // 61 minutes later the category 1 result is overdue and escalated by the tick.
  stack_.clock().Advance(std::chrono::minutes(61));
  auto tick = reports_->critical().Tick();
  ASSERT_TRUE(tick.ok()) << tick.status().ToString();
  EXPECT_EQ(tick->escalated, 1);
  EXPECT_EQ(CriticalIds("coord1", "?state=overdue"), (std::vector<int64_t>{cb}));
  EXPECT_EQ(CriticalIds("coord1", "?state=open"), (std::vector<int64_t>{ca, cc}));
  auto overdue = Do("coord1", "GET", "/api/critical-results?state=overdue");
  EXPECT_EQ(overdue.Json()["critical_results"][0]["overdue"], true);
  EXPECT_FALSE(overdue.Json()["critical_results"][0]["escalated_at"].is_null());
  EXPECT_TRUE(CriticalIds("sakura.staff", "?state=overdue").empty());

  // The hospital acknowledges: it moves to the acknowledged list with who and when.
  ASSERT_EQ(
      Do("sakura.staff", "POST", Path(a, "/report/critical/ack"), {{"critical_id", ca}}).status,
      200);
  auto acked = Do("coord1", "GET", "/api/critical-results?state=acknowledged");
  ASSERT_EQ(acked.status, 200) << acked.body;
  ASSERT_EQ(acked.Json()["critical_results"].size(), 1u);
  EXPECT_EQ(acked.Json()["critical_results"][0]["id"], ca);
  EXPECT_EQ(acked.Json()["critical_results"][0]["ack_login"], "sakura.staff");
  EXPECT_EQ(CriticalIds("coord1"), (std::vector<int64_t>{cb, cc}));  // unacknowledged
  EXPECT_EQ(CriticalIds("coord1", "?state=all"), (std::vector<int64_t>{cb, ca, cc}));
}

TEST_P(ReportOpsApiTest, FollowUpInboxOfTheOriginalAndTheCoveringReader) {
  const int64_t a = SignedFinal("1.2.392.20.31");
  const int64_t b = SignedFinal("1.2.392.20.32");
  auto ask = Do("sakura.staff", "POST", Path(a, "/report/questions"),
                {{"text", "造影 MRI の追加は必要でしょうか"}});
  ASSERT_EQ(ask.status, 201) << ask.body;
  const int64_t qa = ask.Json()["id"];
  covering_ = users_["reader2"].id;  // reader1 is absent: reader2 covers the next question
  auto ask2 = Do("sakura.staff", "POST", Path(b, "/report/questions"), {{"text", "手術適応は?"}});
  ASSERT_EQ(ask2.status, 201) << ask2.body;
  const int64_t qb = ask2.Json()["id"];
  EXPECT_EQ(ask2.Json()["covering"], true);

  auto mine = Do("reader1", "GET", "/api/questions?assigned=me&state=open");
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.Json()["questions"].size(), 1u);
  EXPECT_EQ(mine.Json()["questions"][0]["id"], qa);
  EXPECT_EQ(mine.Json()["questions"][0]["request_id"], a);
  EXPECT_EQ(mine.Json()["questions"][0]["study_uid"], "1.2.392.20.31");
  EXPECT_EQ(mine.Json()["questions"][0]["messages"][0]["text"], "造影 MRI の追加は必要でしょうか");
  auto covering = Do("reader2", "GET", "/api/questions");
  ASSERT_EQ(covering.status, 200) << covering.body;
  ASSERT_EQ(covering.Json()["questions"].size(), 1u);
  EXPECT_EQ(covering.Json()["questions"][0]["id"], qb);
  EXPECT_EQ(covering.Json()["questions"][0]["covering"], true);
  // Nobody else's inbox holds them; only assigned=me and state=open are known.
  EXPECT_EQ(Do("coord1", "GET", "/api/questions").Json()["questions"].size(), 0u);
  EXPECT_EQ(Do("sakura.staff", "GET", "/api/questions").Json()["questions"].size(), 0u);
  EXPECT_EQ(Do("reader1", "GET", "/api/questions?assigned=all").Json()["field"], "assigned");
  EXPECT_EQ(Do("reader1", "GET", "/api/questions?state=answered").Json()["field"], "state");

  // Answered: out of the inbox.
  ASSERT_EQ(Do("reader1", "POST", Path(a, "/report/questions"),
               {{"question_id", qa}, {"text", "現時点では不要です"}})
                .status,
            201);
  EXPECT_EQ(Do("reader1", "GET", "/api/questions").Json()["questions"].size(), 0u);
  EXPECT_EQ(Do("reader2", "GET", "/api/questions").Json()["questions"].size(), 1u);
}

// Sign: the report was signed but the request stayed in reading (step 3 lost): the same POST
// moves it without a second signature; once moved, another POST changes nothing.
TEST_P(ReportOpsApiTest, SignRetryAfterTheTransitionFailedConverges) {
  const int64_t id = Reading("1.2.392.20.41");
  ASSERT_EQ(
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      200);
  auto rep = reports_->reports().ForRequest(Reader1(), id);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  ASSERT_TRUE(reports_->reports().Sign(Reader1(), rep->id, {}).ok());
  EXPECT_EQ(State(id), "reading");
  NewRecords();
  auto retry = Do("reader1", "POST", Path(id, "/report/sign"));
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Json()["request_state"], "final");
  EXPECT_EQ(retry.Json()["number"], 1);
  EXPECT_EQ(CountActions("report.sign"), 0);
  EXPECT_EQ(State(id), "final");
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).status, 409);
  EXPECT_EQ(Do("coord1", "GET", Path(id, "/report")).Json()["versions"].size(), 1u);
}

// Review: the review was recorded but the request stayed in second_read.
TEST_P(ReportOpsApiTest, ReviewRetryAfterTheTransitionFailedConverges) {
  ASSERT_EQ(
      Do("centre.admin", "PUT", "/api/tenants/sakura/contract", {{"double_reading", true}}).status,
      200);
  const int64_t id = Reading("1.2.392.20.42");
  ASSERT_EQ(Do("coord1", "POST", Path(id, "/assign"),
               {{"reader_id", users_["reader2"].id}, {"slot", "second_reader"}})
                .status,
            200);
  ASSERT_EQ(
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      200);
  ASSERT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).Json()["request_state"], "second_read");
  auto rep = reports_->reports().ForRequest(Reader1(), id);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  const auto reader2 = CentreActor(users_["reader2"], centre_.id, identity::Role::kReader);
  report::ReviewInput in;
  in.score = report::Radpeer::k1;
  ASSERT_TRUE(reports_->quality().Review(reader2, rep->versions.back().id, in).ok());
  EXPECT_EQ(State(id), "second_read");
  NewRecords();
  auto retry = Do("reader2", "POST", Path(id, "/report/review"), {{"score", "1"}});
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Json()["request_state"], "final");
  EXPECT_EQ(CountActions("report.peer_review"), 0);
  EXPECT_EQ(Do("coord1", "GET", Path(id, "/report")).Json()["reviews"].size(), 1u);
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id, "/report")).Json()["versions"].size(), 1u);
}

// Check: the decision was recorded but the request stayed in check; a returned report goes back
// to reading on the retry, as the recorded decision says (not as the retry's body says).
TEST_P(ReportOpsApiTest, CheckRetryAfterTheTransitionFailedConverges) {
  ASSERT_EQ(
      Do("centre.admin", "PUT", "/api/tenants/sakura/contract", {{"check_required", true}}).status,
      200);
  const int64_t id = Reading("1.2.392.20.43");
  auto assign = Do("coord1", "POST", Path(id, "/assign"),
                   {{"reader_id", users_["checker1"].id}, {"slot", "checker"}});
  ASSERT_EQ(assign.status, 200) << assign.body;
  ASSERT_EQ(
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      200);
  ASSERT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).Json()["request_state"], "check");
  auto rep = reports_->reports().ForRequest(Reader1(), id);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString();
  const auto checker = CentreActor(users_["checker1"], centre_.id, identity::Role::kChecker);
  ASSERT_TRUE(reports_->quality()
                  .Check(checker, rep->versions.back().id, {false, "所見と結論が矛盾"})
                  .ok());
  EXPECT_EQ(State(id), "check");
  NewRecords();
  auto retry = Do("checker1", "POST", Path(id, "/report/check"), {{"approve", true}});
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Json()["approved"], false);
  EXPECT_EQ(retry.Json()["request_state"], "reading");
  EXPECT_EQ(CountActions("report.check_approve") + CountActions("report.check_return"), 0);
  auto checks = reports_->quality().Checks(workflow::Actor::System(), rep->id);
  ASSERT_TRUE(checks.ok());
  EXPECT_EQ(checks->size(), 1u);
  // The reader signs the returned final again only with a new draft (no retry path for it).
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).status, 409);
  EXPECT_EQ(State(id), "reading");
}

// Addendum, both ways: the request moved to addendum but the signature failed (the POST signs
// it now), and the addendum was signed but the request stayed in addendum (the same POST only
// moves it: still one addendum).
TEST_P(ReportOpsApiTest, AddendumRetryConvergesBothWays) {
  const int64_t id = SignedFinal("1.2.392.20.44");
  ASSERT_TRUE(wf_->requests().Transition(Reader1(), id, workflow::State::kAddendum, {}).ok());
  const json body = {{"content", json::parse(Content("L3-L4 の軽度狭窄を追記"))},
                     {"reason", "見落としの追記"}};
  auto first = Do("reader1", "POST", Path(id, "/report/addendum"), body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["request_state"], "final");
  EXPECT_EQ(first.Json()["number"], 2);

  ASSERT_TRUE(wf_->requests().Transition(Reader1(), id, workflow::State::kAddendum, {}).ok());
  const json second = {{"content", json::parse(Content("T12 椎体の圧迫骨折を追記"))},
                       {"reason", "追加所見"}};
  auto d =
      reports_->reports().SaveDraft(Reader1(), id, report::DraftInput(second["content"].dump()));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  report::SignInput in;
  in.reason = "追加所見";
  ASSERT_TRUE(reports_->reports().Sign(Reader1(), d->report_id, in).ok());
  EXPECT_EQ(State(id), "addendum");
  NewRecords();
  auto retry = Do("reader1", "POST", Path(id, "/report/addendum"), second);
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.Json()["request_state"], "final");
  EXPECT_EQ(retry.Json()["number"], 3);
  EXPECT_EQ(CountActions("report.sign"), 0);
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id, "/report")).Json()["versions"].size(), 3u);
}

DOKUEI_API_BACKENDS(ReportOpsApiTest);

}  // namespace
}  // namespace dokuei::api::testing
