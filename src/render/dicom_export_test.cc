#include "dokuei/render/dicom_export.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>

#include "dokuei/render/pdf.h"
#include "test_fixtures.h"

namespace dokuei::render {
namespace {

using testing::Shell;

constexpr const char* kSourceStudy = "1.2.392.200036.9116.2.6.1.48.1214245415.1731034812.123456";

// Lines of a DCMTK tool's output that are warnings or errors ("W: ...", "E: ...").
std::string Complaints(const std::string& output) {
  std::string out;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    // DCMTK 3.6.7's string VR checker knows only single-byte character sets and says so for
    // UTF-8 once per file; that is a limit of the tool, not a problem of the file.
    if (line == "W: The VR checker does not support this Specific Character Set: ISO_IR 192") {
      continue;
    }
    if (line.rfind("W: ", 0) == 0 || line.rfind("E: ", 0) == 0 || line.rfind("F: ", 0) == 0) {
      out += line + "\n";
    }
  }
  return out;
}

// dciodvfy's errors and warnings, except the two kinds expected: attributes a DICOMDIR would
// need (the files are not for media) and the private coding scheme 99DOKUEI (declared in the
// CodingSchemeIdentificationSequence, which dciodvfy does not consult).
std::string DciodvfyErrors(const std::string& output) {
  std::string out;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("Error") == std::string::npos && line.find("Warning") == std::string::npos) {
      continue;
    }
    if (line.find("needed to build DICOMDIR") != std::string::npos) continue;
    if (line.find("Unrecognized defined term <99DOKUEI>") != std::string::npos) continue;
    out += line + "\n";
  }
  return out;
}

std::string Attribute(const std::string& dump, const std::string& tag) {
  std::smatch m;
  if (!std::regex_search(dump, m, std::regex("\\(" + tag + "\\) \\w\\w \\[([^\\]]*)\\]")))
    return "";
  return m[1];
}

class DicomExportTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  void TearDown() override {
    if (!std::getenv("DOKUEI_RENDER_OUT")) Shell("rm -rf " + dir_);
  }
  std::string Write(const std::string& bytes, const std::string& name) {
    const std::string path = dir_ + "/" + name;
    testing::WriteFile(path, bytes);
    return path;
  }
  std::string dir_;
};

TEST_F(DicomExportTest, EncapsulatedPdfIsValidAndHoldsThePdfByteForByte) {
  spine::Document doc = testing::LumbarMri("ja");
  base::Result<std::string> pdf = RenderPdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  for (const std::string& input : {*pdf, *pdf + "\n"}) {  // even and odd lengths
    SCOPED_TRACE(input.size());
    base::Result<std::string> dcm = EncapsulatePdf(doc, input);
    ASSERT_TRUE(dcm.ok()) << dcm.status().ToString();
    const std::string path = Write(*dcm, "report.dcm");
    testing::Run dump = Shell("dcmdump -Un " + path);
    ASSERT_EQ(dump.status, 0) << dump.output;
    EXPECT_EQ(Complaints(dump.output), "");
    EXPECT_EQ(Attribute(dump.output, "0008,0016"), kEncapsulatedPdfStorage);
    EXPECT_EQ(Attribute(dump.output, "0020,000d"), kSourceStudy);
    EXPECT_EQ(Attribute(dump.output, "0010,0020"), "00123456");
    EXPECT_EQ(Attribute(dump.output, "0010,0010"), "YAMADA^TARO=山田^太郎=やまだ^たろう");
    EXPECT_EQ(Attribute(dump.output, "0008,0050"), "A2026112000123");
    EXPECT_EQ(Attribute(dump.output, "0008,0060"), "DOC");
    EXPECT_EQ(Attribute(dump.output, "0042,0012"), "application/pdf");
    EXPECT_EQ(Attribute(dump.output, "0020,000e").rfind("2.25.", 0), 0u);
    EXPECT_EQ(Attribute(dump.output, "0008,0018").rfind("2.25.", 0), 0u);
    EXPECT_NE(dump.output.find("(0042,0015) UL " + std::to_string(input.size())),
              std::string::npos);
    testing::Run v = Shell("dciodvfy " + path);
    EXPECT_EQ(DciodvfyErrors(v.output), "") << v.output;
    testing::Run extract = Shell("dcm2pdf " + path + " " + dir_ + "/out.pdf");
    ASSERT_EQ(extract.status, 0) << extract.output;
    std::string out = testing::ReadFile(dir_ + "/out.pdf");
    // dcm2pdf writes the OB value, which carries the pad byte for an odd length; the exact
    // document is the first EncapsulatedDocumentLength bytes.
    ASSERT_GE(out.size(), input.size());
    EXPECT_LE(out.size() - input.size(), 1u);
    EXPECT_TRUE(out.substr(0, input.size()) == input) << "PDF changed inside the DICOM object";
  }
}

