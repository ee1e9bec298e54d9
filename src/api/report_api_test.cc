// The report routes over real HTTP on SQLite and PostgreSQL: the reader drafts and signs a final
// report, the request moves with it and the hospital sees the released version; a signed final is
// immutable (PUT draft answers 409 on the request's state, and the report library refuses to
// overwrite it); double reading with a RADPEER score; a critical result acknowledged by the
// hospital; follow-up questions; per-reader statistics; another hospital gets 404.
#include "report_api_fixture.h"

namespace dokuei::api::testing {
namespace {

TEST_P(ReportApiTest, DraftSignFinalHospitalSeesItAndItIsImmutable) {
  const int64_t id = Reading("1.2.392.20.1");
  auto none = Do("sakura.staff", "GET", Path(id, "/report"));  // no report yet
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.Json()["versions"].size(), 0u);
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).status, 409);  // nothing to sign
  auto draft =
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}});
  ASSERT_EQ(draft.status, 200) << draft.body;
  EXPECT_EQ(draft.Json()["kind"], "draft");
  EXPECT_EQ(draft.Json()["signed"], false);
  // Not the reader: refused; another hospital: 404.
  EXPECT_EQ(
      Do("reader2", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      404);
  EXPECT_EQ(Do("kaede.staff", "GET", Path(id, "/report")).status, 404);
  // The hospital sees no released version yet.
  auto hidden = Do("sakura.staff", "GET", Path(id, "/report"));
  ASSERT_EQ(hidden.status, 200) << hidden.body;
  EXPECT_EQ(hidden.Json()["versions"].size(), 0u) << hidden.body;

  auto sign = Do("reader1", "POST", Path(id, "/report/sign"), {{"kind", "final"}});
  ASSERT_EQ(sign.status, 200) << sign.body;
  EXPECT_EQ(sign.Json()["kind"], "final");
  EXPECT_EQ(sign.Json()["signed"], true);
  EXPECT_EQ(sign.Json()["release"], "released");
  EXPECT_EQ(sign.Json()["request_state"], "final");
  EXPECT_EQ(sign.Json()["content_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(State(id), "final");

  auto seen = Do("sakura.staff", "GET", Path(id, "/report"));
  ASSERT_EQ(seen.status, 200) << seen.body;
  ASSERT_EQ(seen.Json()["versions"].size(), 1u);
  EXPECT_EQ(seen.Json()["current"]["impression"][0]["text"], "L4-L5 左優位の椎間板ヘルニア");

  // Immutable: no overwrite of the final (409), signing again moves nothing.
  auto again = Do("reader1", "PUT", Path(id, "/report/draft"),
                  {{"content", json::parse(Content("書き換え"))}, {"expected_number", 1}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.Json()["allowed"], json({"addendum"})) << again.body;
  EXPECT_EQ(Do("sakura.staff", "POST", Path(id, "/report/sign")).status, 409);
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id, "/report")).Json()["versions"].size(), 1u);

  // An addendum: final -> addendum -> final, both versions kept.
  auto add = Do("reader1", "POST", Path(id, "/report/addendum"),
                {{"content", json::parse(Content("L5-S1 にも軽度の膨隆"))}, {"reason", "追記"}});
  ASSERT_EQ(add.status, 200) << add.body;
  EXPECT_EQ(add.Json()["kind"], "addendum");
  EXPECT_EQ(add.Json()["request_state"], "final");
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id, "/report")).Json()["versions"].size(), 2u);
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/addendum"), {{"content", json::object()}})
                .Json()["field"],
            "reason");

  // Statistics: reader1 has one final report; reader2 sees none of reader1's.
  EXPECT_EQ(Do("reader2", "GET", "/api/readers/" + std::to_string(users_["reader1"].id) + "/stats")
                .Json()["stats"]
                .size(),
            0u);
  auto stats =
      Do("reader1", "GET", "/api/readers/" + std::to_string(users_["reader1"].id) + "/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  ASSERT_EQ(stats.Json()["stats"].size(), 1u);
  EXPECT_EQ(stats.Json()["stats"][0]["reports"], 1);
  EXPECT_EQ(
      Do("coord1", "GET", "/api/readers/" + std::to_string(users_["reader1"].id) + "/stats").status,
      200);
}

