// The narrative's behaviour, piece by piece, and its properties over every value of the test
// catalog (the golden files are in narrative_golden_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "dokuei/base/strings.h"
#include "narrative_test_util.h"

namespace dokuei::spine {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class NarrativeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { catalog_ = testing::LoadNarrativeCatalog(); }
  static void TearDownTestSuite() { catalog_.reset(); }

  static json Base(std::string_view tmpl) {
    return {{"frame", 1}, {"template", {{"id", tmpl}, {"version", "1"}}}};
  }
  static base::Result<Document> Run(const json& content, std::string_view tmpl,
                                    std::string_view lang = "ja") {
    return Narrate(content.dump(), testing::TemplateById(*catalog_, tmpl), *catalog_,
                   NarrativeInput{}, lang);
  }
  static Document Ok(const json& content, std::string_view tmpl, std::string_view lang = "ja") {
    auto d = Run(content, tmpl, lang);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Document{};
  }
  static std::string Row(const Document& d, std::string_view level) {
    for (const LevelRow& r : d.levels) {
      if (r.level == level) return r.text;
    }
    return "<no row " + std::string(level) + ">";
  }
  static std::string Text(const Document& d) { return testing::DocumentText(d); }

  static std::shared_ptr<const Catalog> catalog_;
};

std::shared_ptr<const Catalog> NarrativeTest::catalog_;

TEST(LevelDisplayTest, JapaneseAndEnglishForms) {
  EXPECT_EQ(LevelDisplay("L4-L5", "ja"), "L4/5");
  EXPECT_EQ(LevelDisplay("L4-L5", "en"), "L4-5");
  EXPECT_EQ(LevelDisplay("L5-S1", "ja"), "L5/S1");
  EXPECT_EQ(LevelDisplay("L5-S1", "en"), "L5-S1");
  EXPECT_EQ(LevelDisplay("T12-L1", "ja"), "T12/L1");
  EXPECT_EQ(LevelDisplay("C7-T1", "en"), "C7-T1");
  EXPECT_EQ(LevelDisplay("C2-C3", "ja"), "C2/3");
  EXPECT_EQ(LevelDisplay("T5-T12", "ja"), "T5–T12");  // a curve, not one disc
  EXPECT_EQ(LevelDisplay("L1", "ja"), "L1");
}

TEST_F(NarrativeTest, RefusesContentItCannotRead) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "L4-L5"}, {"disc.colour", "blue"}}};
  auto d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(d.status().field(), "content.levels[L4-L5].disc.colour");

  c["levels"] = {{{"level", "L4-L5"}, {"foramen.lee", {{"left", "1"}, {"right", "7"}}}}};
  d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().field(), "content.levels[L4-L5].foramen.lee.right");
  EXPECT_THAT(d.status().message(), HasSubstr("lee_foramen"));

  c["levels"] = {{{"level", "L4-L5"}, {"foramen.lee", {{"left", "1"}}}}};
  d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().field(), "content.levels[L4-L5].foramen.lee");

  c["levels"] = {{{"level", "C4-C5"}, {"normal", true}}};
  d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().field(), "content.levels[0].level");

  c["levels"] = {{{"level", "L4-L5"}, {"normal", true}, {"canal.grade", "mild"}}};
  d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().field(), "content.levels[L4-L5].canal.grade");

  c["levels"] = {{{"level", "L4-L5"}, {"canal.grade", "mild"}, {"figures", {2}}}};
  d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().field(), "content.levels[L4-L5].figures");

  c = Base("mr-lumbar");
  c["alignment"] = {{"scoliosis", 3}};
  d = Run(c, "mr-lumbar");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().field(), "content.alignment.scoliosis");

  EXPECT_EQ(Run(Base("mr-cervical"), "mr-lumbar").status().field(), "content.template.id");
  EXPECT_EQ(Run(Base("mr-lumbar"), "mr-lumbar", "fr").status().field(), "lang");
  auto bad = Narrate("{not json", testing::TemplateById(*catalog_, "mr-lumbar"), *catalog_,
                     NarrativeInput{}, "ja");
  EXPECT_EQ(bad.status().code(), base::Code::kInvalidArgument);
  c = Base("mr-lumbar");
  c["critical_communication"] = {{"category", "4"}};
  EXPECT_EQ(Run(c, "mr-lumbar").status().field(), "content.critical_communication.category");
}