TEST_F(DicomExportTest, EncapsulatedAddendumSaysSo) {
  spine::Document doc = testing::LumbarMriAddendum();
  base::Result<std::string> pdf = RenderPdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  DicomExportOptions options;
  options.series_uid = "2.25.4242";
  options.sop_instance_uid = "2.25.4243";
  base::Result<std::string> dcm = EncapsulatePdf(doc, *pdf, options);
  ASSERT_TRUE(dcm.ok()) << dcm.status().ToString();
  testing::Run dump = Shell("dcmdump -Un " + Write(*dcm, "addendum.dcm"));
  EXPECT_EQ(Attribute(dump.output, "0042,0010"), "腰椎MRI 読影レポート (追記)");
  EXPECT_EQ(Attribute(dump.output, "0020,000e"), "2.25.4242");
  EXPECT_EQ(Attribute(dump.output, "0008,0018"), "2.25.4243");
  EXPECT_EQ(Attribute(dump.output, "0008,0023"), "20261122");
}

TEST_F(DicomExportTest, EncapsulatedPdfRejectsSomethingElse) {
  base::Result<std::string> dcm = EncapsulatePdf(testing::LumbarMri("ja"), "<html>");
  ASSERT_FALSE(dcm.ok());
  EXPECT_EQ(dcm.status().field(), "pdf");
}

TEST_F(DicomExportTest, ComprehensiveSrReadsCleanlyAndCarriesFindingsAndMeasurements) {
  spine::Document doc = testing::LumbarMri("ja");
  DicomExportOptions options;
  options.institution = "Dokuei読影センター";
  base::Result<std::string> sr =
      BuildSr(doc, testing::LumbarFindings(), testing::LumbarMeasurements(), options);
  ASSERT_TRUE(sr.ok()) << sr.status().ToString();
  const std::string path = Write(*sr, "sr.dcm");
  testing::Run dump = Shell("dcmdump -Un " + path);
  ASSERT_EQ(dump.status, 0) << dump.output;
  EXPECT_EQ(Complaints(dump.output), "");
  EXPECT_EQ(Attribute(dump.output, "0008,0016"), kComprehensiveSrStorage);
  EXPECT_EQ(Attribute(dump.output, "0020,000d"), kSourceStudy);
  EXPECT_EQ(Attribute(dump.output, "0040,a491"), "COMPLETE");
  EXPECT_EQ(Attribute(dump.output, "0040,a493"), "VERIFIED");
  EXPECT_EQ(Attribute(dump.output, "0040,db00"), "1500");
  // The key images and the measured instances are listed as evidence of the study.
  const size_t evidence = dump.output.find("(0040,a375) SQ");
  ASSERT_NE(evidence, std::string::npos);
  for (const char* uid : {"1.2.392.200036.9116.4.1.100.2", "1.2.392.200036.9116.4.1.101.7",
                          "1.2.392.200036.9116.3.1.100", "1.2.392.200036.9116.3.1.101"}) {
    EXPECT_NE(dump.output.find(std::string("[") + uid + "]", evidence), std::string::npos) << uid;
  }
  EXPECT_NE(dump.output.find("(0008,0110) SQ"), std::string::npos);  // 99DOKUEI declared

  testing::Run sr_dump = Shell("dsrdump +Pc +Pl +Pu +Pt " + path);
  ASSERT_EQ(sr_dump.status, 0) << sr_dump.output;
  EXPECT_EQ(Complaints(sr_dump.output), "") << sr_dump.output;
  const std::string& t = sr_dump.output;
  for (const char* expected : {
           "Comprehensive SR",
           "Imaging Measurement Report",
           "(121049,DCM,\"Language of Content Item and Descendants\")=(ja,RFC5646,\"Japanese\")",
           "(121008,DCM,\"Person Observer Name\")=\"=鈴木^一郎\"",
           "(121058,DCM,\"Procedure reported\")=(113091000,SCT,\"Magnetic resonance imaging\")",
           "(121060,DCM,\"History\")=\"腰痛、右下肢痛。L4/5椎間板ヘルニア?\"",
           "(111028,DCM,\"Image Library\")",
           "(112039,DCM,\"Tracking Identifier\")=\"L4-L5\"",
           "(363698007,SCT,\"Finding Site\")=(L4-L5,99DOKUEI,\"L4-L5 spinal segment\")",
           "(canal.lee,99DOKUEI,\"中心管狭窄 (Lee分類)\")=(lee_canal:2,99DOKUEI,\"Lee 2\")",
           "(272741003,SCT,\"Laterality\")=(24028007,SCT,\"Right\")",
           "(canal.area,99DOKUEI,\"硬膜管面積\")=\"82.5\" (mm2,UCUM,\"square millimeter\")",
           "(M.slip,99DOKUEI,\"すべり率\")=\"18.2\" (%,UCUM,\"percent\")",
           "(GRADE,99DOKUEI,\"Grade\")=(slip.grade:I,99DOKUEI,\"I\")",
           "(121112,DCM,\"Source of Measurement\")=(POLYLINE,100.5/80,140/82.5,102/120,141.5/121)",
           "1.2.392.200036.9116.4.1.101.7",
           "(C0034375,UMLS,\"Qualitative Evaluations\")",
           "(incidental.text,99DOKUEI,\"偶発所見\")=\"左腎に嚢胞 (経過観察で可)\"",
           "(121073,DCM,\"Impression\")=\"1. L4/5 右傍中心性椎間板突出、右L5神経根圧排\"",
           "田中^洋子",
       }) {
    EXPECT_NE(t.find(expected), std::string::npos) << expected << "\n" << t;
  }
  EXPECT_EQ(t.find("Addendum"), std::string::npos);
  testing::Run v = Shell("dciodvfy " + path);
  EXPECT_EQ(DciodvfyErrors(v.output), "") << v.output;
}

