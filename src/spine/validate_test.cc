// Content against its template: a full valid report per template, and each kind of mistake
// refused with the field named.
#include "dokuei/spine/validate.h"

#include <functional>
#include <map>

#include "spine_test_util.h"

namespace dokuei::spine {
namespace {

using testing::json;

// The lumbar MRI report of the design note.
json LumbarReport() {
  return json::parse(R"({"frame": 1, "template": {"id": "mr-lumbar", "version": "1"},
 "clinical_question": "腰痛、右下肢痛。L4/5椎間板ヘルニア?",
 "technique": {"sequences": "T1WI/T2WI 矢状断, T2WI 横断", "contrast": "none"},
 "comparison": {"prior": "none"},
 "numbering": {"transitional": "none", "counted_from": "sacrum"},
 "alignment": {"lordosis": "normal", "scoliosis": "none"},
 "vertebrae": {"fracture": "none", "marrow": "normal"},
 "levels": [
   {"level": "L1-L2", "normal": true}, {"level": "L2-L3", "normal": true},
   {"level": "L3-L4", "disc.pfirrmann": "III", "disc.contour": "bulge", "canal.grade": "none",
    "listhesis.grade": "none", "pars": {"left": "intact", "right": "intact"}, "osteophytes": "mild"},
   {"level": "L4-L5", "disc.pfirrmann": "IV", "disc.contour": "protrusion",
    "disc.zone": "subarticular", "disc.side": "right", "canal.grade": "moderate",
    "canal.lee": "2", "foramen.lee": {"left": "1", "right": "2"},
    "recess.grade": {"left": "none", "right": "moderate"}, "recess.root": {"left": "0", "right": "3"},
    "facet.grade": {"left": "2", "right": "2"}, "listhesis.grade": "none",
    "pars": {"left": "intact", "right": "intact"}, "osteophytes": "mild", "figures": [1]},
   {"level": "L5-S1", "disc.pfirrmann": "II", "disc.contour": "normal", "canal.grade": "none",
    "listhesis.grade": "none", "pars": {"left": "intact", "right": "intact"}, "osteophytes": "none"}],
 "cord": {"conus_level": "L1", "cauda": "normal"},
 "paraspinal": {"atrophy": "none"},
 "incidental": [{"text": "左腎に嚢胞", "advice": "経過観察で可", "critical": "none"}],
 "impression": [{"text": "L4/5 右傍正中の椎間板突出、右L5神経根を圧排", "levels": ["L4-L5"],
                 "side": "right", "answers_question": true, "figures": [1]}],
 "critical_communication": {"category": "none"},
 "measurements": [{"id": "m1", "kind": "dural_area", "value": 62.5, "unit": "mm2",
                   "site": "L4-L5", "instance": "1.2.3", "frame": 1, "points": [[1, 2], [3, 4], [5, 1]]}],
 "key_images": [{"instance": "1.2.3", "frame": 12, "window": {"center": 40, "width": 400},
                 "annotations": [{"type": "arrow", "points": [[1, 1], [9, 9]]},
                                 {"type": "measurement", "ref": "m1"}],
                 "caption": {"ja": "L4/5 右傍正中の突出", "en": "L4-5 right paracentral protrusion"}}]})");
}

std::vector<std::string> Fields(const std::vector<Problem>& ps) {
  std::vector<std::string> out;
  for (const Problem& p : ps) out.push_back(p.field);
  return out;
}

class EveryTemplateTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryTemplateTest, FullReportValidates) {
  const Catalog& c = Catalog::Builtin();
  const Template* t = c.Latest(GetParam());
  ASSERT_NE(t, nullptr);
  const json full = testing::FullContent(*t);
  const auto problems = Validate(full.dump(), c);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(Fields(problems));
  // A level of another region is refused at this template.
  json other = full;
  const std::string foreign = t->region == "cervical" ? "L4-L5" : "C5-C6";
  if (t->region != "whole") {
    other["levels"].push_back({{"level", foreign}, {"normal", true}});
    EXPECT_EQ(Fields(Validate(other.dump(), c)),
              std::vector<std::string>{"content.levels[" + foreign + "].level"});
  }
  // Every value of every level code field validates at the first level where the field
  // applies; a foreign code fails there, naming the field (and the side).
  for (const FieldDef& f : t->sections.at("levels")) {
    if (f.type != FieldType::kCode) continue;
    size_t i = 0;
    while (!f.AppliesAt(t->levels[i])) ++i;
    const std::string at = "content.levels[" + t->levels[i] + "]." + f.id;
    for (const ValueDef& value : t->Set(f.value_set)->values) {
      json good = full;
      const json v = value.code;
      good["levels"][i][f.id] = f.sided ? json{{"left", v}, {"right", v}} : v;
      EXPECT_TRUE(Validate(good.dump(), c).empty()) << at << " = " << value.code;
    }
    json bad = full;
    const json v = "not-a-code";
    bad["levels"][i][f.id] = f.sided ? json{{"left", v}, {"right", v}} : v;
    const std::vector<std::string> want =
        f.sided ? std::vector<std::string>{at + ".left", at + ".right"}
                : std::vector<std::string>{at};
    EXPECT_EQ(Fields(Validate(bad.dump(), c)), want);
  }
}

