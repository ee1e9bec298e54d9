#include "dokuei/render/pdf.h"

#include <cairo.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <thread>
#include <vector>

#include "test_fixtures.h"

namespace dokuei::render {
namespace {

using testing::LumbarMri;
using testing::ReadFile;
using testing::Shell;

// Collapses the whitespace pdftotext puts between wrapped lines and table cells.
std::string Squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\f' && c != '\r') out += c;
  }
  return out;
}

class PdfTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  void TearDown() override { Shell("rm -rf " + dir_); }

  std::string Write(const std::string& pdf, const std::string& name = "report.pdf") {
    const std::string path = dir_ + "/" + name;
    testing::WriteFile(path, pdf);
    // DOKUEI_RENDER_OUT=<dir> keeps a copy of each PDF for a look by eye.
    if (const char* keep = std::getenv("DOKUEI_RENDER_OUT")) {
      testing::WriteFile(std::string(keep) + "/" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                             ".pdf",
                         pdf);
    }
    return path;
  }
  std::string Text(const std::string& path) {
    testing::Run r = Shell("pdftotext -enc UTF-8 " + path + " -");
    EXPECT_EQ(r.status, 0) << r.output;
    return r.output;
  }
  int Pages(const std::string& path) {
    testing::Run r = Shell("pdfinfo " + path);
    std::smatch m;
    if (!std::regex_search(r.output, m, std::regex("Pages:\\s+(\\d+)"))) return -1;
    return std::stoi(m[1]);
  }
  std::string dir_;
};