TEST_F(NarrativeTest, SidesAreGroupedBothEqualOrOneWorse) {
  json c = Base("mr-lumbar");
  c["levels"] = {
      {{"level", "L3-L4"}, {"foramen.lee", {{"left", "2"}, {"right", "2"}}}},
      {{"level", "L4-L5"}, {"foramen.lee", {{"left", "1"}, {"right", "2"}}}},
      {{"level", "L5-S1"}, {"foramen.lee", {{"left", "2"}, {"right", "0"}}}}};
  const Document ja = Ok(c, "mr-lumbar");
  EXPECT_EQ(Row(ja, "L3/4"), "両側に中等度の椎間孔狭窄(Lee 2)を認めます。");
  EXPECT_EQ(Row(ja, "L4/5"), "右優位の両側椎間孔狭窄を認めます(右: Lee 2、左: Lee 1)。");
  EXPECT_EQ(Row(ja, "L5/S1"), "左に中等度の椎間孔狭窄(Lee 2)を認めます。");
  const Document en = Ok(c, "mr-lumbar", "en");
  EXPECT_EQ(Row(en, "L3-4"), "Bilateral moderate foraminal stenosis (Lee 2).");
  EXPECT_EQ(Row(en, "L4-5"),
            "Bilateral foraminal stenosis, right worse than left (right: Lee 2; left: Lee 1).");
  EXPECT_EQ(Row(en, "L5-S1"), "Left moderate foraminal stenosis (Lee 2).");
}

TEST_F(NarrativeTest, NormalValuesInsideAnAbnormalLevelAreLeftOut) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "L4-L5"},
                  {"disc.pfirrmann", "II"},
                  {"disc.contour", "extrusion"},
                  {"disc.zone", "foraminal"},
                  {"disc.side", "left"},
                  {"canal.grade", "none"},
                  {"foramen.lee", {{"left", "0"}, {"right", "0"}}},
                  {"osteophytes", "none"}}};
  const Document d = Ok(c, "mr-lumbar");
  EXPECT_EQ(Row(d, "L4/5"), "左椎間孔部の椎間板ヘルニア(脱出型)を認めます。");
  EXPECT_EQ(Row(Ok(c, "mr-lumbar", "en"), "L4-5"), "Left foraminal disc extrusion.");
}

TEST_F(NarrativeTest, ConsecutiveNormalLevelsShareOneRowAndGapsSplitIt) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "T12-L1"}, {"normal", true}},
                 {{"level", "L1-L2"}, {"normal", true}},
                 {{"level", "L2-L3"}, {"canal.grade", "mild"}},
                 {{"level", "L3-L4"}, {"canal.grade", "none"}, {"osteophytes", "none"}},
                 {{"level", "L4-L5"}, {"normal", true}}};
  // L5-S1 not stated: nothing is said about it.
  const Document d = Ok(c, "mr-lumbar");
  ASSERT_EQ(d.levels.size(), 3u);
  EXPECT_EQ(d.levels[0].level, "T12/L1〜L1/2");
  EXPECT_EQ(d.levels[0].text, "特記すべき異常を認めません。");
  EXPECT_EQ(d.levels[1].level, "L2/3");
  EXPECT_EQ(d.levels[2].level, "L3/4〜L4/5");
  const Document en = Ok(c, "mr-lumbar", "en");
  EXPECT_EQ(en.levels[0].level, "T12-L1 to L1-2");
  EXPECT_EQ(en.levels[0].text, "No significant abnormality.");
}

TEST_F(NarrativeTest, ANormalLevelWithAFigureCitesIt) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "L1-L2"}, {"normal", true}},
                 {{"level", "L2-L3"}, {"normal", true}, {"figures", {1}}}};
  c["key_images"] = {{{"instance", "1.2.3"}}};
  const Document d = Ok(c, "mr-lumbar");
  ASSERT_EQ(d.levels.size(), 2u);
  EXPECT_EQ(d.levels[1].text, "特記すべき異常を認めません(図1)。");
  EXPECT_EQ(Ok(c, "mr-lumbar", "en").levels[1].text, "No significant abnormality (Fig. 1).");
}