INSTANTIATE_TEST_SUITE_P(Templates, EveryTemplateTest,
                         ::testing::Values("xr-cervical", "xr-thoracic", "xr-lumbar", "xr-whole",
                                           "ct-cervical", "ct-thoracic", "ct-lumbar", "ct-whole",
                                           "mr-cervical", "mr-thoracic", "mr-lumbar", "mr-whole"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

TEST(ValidateTest, DesignNoteReportIsValid) {
  const auto problems = Validate(LumbarReport().dump(), Catalog::Builtin());
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(Fields(problems));
}

TEST(ValidateTest, EachMistakeNamesItsField) {
  const Catalog& c = Catalog::Builtin();
  struct Case {
    const char* what;
    std::function<void(json&)> edit;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"unknown field", [](json& j) { j["levels"][3]["canal.leee"] = "2"; },
       "content.levels[L4-L5].canal.leee"},
      {"value outside the set", [](json& j) { j["levels"][3]["canal.lee"] = "4"; },
       "content.levels[L4-L5].canal.lee"},
      {"sided value outside the set",
       [](json& j) { j["levels"][3]["foramen.lee"]["right"] = "severe"; },
       "content.levels[L4-L5].foramen.lee.right"},
      {"missing side", [](json& j) { j["levels"][3]["foramen.lee"].erase("left"); },
       "content.levels[L4-L5].foramen.lee.left"},
      {"sided as a plain value", [](json& j) { j["levels"][3]["foramen.lee"] = "2"; },
       "content.levels[L4-L5].foramen.lee"},
      {"number out of range", [](json& j) { j["levels"][3]["canal.area"] = 401; },
       "content.levels[L4-L5].canal.area"},
      {"number as text", [](json& j) { j["levels"][3]["canal.area"] = "60"; },
       "content.levels[L4-L5].canal.area"},
      {"level not in the region",
       [](json& j) {
         j["levels"].push_back({{"level", "C5-C6"}, {"normal", true}});
       },
       "content.levels[C5-C6].level"},
      {"normal with other fields", [](json& j) { j["levels"][0]["canal.grade"] = "none"; },
       "content.levels[L1-L2].normal"},
      {"figure without a key image", [](json& j) { j["levels"][3]["figures"] = {2}; },
       "content.levels[L4-L5].figures[0]"},
      {"impression figure without a key image",
       [](json& j) { j["impression"][0]["figures"] = {0}; }, "content.impression[0].figures[0]"},
      {"unknown measurement kind", [](json& j) { j["measurements"][0]["kind"] = "volume"; },
       "content.measurements[0].kind"},
      {"annotation refers to no measurement",
       [](json& j) { j["key_images"][0]["annotations"][1]["ref"] = "m9"; },
       "content.key_images[0].annotations[1].ref"},
      {"unknown global field", [](json& j) { j["alignment"]["kyphosis"] = "normal"; },
       "content.alignment.kyphosis"},
      {"global value outside the set", [](json& j) { j["alignment"]["scoliosis"] = "huge"; },
       "content.alignment.scoliosis"},
      {"vertebra not in the region",
       [](json& j) {
         j["vertebrae"]["items"] = {{{"vertebra", "T5"}, {"genant", "1"}}};
       },
       "content.vertebrae.items[T5].vertebra"},
      {"curve value outside the set",
       [](json& j) {
         j["alignment"]["curves"] = {{{"cobb", 12}, {"severity", "slight"}}};
       },
       "content.alignment.curves[0].severity"},
      {"impression side", [](json& j) { j["impression"][0]["side"] = "up"; },
       "content.impression[0].side"},
      {"impression level", [](json& j) { j["impression"][0]["levels"] = {"L9-L10"}; },
       "content.impression[0].levels[0]"},
      {"unknown critical field", [](json& j) { j["critical_communication"]["who"] = "x"; },
       "content.critical_communication.who"},
      {"incidental without text", [](json& j) { j["incidental"][0].erase("text"); },
       "content.incidental[0].text"},
  };
  for (const Case& k : cases) {
    json j = LumbarReport();
    k.edit(j);
    const auto problems = Validate(j.dump(), c);
    EXPECT_EQ(Fields(problems), std::vector<std::string>{k.field}) << k.what;
    for (const Problem& p : problems) EXPECT_FALSE(p.message.ja.empty() || p.message.en.empty());
  }
}

TEST(ValidateTest, WholeSpineFieldsApplyInTheirRegion) {
  const Catalog& c = Catalog::Builtin();
  const Template* t = c.Find("mr-whole", "1");
  json j = testing::FullContent(*t);
  EXPECT_TRUE(Validate(j.dump(), c).empty());
  for (json& e : j["levels"]) {
    if (e["level"] == "L4-L5") e["canal.kang"] = "2";  // a cervical grade in the lumbar spine
    if (e["level"] == "C5-C6") e["pars"] = {{"left", "intact"}, {"right", "intact"}};
  }
  EXPECT_EQ(
      Fields(Validate(j.dump(), c)),
      (std::vector<std::string>{"content.levels[C5-C6].pars", "content.levels[L4-L5].canal.kang"}));
  EXPECT_TRUE(t->Field("levels", "pars")->AppliesAt("L5-S1"));
  EXPECT_FALSE(t->Field("levels", "pars")->AppliesAt("T5-T6"));
  EXPECT_TRUE(t->Field("levels", "opll")->AppliesAt("T5-T6"));
}

TEST(ValidateTest, TemplateMustExist) {
  json j = LumbarReport();
  j["template"]["version"] = "9";
  EXPECT_EQ(Fields(Validate(j.dump(), Catalog::Builtin())),
            std::vector<std::string>{"content.template"});
  j.erase("template");  // no template: the frame alone
  EXPECT_TRUE(Validate(j.dump(), Catalog::Builtin()).empty());
}

TEST(FindingsTest, CodedFindingsFromTheReport) {
  const Template* t = Catalog::Builtin().Find("mr-lumbar", "1");
  auto f = ExtractFindings(LumbarReport().dump(), *t);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto find = [&](const std::string& site, const std::string& field, const std::string& side) {
    for (const CodedFinding& x : *f)
      if (x.site == site && x.field == field && x.side == side) return &x;
    return static_cast<const CodedFinding*>(nullptr);
  };
  const CodedFinding* lee = find("L4-L5", "foramen.lee", "right");
  ASSERT_NE(lee, nullptr);
  EXPECT_EQ(lee->value_code, "2");
  EXPECT_EQ(lee->value_set, "lee_foramen");
  EXPECT_EQ(lee->severity, 2);
  EXPECT_EQ(lee->figures, std::vector<int>{1});
  EXPECT_EQ(lee->field_label.ja, "椎間孔狭窄 (Lee分類)");
  EXPECT_EQ(find("L4-L5", "foramen.lee", "left")->value_code, "1");
  EXPECT_EQ(find("L1-L2", "normal", "")->value_label.en, "normal");
  EXPECT_EQ(find("", "alignment.scoliosis", "")->value_code, "none");
  EXPECT_EQ(find("", "technique.sequences", "")->text, "T1WI/T2WI 矢状断, T2WI 横断");
  json bad = LumbarReport();
  bad["levels"][3]["canal.lee"] = "7";
  EXPECT_EQ(ExtractFindings(bad.dump(), *t).status().field(), "content.levels[L4-L5].canal.lee");
}

TEST(FindingsTest, RsnaGridFromALumbarMri) {
  const Catalog& c = Catalog::Builtin();
  json j = LumbarReport();
  j["levels"][4]["recess.grade"] = {{"left", "severe"}, {"right", "mild"}};
  auto grid = RsnaLumbarGrid(j.dump(), *c.Find("mr-lumbar", "1"));
  ASSERT_TRUE(grid.ok()) << grid.status().ToString();
  ASSERT_EQ(grid->size(), 25u);
  std::map<std::string, std::string> by_row;
  for (const GridCell& g : *grid) by_row[g.row_id] = g.severity;
  EXPECT_EQ(by_row["spinal_canal_stenosis_l4_l5"], "moderate");
  EXPECT_EQ(by_row["spinal_canal_stenosis_l1_l2"], "normal_mild");  // stated normal
  EXPECT_EQ(by_row["right_neural_foraminal_narrowing_l4_l5"], "moderate");
  EXPECT_EQ(by_row["left_neural_foraminal_narrowing_l4_l5"], "normal_mild");
  EXPECT_EQ(by_row["right_subarticular_stenosis_l4_l5"], "moderate");
  EXPECT_EQ(by_row["left_subarticular_stenosis_l5_s1"], "severe");
  EXPECT_EQ(by_row["right_subarticular_stenosis_l5_s1"], "normal_mild");
  EXPECT_EQ(by_row["left_neural_foraminal_narrowing_l3_l4"], "");  // not stated
  EXPECT_EQ(RsnaLumbarGrid(j.dump(), *c.Find("ct-lumbar", "1")).status().code(),
            base::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace dokuei::spine
