// The fixtures of test_fixtures.h (named *_test.cc so that it is built into the test binary, not
// the library).
#include "test_fixtures.h"

#include <cairo.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dokuei::render::testing {

namespace {
cairo_status_t Append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}
}  // namespace

std::string MakePng(int seed) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 256, 192);
  cairo_t* cr = cairo_create(s);
  cairo_pattern_t* g = cairo_pattern_create_linear(0, 0, 256, 192);
  cairo_pattern_add_color_stop_rgb(g, 0, 0.05, 0.05, 0.05);
  cairo_pattern_add_color_stop_rgb(g, 1, 0.45, 0.45, 0.45);
  cairo_set_source(cr, g);
  cairo_paint(cr);
  cairo_pattern_destroy(g);
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
  cairo_arc(cr, 80 + seed * 30, 96, 30, 0, 2 * M_PI);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 1.0, 0.85, 0.0);  // an arrow burnt in
  cairo_set_line_width(cr, 3);
  cairo_move_to(cr, 200, 40);
  cairo_line_to(cr, 130 + seed * 20, 90);
  cairo_stroke(cr);
  cairo_destroy(cr);
  std::string out;
  cairo_surface_write_to_png_stream(s, Append, &out);
  cairo_surface_destroy(s);
  return out;
}

spine::Document LumbarMri(const std::string& lang) {
  const bool en = lang == "en";
  spine::Document d;
  d.lang = lang;
  d.title = en ? "Radiology report" : "読影レポート";
  d.template_title = en ? "Lumbar spine MRI" : "腰椎MRI";
  d.study = {.study_uid = "1.2.392.200036.9116.2.6.1.48.1214245415.1731034812.123456",
             .accession = "A2026112000123",
             .patient_id = "00123456",
             .patient_name = "YAMADA^TARO=山田^太郎=やまだ^たろう",
             .patient_birth_date = "19610412",
             .patient_sex = "M",
             .study_date = "20261120",
             .study_time = "100512",
             .modality = "MR",
             .study_description = en ? "MR lumbar spine" : "腰椎MRI 単純",
             .referring_physician = "SATO^HANAKO=佐藤^花子",
             .hospital = en ? "Sakura Orthopaedic Clinic" : "さくら整形外科クリニック"};
  d.clinical_question = en ? "Low back pain and right leg pain. L4-5 disc herniation?"
                           : "腰痛、右下肢痛。L4/5椎間板ヘルニア?";
  if (en) {
    d.sections = {{"Technique", {"Sagittal T1WI/T2WI, axial T2WI."}},
                  {"Comparison", {"No prior study."}},
                  {"Alignment", {"Normal lordosis. No scoliosis."}},
                  {"Vertebrae", {"No fracture. Normal marrow signal."}},
                  {"Cord and cauda equina", {"The conus ends at L1. The cauda equina is normal."}}};
    d.levels = {{"L1/2", "Normal."},
                {"L2/3", "Normal."},
                {"L3/4", "Mild disc bulge. No canal or foraminal stenosis."},
                {"L4/5",
                 "Right paracentral protrusion (Pfirrmann IV) compressing the right L5 "
                 "root; moderate central canal stenosis (Lee 2) (Fig. 1, Fig. 2)."},
                {"L5/S1", "Disc degeneration (Pfirrmann III). No stenosis."}};
    d.impression = {"L4-5 right paracentral disc protrusion compressing the right L5 root.",
                    "Moderate central canal stenosis at L4-5."};
  } else {
    d.sections = {{"撮像法", {"T1WI/T2WI 矢状断、T2WI 横断。"}},
                  {"比較", {"比較可能な前回検査はありません。"}},
                  {"アライメント", {"腰椎前弯は保たれています。側弯はありません。"}},
                  {"椎体", {"椎体骨折はありません。骨髄信号は正常です。"}},
                  {"脊髄・馬尾", {"脊髄円錐はL1レベルに終わり、馬尾に異常はありません。"}}};
    d.levels = {{"L1/2", "異常なし。"},
                {"L2/3", "異常なし。"},
                {"L3/4", "軽度の椎間板膨隆。脊柱管・椎間孔の狭窄はありません。"},
                {"L4/5",
                 "右傍中心性の椎間板突出(Pfirrmann IV)があり、右L5神経根を圧排しています。"
                 "中等度の脊柱管狭窄(Lee 2)を認めます(図1、図2)。"},
                {"L5/S1", "椎間板変性(Pfirrmann III)。狭窄はありません。"}};
    d.impression = {"L4/5 右傍中心性椎間板突出、右L5神経根圧排", "L4/5 中等度脊柱管狭窄"};
  }
  d.figures = {
      {1, "1.2.840.10008.5.1.4.1.1.4", "1.2.392.200036.9116.4.1.100.2",
       "1.2.392.200036.9116.3.1.100", 1,
       en ? "L4-5 right paracentral protrusion (axial T2WI)" : "L4/5 右傍中心性突出 (T2WI 横断)",
       MakePng(0)},
      {2, "1.2.840.10008.5.1.4.1.1.4", "1.2.392.200036.9116.4.1.101.7",
       "1.2.392.200036.9116.3.1.101", 1, en ? "Sagittal T2WI, midline" : "T2WI 矢状断 正中",
       MakePng(1)}};
  d.signers = {
      {"reader",
       en ? "Suzuki Ichiro" : "鈴木 一郎",
       {en ? "Board-certified diagnostic radiologist (JRS)"
           : "日本医学放射線学会 放射線診断専門医"},
       "2026-11-20T15:42:10+09:00"},
      {"checker",
       en ? "Tanaka Yoko" : "田中 洋子",
       {en ? "Board-certified diagnostic radiologist (JRS)" : "日本医学放射線学会 放射線診断専門医",
        en ? "Spine imaging specialist" : "脊椎画像診断 指導医"},
       "2026-11-20T16:05:00+09:00"}};
  d.status = "final";
  d.version = 1;
  d.released_at = "2026-11-20T16:05:00+09:00";
  return d;
}