TEST_F(NarrativeTest, MeasurementsAreCitedWithTheirValuesAndFigures) {
  json c = Base("xr-whole");
  c["alignment"] = {{"scoliosis", "mild"}};
  c["levels"] = {{{"level", "L4-L5"}, {"disc.space", "mild"}}};
  c["measurements"] = {{{"id", "m1"}, {"kind", "cobb"}, {"value", 23.04}, {"unit", "deg"},
                        {"site", "T5-T12"}, {"grade", "mild"}, {"spacing", "ImagerPixelSpacing"}},
                       {{"id", "m2"}, {"kind", "slip"}, {"value", 18.0}, {"unit", "%"},
                        {"site", "L4-L5"}, {"grade", "I"}, {"spacing", "ImagerPixelSpacing"}},
                       {{"id", "m3"}, {"kind", "height_loss"}, {"value", 0.32}, {"unit", "ratio"},
                        {"site", "L1"}, {"grade", "2"}, {"spacing", "ImagerPixelSpacing"}}};
  c["key_images"] = {{{"instance", "1.2.3"}, {"annotations", {{{"type", "measurement"}, {"ref", "m2"}}}}}};
  const Document d = Ok(c, "xr-whole");
  const std::string t = Text(d);
  EXPECT_THAT(t, HasSubstr("軽度の側弯を認めます(Cobb角23°、T5–T12)。"));
  EXPECT_THAT(Row(d, "L4/5"), HasSubstr("すべり率18%(Meyerding I度)(図1)。"));
  EXPECT_THAT(t, HasSubstr("L1椎体の高さ減少率32%(Genant 2)"));
  EXPECT_THAT(t, HasSubstr("検出器面の画素間隔(ImagerPixelSpacing、拡大率補正なし)"));
  const std::string en = Text(Ok(c, "xr-whole", "en"));
  EXPECT_THAT(en, HasSubstr("Mild scoliosis (Cobb angle 23°, T5–T12)."));
  EXPECT_THAT(en, HasSubstr("Slip 18% (Meyerding grade I) (Fig. 1)."));
}

TEST_F(NarrativeTest, ReaderItemsComeFirstAsWrittenWithTheAnswerOnTop) {
  json c = Base("mr-lumbar");
  c["clinical_question"] = "右下肢痛。L4/5ヘルニア?";
  c["levels"] = {{{"level", "L4-L5"}, {"disc.contour", "protrusion"}, {"disc.side", "right"}},
                 {{"level", "L2-L3"}, {"canal.grade", "severe"}}};
  c["impression"] = {{{"text", "L2/3の高度脊柱管狭窄。"}, {"levels", {"L2-L3"}}},
                     {{"text", "L4/5の右椎間板ヘルニアが症状の原因と考えます。"},
                      {"levels", {"L4-L5"}}, {"answers_question", true}}};
  const Document d = Ok(c, "mr-lumbar");
  ASSERT_EQ(d.impression.size(), 2u) << Text(d);
  EXPECT_EQ(d.impression[0], "L4/5の右椎間板ヘルニアが症状の原因と考えます。");
  EXPECT_EQ(d.impression[1], "L2/3の高度脊柱管狭窄。");
}

TEST_F(NarrativeTest, TheImpressionAnswersTheQuestionFirstThenRanksBySeverity) {
  json c = Base("mr-lumbar");
  c["clinical_question"] = "左下肢のしびれ。Ｌ３／４の椎間板ヘルニア?";  // full-width
  c["levels"] = {{{"level", "L3-L4"}, {"disc.contour", "bulge"}, {"facet.grade", {{"left", "1"}, {"right", "1"}}}},
                 {{"level", "L4-L5"}, {"canal.grade", "moderate"}},
                 {{"level", "L5-S1"}, {"canal.grade", "severe"}}};
  const Document d = Ok(c, "mr-lumbar");
  ASSERT_GE(d.impression.size(), 3u) << Text(d);
  EXPECT_EQ(d.impression[0], "依頼内容への回答: L3/4に椎間板膨隆を認めます。");
  EXPECT_THAT(d.impression[1], HasSubstr("L5/S1: 高度の脊柱管狭窄"));
  EXPECT_THAT(d.impression[2], HasSubstr("L4/5: 中等度の脊柱管狭窄"));
  const Document en = Ok(c, "mr-lumbar", "en");
  EXPECT_EQ(en.impression[0], "Answer to the clinical question: At L3-4, disc bulge.");
}

