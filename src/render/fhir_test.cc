#include "dokuei/render/fhir.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "dokuei/render/pdf.h"
#include "test_fixtures.h"

namespace dokuei::render {
namespace {

using json = nlohmann::json;

class FhirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::Result<std::string> pdf = RenderPdf(testing::LumbarMri("ja"));
    ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
    pdf_ = *pdf;
    options_.report_id = "R-2026-000123";
    options_.patient_id_system = "urn:oid:1.2.392.100495.20.3.51.11312345678";
  }
  json Build(const spine::Document& doc) {
    base::Result<std::string> text = BuildFhirBundle(doc, testing::LumbarFindings(),
                                                     testing::LumbarMeasurements(), pdf_, options_);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    if (!text.ok()) return json();
    json parsed = json::parse(*text);
    EXPECT_EQ(json::parse(parsed.dump()), parsed);  // round trip
    return parsed;
  }
  std::string pdf_;
  FhirOptions options_;
};

const json* FindObservation(const json& bundle, const std::string& suffix) {
  for (const json& e : bundle["entry"]) {
    const json& r = e["resource"];
    if (r["resourceType"] == "Observation" &&
        r["identifier"][0]["value"] == "R-2026-000123/" + suffix) {
      return &r;
    }
  }
  return nullptr;
}

TEST_F(FhirTest, TransactionBundleWithTheReportAndItsObservations) {
  json b = Build(testing::LumbarMri("ja"));
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["resourceType"], "Bundle");
  EXPECT_EQ(b["type"], "transaction");
  ASSERT_EQ(b["entry"].size(),
            1 + testing::LumbarFindings().size() + testing::LumbarMeasurements().size());
  std::set<std::string> full_urls;
  for (const json& e : b["entry"]) {
    EXPECT_EQ(e["fullUrl"].get<std::string>().rfind("urn:uuid:", 0), 0u);
    EXPECT_TRUE(full_urls.insert(e["fullUrl"]).second);
    EXPECT_EQ(e["request"]["method"], "PUT");
    EXPECT_EQ(e["request"]["url"].get<std::string>().find(
                  "?identifier=https://dokuei.jp/fhir/sid/report|R-2026-000123"),
              e["resource"]["resourceType"].get<std::string>().size());
  }
  const json& r = b["entry"][0]["resource"];
  ASSERT_EQ(r["resourceType"], "DiagnosticReport");
  EXPECT_EQ(r["status"], "final");
  EXPECT_EQ(r["code"]["coding"][0]["system"], "http://loinc.org");
  EXPECT_EQ(r["code"]["coding"][0]["code"], "18748-4");
  EXPECT_EQ(r["category"][0]["coding"][0]["code"], "RAD");
  EXPECT_EQ(r["subject"]["identifier"]["value"], "00123456");
  EXPECT_EQ(r["subject"]["identifier"]["system"], options_.patient_id_system);
  EXPECT_EQ(r["subject"]["display"], "山田 太郎 (やまだ たろう)");
  EXPECT_EQ(r["basedOn"][0]["identifier"]["value"], "A2026112000123");
  EXPECT_EQ(r["imagingStudy"][0]["identifier"]["system"], "urn:dicom:uid");
  EXPECT_EQ(r["imagingStudy"][0]["identifier"]["value"],
            "urn:oid:1.2.392.200036.9116.2.6.1.48.1214245415.1731034812.123456");
  EXPECT_EQ(r["effectiveDateTime"], "2026-11-20T10:05:12+09:00");
  EXPECT_EQ(r["issued"], "2026-11-20T16:05:00+09:00");
  EXPECT_EQ(r["conclusion"],
            "1. L4/5 右傍中心性椎間板突出、右L5神経根圧排\n2. L4/5 中等度脊柱管狭窄");
  EXPECT_EQ(r["resultsInterpreter"][0]["display"], "鈴木 一郎");
  ASSERT_EQ(r["presentedForm"].size(), 1u);
  EXPECT_EQ(r["presentedForm"][0]["contentType"], "application/pdf");
  EXPECT_EQ(r["presentedForm"][0]["language"], "ja");
  EXPECT_TRUE(testing::Base64Decode(r["presentedForm"][0]["data"]) == pdf_);
  // Every result points at an Observation entry of the bundle.
  ASSERT_EQ(r["result"].size(), b["entry"].size() - 1);
  for (const json& ref : r["result"]) EXPECT_EQ(full_urls.count(ref["reference"]), 1u);

  const json* lee = FindObservation(b, "L4-L5/canal.lee");
  ASSERT_NE(lee, nullptr);
  EXPECT_EQ((*lee)["status"], "final");
  EXPECT_EQ((*lee)["category"][0]["coding"][0]["code"], "imaging");
  EXPECT_EQ((*lee)["code"]["coding"][0]["code"], "canal.lee");
  EXPECT_EQ((*lee)["code"]["text"], "中心管狭窄 (Lee分類)");
  EXPECT_EQ((*lee)["bodySite"]["coding"][0]["code"], "L4-L5");
  EXPECT_EQ((*lee)["valueCodeableConcept"]["coding"][0]["code"], "2");
  EXPECT_EQ((*lee)["valueCodeableConcept"]["coding"][0]["system"],
            "https://dokuei.jp/fhir/CodeSystem/spine-value-lee_canal");
  EXPECT_EQ((*lee)["subject"]["identifier"]["value"], "00123456");

  const json* foramen = FindObservation(b, "L4-L5/foramen.lee/right");
  ASSERT_NE(foramen, nullptr);
  EXPECT_EQ((*foramen)["component"][0]["code"]["coding"][0]["code"], "272741003");
  EXPECT_EQ((*foramen)["component"][0]["valueCodeableConcept"]["coding"][0]["code"], "24028007");
  ASSERT_NE(FindObservation(b, "L4-L5/foramen.lee/left"), nullptr);

  const json* area = FindObservation(b, "L4-L5/canal.area");
  ASSERT_NE(area, nullptr);
  EXPECT_EQ((*area)["valueQuantity"]["value"], 82.5);
  EXPECT_EQ((*area)["valueQuantity"]["system"], "http://unitsofmeasure.org");
  EXPECT_EQ((*area)["valueQuantity"]["code"], "mm2");

  const json* lordosis = FindObservation(b, "global/alignment.lordosis");
  ASSERT_NE(lordosis, nullptr);
  EXPECT_FALSE(lordosis->contains("bodySite"));
  const json* incidental = FindObservation(b, "global/incidental.text");
  ASSERT_NE(incidental, nullptr);
  EXPECT_EQ((*incidental)["valueString"], "左腎に嚢胞 (経過観察で可)");

  const json* slip = FindObservation(b, "measurement/m1");
  ASSERT_NE(slip, nullptr);
  EXPECT_EQ((*slip)["code"]["coding"][0]["code"], "slip");
  EXPECT_EQ((*slip)["code"]["coding"][0]["display"], "すべり率");
  EXPECT_EQ((*slip)["valueQuantity"]["value"], 18.2);
  EXPECT_EQ((*slip)["valueQuantity"]["code"], "%");
  EXPECT_EQ((*slip)["bodySite"]["coding"][0]["code"], "L4-L5");
  EXPECT_EQ((*slip)["interpretation"][0]["coding"][0]["code"], "I");
}