TEST_P(ReportApiTest, DoubleReadingWithRadpeer) {
  auto put = Do("centre.admin", "PUT", "/api/tenants/sakura/contract", {{"double_reading", true}});
  ASSERT_EQ(put.status, 200) << put.body;
  const int64_t id = Reading("1.2.392.20.2");
  ASSERT_EQ(Do("coord1", "POST", Path(id, "/assign"),
               {{"reader_id", users_["reader2"].id}, {"slot", "second_reader"}})
                .status,
            200);
  ASSERT_EQ(
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      200);
  auto sign = Do("reader1", "POST", Path(id, "/report/sign"));
  ASSERT_EQ(sign.status, 200) << sign.body;
  EXPECT_EQ(sign.Json()["release"], "awaiting_second_read");
  EXPECT_EQ(sign.Json()["request_state"], "second_read");
  auto hidden = Do("sakura.staff", "GET", Path(id, "/report"));
  ASSERT_EQ(hidden.status, 200) << hidden.body;
  EXPECT_EQ(hidden.Json()["versions"].size(), 0u);

  EXPECT_EQ(Do("reader2", "POST", Path(id, "/report/review"), {{"score", "9"}}).Json()["field"],
            "score");
  auto review = Do("reader2", "POST", Path(id, "/report/review"),
                   {{"score", "2a"}, {"comment", "L5-S1 の評価に軽微な相違"}});
  ASSERT_EQ(review.status, 200) << review.body;
  EXPECT_EQ(review.Json()["score"], "2a");
  EXPECT_EQ(review.Json()["request_state"], "final");
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id, "/report")).Json()["versions"].size(), 1u);
  auto stats =
      Do("coord1", "GET", "/api/readers/" + std::to_string(users_["reader1"].id) + "/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(stats.Json()["stats"][0]["radpeer"]["2a"], 1);
}

TEST_P(ReportApiTest, CriticalResultAcknowledgedAndFollowUp) {
  const int64_t id = Reading("1.2.392.20.3");
  ASSERT_EQ(
      Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", json::parse(Content())}}).status,
      200);
  auto crit = Do("reader1", "POST", Path(id, "/report/critical"),
                 {{"category", 1}, {"finding", "馬尾圧迫"}});
  ASSERT_EQ(crit.status, 201) << crit.body;
  const int64_t cid = crit.Json()["id"];
  EXPECT_EQ(
      Do("kaede.staff", "POST", Path(id, "/report/critical/ack"), {{"critical_id", cid}}).status,
      404);
  auto ack = Do("sakura.staff", "POST", Path(id, "/report/critical/ack"),
                {{"critical_id", cid}, {"note", "主治医に伝達"}});
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.Json()["ack_login"], "sakura.staff");
  EXPECT_FALSE(ack.Json()["ack_at"].is_null());

  ASSERT_EQ(Do("reader1", "POST", Path(id, "/report/sign")).status, 200);
  auto ask = Do("sakura.staff", "POST", Path(id, "/report/questions"),
                {{"text", "手術適応についてご意見をいただけますか"}});
  ASSERT_EQ(ask.status, 201) << ask.body;
  const int64_t qid = ask.Json()["id"];
  auto answer = Do("reader1", "POST", Path(id, "/report/questions"),
                   {{"question_id", qid}, {"text", "神経症状の進行があれば適応です"}});
  ASSERT_EQ(answer.status, 201) << answer.body;
  auto thread = Do("sakura.staff", "GET", Path(id, "/report/questions"));
  ASSERT_EQ(thread.status, 200) << thread.body;
  ASSERT_EQ(thread.Json()["questions"].size(), 1u);
  EXPECT_EQ(thread.Json()["questions"][0]["messages"].size(), 2u);
  EXPECT_EQ(thread.Json()["questions"][0]["answered"], true);
}

DOKUEI_API_BACKENDS(ReportApiTest);

}  // namespace
}  // namespace dokuei::api::testing