TEST_F(NarrativeTest, ANegativeAnswerNamesTheLevelAndTheCondition) {
  json c = Base("mr-lumbar");
  c["clinical_question"] = "L4/5椎間板ヘルニア?";
  c["levels"] = {{{"level", "L4-L5"}, {"normal", true}}, {{"level", "L5-S1"}, {"canal.grade", "mild"}}};
  Document d = Ok(c, "mr-lumbar");
  EXPECT_EQ(d.impression.at(0), "依頼内容への回答: L4/5に椎間板ヘルニアを認めません。");
  EXPECT_EQ(Ok(c, "mr-lumbar", "en").impression.at(0),
            "Answer to the clinical question: No disc herniation at L4-5.");
  c["levels"] = {{{"level", "L5-S1"}, {"canal.grade", "mild"}}};
  d = Ok(c, "mr-lumbar");
  EXPECT_EQ(d.impression.at(0), "依頼内容への回答: L4/5の所見は記載されていません。");
}

TEST_F(NarrativeTest, AQuestionNamingOnlyAConditionIsAnsweredWhereItIsWorst) {
  json c = Base("mr-lumbar");
  c["clinical_question"] = "間欠性跛行。腰部脊柱管狭窄症?";
  c["levels"] = {{{"level", "L2-L3"}, {"canal.grade", "mild"}},
                 {{"level", "L3-L4"}, {"canal.grade", "severe"}},
                 {{"level", "L4-L5"}, {"disc.contour", "extrusion"}}};
  const Document d = Ok(c, "mr-lumbar");
  ASSERT_GE(d.impression.size(), 2u);
  EXPECT_EQ(d.impression[0],
            "依頼内容への回答: L3/4に高度の脊柱管狭窄を認めます。L2/3に軽度の脊柱管狭窄を認めます。");
  EXPECT_THAT(d.impression[1], HasSubstr("L4/5: 椎間板ヘルニア(脱出型)"));
  c["levels"] = {{{"level", "L4-L5"}, {"disc.contour", "extrusion"}}};
  EXPECT_EQ(Ok(c, "mr-lumbar").impression.at(0), "依頼内容への回答: 脊柱管狭窄を認めません。");
  EXPECT_EQ(Ok(c, "mr-lumbar", "en").impression.at(0),
            "Answer to the clinical question: No spinal canal stenosis.");
}

TEST_F(NarrativeTest, FindingsOnTheSymptomaticSideAndTheFlaggedLevelRankFirst) {
  json c = Base("mr-lumbar");
  c["clinical_question"] = "左下肢痛";  // a side, no level, no condition
  c["levels"] = {{{"level", "L3-L4"}, {"canal.grade", "severe"}},
                 {{"level", "L5-S1"}, {"foramen.lee", {{"left", "2"}, {"right", "0"}}}}};
  Document d = Ok(c, "mr-lumbar");
  ASSERT_EQ(d.impression.size(), 2u);
  EXPECT_THAT(d.impression[0], HasSubstr("L5/S1: 左の中等度の椎間孔狭窄"));
  EXPECT_THAT(d.impression[1], HasSubstr("L3/4: 高度の脊柱管狭窄"));
  c["clinical_question"] = "腰痛";
  d = Ok(c, "mr-lumbar");
  EXPECT_THAT(d.impression.at(0), HasSubstr("L3/4"));  // by severity
  c["levels"][1]["most_severe"] = true;  // the reader's flag
  c["levels"][1]["correlation"] = "matches";
  d = Ok(c, "mr-lumbar");
  EXPECT_THAT(d.impression.at(0), HasSubstr("L5/S1"));
  EXPECT_EQ(Row(d, "L5/S1"), "左に中等度の椎間孔狭窄(Lee 2)を認めます。症状側と一致します。");
}

TEST_F(NarrativeTest, TheAnswerSaysWhetherTheSideMatchesTheSymptoms) {
  json c = Base("mr-lumbar");
  c["clinical_question"] = "右下肢痛。L4/5?";
  c["levels"] = {{{"level", "L4-L5"}, {"foramen.lee", {{"left", "3"}, {"right", "0"}}}}};
  EXPECT_THAT(Ok(c, "mr-lumbar").impression.at(0), HasSubstr("所見は症状側(右)と反対側です。"));
  c["levels"] = {{{"level", "L4-L5"}, {"foramen.lee", {{"left", "0"}, {"right", "3"}}}}};
  EXPECT_THAT(Ok(c, "mr-lumbar").impression.at(0), HasSubstr("症状側(右)と一致します。"));
}

TEST_F(NarrativeTest, NothingAbnormalSaysSo) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "L4-L5"}, {"normal", true}}};
  const Document d = Ok(c, "mr-lumbar");
  ASSERT_EQ(d.impression.size(), 1u);
  EXPECT_EQ(d.impression[0], "脊椎に特記すべき異常を認めません。");
  EXPECT_TRUE(d.critical_statement.empty());
}

