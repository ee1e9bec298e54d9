// The template files themselves: every file loads, every reference resolves, the built-in copy
// is the files' copy, and malformed files are refused naming the file and the field.
#include "dokuei/spine/template.h"

#include <filesystem>
#include <fstream>

#include "spine_test_util.h"

namespace dokuei::spine {
namespace {

namespace fs = std::filesystem;

TEST(TemplateTest, EveryTemplateLoadsAndResolves) {
  ASSERT_FALSE(testing::SourceDir().empty()) << "DOKUEI_SOURCE_DIR not set";
  auto loaded = Catalog::LoadDir(testing::SourceDir() + "/templates/spine");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Catalog& c = **loaded;
  ASSERT_EQ(c.All().size(), 12u);
  for (const char* m : {"XR", "CT", "MR"}) {
    for (const char* r : {"cervical", "thoracic", "lumbar", "whole"}) {
      const Template* t = c.For(m, r);
      ASSERT_NE(t, nullptr) << m << " " << r;
      EXPECT_EQ(t->modality, m);
      EXPECT_EQ(t->region, r);
      EXPECT_FALSE(t->title.ja.empty());
      for (const auto& [section, fields] : t->sections) {
        for (const FieldDef& f : fields) {
          EXPECT_FALSE(f.label.ja.empty() || f.label.en.empty()) << t->id << " " << f.id;
          if (f.type == FieldType::kCode || f.type == FieldType::kCodes) {
            EXPECT_NE(t->Set(f.value_set), nullptr) << t->id << " " << f.id;
          }
        }
      }
      // Every condition the template lists names one of its fields.
      for (const auto& [cond, paths] : t->conditions) {
        for (const std::string& p : paths) {
          const size_t dot = p.find('.');
          const bool found = p.rfind("levels/", 0) == 0
                                 ? t->Field("levels", p.substr(7)) != nullptr
                                 : t->Field(p.substr(0, dot), p.substr(dot + 1)) != nullptr;
          EXPECT_TRUE(found) << t->id << " " << p;
        }
      }
    }
  }
  EXPECT_EQ(c.For("CR", "lumbar")->id, "xr-lumbar");
  EXPECT_EQ(c.For("DX", "whole")->id, "xr-whole");
  // What each modality can show: X-ray shows neither canal stenosis nor disc herniation.
  EXPECT_EQ(c.For("XR", "lumbar")->conditions.count("canal_stenosis"), 0u);
  EXPECT_EQ(c.For("XR", "lumbar")->conditions.count("disc_herniation"), 0u);
  EXPECT_EQ(c.For("MR", "lumbar")->conditions.size(), 5u);
  EXPECT_EQ(c.For("CT", "cervical")->conditions.size(), 5u);
  // The built-in catalog is the same files.
  EXPECT_EQ(Catalog::Builtin().All().size(), c.All().size());
  EXPECT_EQ(Catalog::Builtin().value_sets.size(), c.value_sets.size());
}

TEST(TemplateTest, ScalesOfTheSpecification) {
  const Catalog& c = Catalog::Builtin();
  auto codes = [&](const char* set) {
    std::vector<std::string> out;
    for (const ValueDef& v : c.Set(set)->values) out.push_back(v.code);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(codes("nass_contour"),
            (V{"normal", "bulge", "protrusion", "extrusion", "sequestration"}));
  EXPECT_EQ(codes("lee_canal"), (V{"0", "1", "2", "3"}));
  EXPECT_EQ(codes("schizas"), (V{"A1", "A2", "A3", "A4", "B", "C", "D"}));
  EXPECT_EQ(codes("kang"), (V{"0", "1", "2", "3"}));
  EXPECT_EQ(codes("kim_foramen"), (V{"0", "1", "2"}));
  EXPECT_EQ(codes("pfirrmann"), (V{"I", "II", "III", "IV", "V"}));
  EXPECT_EQ(codes("meyerding"), (V{"none", "I", "II", "III", "IV", "V"}));
  EXPECT_EQ(codes("hollenberg"), (V{"0", "1", "2a", "2b", "3", "4"}));
  EXPECT_EQ(codes("pars"), (V{"intact", "stress_reaction", "incomplete", "complete"}));
  EXPECT_EQ(codes("genant"), (V{"0", "1", "2", "3"}));
  EXPECT_EQ(codes("cobb_severity"), (V{"none", "mild", "moderate", "severe"}));
  EXPECT_EQ(codes("opll_type"), (V{"none", "continuous", "segmental", "mixed", "circumscribed"}));
  std::vector<std::string> stages;
  for (const ValueDef& v : c.Set("pars_stage")->values) stages.push_back(v.label.ja);
  EXPECT_EQ(stages, (V{"超初期", "初期", "進行期前期", "進行期後期", "終末期"}));
  // Severity ranks: Lee 3 is severe, Lee 0 normal; each value has both labels.
  EXPECT_EQ(c.Set("lee_canal")->Find("3")->severity, 3);
  EXPECT_EQ(c.Set("lee_canal")->Find("0")->severity, 0);
  for (const auto& [id, vs] : c.value_sets)
    for (const ValueDef& v : vs.values)
      EXPECT_FALSE(v.label.ja.empty() || v.label.en.empty()) << id;
  EXPECT_EQ(c.Set("lee_canal")->Find("2")->phrase.ja, "中等度の脊柱管狭窄 (馬尾の一部が集簇)");
}

TEST(TemplateLoadTest, MalformedFilesAreRefused) {
  auto file = [](const char* name) {
    std::ifstream in(testing::SourceDir() + "/templates/spine/" + name);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& e : fs::directory_iterator(testing::SourceDir() + "/templates/spine"))
    all.emplace_back(e.path().filename().string(), file(e.path().filename().c_str()));
  ASSERT_TRUE(Catalog::Load(all).ok());
  auto with = [&](const std::string& name, const std::string& from, const std::string& to) {
    auto copy = all;
    for (auto& [n, text] : copy) {
      if (n != name) continue;
      const size_t at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    return Catalog::Load(copy).status();
  };
  base::Status s =
      with("mr-lumbar.json", R"("value_set": "lee_foramen")", R"("value_set": "nope")");
  EXPECT_EQ(s.code(), base::Code::kInvalidArgument);
  EXPECT_NE(s.field().find("mr-lumbar.json:sections.levels["), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("unknown value set \"nope\""), std::string::npos);
  s = with("mr-lumbar.json", R"("type": "number")", R"("type": "numbr")");
  EXPECT_NE(s.message().find("unknown type"), std::string::npos) << s.ToString();
  s = with("mr-lumbar.json", R"("levels/canal.grade")", R"("levels/canal.grdae")");
  EXPECT_NE(s.message().find("not a field of this template"), std::string::npos) << s.ToString();
  s = with("mr-lumbar.json", R"("L2-L3", "L3-L4")", R"("L3-L4", "L2-L3")");
  EXPECT_FALSE(s.ok());
  s = with("value-sets.json", R"({"code": "2", "ja": "Lee 2")", R"({"code": "1", "ja": "Lee 2")");
  EXPECT_NE(s.message().find("twice"), std::string::npos) << s.ToString();
  s = with("mr-lumbar.json", R"("title")", R"("titel")");
  EXPECT_NE(s.message().find("unknown key"), std::string::npos) << s.ToString();
  s = with("ct-whole.json", R"("id": "ct-whole")", R"("id": "ct-lumbar")");
  EXPECT_NE(s.message().find("given twice"), std::string::npos) << s.ToString();
  s = with("mr-whole.json", R"x((Kang grade)"}, "levels": ["C2-C3")x",
           R"x((Kang grade)"}, "levels": ["C1-C2")x");
  EXPECT_NE(s.message().find("\"C1-C2\" is not one of the template's levels"), std::string::npos)
      << s.ToString();
  s = with("mr-lumbar.json", R"("id": "sequences", "type": "text")",
           R"("id": "sequences", "type": "text", "levels": ["L4-L5"])");
  EXPECT_NE(s.message().find("only level fields are restricted"), std::string::npos)
      << s.ToString();
  s = with("value-sets.json", R"("severity": 3)", R"("severity": 4)");
  EXPECT_NE(s.field().find("severity"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace dokuei::spine
