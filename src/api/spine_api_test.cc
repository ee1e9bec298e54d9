// Structured spine reports over real HTTP on SQLite and PostgreSQL: template validation of the
// draft, the pre-sign checks route, signing refused with 422 listing the checks, warnings signed
// with a recorded and audited override, the RSNA lumbar grid for the reader and the hospital.
#include "report_api_fixture.h"

namespace dokuei::api::testing {
namespace {

// A lumbar MRI report on mr-lumbar that passes every check.
json Lumbar() {
  return json::parse(R"({"frame": 1, "template": {"id": "mr-lumbar", "version": "1"},
 "clinical_question": "右下肢痛。L4/5ヘルニア?", "technique": {"sequences": "T1/T2 sag, T2 ax"},
 "comparison": {"prior": "none"}, "numbering": {"transitional": "none", "counted_from": "sacrum"},
 "alignment": {"lordosis": "normal", "scoliosis": "none"}, "vertebrae": {"fracture": "none"},
 "levels": [{"level": "L1-L2", "normal": true}, {"level": "L2-L3", "normal": true},
            {"level": "L3-L4", "normal": true},
            {"level": "L4-L5", "disc.contour": "extrusion", "disc.side": "right",
             "canal.grade": "severe", "foramen.lee": {"left": "1", "right": "2"},
             "recess.grade": {"left": "none", "right": "moderate"},
             "listhesis.grade": "none", "pars": {"left": "intact", "right": "intact"},
             "osteophytes": "mild"},
            {"level": "L5-S1", "normal": true}],
 "cord": {"conus_level": "L1"}, "paraspinal": {"atrophy": "none"}, "incidental": [],
 "impression": [{"text": "L4/5 右椎間板脱出、高度の脊柱管狭窄", "levels": ["L4-L5"],
                 "side": "right", "answers_question": true}],
 "critical_communication": {"category": "none"}})");
}

using SpineApiTest = ReportApiTest;

TEST_P(SpineApiTest, InvalidDraftIsRefusedNamingTheField) {
  const int64_t id = Reading("1.2.392.20.11");
  json bad = Lumbar();
  bad["levels"][3]["foramen.lee"].erase("left");
  auto r = Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", bad}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Json()["field"], "content.levels[L4-L5].foramen.lee.left") << r.body;
}

TEST_P(SpineApiTest, ChecksBlockSigningAndWarningsNeedAnOverride) {
  const int64_t id = Reading("1.2.392.20.12");
  // No report yet: nothing to check (the request exists: 409, not 404).
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/checks")).status, 409);
  json j = Lumbar();
  j["levels"].erase(2);  // L3-L4 not addressed
  j["impression"][0]["answers_question"] = false;
  ASSERT_EQ(Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", j}}).status, 200);
  auto checks = Do("reader1", "POST", Path(id, "/report/checks"));
  ASSERT_EQ(checks.status, 200) << checks.body;
  EXPECT_EQ(checks.Json()["can_sign"], false);
  ASSERT_EQ(checks.Json()["errors"].size(), 2u) << checks.body;
  EXPECT_EQ(checks.Json()["errors"][0]["id"], "level_missing");
  EXPECT_EQ(checks.Json()["errors"][0]["field"], "content.levels[L3-L4]");
  EXPECT_EQ(checks.Json()["errors"][1]["id"], "question_unanswered");
  EXPECT_FALSE(checks.Json()["errors"][0]["message"]["ja"].get<std::string>().empty());
  EXPECT_EQ(checks.Json()["template"]["id"], "mr-lumbar");
  // Another reader, or the hospital (which sees no draft), cannot run the reader's checks.
  EXPECT_EQ(Do("reader2", "POST", Path(id, "/report/checks")).status, 404);  // not theirs
  EXPECT_EQ(Do("sakura.staff", "POST", Path(id, "/report/checks")).status, 409);
  // Signing answers 422 listing both, even with an override; the request stays in reading.
  auto sign = Do("reader1", "POST", Path(id, "/report/sign"),
                 {{"kind", "final"}, {"override", {{"reason", "急ぎ"}}}});
  ASSERT_EQ(sign.status, 422) << sign.body;
  EXPECT_EQ(sign.Json()["type"], "https://dokuei.example/problems/pre-sign-checks");
  EXPECT_EQ(sign.Json()["errors"].size(), 2u);
  EXPECT_EQ(sign.Json()["field"], "content.levels[L3-L4]");
  EXPECT_EQ(State(id), "reading");

  // Only a warning left (the impression's side has no finding on that side).
  j = Lumbar();
  j["impression"][0]["side"] = "left";
  j["levels"][3]["foramen.lee"]["left"] = "0";
  ASSERT_EQ(Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", j}}).status, 200);
  sign = Do("reader1", "POST", Path(id, "/report/sign"), {{"kind", "final"}});
  ASSERT_EQ(sign.status, 422) << sign.body;
  EXPECT_EQ(sign.Json()["override_required"], true);
  ASSERT_EQ(sign.Json()["warnings"].size(), 1u);
  EXPECT_EQ(sign.Json()["warnings"][0]["id"], "impression_side");
  EXPECT_EQ(Do("reader1", "POST", Path(id, "/report/sign"), {{"override", {{"reason", ""}}}})
                .Json()["field"],
            "override.reason");
  NewRecords();
  const std::string reason = "臨床的に左L5症状あり、主治医と電話で確認済み";
  sign = Do("reader1", "POST", Path(id, "/report/sign"),
            {{"kind", "final"}, {"override", {{"reason", reason}}}});
  ASSERT_EQ(sign.status, 200) << sign.body;
  EXPECT_EQ(sign.Json()["override"]["reason"], reason);
  EXPECT_EQ(sign.Json()["override"]["warnings"][0]["field"], "content.impression[0].side");
  EXPECT_EQ(State(id), "final");
  bool audited = false;
  for (const auto& rec : NewRecords())
    if (rec.event.action == "report.sign" && rec.event.message.find(reason) != std::string::npos &&
        rec.event.message.find("impression_side") != std::string::npos)
      audited = true;
  EXPECT_TRUE(audited);
  // The hospital sees the override with the released version.
  auto seen = Do("sakura.staff", "GET", Path(id, "/report"));
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.Json()["versions"][0]["override"]["reason"], reason);
}

TEST_P(SpineApiTest, RsnaGridFromTheReleasedLumbarMri) {
  const int64_t id = Reading("1.2.392.20.13");
  ASSERT_EQ(Do("reader1", "PUT", Path(id, "/report/draft"), {{"content", Lumbar()}}).status, 200);
  // The reader sees the grid of the draft; the hospital nothing before release.
  auto draft_grid = Do("reader1", "GET", Path(id, "/report/rsna-grid"));
  ASSERT_EQ(draft_grid.status, 200) << draft_grid.body;
  EXPECT_EQ(draft_grid.Json()["version_kind"], "draft");
  EXPECT_EQ(Do("sakura.staff", "GET", Path(id, "/report/rsna-grid")).status, 409);
  auto sign = Do("reader1", "POST", Path(id, "/report/sign"), {{"kind", "final"}});
  ASSERT_EQ(sign.status, 200) << sign.body;
  auto grid = Do("sakura.staff", "GET", Path(id, "/report/rsna-grid"));
  ASSERT_EQ(grid.status, 200) << grid.body;
  const json rows = grid.Json()["rows"];
  ASSERT_EQ(rows.size(), 25u);
  std::map<std::string, json> by_id;
  for (const json& r : rows) by_id[r["row_id"].get<std::string>()] = r;
  EXPECT_EQ(by_id["spinal_canal_stenosis_l4_l5"]["severity"], "severe");
  EXPECT_EQ(by_id["spinal_canal_stenosis_l4_l5"]["severe"], 1);
  EXPECT_EQ(by_id["spinal_canal_stenosis_l4_l5"]["normal_mild"], 0);
  EXPECT_EQ(by_id["right_neural_foraminal_narrowing_l4_l5"]["severity"], "moderate");
  EXPECT_EQ(by_id["left_neural_foraminal_narrowing_l4_l5"]["severity"], "normal_mild");
  EXPECT_EQ(by_id["right_subarticular_stenosis_l4_l5"]["severity"], "moderate");
  EXPECT_EQ(by_id["left_subarticular_stenosis_l2_l3"]["source"], "normal");
  EXPECT_EQ(grid.Json()["version_kind"], "final");
  EXPECT_EQ(Do("kaede.staff", "GET", Path(id, "/report/rsna-grid")).status, 404);

  // A report without a lumbar MRI template has no grid.
  const int64_t other = Reading("1.2.392.20.14");
  ASSERT_EQ(Do("reader1", "PUT", Path(other, "/report/draft"),
               {{"content", {{"frame", 1}, {"clinical_question", "q"}}}})
                .status,
            200);
  EXPECT_EQ(Do("reader1", "GET", Path(other, "/report/rsna-grid")).status, 409);
}

DOKUEI_API_BACKENDS(SpineApiTest);

}  // namespace
}  // namespace dokuei::api::testing