TEST_F(NarrativeTest, CriticalStatementSaysWhoWasToldWhenAndHow) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "L4-L5"}, {"canal.grade", "severe"}, {"canal.lee", "3"}}};
  c["critical_communication"] = {{"category", "1"},
                                 {"notified_to", "整形外科 山田医師"},
                                 {"notified_by", "佐藤"},
                                 {"notified_at", "2026-11-25T03:05:00Z"},
                                 {"method", "phone"}};
  const Document d = Ok(c, "mr-lumbar");
  EXPECT_EQ(d.critical_statement,
            "カテゴリー1(緊急)の重要所見として、L4/5の高度の脊柱管狭窄と馬尾が一塊となる(Lee 3)"
            "について、2026年11月25日 12:05に佐藤より整形外科 山田医師へ電話で連絡しました。");
  EXPECT_EQ(Ok(c, "mr-lumbar", "en").critical_statement,
            "Category 1 (immediate) critical result: severe central canal stenosis and roots "
            "forming one bundle (Lee 3) at L4-5. Communicated by telephone to 整形外科 山田医師 by "
            "佐藤 at 2026-11-25 12:05 JST.");
}

TEST_F(NarrativeTest, IncidentalFindingsWithAdviceReachTheImpression) {
  json c = Base("mr-lumbar");
  c["incidental"] = {{{"text", "腹部大動脈瘤(最大径42 mm)"}, {"advice", "血管外科への紹介を推奨します"},
                      {"critical", "3"}},
                     {{"text", "肝嚢胞"}},
                     {{"text", "胆嚢結石を認めます。"}, {"critical", "3"}}};
  const Document d = Ok(c, "mr-lumbar");
  const std::string t = Text(d);
  EXPECT_THAT(t, HasSubstr("腹部大動脈瘤(最大径42 mm)を認めます(カテゴリー3の重要所見)。"
                           "血管外科への紹介を推奨します。"));
  EXPECT_THAT(t, HasSubstr("肝嚢胞を認めます。"));
  EXPECT_THAT(t, HasSubstr("胆嚢結石を認めます(カテゴリー3の重要所見)。"));
  ASSERT_EQ(d.impression.size(), 3u) << t;
  EXPECT_THAT(d.impression[1], HasSubstr("偶発所見: 腹部大動脈瘤"));
}

TEST_F(NarrativeTest, ComparisonWithADatedPrior) {
  json c = Base("mr-lumbar");
  c["comparison"] = {{"prior", "available"}, {"prior_date", "20250312"}, {"prior_modality", "MR"}};
  EXPECT_THAT(Text(Ok(c, "mr-lumbar")), HasSubstr("前回検査(2025年3月12日、MRI)と比較しました。"));
  EXPECT_THAT(Text(Ok(c, "mr-lumbar", "en")),
              HasSubstr("Compared with the prior MRI of 2025-03-12."));
  c["comparison"] = {{"prior", "none"}};
  EXPECT_THAT(Text(Ok(c, "mr-lumbar")), HasSubstr("比較可能な前回検査なし。"));
}

// ---- properties ----

// Text the narrative must never write.
void ExpectClean(const std::string& text, const std::string& what) {
  for (const std::string bad :
       {"undefined", "null", "()", "( )", "()", "(、", "、)", "(;", "; )", "(,", ", )", "。。",
        "..", "をを", "を認めますを", "  ", "\n\n\n"}) {
    EXPECT_THAT(text, Not(HasSubstr(bad))) << what << "\n" << text;
  }
}

// The abbreviations a Japanese referring doctor should not have to decode: allowed only as the
// gloss of a written-out term, right before or inside a parenthesis ("黄色靱帯骨化 (OLF)").
void ExpectNoObscureAbbreviations(const std::string& ja, const std::string& what) {
  for (const std::string abbr : {"HNP", "LSS", "DISH", "OLF", "OPLL", "HIZ", "ODC", "LCS"}) {
    for (size_t at = ja.find(abbr); at != std::string::npos; at = ja.find(abbr, at + 1)) {
      size_t before = at;
      while (before > 0 && ja[before - 1] == ' ') --before;
      size_t after = at + abbr.size();
      while (after < ja.size() && ja[after] == ' ') ++after;
      const bool glossed = (before > 0 && ja[before - 1] == '(') ||
                           (after < ja.size() && ja[after] == '(');
      EXPECT_TRUE(glossed) << what << ": \"" << abbr << "\" unexplained in\n" << ja;
    }
  }
}

