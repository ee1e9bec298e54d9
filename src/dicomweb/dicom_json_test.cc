#include "dicom_json.h"
#include "dicom_xml.h"

#include <gtest/gtest.h>

#include "dokuei/base/strings.h"

#include <nlohmann/json.hpp>

namespace dokuei::dicomweb {
namespace {

namespace t = dicom::tags;
using nlohmann::json;

TEST(DicomJson, AnnexFForms) {
  dicom::AttributeList study = {
      {t::kStudyInstanceUID, "UI", {"1.2.3"}, {}},
      {t::kPatientName, "PN", {"Yamada^Tarou=山田^太郎=やまだ^たろう"}, {}},
      {t::kSpecificCharacterSet, "CS", {"ISO_IR 192"}, {}},
      {t::kNumberOfStudyRelatedInstances, "IS", {"12"}, {}},
      {t::kModalitiesInStudy, "CS", {"CT", "MR"}, {}},
      {dicom::Tag(0x0018, 0x0050), "DS", {"+2.50", ".5", "1e3", "abc", ""}, {}},
      {t::kReferringPhysicianName, "PN", {}, {}},
      {dicom::Tag(0x0020, 0x9165), "AT", {"00100010"}, {}},
      {t::kStudyDescription, "LO", {"", "x\"y"}, {}},
      {t::kRequestAttributesSequence,
       "SQ",
       {},
       {{{t::kRequestedProcedureID, "SH", {"RP1"}, {}}}, {}}},
  };
  std::string text = DicomJsonObject(study);
  json j = json::parse(text);
  EXPECT_EQ(j["0020000D"]["vr"], "UI");
  EXPECT_EQ(j["0020000D"]["Value"][0], "1.2.3");
  EXPECT_EQ(j["00100010"]["Value"][0]["Alphabetic"], "Yamada^Tarou");
  EXPECT_EQ(j["00100010"]["Value"][0]["Ideographic"], "山田^太郎");
  EXPECT_EQ(j["00100010"]["Value"][0]["Phonetic"], "やまだ^たろう");
  EXPECT_EQ(j["00201208"]["Value"][0], 12);
  EXPECT_EQ(j["00080061"]["Value"], json({"CT", "MR"}));
  EXPECT_EQ(j["00180050"]["Value"][0], 2.5);
  EXPECT_EQ(j["00180050"]["Value"][1], 0.5);
  EXPECT_EQ(j["00180050"]["Value"][2], 1000);
  EXPECT_EQ(j["00180050"]["Value"][3], "abc");
  EXPECT_TRUE(j["00180050"]["Value"][4].is_null());
  EXPECT_FALSE(j["00080090"].contains("Value"));
  EXPECT_EQ(j["00209165"]["Value"][0], "00100010");
  EXPECT_TRUE(j["00081030"]["Value"][0].is_null());
  EXPECT_EQ(j["00081030"]["Value"][1], "x\"y");
  EXPECT_EQ(j["00400275"]["Value"][0]["00401001"]["Value"][0], "RP1");
  EXPECT_TRUE(j["00400275"]["Value"][1].empty());
  // Keys are in tag order.
  EXPECT_LT(text.find("\"00080005\""), text.find("\"00100010\""));
  EXPECT_LT(text.find("\"00100010\""), text.find("\"0020000D\""));
}

TEST(DicomJson, JapanesePersonNameGroups) {
  // Ideographic only; alphabetic only; empty.
  dicom::AttributeList l = {{t::kPatientName, "PN", {"=山田^花子", "Doe^Jane", "", "=="}, {}}};
  json j = json::parse(DicomJsonObject(l));
  auto& v = j["00100010"]["Value"];
  EXPECT_FALSE(v[0].contains("Alphabetic"));
  EXPECT_EQ(v[0]["Ideographic"], "山田^花子");
  EXPECT_EQ(v[1], json({{"Alphabetic", "Doe^Jane"}}));
  EXPECT_TRUE(v[2].is_null());
  EXPECT_TRUE(v[3].is_null());
}

TEST(DicomJson, ArrayAndNumbers) {
  EXPECT_EQ(DicomJsonArray({}), "[]");
  EXPECT_EQ(json::parse(DicomJsonArray({{}, {}})).size(), 2u);
  EXPECT_TRUE(base::IsJsonNumber("-0.5e+10"));
  EXPECT_TRUE(base::IsJsonNumber("0"));
  EXPECT_FALSE(base::IsJsonNumber("007"));
  EXPECT_FALSE(base::IsJsonNumber("+1"));
  EXPECT_FALSE(base::IsJsonNumber("1."));
  EXPECT_FALSE(base::IsJsonNumber(".5"));
  EXPECT_FALSE(base::IsJsonNumber(""));
  dicom::AttributeList l = {{t::kSeriesNumber, "IS", {" 007 "}, {}}};
  EXPECT_EQ(json::parse(DicomJsonObject(l))["00200011"]["Value"][0], 7);
}

TEST(DicomXml, NativeDicomModel) {
  dicom::AttributeList l = {
      {t::kPatientName, "PN", {"Yamada^Tarou=山田^太郎"}, {}},
      {t::kStudyDescription, "LO", {"a<b & \"c\""}, {}},
      {t::kModalitiesInStudy, "CS", {"CT", "MR"}, {}},
      {t::kRequestAttributesSequence, "SQ", {}, {{{t::kRequestedProcedureID, "SH", {"RP1"}, {}}}}},
  };
  std::string xml = DicomXml(l);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  EXPECT_NE(xml.find("<NativeDicomModel xmlns=\"http://dicom.nema.org/PS3.19/models/NativeDICOM\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<DicomAttribute tag=\"00100010\" vr=\"PN\" keyword=\"PatientName\">"
                     "<PersonName number=\"1\"><Alphabetic><FamilyName>Yamada</FamilyName>"
                     "<GivenName>Tarou</GivenName></Alphabetic><Ideographic><FamilyName>山田"
                     "</FamilyName><GivenName>太郎</GivenName></Ideographic></PersonName>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<Value number=\"1\">a&lt;b &amp; &quot;c&quot;</Value>"), std::string::npos);
  EXPECT_NE(xml.find("<Value number=\"2\">MR</Value>"), std::string::npos);
  EXPECT_NE(xml.find("<Item number=\"1\"><DicomAttribute tag=\"00401001\" vr=\"SH\""),
            std::string::npos);
  // Tag order.
  EXPECT_LT(xml.find("00080061"), xml.find("00100010"));
}

}  // namespace
}  // namespace dokuei::dicomweb