TEST_F(DicomExportTest, AddendumSrNamesItsPredecessorAndSaysAddendum) {
  spine::Document doc = testing::LumbarMriAddendum();
  DicomExportOptions options;
  options.predecessors.push_back({"2.25.111", kComprehensiveSrStorage, "2.25.222"});
  base::Result<std::string> sr =
      BuildSr(doc, testing::LumbarFindings(), testing::LumbarMeasurements(), options);
  ASSERT_TRUE(sr.ok()) << sr.status().ToString();
  const std::string path = Write(*sr, "addendum.dcm");
  testing::Run sr_dump = Shell("dsrdump +Pc +Pl " + path);
  ASSERT_EQ(sr_dump.status, 0) << sr_dump.output;
  EXPECT_EQ(Complaints(sr_dump.output), "") << sr_dump.output;
  EXPECT_NE(sr_dump.output.find("(55107-7,LN,\"Addendum Document\")=\"依頼医からの問い合わせ"),
            std::string::npos)
      << sr_dump.output;
  testing::Run dump = Shell("dcmdump -Un " + path);
  EXPECT_EQ(Attribute(dump.output, "0008,103e"), "Imaging Measurement Report (addendum)");
  EXPECT_EQ(Attribute(dump.output, "0040,a493"), "VERIFIED");
  const size_t pred = dump.output.find("(0040,a360) SQ");
  ASSERT_NE(pred, std::string::npos) << dump.output;
  EXPECT_NE(dump.output.find("[2.25.222]", pred), std::string::npos);
  testing::Run v = Shell("dciodvfy " + path);
  EXPECT_EQ(DciodvfyErrors(v.output), "") << v.output;
}

TEST_F(DicomExportTest, PreliminaryIsPartialAndUnverified) {
  spine::Document doc = testing::LumbarMri("en");
  doc.status = "preliminary";
  base::Result<std::string> sr = BuildSr(doc, testing::LumbarFindings(), {});
  ASSERT_TRUE(sr.ok()) << sr.status().ToString();
  testing::Run dump = Shell("dcmdump -Un " + Write(*sr, "p.dcm"));
  EXPECT_EQ(Attribute(dump.output, "0040,a491"), "PARTIAL");
  EXPECT_EQ(Attribute(dump.output, "0040,a493"), "UNVERIFIED");
  EXPECT_EQ(dump.output.find("(0040,a073)"), std::string::npos);
}

TEST_F(DicomExportTest, SrErrorsNameTheProblem) {
  spine::Document doc = testing::LumbarMri("ja");
  std::vector<spine::Measurement> m = testing::LumbarMeasurements();
  m[0].sop_instance_uid = "2.25.999";
  base::Result<std::string> sr = BuildSr(doc, testing::LumbarFindings(), m);
  ASSERT_FALSE(sr.ok());
  EXPECT_EQ(sr.status().field(), "measurements[m1].instance");
  // Known through the options, it is fine.
  DicomExportOptions options;
  options.instances.push_back({"2.25.998", "1.2.840.10008.5.1.4.1.1.4", "2.25.999"});
  EXPECT_TRUE(BuildSr(doc, testing::LumbarFindings(), m, options).ok());

  EXPECT_EQ(BuildSr(testing::LumbarMriAddendum(), {}, {}).status().field(), "predecessors");
  doc.study.study_uid.clear();
  EXPECT_EQ(BuildSr(doc, {}, {}).status().field(), "study.study_uid");
  doc = testing::LumbarMri("ja");
  doc.status = "signed";
  EXPECT_EQ(BuildSr(doc, {}, {}).status().field(), "status");
  EXPECT_EQ(EncapsulatePdf(doc, "%PDF-1.5").status().field(), "status");
}

}  // namespace
}  // namespace dokuei::render