// Each value of each code field of each template, alone in its section, in both languages: it is
// written (its phrase, or its label), and the text stays clean. Returns how many were checked.
int SweepEveryValue(const Catalog& catalog) {
  auto run = [&](const json& c, const Template& t, std::string_view lang) {
    return Narrate(c.dump(), t, catalog, NarrativeInput{}, lang);
  };
  auto base = [](const std::string& id) {
    return json{{"frame", 1}, {"template", {{"id", id}, {"version", "1"}}}};
  };
  int checked = 0;
  for (const Template& t : catalog.templates) {
    for (const auto& [section, fields] : t.sections) {
      for (const FieldDef& f : fields) {
        if (f.type != FieldType::kCode && f.type != FieldType::kCodes) continue;
        const auto set = catalog.value_sets.find(f.value_set);
        if (set == catalog.value_sets.end()) {
          ADD_FAILURE() << t.id << " " << f.id << " names no value set";
          continue;
        }
        for (const ValueDef& v : set->second.values) {
          for (const std::string lang : {"ja", "en"}) {
            const std::string phrase =
                v.phrase.In(lang).empty() ? v.label.In(lang) : v.phrase.In(lang);
            EXPECT_FALSE(phrase.empty()) << f.value_set << "/" << v.code << " " << lang;
            json value = f.type == FieldType::kCodes ? json::array({v.code}) : json(v.code);
            if (f.sided) value = {{"left", v.code}, {"right", v.code}};
            // A sided value also against the other side's first value (one side, or "優位").
            if (f.sided && section == "levels") {
              json c = base(t.id);
              c["levels"] = {{{"level", t.levels.front()},
                              {f.id, {{"left", set->second.values.back().code}, {"right", v.code}}}}};
              auto d = run(c, t, lang);
              EXPECT_TRUE(d.ok()) << d.status().ToString();
              if (d.ok()) ExpectClean(testing::DocumentText(*d), t.id + " " + f.id + " sided " + v.code);
            }
            json c = base(t.id);
            if (section == "levels") {
              c["levels"] = {{{"level", t.levels.back()}, {f.id, value}}};
            } else if (section == "curve") {
              c["alignment"] = {{"curves", {{{f.id, value}}}}};
            } else if (section == "vertebra") {
              c["vertebrae"] = {{"items", {{{"vertebra", t.vertebrae.front()}, {f.id, value}}}}};
            } else {
              c[section] = {{f.id, value}};
            }
            const std::string what = t.id + " " + f.id + "=" + v.code + " (" + lang + ")";
            auto d = run(c, t, lang);
            EXPECT_TRUE(d.ok()) << what << ": " << d.status().ToString();
            if (!d.ok()) continue;
            const std::string text = testing::DocumentText(*d);
            ExpectClean(text, what);
            if (lang == "ja") ExpectNoObscureAbbreviations(text, what);
            // Abnormal values are always written; normal ones outside the levels too (inside a
            // level the level is then simply normal).
            const bool qualifier = f.id.find('.') != std::string::npos &&
                                   (f.id.ends_with(".side") || f.id.ends_with(".zone") ||
                                    f.id.ends_with(".direction") || f.id.ends_with(".type"));
            const bool listed_normal =
                v.severity == 0 && (section == "levels" || section == "vertebra" ||
                                    (section == "curve" && f.id == "severity"));
            if (!qualifier && !listed_normal) {
              const std::string expect = v.phrase.In(lang).empty() ? v.label.In(lang) : phrase;
              if (lang == "en") {
                EXPECT_THAT(base::ToLowerAscii(text), HasSubstr(base::ToLowerAscii(expect)))
                    << what;
              } else {
                // "神経根を圧排" (object + verb stem) is written as a noun: "神経根の圧排を認めます".
                std::string noun = expect;
                if (const size_t wo = noun.rfind("を"); wo != std::string::npos)
                  noun.replace(wo, std::string("を").size(), "の");
                EXPECT_TRUE(text.find(expect) != std::string::npos ||
                            text.find(noun) != std::string::npos)
                    << what << ": neither \"" << expect << "\" nor \"" << noun << "\" in\n"
                    << text;
              }
            }
            ++checked;
          }
        }
      }
    }
  }
  return checked;
}