TEST_F(PdfTest, JapaneseReportHasHeadingsAndSentences) {
  base::Result<std::string> pdf = RenderPdf(LumbarMri("ja"));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(pdf->substr(0, 5), "%PDF-");
  const std::string text = Squeeze(Text(Write(*pdf)));
  for (const char* expected :
       {"腰椎MRI読影レポート",
        "さくら整形外科クリニック",
        "患者氏名",
        "山田太郎(やまだたろう)",
        "00123456",
        "1961/04/12(65歳)",
        "2026/11/2010:05",
        "A2026112000123",
        "依頼コメント",
        "腰痛、右下肢痛。L4/5椎間板ヘルニア?",
        "所見",
        "アライメント",
        "腰椎前弯は保たれています。側弯はありません。",
        "椎間レベル別所見",
        "右傍中心性の椎間板突出(Pfirrmann IV)があり、右L5神経根を圧排しています。",
        "診断",
        "1.L4/5右傍中心性椎間板突出、右L5神経根圧排",
        "2.L4/5中等度脊柱管狭窄",
        "キー画像",
        "図1L4/5右傍中心性突出(T2WI横断)",
        "図2T2WI矢状断正中",
        "読影医",
        "鈴木一郎",
        "日本医学放射線学会放射線診断専門医",
        "確認医",
        "田中洋子",
        "確定",
        "報告日時",
        "第1版",
        "1/2",
        "2/2"}) {
    EXPECT_NE(text.find(Squeeze(expected)), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(text.find("緊急連絡"), std::string::npos);
  EXPECT_EQ(text.find("追記"), std::string::npos);
}

TEST_F(PdfTest, EmbedsTheCjkFontAsASmallSubset) {
  base::Result<std::string> pdf = RenderPdf(LumbarMri("ja"));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  testing::Run r = Shell("pdffonts " + Write(*pdf));
  ASSERT_EQ(r.status, 0) << r.output;
  // name type encoding emb sub uni: IPAexGothic is there, and every font is an embedded subset
  // (the synthesised bold appears as cairo's own CairoFont-n-n).
  EXPECT_TRUE(std::regex_search(r.output, std::regex("[A-Z]{6}\\+IPAexGothic\\s+CID TrueType")))
      << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int fonts = 0;
  while (std::getline(lines, line)) {
    if (line.find('+') == std::string::npos) continue;  // header lines
    ++fonts;
    EXPECT_TRUE(std::regex_search(line, std::regex("\\syes\\s+yes\\s+yes\\s")))
        << "not an embedded subset: " << line;
    EXPECT_EQ(line.find("NotoSans"), std::string::npos) << "no fallback needed here: " << line;
  }
  EXPECT_GE(fonts, 2) << r.output;
  // Small enough to travel base64 in an HL7 message under 1 MiB with room to spare.
  EXPECT_LT(pdf->size(), 300u * 1024) << pdf->size();
}

TEST_F(PdfTest, KanjiBeyondJisX0213FallBackAndStayText) {
  spine::Document doc = LumbarMri("ja");
  doc.study.patient_name = "YOSHIDA^HANAKO=\xf0\xa0\xae\xb7田^花子=よしだ^はなこ";  // 𠮷 (U+20BB7)
  doc.signers[0].name = "髙橋 﨑子";
  base::Result<std::string> pdf = RenderPdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string path = Write(*pdf);
  const std::string text = Squeeze(Text(path));
  EXPECT_NE(text.find("\xf0\xa0\xae\xb7田花子"), std::string::npos) << text;
  EXPECT_NE(text.find("髙橋﨑子"), std::string::npos) << text;  // JIS X 0213: IPAex has them
  testing::Run r = Shell("pdffonts " + path);
  EXPECT_NE(r.output.find("NotoSansCJKjp"), std::string::npos) << r.output;  // for 𠮷 only
}

TEST_F(PdfTest, FirstPageRendersToAnImageThatIsNotBlank) {
  base::Result<std::string> pdf = RenderPdf(LumbarMri("ja"));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string path = Write(*pdf);
  testing::Run r = Shell("pdftoppm -png -r 50 -f 1 -l 1 " + path + " " + dir_ + "/page");
  ASSERT_EQ(r.status, 0) << r.output;
  cairo_surface_t* img = cairo_image_surface_create_from_png((dir_ + "/page-1.png").c_str());
  ASSERT_EQ(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
  cairo_surface_flush(img);
  const int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
  EXPECT_NEAR(static_cast<double>(h) / w, 297.0 / 210.0, 0.01);  // A4 portrait
  const unsigned char* data = cairo_image_surface_get_data(img);
  const int stride = cairo_image_surface_get_stride(img);
  long dark = 0, colored = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const auto* px = reinterpret_cast<const uint32_t*>(data + y * stride) + x;
      const int r8 = (*px >> 16) & 0xff, g8 = (*px >> 8) & 0xff, b8 = *px & 0xff;
      if (r8 + g8 + b8 < 384) ++dark;
      if (b8 > r8 + 40) ++colored;  // the blue headings and the status badge
    }
  }
  cairo_surface_destroy(img);
  EXPECT_GT(dark, static_cast<long>(w) * h / 100) << "page 1 is (nearly) blank";
  EXPECT_GT(colored, 50);
}

TEST_F(PdfTest, CriticalResultAndAddendumAreShown) {
  spine::Document doc = testing::LumbarMriAddendum();
  doc.critical_statement =
      "L1椎体に新鮮圧迫骨折の疑い。2026/11/22 09:20 依頼医 佐藤医師へ電話で連絡済み。";
  base::Result<std::string> pdf = RenderPdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string text = Squeeze(Text(Write(*pdf)));
  for (const char* expected :
       {"緊急連絡", "L1椎体に新鮮圧迫骨折の疑い。", "追記", "第2版",
        "依頼医からの問い合わせを受け再検討しました。", "左椎間孔に軽度狭窄(Lee 1)。"}) {
    EXPECT_NE(text.find(Squeeze(expected)), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(text.find("確定"), std::string::npos);  // the status is 追記, not 確定
}

TEST_F(PdfTest, EnglishLayout) {
  base::Result<std::string> pdf = RenderPdf(LumbarMri("en"));
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string text = Squeeze(Text(Write(*pdf)));
  for (const char* expected :
       {"Lumbar spine MRI Radiology report", "Patient name", "YAMADA TARO", "Date of birth",
        "1961-04-12 (65 y)", "Clinical question", "Findings by level", "Impression",
        "1. L4-5 right paracentral disc protrusion", "Fig. 1", "Reading radiologist", "Checked by",
        "Final", "1 / 2"}) {
    EXPECT_NE(text.find(Squeeze(expected)), std::string::npos) << expected << "\n" << text;
  }
  EXPECT_EQ(text.find("読影"), std::string::npos);
}

TEST_F(PdfTest, LongReportBreaksAcrossPagesAndRepeatsTheTableHeader) {
  spine::Document doc = LumbarMri("ja");
  doc.levels.clear();
  const char* levels[] = {"C2/3",   "C3/4",   "C4/5", "C5/6", "C6/7", "C7/T1", "T1/2",  "T2/3",
                          "T3/4",   "T4/5",   "T5/6", "T6/7", "T7/8", "T8/9",  "T9/10", "T10/11",
                          "T11/12", "T12/L1", "L1/2", "L2/3", "L3/4", "L4/5",  "L5/S1"};
  for (const char* l : levels) {
    doc.levels.push_back({l, std::string(l) + " レベル: 軽度の椎間板膨隆があり、硬膜管の前面に"
                                              "軽度の圧排を認めます。椎間孔の狭窄はありません。"
                                              "椎間関節に軽度の変性を認めます。"});
  }
  for (int i = 0; i < 6; ++i) {
    doc.sections.push_back({"補足" + std::to_string(i + 1),
                            {std::string(40, ' ') + "前回検査との比較では著変ありません。" +
                             "全脊椎にわたり多椎間の変性所見を認め、加齢性変化と考えます。"
                             "明らかな腫瘍性病変や感染を疑う所見はありません。"}});
  }
  // A clinical question longer than a page cannot move whole to the next page.
  doc.clinical_question.clear();
  for (int i = 1; i <= 150; ++i) {
    doc.clinical_question +=
        "経過" + std::to_string(i) + ": 腰痛と右下肢のしびれが持続し、歩行で増悪します。";
  }
  base::Result<std::string> pdf = RenderPdf(doc);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  const std::string path = Write(*pdf);
  const int pages = Pages(path);
  ASSERT_GE(pages, 2);
  const std::string raw = Text(path);
  const std::string text = Squeeze(raw);
  EXPECT_NE(text.find("1/" + std::to_string(pages)), std::string::npos);
  EXPECT_NE(text.find(std::to_string(pages) + "/" + std::to_string(pages)), std::string::npos);
  EXPECT_NE(text.find("経過150:腰痛と右下肢のしびれが持続し、歩行で増悪します。"),
            std::string::npos);
  for (const char* l : levels) {
    EXPECT_NE(text.find(Squeeze(std::string(l) + " レベル: 軽度の椎間板膨隆")), std::string::npos)
        << l;
  }
  // The level table runs over a page break and its header row comes again.
  size_t headers = 0;
  for (size_t at = 0; (at = text.find("レベル所見", at)) != std::string::npos; ++at) ++headers;
  EXPECT_GE(headers, 2u);
  // Every page after the first repeats the patient in the running header.
  size_t count = 0;
  for (size_t at = 0; (at = raw.find("ID 00123456", at)) != std::string::npos; ++at) ++count;
  EXPECT_EQ(count, static_cast<size_t>(pages - 1));
  // Nothing is drawn into the footer area: each page's text ends with its page number.
  std::istringstream by_page(raw);
  std::string page_text;
  int page = 0;
  while (std::getline(by_page, page_text, '\f')) {
    if (Squeeze(page_text).empty()) continue;
    ++page;
    const std::string number = std::to_string(page) + "/" + std::to_string(pages);
    const std::string squeezed = Squeeze(page_text);
    EXPECT_EQ(squeezed.rfind(number), squeezed.size() - number.size()) << page_text;
  }
  EXPECT_EQ(page, pages);
  // Nothing runs off the bottom of a page: the text inside the page area (less 12 pt at the
  // bottom edge) still holds the last sentence of the long question and every level.
  testing::Run inside = Shell("pdftotext -enc UTF-8 -r 72 -x 0 -y 0 -W 596 -H 830 " + path + " -");
  ASSERT_EQ(inside.status, 0);
  const std::string visible = Squeeze(inside.output);
  EXPECT_NE(visible.find("経過150:腰痛と右下肢のしびれが持続し、歩行で増悪します。"),
            std::string::npos);
  for (const char* l : levels) {
    EXPECT_NE(visible.find(Squeeze(std::string(l) + " レベル: 軽度の椎間板膨隆")),
              std::string::npos)
        << l << " is not on the page";
  }
}

TEST_F(PdfTest, RejectsABadKeyImageLanguageOrStatus) {
  spine::Document doc = LumbarMri("ja");
  doc.figures[1].png = "not a png";
  base::Result<std::string> pdf = RenderPdf(doc);
  ASSERT_FALSE(pdf.ok());
  EXPECT_EQ(pdf.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(pdf.status().field(), "figures[2].png");
  doc = LumbarMri("ja");
  doc.lang = "fr";
  EXPECT_EQ(RenderPdf(doc).status().field(), "lang");
  doc = LumbarMri("ja");
  doc.status = "amended";
  EXPECT_EQ(RenderPdf(doc).status().field(), "status");
  doc = testing::LumbarMriAddendum();
  doc.addendum_text.clear();
  EXPECT_EQ(RenderPdf(doc).status().field(), "addendum_text");
}

TEST_F(PdfTest, ConcurrentRendersGiveTheSameBytes) {
  const base::Result<std::string> expected = RenderPdf(LumbarMri("ja"));
  ASSERT_TRUE(expected.ok());
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&outputs, i] {
      base::Result<std::string> pdf = RenderPdf(LumbarMri(i % 2 == 0 ? "ja" : "en"));
      if (pdf.ok()) outputs[i] = *pdf;
    });
  }
  for (std::thread& t : threads) t.join();
  const base::Result<std::string> english = RenderPdf(LumbarMri("en"));
  ASSERT_TRUE(english.ok());
  for (size_t i = 0; i < outputs.size(); ++i) {
    EXPECT_TRUE(outputs[i] == (i % 2 == 0 ? *expected : *english)) << i;
  }
}

TEST_F(PdfTest, SameDocumentSameBytes) {
  base::Result<std::string> a = RenderPdf(LumbarMri("ja"));
  base::Result<std::string> b = RenderPdf(LumbarMri("ja"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
}

}  // namespace
}  // namespace dokuei::render
