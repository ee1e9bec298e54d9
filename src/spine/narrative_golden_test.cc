// Golden files of the narrative: each case under testdata/narrative/cases (template, input,
// content) is narrated in Japanese and English and compared byte for byte with
// <case>.ja.txt / <case>.en.txt. DOKUEI_UPDATE_GOLDENS=1 rewrites the files instead (review the
// diff before committing).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "narrative_test_util.h"

namespace dokuei::spine {
namespace {

using nlohmann::json;

// The first line that differs, readable (gtest would print the UTF-8 bytes escaped).
std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream e(expected), a(actual);
  std::string le, la;
  for (int line = 1;; ++line) {
    const bool he = static_cast<bool>(std::getline(e, le));
    const bool ha = static_cast<bool>(std::getline(a, la));
    if (!he && !ha) return "";
    if (!he || !ha || le != la) {
      return "\nline " + std::to_string(line) + "\n  golden: " + (he ? le : "<end>") +
             "\n  actual: " + (ha ? la : "<end>");
    }
  }
}

class NarrativeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(NarrativeGolden, MatchesGoldenFiles) {
  const auto catalog = testing::LoadNarrativeCatalog();
  const std::string dir = testing::NarrativeDataDir() + "/cases/";
  const json c = json::parse(testing::ReadText(dir + GetParam() + ".json"));
  const Template& t = testing::TemplateById(*catalog, c.at("template").get<std::string>());
  const NarrativeInput in = testing::InputFrom(c.at("input"));
  const char* update = std::getenv("DOKUEI_UPDATE_GOLDENS");
  for (const std::string lang : {"ja", "en"}) {
    auto doc = Narrate(c.at("content").dump(), t, *catalog, in, lang);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    const std::string text = testing::DocumentText(*doc);
    const std::string path = dir + GetParam() + "." + lang + ".txt";
    if (update != nullptr && std::string(update) == "1") {
      std::ofstream(path, std::ios::binary) << text;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(path))
        << path << " is missing; run with DOKUEI_UPDATE_GOLDENS=1 to write it";
    const std::string expected = testing::ReadText(path);
    if (expected != text) {
      ADD_FAILURE() << "narrative of " << GetParam() << " (" << lang << ") differs from " << path
                    << FirstDifference(expected, text)
                    << "\nif the change is intended, rerun with DOKUEI_UPDATE_GOLDENS=1 and "
                       "review the diff";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, NarrativeGolden,
                         ::testing::Values("lumbar-mri-herniation", "cervical-mri-opll-critical",
                                           "xr-whole-scoliosis-listhesis", "ct-lumbar-pars"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (ch == '-') ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace dokuei::spine