TEST_F(NarrativeTest, EveryValueOfEveryValueSetIsWrittenInBothLanguages) {
  EXPECT_GT(SweepEveryValue(*catalog_), 300);
}

// The same over the product's templates (templates/spine), when this tree has them.
TEST(NarrativeProductTemplatesTest, EveryValueIsWrittenInBothLanguages) {
  const auto catalog = testing::LoadProductCatalog();
  if (catalog == nullptr) GTEST_SKIP() << "no templates/spine in this tree";
  EXPECT_GT(SweepEveryValue(*catalog), 300);
}

TEST_F(NarrativeTest, GoldenCasesAreCleanAndDeterministicWhateverTheLevelOrder) {
  const std::string dir = testing::NarrativeDataDir() + "/cases/";
  std::mt19937 rng(20261125);
  for (const std::string name : {"lumbar-mri-herniation", "cervical-mri-opll-critical",
                                 "xr-whole-scoliosis-listhesis", "ct-lumbar-pars"}) {
    const json c = json::parse(testing::ReadText(dir + name + ".json"));
    const std::string tmpl = c.at("template").get<std::string>();
    for (const std::string lang : {"ja", "en"}) {
      const std::string first = Text(Ok(c.at("content"), tmpl, lang));
      ExpectClean(first, name);
      if (lang == "ja") ExpectNoObscureAbbreviations(first, name);
      EXPECT_EQ(Text(Ok(c.at("content"), tmpl, lang)), first) << name;
      json shuffled = c.at("content");
      std::shuffle(shuffled["levels"].begin(), shuffled["levels"].end(), rng);
      EXPECT_EQ(Text(Ok(shuffled, tmpl, lang)), first) << name << " with levels reordered";
    }
  }
}

TEST_F(NarrativeTest, GoldenCasesAnswerTheirClinicalQuestionInTheFirstLine) {
  const std::string dir = testing::NarrativeDataDir() + "/cases/";
  const std::vector<std::pair<std::string, std::string>> expect = {
      {"lumbar-mri-herniation", "L4/5に椎間板変性(Pfirrmann IV)と右傍中心性の椎間板ヘルニア"},
      {"cervical-mri-opll-critical", "C4/5で脊髄が高度に圧迫され"},
      {"xr-whole-scoliosis-listhesis", "右凸の中等度の側弯(Cobb角28.4°、T5–T12、"},
      {"ct-lumbar-pars", "L5/S1に両側の関節突起間部の分離"}};
  for (const auto& [name, first] : expect) {
    const json c = json::parse(testing::ReadText(dir + name + ".json"));
    const Document d = Ok(c.at("content"), c.at("template").get<std::string>());
    ASSERT_FALSE(d.impression.empty()) << name;
    EXPECT_THAT(d.impression[0], HasSubstr(first)) << name;
  }
}

}  // namespace
}  // namespace dokuei::spine