spine::Document LumbarMriAddendum() {
  spine::Document d = LumbarMri("ja");
  d.status = "addendum";
  d.version = 2;
  d.addendum_text =
      "依頼医からの問い合わせを受け再検討しました。L5/S1 左椎間孔に軽度の狭窄があります"
      "(Lee 1)。臨床症状との関連は乏しいと考えます。";
  d.levels[4].text = "椎間板変性(Pfirrmann III)。左椎間孔に軽度狭窄(Lee 1)。";
  d.signers[0].signed_at = "2026-11-22T09:15:00+09:00";
  d.signers.resize(1);
  d.released_at = "2026-11-22T09:15:00+09:00";
  return d;
}

std::vector<spine::CodedFinding> LumbarFindings() {
  std::vector<spine::CodedFinding> f;
  auto code = [&](std::string site, std::string side, std::string field, spine::Label fl,
                  std::string vs, std::string value, spine::Label vl, int sev,
                  std::vector<int> figs = {}) {
    spine::CodedFinding c;
    c.site = std::move(site);
    c.side = std::move(side);
    c.field = std::move(field);
    c.field_label = std::move(fl);
    c.value_set = std::move(vs);
    c.value_code = std::move(value);
    c.value_label = std::move(vl);
    c.severity = sev;
    c.figures = std::move(figs);
    f.push_back(std::move(c));
  };
  code("", "", "alignment.lordosis", {"腰椎前弯", "lordosis"}, "lordosis", "normal",
       {"正常", "normal"}, 0);
  code("L4-L5", "", "disc.pfirrmann",
       {"椎間板変性 (Pfirrmann分類)", "disc degeneration (Pfirrmann)"}, "pfirrmann", "IV",
       {"Pfirrmann IV", "Pfirrmann IV"}, 2);
  code("L4-L5", "", "canal.lee", {"中心管狭窄 (Lee分類)", "central canal stenosis (Lee grade)"},
       "lee_canal", "2", {"Lee 2", "Lee 2"}, 2, {1, 2});
  code("L4-L5", "right", "foramen.lee", {"椎間孔狭窄 (Lee分類)", "foraminal stenosis (Lee grade)"},
       "lee_foramen", "2", {"Lee 2", "Lee 2"}, 2, {1});
  code("L4-L5", "left", "foramen.lee", {"椎間孔狭窄 (Lee分類)", "foraminal stenosis (Lee grade)"},
       "lee_foramen", "1", {"Lee 1", "Lee 1"}, 1);
  code("L5-S1", "", "disc.pfirrmann",
       {"椎間板変性 (Pfirrmann分類)", "disc degeneration (Pfirrmann)"}, "pfirrmann", "III",
       {"Pfirrmann III", "Pfirrmann III"}, 1);
  spine::CodedFinding area;
  area.site = "L4-L5";
  area.field = "canal.area";
  area.field_label = {"硬膜管面積", "dural sac area"};
  area.number = 82.5;
  area.unit = "mm2";
  f.push_back(area);
  spine::CodedFinding text;
  text.field = "incidental.text";
  text.field_label = {"偶発所見", "incidental finding"};
  text.text = "左腎に嚢胞 (経過観察で可)";
  f.push_back(text);
  return f;
}

std::vector<spine::Measurement> LumbarMeasurements() {
  spine::Measurement slip;
  slip.id = "m1";
  slip.kind = "slip";
  slip.value = 18.2;
  slip.unit = "%";
  slip.site = "L4-L5";
  slip.grade = "I";
  slip.spacing = "PixelSpacing";
  slip.sop_instance_uid = "1.2.392.200036.9116.4.1.101.7";
  slip.points = {{100.5, 80.0}, {140.0, 82.5}, {102.0, 120.0}, {141.5, 121.0}};
  spine::Measurement ap;
  ap.id = "m2";
  ap.kind = "canal_ap";
  ap.value = 8.4;
  ap.unit = "mm";
  ap.site = "L4-L5";
  ap.grade = "moderate";
  ap.spacing = "PixelSpacing";
  ap.sop_instance_uid = "1.2.392.200036.9116.4.1.100.2";
  ap.points = {{128.0, 90.0}, {128.0, 112.0}};
  return {slip, ap};
}

Run Shell(const std::string& command) {
  Run r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string TempDir() {
  std::string tmpl = "/tmp/dokuei-render-XXXXXX";
  char* d = mkdtemp(tmpl.data());
  return d == nullptr ? "/tmp" : std::string(d);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace dokuei::render::testing

namespace dokuei::render::testing {

std::string Base64Decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return "";
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const int d = value(c);
      if (d < 0 || pad > 0) return "";
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

}  // namespace dokuei::render::testing
