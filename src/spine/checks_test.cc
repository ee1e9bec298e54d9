// Pre-sign checks: each check fails a report it should and passes one it should not.
#include "dokuei/spine/checks.h"

#include <functional>

#include "spine_test_util.h"

namespace dokuei::spine {
namespace {

using testing::json;

const Template& Tpl(const char* id) { return *Catalog::Builtin().Latest(id); }

// A clean lumbar MRI report: every level addressed, every condition stated, the question
// answered.
json Clean() {
  json j = testing::FullContent(Tpl("mr-lumbar"));
  j["levels"][4]["canal.grade"] = "moderate";
  j["levels"][4]["disc.contour"] = "protrusion";
  j["levels"][4]["disc.side"] = "right";
  j["levels"][4]["foramen.lee"] = {{"left", "0"}, {"right", "2"}};
  j["impression"] = {{{"text", "L4/5 右椎間孔狭窄"},
                      {"levels", {"L4-L5"}},
                      {"side", "right"},
                      {"answers_question", true}}};
  return j;
}

std::vector<std::string> Ids(const std::vector<CheckItem>& items) {
  std::vector<std::string> out;
  for (const CheckItem& i : items) out.push_back(i.id + " " + i.field);
  return out;
}

TEST(ChecksTest, FullReportsOfEveryTemplatePass) {
  for (const Template* t : Catalog::Builtin().All()) {
    const CheckResult r = PreSignCheck(testing::FullContent(*t).dump(), *t);
    EXPECT_TRUE(r.errors.empty()) << t->id << ::testing::PrintToString(Ids(r.errors));
    EXPECT_TRUE(r.warnings.empty()) << t->id << ::testing::PrintToString(Ids(r.warnings));
  }
  const CheckResult r = PreSignCheck(Clean().dump(), Tpl("mr-lumbar"));
  EXPECT_TRUE(r.errors.empty()) << ::testing::PrintToString(Ids(r.errors));
  EXPECT_TRUE(r.warnings.empty()) << ::testing::PrintToString(Ids(r.warnings));
}

struct Case {
  const char* what;
  const char* tpl;
  std::function<void(json&)> edit;
  std::string expected;  // "id field"
  bool error;
};

TEST(ChecksTest, EachCheckFailsTheReportItShould) {
  const std::vector<Case> cases = {
      {"level missing", "mr-lumbar", [](json& j) { j["levels"].erase(2); },
       "level_missing content.levels[L2-L3]", true},
      {"condition missing at a level", "mr-lumbar",
       [](json& j) { j["levels"][3].erase("canal.grade"); },
       "condition_missing content.levels[L3-L4].canal.grade", true},
      {"pars not stated", "mr-lumbar", [](json& j) { j["levels"][5].erase("pars"); },
       "condition_missing content.levels[L5-S1].pars", true},
      {"scoliosis not stated", "xr-whole", [](json& j) { j["alignment"].erase("scoliosis"); },
       "condition_missing content.alignment.scoliosis", true},
      {"pars not stated in the lumbar part of a whole spine", "mr-whole",
       [](json& j) {
         for (json& e : j["levels"])
           if (e["level"] == "L5-S1") e.erase("pars");
       },
       "condition_missing content.levels[L5-S1].pars", true},
      {"osteophytes not stated (CT)", "ct-cervical",
       [](json& j) { j["levels"][0].erase("osteophytes"); },
       "condition_missing content.levels[C2-C3].osteophytes", true},
      {"question unanswered", "mr-lumbar",
       [](json& j) { j["impression"][0]["answers_question"] = false; },
       "question_unanswered content.impression", true},
      {"critical without the step", "mr-lumbar",
       [](json& j) { j["critical_communication"]["category"] = "1"; },
       "critical_step content.critical_communication.category", true},
      {"invalid content", "mr-lumbar", [](json& j) { j["levels"][4]["canal.lee"] = "5"; },
       "invalid content.levels[L4-L5].canal.lee", true},
      {"impression level normal", "mr-lumbar",
       [](json& j) { j["impression"][0]["levels"] = {"L2-L3"}; },
       "impression_level content.impression[0].levels", false},
      {"impression side", "mr-lumbar", [](json& j) { j["impression"][0]["side"] = "left"; },
       "impression_side content.impression[0].side", false},
      {"slip % vs Meyerding", "mr-lumbar",
       [](json& j) {
         j["levels"][5]["listhesis.grade"] = "I";
         j["levels"][5]["listhesis.percent"] = 32;
       },
       "slip_grade content.levels[L5-S1].listhesis.grade", false},
      {"slip measurement vs Meyerding", "xr-lumbar",
       [](json& j) {
         j["levels"][4]["listhesis.grade"] = "I";
         j["measurements"] = {{{"id", "m1"}, {"kind", "slip"}, {"value", 30}, {"site", "L4-L5"}}};
       },
       "slip_grade content.levels[L4-L5].listhesis.grade", false},
      {"Cobb vs severity", "xr-whole",
       [](json& j) {
         j["alignment"]["curves"][0]["cobb"] = 32;
         j["alignment"]["curves"][0]["severity"] = "moderate";
         j["alignment"]["scoliosis"] = "mild";
       },
       "cobb_severity content.alignment.scoliosis", false},
      {"Cobb measurement vs its grade", "xr-whole",
       [](json& j) {
         j["measurements"] = {
             {{"id", "m1"}, {"kind", "cobb"}, {"value", 9}, {"grade", "mild"}, {"site", "T5-T12"}}};
       },
       "cobb_severity content.measurements[0].grade", false},
      {"height loss vs Genant", "mr-thoracic",
       [](json& j) {
         j["vertebrae"]["items"][0]["genant"] = "1";
         j["vertebrae"]["items"][0]["height_loss"] = 35;
       },
       "height_genant content.vertebrae.items[T2].genant", false},
      {"height loss measured, vertebra not described", "xr-lumbar",
       [](json& j) {
         j["measurements"] = {
             {{"id", "m1"}, {"kind", "height_loss"}, {"value", 28}, {"site", "L2"}}};
       },
       "height_genant content.vertebrae.items", false},
      {"incidental critical, report none", "mr-lumbar",
       [](json& j) { j["incidental"][0]["critical"] = "3"; },
       "incidental_critical content.incidental[0].critical", false},
  };
  for (const Case& k : cases) {
    const Template& t = Tpl(k.tpl);
    json j = std::string(k.tpl) == "mr-lumbar" ? Clean() : testing::FullContent(t);
    k.edit(j);
    const CheckResult r = PreSignCheck(j.dump(), t);
    const auto& got = k.error ? r.errors : r.warnings;
    const auto& other = k.error ? r.warnings : r.errors;
    EXPECT_EQ(Ids(got), std::vector<std::string>{k.expected}) << k.what;
    EXPECT_TRUE(other.empty()) << k.what << ::testing::PrintToString(Ids(other));
    for (const CheckItem& i : got) EXPECT_FALSE(i.message.ja.empty() || i.message.en.empty());
  }
}

TEST(ChecksTest, WhatMustPass) {
  const Template& t = Tpl("mr-lumbar");
  // A level stated normal states every condition; the recorded critical step satisfies it.
  json j = Clean();
  j["levels"][3] = {{"level", "L3-L4"}, {"normal", true}};
  j["critical_communication"]["category"] = "1";
  const CheckResult r = PreSignCheck(j.dump(), t, {.critical_recorded = true});
  EXPECT_TRUE(r.errors.empty()) << ::testing::PrintToString(Ids(r.errors));
  EXPECT_TRUE(r.warnings.empty()) << ::testing::PrintToString(Ids(r.warnings));
  // No clinical question: nothing to answer. T12-L1 is optional.
  j = Clean();
  j["clinical_question"] = "";
  j["impression"][0].erase("answers_question");
  j["levels"].erase(0);
  EXPECT_TRUE(PreSignCheck(j.dump(), t).errors.empty());
  // Slip and grade that agree, also at the boundary (25 % is I or II).
  j = Clean();
  j["levels"][5]["listhesis.grade"] = "II";
  j["levels"][5]["listhesis.percent"] = 25;
  j["measurements"] = {{{"id", "m1"}, {"kind", "slip"}, {"value", 25.0}, {"site", "L5-S1"}}};
  EXPECT_TRUE(PreSignCheck(j.dump(), t).warnings.empty());
}

TEST(ChecksTest, MessagesNameTheGradesInBothLanguages) {
  json j = testing::FullContent(Tpl("xr-whole"));
  j["alignment"]["curves"][0]["cobb"] = 32;
  j["alignment"]["curves"][0]["severity"] = "moderate";
  j["alignment"]["scoliosis"] = "mild";
  const CheckResult r = PreSignCheck(j.dump(), Tpl("xr-whole"));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(
      r.warnings[0].message.ja,
      "Cobb角 32.0° は記載された側弯の重症度「軽度 (10-25°)」と一致しません (Cobb角からは「中等度 "
      "(25-40°)」)");
  EXPECT_EQ(r.warnings[0].message.en,
            "Cobb angle 32.0° does not match the stated scoliosis severity mild (10-25°) (the "
            "angle gives moderate (25-40°))");
}

TEST(ChecksTest, GradeRules) {
  EXPECT_EQ(MeyerdingFor(0), "none");
  EXPECT_EQ(MeyerdingFor(18.2), "I");
  EXPECT_EQ(MeyerdingFor(26), "II");
  EXPECT_EQ(MeyerdingFor(60), "III");
  EXPECT_EQ(MeyerdingFor(90), "IV");
  EXPECT_EQ(MeyerdingFor(110), "V");
  EXPECT_EQ(CobbSeverityFor(9.9), "none");
  EXPECT_EQ(CobbSeverityFor(10), "mild");
  EXPECT_EQ(CobbSeverityFor(30), "moderate");
  EXPECT_EQ(CobbSeverityFor(40.5), "severe");
  EXPECT_EQ(GenantFor(19), "0");
  EXPECT_EQ(GenantFor(22), "1");
  EXPECT_EQ(GenantFor(30), "2");
  EXPECT_EQ(GenantFor(45), "3");
  EXPECT_TRUE(CobbAgrees(25, "mild"));
  EXPECT_TRUE(CobbAgrees(25, "moderate"));
  EXPECT_FALSE(CobbAgrees(26, "mild"));
  EXPECT_FALSE(GenantAgrees(41, "2"));
  EXPECT_FALSE(SlipAgrees(10, "none"));
}

}  // namespace
}  // namespace dokuei::spine