namespace dokuei::spine {
namespace {

TEST_F(NarrativeTest, RenderedFiguresKeepTheirBytesAndTakeTheCaptionFromTheContent) {
  json c = Base("mr-lumbar");
  c["levels"] = {{{"level", "L4-L5"}, {"canal.grade", "severe"}, {"figures", {1}}}};
  c["key_images"] = {{{"instance", "1.2.3.4"}, {"frame", 3},
                      {"caption", {{"ja", "L4/5 横断像"}, {"en", "L4-5 axial"}}}}};
  NarrativeInput in;
  in.figures.push_back({1, "1.2.840.10008.5.1.4.1.1.4", "1.2.3.4", "1.2.3", 3, "", "PNG-BYTES"});
  in.signers.push_back({"reader", "佐藤 一郎", {"放射線診断専門医"}, "2026-11-25T11:02:00+09:00"});
  in.version = 2;
  in.status = "addendum";
  auto d = Narrate(c.dump(), testing::TemplateById(*catalog_, "mr-lumbar"), *catalog_, in, "en");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->figures.size(), 1u);
  EXPECT_EQ(d->figures[0].png, "PNG-BYTES");
  EXPECT_EQ(d->figures[0].sop_class_uid, "1.2.840.10008.5.1.4.1.1.4");
  EXPECT_EQ(d->figures[0].frame, 3);
  EXPECT_EQ(d->figures[0].caption, "L4-5 axial");
  EXPECT_EQ(d->levels.at(0).text, "Severe central canal stenosis (Fig. 1).");
  EXPECT_EQ(d->signers.at(0).name, "佐藤 一郎");
  EXPECT_EQ(d->version, 2);
  EXPECT_EQ(d->status, "addendum");
  EXPECT_EQ(d->title, "Radiology report");
  EXPECT_EQ(d->template_title, "Lumbar spine MRI");
}

// Whatever is put where a field's value goes, the narrative answers with the document or with an
// error naming a field of the content; it never crashes or writes a broken sentence.
TEST_F(NarrativeTest, ArbitraryValuesGiveADocumentOrANamedError) {
  const std::string dir = testing::NarrativeDataDir() + "/cases/";
  const std::vector<json> junk = {json(nullptr), json(true), json(-1), json(1e300), json(""),
                                  json("zzz"), json::array(), json::object(),
                                  json::array({1, "a"}), json{{"left", "x"}},
                                  json{{"left", 1}, {"right", 2}}, json("L4-L5")};
  std::mt19937 rng(5);
  int ok = 0, refused = 0;
  for (const std::string name : {"lumbar-mri-herniation", "cervical-mri-opll-critical",
                                 "xr-whole-scoliosis-listhesis", "ct-lumbar-pars"}) {
    const json c = json::parse(testing::ReadText(dir + name + ".json"));
    const std::string tmpl = c.at("template").get<std::string>();
    // Every leaf of the content, replaced by each junk value in turn.
    std::vector<json::json_pointer> leaves;
    const json flat = c.at("content").flatten();
    for (auto it = flat.begin(); it != flat.end(); ++it) leaves.emplace_back(it.key());
    for (int round = 0; round < 300; ++round) {
      json content = c.at("content");
      auto where = leaves[rng() % leaves.size()];
      if (rng() % 3 == 0 && !where.parent_pointer().empty()) where = where.parent_pointer();
      json& parent = content[where.parent_pointer()];
      if (rng() % 5 == 0 && parent.is_object()) {
        parent.erase(where.back());  // a field left out
      } else if (rng() % 5 == 0 && parent.is_array() && !parent.empty()) {
        parent.erase(parent.size() - 1);  // a list item left out
      } else {
        content[where] = junk[rng() % junk.size()];
      }
      for (const std::string lang : {"ja", "en"}) {
        auto d = Run(content, tmpl, lang);
        if (d.ok()) {
          ++ok;
          ExpectClean(Text(*d), name + " with " + where.to_string() + " changed");
        } else {
          ++refused;
          EXPECT_EQ(d.status().code(), base::Code::kInvalidArgument);
          EXPECT_TRUE(d.status().field().starts_with("content"))
              << where.to_string() << ": " << d.status().ToString();
        }
      }
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace dokuei::spine

namespace dokuei::spine {
namespace {

// A slip both typed (listhesis.percent) and measured (a slip measurement at the level) is said
// once, as the measurement: the report does not read "すべり率27%、すべり率27%".
TEST(NarrativeBuiltinTest, ATypedNumberIsNotRepeatedBesideTheMeasurementOfIt) {
  const Catalog& catalog = Catalog::Builtin();
  const Template& t = *catalog.Latest("xr-whole");
  nlohmann::json c = {{"frame", 1},
                      {"template", {{"id", "xr-whole"}, {"version", t.version}}},
                      {"levels",
                       {{{"level", "L4-L5"},
                         {"listhesis.grade", "II"},
                         {"listhesis.percent", 27},
                         {"listhesis.mm", 9}}}},
                      {"measurements",
                       {{{"id", "m2"},
                         {"kind", "slip"},
                         {"value", 27.0},
                         {"unit", "%"},
                         {"site", "L4-L5"},
                         {"grade", "II"},
                         {"spacing", "PixelSpacing"}}}}};
  for (const char* lang : {"ja", "en"}) {
    auto d = Narrate(c.dump(), t, catalog, NarrativeInput{}, lang);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    std::string row;
    for (const LevelRow& r : d->levels)
      if (r.level == LevelDisplay("L4-L5", lang)) row = r.text;
    const std::string slip = std::string(lang) == "ja" ? "すべり率27%" : "slip 27%";
    const size_t first = row.find(slip);
    ASSERT_NE(first, std::string::npos) << row;
    EXPECT_EQ(row.find(slip, first + 1), std::string::npos) << row;
    EXPECT_NE(row.find("9"), std::string::npos) << row;  // the slip in mm is still said
  }
}

}  // namespace
}  // namespace dokuei::spine