TEST_F(FhirTest, AddendumIsAppendedAndObservationsAmended) {
  json b = Build(testing::LumbarMriAddendum());
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["entry"][0]["resource"]["status"], "appended");
  EXPECT_EQ(b["entry"][0]["resource"]["issued"], "2026-11-22T09:15:00+09:00");
  for (size_t i = 1; i < b["entry"].size(); ++i) {
    EXPECT_EQ(b["entry"][i]["resource"]["status"], "amended");
  }
  // Same identifiers as the first version, so the transaction replaces it.
  EXPECT_EQ(b["entry"][0]["request"]["url"],
            "DiagnosticReport?identifier=https://dokuei.jp/fhir/sid/report|R-2026-000123");
}

TEST_F(FhirTest, ErrorsNameTheField) {
  spine::Document doc = testing::LumbarMri("ja");
  FhirOptions no_id;
  EXPECT_EQ(BuildFhirBundle(doc, {}, {}, pdf_, no_id).status().field(), "report_id");
  EXPECT_EQ(BuildFhirBundle(doc, {}, {}, "plain text", options_).status().field(), "pdf");
  std::vector<spine::CodedFinding> twice = testing::LumbarFindings();
  twice.push_back(twice[1]);
  EXPECT_EQ(BuildFhirBundle(doc, twice, {}, pdf_, options_).status().field(), "findings[8]");
  // Two values of one multi-valued field (a list of codes) are two Observations.
  std::vector<spine::CodedFinding> listed = testing::LumbarFindings();
  listed.push_back(listed[1]);
  listed.back().value_code += "-other";
  auto bundle = BuildFhirBundle(doc, listed, {}, pdf_, options_);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(*bundle)["entry"].size(),
            nlohmann::json::parse(*BuildFhirBundle(doc, testing::LumbarFindings(), {}, pdf_,
                                                   options_))["entry"].size() + 1);
  doc.study.patient_id.clear();
  EXPECT_EQ(BuildFhirBundle(doc, {}, {}, pdf_, options_).status().field(), "study.patient_id");
}

}  // namespace
}  // namespace dokuei::render
