#include "dokuei/render/hl7.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dokuei/intake/hl7.h"
#include "dokuei/render/pdf.h"
#include "test_fixtures.h"

namespace dokuei::render {
namespace {

class Hl7Test : public ::testing::Test {
 protected:
  void SetUp() override {
    base::Result<std::string> pdf = RenderPdf(testing::LumbarMri("ja"));
    ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
    pdf_ = *pdf;
    options_.sending_facility = "Dokuei読影センター";
    options_.receiving_application = "HIS";
    options_.receiving_facility = "SAKURA";
    options_.message_control_id = "MSG0001";
    options_.placer_order_number = "ORD-7781";
    options_.filler_order_number = "R-2026-000123";
    options_.patient_id_authority = "SAKURA";
  }
  intake::Hl7Message Parse(const spine::Document& doc) {
    base::Result<std::string> bytes = BuildOruR01(doc, pdf_, options_);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    base::Result<intake::Hl7Message> msg = intake::ParseHl7(bytes.ok() ? *bytes : "");
    EXPECT_TRUE(msg.ok()) << msg.status().ToString();
    return msg.ok() ? *msg : intake::Hl7Message();
  }
  std::string pdf_;
  Hl7Options options_;
};

TEST_F(Hl7Test, OruR01ParsesBackWithTheReportAndThePdf) {
  spine::Document doc = testing::LumbarMri("ja");
  // Delimiters inside the text must come back unchanged.
  doc.sections[0].paragraphs.push_back("T2WI|STIR ^ 3D & DWI ~ b=800 \\ ADC");
  intake::Hl7Message m = Parse(doc);
  const intake::Hl7Segment* msh = m.Find("MSH");
  ASSERT_NE(msh, nullptr);
  EXPECT_EQ(m.Value(*msh, 9, 1), "ORU");
  EXPECT_EQ(m.Value(*msh, 9, 2), "R01");
  EXPECT_EQ(m.Value(*msh, 10), "MSG0001");
  EXPECT_EQ(m.Value(*msh, 12), "2.5");
  EXPECT_EQ(m.Value(*msh, 18), "UNICODE UTF-8");
  EXPECT_EQ(m.Value(*msh, 4), "Dokuei読影センター");
  EXPECT_EQ(m.Value(*msh, 7), "20261120160500+0900");

  const intake::Hl7Segment* pid = m.Find("PID");
  ASSERT_NE(pid, nullptr);
  EXPECT_EQ(m.Value(*pid, 3, 1), "00123456");
  EXPECT_EQ(m.Value(*pid, 3, 4), "SAKURA");
  ASSERT_EQ(m.Repetitions(*pid, 5), 3);
  EXPECT_EQ(m.Value(*pid, 5, 1, 0), "YAMADA");
  EXPECT_EQ(m.Value(*pid, 5, 8, 0), "A");
  EXPECT_EQ(m.Value(*pid, 5, 1, 1), "山田");
  EXPECT_EQ(m.Value(*pid, 5, 2, 1), "太郎");
  EXPECT_EQ(m.Value(*pid, 5, 8, 1), "I");
  EXPECT_EQ(m.Value(*pid, 5, 1, 2), "やまだ");
  EXPECT_EQ(m.Value(*pid, 5, 8, 2), "P");
  EXPECT_EQ(m.Value(*pid, 7), "19610412");
  EXPECT_EQ(m.Value(*pid, 8), "M");

  const intake::Hl7Segment* obr = m.Find("OBR");
  ASSERT_NE(obr, nullptr);
  EXPECT_EQ(m.Value(*obr, 2), "ORD-7781");
  EXPECT_EQ(m.Value(*obr, 3), "R-2026-000123");
  EXPECT_EQ(m.Value(*obr, 4, 1), "18748-4");
  EXPECT_EQ(m.Value(*obr, 7), "20261120100512");
  EXPECT_EQ(m.Value(*obr, 18), "A2026112000123");
  EXPECT_EQ(m.Value(*obr, 22), "20261120160500+0900");
  EXPECT_EQ(m.Value(*obr, 25), "F");
  EXPECT_EQ(m.Value(*obr, 32, 1, 0, 2), "鈴木");
  EXPECT_EQ(m.Value(*obr, 33, 1, 0, 2), "田中");
  const intake::Hl7Segment* orc = m.Find("ORC");
  ASSERT_NE(orc, nullptr);
  EXPECT_EQ(m.Value(*orc, 1), "RE");

  std::vector<std::string> lines;
  std::string decoded_pdf;
  for (int n = 1; const intake::Hl7Segment* obx = m.Find("OBX", n); ++n) {
    EXPECT_EQ(m.Value(*obx, 1), std::to_string(n));
    EXPECT_EQ(m.Value(*obx, 11), "F");
    if (m.Value(*obx, 2) == "TX") {
      lines.push_back(m.Value(*obx, 3, 1) + " " + m.Value(*obx, 5));
    } else {
      ASSERT_EQ(m.Value(*obx, 2), "ED");
      EXPECT_EQ(m.Value(*obx, 5, 2), "application");
      EXPECT_EQ(m.Value(*obx, 5, 3), "pdf");
      EXPECT_EQ(m.Value(*obx, 5, 4), "Base64");
      decoded_pdf = testing::Base64Decode(m.Value(*obx, 5, 5));
    }
  }
  EXPECT_TRUE(decoded_pdf == pdf_) << "decoded PDF differs (" << decoded_pdf.size() << " bytes)";
  auto has = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  EXPECT_TRUE(has("18782-3 【依頼コメント】"));
  EXPECT_TRUE(has("18782-3 腰痛、右下肢痛。L4/5椎間板ヘルニア?"));
  EXPECT_TRUE(has("18782-3 腰椎前弯は保たれています。側弯はありません。"));
  EXPECT_TRUE(has("18782-3 T2WI|STIR ^ 3D & DWI ~ b=800 \\ ADC"));
  EXPECT_TRUE(
      has("18782-3 L4/5: 右傍中心性の椎間板突出(Pfirrmann IV)があり、右L5神経根を圧排しています。"
          "中等度の脊柱管狭窄(Lee 2)を認めます(図1、図2)。"));
  EXPECT_TRUE(has("19005-8 1. L4/5 右傍中心性椎間板突出、右L5神経根圧排"));
  EXPECT_TRUE(has("19005-8 2. L4/5 中等度脊柱管狭窄"));
}

TEST_F(Hl7Test, AddendumIsACorrectionWithTheAddendumText) {
  intake::Hl7Message m = Parse(testing::LumbarMriAddendum());
  const intake::Hl7Segment* obr = m.Find("OBR");
  ASSERT_NE(obr, nullptr);
  EXPECT_EQ(m.Value(*obr, 25), "C");
  bool addendum = false;
  for (int n = 1; const intake::Hl7Segment* obx = m.Find("OBX", n); ++n) {
    EXPECT_EQ(m.Value(*obx, 11), "C");
    if (m.Value(*obx, 3, 1) == "55107-7" &&
        m.Value(*obx, 5).rfind("依頼医からの問い合わせを受け再検討しました。", 0) == 0) {
      addendum = true;
    }
  }
  EXPECT_TRUE(addendum);
}

TEST_F(Hl7Test, ErrorsNameTheField) {
  spine::Document doc = testing::LumbarMri("ja");
  EXPECT_EQ(BuildOruR01(doc, "GIF89a", options_).status().field(), "pdf");
  Hl7Options no_filler = options_;
  no_filler.filler_order_number.clear();
  EXPECT_EQ(BuildOruR01(doc, pdf_, no_filler).status().field(), "filler_order_number");
  doc.study.patient_id.clear();
  EXPECT_EQ(BuildOruR01(doc, pdf_, options_).status().field(), "study.patient_id");
}

}  // namespace
}  // namespace dokuei::render
