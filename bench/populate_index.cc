// populate_index: fills a Dokuei index (SQLite file or PostgreSQL database) with a realistic,
// deterministic synthetic spine-teleradiology archive for the QIDO-RS latency benchmark
// (bench/run.sh), through the public Index API (Index::PutInstances in large batches).
//
//   populate_index --sqlite PATH | --postgres CONNINFO  [--instances 1000000] [--tenant bench]
//                  [--seed 1] [--batch 5000] [--samples OUT.json]  |  --version
//
// The archive (defaults): one hospital (tenant) with five years of spine imaging, 2021-2025:
//   - radiographs (CR/DX), 60 % of studies: one series of 1-4 images (AP, LAT, flexion/extension);
//   - lumbar/cervical MR, 28 %: 4-7 series (localizer, SAG T1/T2/STIR, AX T2/T1) of 12-40 images;
//   - spine CT, 12 %: scout (1-2) + axial bone 150-600 slices, half with a soft-tissue
//     reconstruction of the same length, a third with sagittal/coronal reformats;
//   patients ~0.65 per study (follow-ups are skewed to some patients); names Japanese: 60 % with
//   the three component groups (romaji=kanji=hiragana), 25 % romaji only, 15 % half-width
//   katakana=kanji (as some older modalities send); study dates spread over 5 years with growth.
// Blob keys are well-formed (YYYY/MM/DD/<32 hex>) but the blobs do not exist; metadata JSON is a
// plausible PS3.18 F object of ~2.5 KB per instance (the size the server keeps per real image).
//
// At the end it writes --samples: query values the benchmark uses (patient IDs, accession
// numbers, study/series UIDs of typical and large series, surname prefixes), and the shape of
// what was written. It refuses to run on an index that already has instances for the tenant.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dokuei/base/clock.h"
#include "dokuei/index/index.h"

namespace {

using dokuei::index::Index;
using dokuei::index::InstanceRecord;
using dokuei::index::TenantId;

// ---- deterministic randomness ----
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int Uniform(int lo, int hi) { return lo + static_cast<int>(Next() % uint64_t(hi - lo + 1)); }
  double Unit() { return (Next() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Unit() < p; }
};

std::string Hex(uint64_t a, uint64_t b, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  uint64_t v[4] = {a, b, a * 0x9E3779B97F4A7C15ull ^ b, b * 0xC2B2AE3D27D4EB4Full ^ a};
  for (size_t i = 0; i < n; ++i) s.push_back(d[(v[(i / 16) % 4] >> ((i % 16) * 4)) & 15]);
  return s;
}

// ---- names ----
struct Surname {
  const char* romaji;
  const char* kanji;
  const char* kana;       // hiragana
  const char* hankaku;    // half-width katakana
};
constexpr Surname kSurnames[] = {
    {"SATO", "佐藤", "さとう", "ｻﾄｳ"},           {"SUZUKI", "鈴木", "すずき", "ｽｽﾞｷ"},
    {"TAKAHASHI", "高橋", "たかはし", "ﾀｶﾊｼ"},   {"TANAKA", "田中", "たなか", "ﾀﾅｶ"},
    {"ITO", "伊藤", "いとう", "ｲﾄｳ"},             {"WATANABE", "渡辺", "わたなべ", "ﾜﾀﾅﾍﾞ"},
    {"YAMAMOTO", "山本", "やまもと", "ﾔﾏﾓﾄ"},    {"NAKAMURA", "中村", "なかむら", "ﾅｶﾑﾗ"},
    {"KOBAYASHI", "小林", "こばやし", "ｺﾊﾞﾔｼ"},  {"KATO", "加藤", "かとう", "ｶﾄｳ"},
    {"YOSHIDA", "吉田", "よしだ", "ﾖｼﾀﾞ"},       {"YAMADA", "山田", "やまだ", "ﾔﾏﾀﾞ"},
    {"SASAKI", "佐々木", "ささき", "ｻｻｷ"},       {"YAMAGUCHI", "山口", "やまぐち", "ﾔﾏｸﾞﾁ"},
    {"MATSUMOTO", "松本", "まつもと", "ﾏﾂﾓﾄ"},   {"INOUE", "井上", "いのうえ", "ｲﾉｳｴ"},
    {"KIMURA", "木村", "きむら", "ｷﾑﾗ"},         {"HAYASHI", "林", "はやし", "ﾊﾔｼ"},
    {"SAITO", "斎藤", "さいとう", "ｻｲﾄｳ"},       {"SHIMIZU", "清水", "しみず", "ｼﾐｽﾞ"},
    {"YAMAZAKI", "山崎", "やまざき", "ﾔﾏｻﾞｷ"},   {"MORI", "森", "もり", "ﾓﾘ"},
    {"ABE", "阿部", "あべ", "ｱﾍﾞ"},               {"IKEDA", "池田", "いけだ", "ｲｹﾀﾞ"},
    {"HASHIMOTO", "橋本", "はしもと", "ﾊｼﾓﾄ"},   {"YAMASHITA", "山下", "やました", "ﾔﾏｼﾀ"},
    {"ISHIKAWA", "石川", "いしかわ", "ｲｼｶﾜ"},    {"NAKAJIMA", "中島", "なかじま", "ﾅｶｼﾞﾏ"},
    {"MAEDA", "前田", "まえだ", "ﾏｴﾀﾞ"},         {"FUJITA", "藤田", "ふじた", "ﾌｼﾞﾀ"},
    {"OGAWA", "小川", "おがわ", "ｵｶﾞﾜ"},         {"GOTO", "後藤", "ごとう", "ｺﾞﾄｳ"},
    {"OKADA", "岡田", "おかだ", "ｵｶﾀﾞ"},         {"HASEGAWA", "長谷川", "はせがわ", "ﾊｾｶﾞﾜ"},
    {"MURAKAMI", "村上", "むらかみ", "ﾑﾗｶﾐ"},    {"KONDO", "近藤", "こんどう", "ｺﾝﾄﾞｳ"},
    {"ISHII", "石井", "いしい", "ｲｼｲ"},           {"SAKAMOTO", "坂本", "さかもと", "ｻｶﾓﾄ"},
    {"ENDO", "遠藤", "えんどう", "ｴﾝﾄﾞｳ"},       {"AOKI", "青木", "あおき", "ｱｵｷ"},
    {"FUJII", "藤井", "ふじい", "ﾌｼﾞｲ"},         {"NISHIMURA", "西村", "にしむら", "ﾆｼﾑﾗ"},
    {"FUKUDA", "福田", "ふくだ", "ﾌｸﾀﾞ"},         {"OTA", "太田", "おおた", "ｵｵﾀ"},
    {"MIURA", "三浦", "みうら", "ﾐｳﾗ"},           {"FUJIWARA", "藤原", "ふじわら", "ﾌｼﾞﾜﾗ"},
    {"OKAMOTO", "岡本", "おかもと", "ｵｶﾓﾄ"},     {"MATSUDA", "松田", "まつだ", "ﾏﾂﾀﾞ"},
    {"NAKAGAWA", "中川", "なかがわ", "ﾅｶｶﾞﾜ"},   {"YAMAUCHI", "山内", "やまうち", "ﾔﾏｳﾁ"},
};
struct Given {
  const char* romaji;
  const char* kanji;
  const char* kana;
  const char* hankaku;
};
constexpr Given kGiven[] = {
    {"TARO", "太郎", "たろう", "ﾀﾛｳ"},       {"HANAKO", "花子", "はなこ", "ﾊﾅｺ"},
    {"ICHIRO", "一郎", "いちろう", "ｲﾁﾛｳ"},  {"YUKI", "由紀", "ゆき", "ﾕｷ"},
    {"KENJI", "健二", "けんじ", "ｹﾝｼﾞ"},      {"AKIKO", "明子", "あきこ", "ｱｷｺ"},
    {"HIROSHI", "博", "ひろし", "ﾋﾛｼ"},       {"NAOKO", "直子", "なおこ", "ﾅｵｺ"},
    {"MAKOTO", "誠", "まこと", "ﾏｺﾄ"},         {"EMI", "恵美", "えみ", "ｴﾐ"},
    {"TAKESHI", "武", "たけし", "ﾀｹｼ"},       {"KEIKO", "恵子", "けいこ", "ｹｲｺ"},
    {"SHIGERU", "茂", "しげる", "ｼｹﾞﾙ"},      {"SACHIKO", "幸子", "さちこ", "ｻﾁｺ"},
    {"OSAMU", "修", "おさむ", "ｵｻﾑ"},         {"KAZUKO", "和子", "かずこ", "ｶｽﾞｺ"},
    {"MINORU", "稔", "みのる", "ﾐﾉﾙ"},        {"YOKO", "洋子", "ようこ", "ﾖｳｺ"},
    {"ISAMU", "勇", "いさむ", "ｲｻﾑ"},         {"MICHIKO", "美智子", "みちこ", "ﾐﾁｺ"},
    {"DAISUKE", "大輔", "だいすけ", "ﾀﾞｲｽｹ"},  {"TOMOKO", "智子", "ともこ", "ﾄﾓｺ"},
    {"SHOTA", "翔太", "しょうた", "ｼｮｳﾀ"},    {"MISAKI", "美咲", "みさき", "ﾐｻｷ"},
    {"KOICHI", "浩一", "こういち", "ｺｳｲﾁ"},   {"REIKO", "玲子", "れいこ", "ﾚｲｺ"},
    {"NOBORU", "昇", "のぼる", "ﾉﾎﾞﾙ"},       {"FUMIKO", "文子", "ふみこ", "ﾌﾐｺ"},
    {"HIDEO", "英雄", "ひでお", "ﾋﾃﾞｵ"},      {"KYOKO", "京子", "きょうこ", "ｷｮｳｺ"},
};
constexpr const char* kPhysicians[] = {
    "SUZUKI^ICHIRO=鈴木^一郎=すずき^いちろう", "TANAKA^MAKOTO=田中^誠=たなか^まこと",
    "ITO^KEIKO=伊藤^恵子=いとう^けいこ",       "MORI^OSAMU=森^修=もり^おさむ",
    "SATO^REIKO=佐藤^玲子=さとう^れいこ",       "",
};

struct Patient {
  std::string id, name, birth_date, sex;
  int surname = 0;
};

Patient MakePatient(int index, Rng& rng) {
  Patient p;
  char buf[32];
  std::snprintf(buf, sizeof buf, "P%07d", 1000000 + index * 7 % 9000000);
  p.id = buf;
  // Common surnames are common: the first ones of the list are drawn more often.
  const int ns = static_cast<int>(std::size(kSurnames));
  p.surname = static_cast<int>(ns * rng.Unit() * rng.Unit());
  const Surname& s = kSurnames[p.surname];
  const Given& g = kGiven[rng.Uniform(0, static_cast<int>(std::size(kGiven)) - 1)];
  const double form = rng.Unit();
  if (form < 0.60) {
    p.name = std::string(s.romaji) + "^" + g.romaji + "=" + s.kanji + "^" + g.kanji + "=" +
             s.kana + "^" + g.kana;
  } else if (form < 0.85) {
    p.name = std::string(s.romaji) + "^" + g.romaji;
  } else {
    p.name = std::string(s.hankaku) + "^" + g.hankaku + "=" + s.kanji + "^" + g.kanji;
  }
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", rng.Uniform(1930, 2010), rng.Uniform(1, 12),
                rng.Uniform(1, 28));
  p.birth_date = buf;
  p.sex = rng.Chance(0.5) ? "M" : "F";
  return p;
}

// Days since 2021-01-01 to YYYYMMDD (proleptic Gregorian).
std::string DateOf(int day) {
  static const int kMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = 2021;
  while (true) {
    const int len = (y % 4 == 0) ? 366 : 365;
    if (day < len) break;
    day -= len;
    ++y;
  }
  int m = 0;
  while (true) {
    const int len = kMonth[m] + ((m == 1 && y % 4 == 0) ? 1 : 0);
    if (day < len) break;
    day -= len;
    ++m;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d", y, m + 1, day + 1);
  return buf;
}
constexpr int kDays = 365 * 5 + 1;  // 2021..2025

// ---- studies ----
struct SeriesPlan {
  std::string modality, description, body_part;
  int count = 0;
  int rows = 512, cols = 512;
  uint64_t bytes = 0;
};
struct StudyPlan {
  std::string modality, description, body_part;
  std::vector<SeriesPlan> series;
};

StudyPlan PlanStudy(Rng& rng) {
  StudyPlan s;
  const double kind = rng.Unit();
  const bool cervical = rng.Chance(0.25);
  const std::string part = cervical ? "CSPINE" : "LSPINE";
  if (kind < 0.60) {  // radiographs
    s.modality = rng.Chance(0.6) ? "DX" : "CR";
    s.description = cervical ? "頸椎 2方向" : "腰椎 2方向";
    s.body_part = part;
    SeriesPlan se{s.modality, cervical ? "C-SPINE" : "L-SPINE", part, 0, 2836, 2336, 0};
    const double v = rng.Unit();
    se.count = v < 0.15 ? 1 : v < 0.70 ? 2 : v < 0.85 ? 3 : 4;
    se.bytes = 2836ull * 2336 * 2 + 3000;
    s.series.push_back(se);
  } else if (kind < 0.88) {  // MR
    s.modality = "MR";
    s.description = cervical ? "頸椎 MRI" : "腰椎 MRI";
    s.body_part = part;
    const int rows = rng.Chance(0.5) ? 512 : 320;
    const uint64_t b = uint64_t(rows) * rows * 2 + 4000;
    s.series.push_back({"MR", "LOCALIZER", part, 3, 256, 256, 256 * 256 * 2 + 4000});
    s.series.push_back({"MR", "SAG T1 TSE", part, rng.Uniform(12, 19), rows, rows, b});
    s.series.push_back({"MR", "SAG T2 TSE", part, rng.Uniform(12, 19), rows, rows, b});
    if (rng.Chance(0.5)) s.series.push_back({"MR", "SAG STIR", part, rng.Uniform(12, 19), rows, rows, b});
    s.series.push_back({"MR", "AX T2 TSE", part, rng.Uniform(20, 40), rows, rows, b});
    if (rng.Chance(0.4)) s.series.push_back({"MR", "AX T1 TSE", part, rng.Uniform(20, 40), rows, rows, b});
  } else {  // CT
    s.modality = "CT";
    s.description = cervical ? "頸椎 CT" : "腰椎 CT";
    s.body_part = part;
    const uint64_t b = 512ull * 512 * 2 + 3500;
    s.series.push_back({"CT", "SCOUT", part, rng.Uniform(1, 2), 512, 512, b});
    const int n = rng.Uniform(150, 600);
    s.series.push_back({"CT", "AX BONE 0.625", part, n, 512, 512, b});
    if (rng.Chance(0.5)) s.series.push_back({"CT", "AX SOFT 0.625", part, n, 512, 512, b});
    if (rng.Chance(0.33)) {
      s.series.push_back({"CT", "SAG BONE MPR", part, rng.Uniform(60, 150), 512, 512, b});
      s.series.push_back({"CT", "COR BONE MPR", part, rng.Uniform(60, 150), 512, 512, b});
    }
  }
  return s;
}

const char* SopClassFor(const std::string& modality) {
  if (modality == "CT") return "1.2.840.10008.5.1.4.1.1.2";
  if (modality == "MR") return "1.2.840.10008.5.1.4.1.1.4";
  if (modality == "CR") return "1.2.840.10008.5.1.4.1.1.1";
  return "1.2.840.10008.5.1.4.1.1.1.1";  // DX for presentation
}

// PS3.18 F DICOM JSON of one instance: the attributes a real spine image carries (~2.5 KB).
std::string MetadataJson(const InstanceRecord& r, const char* charset, int i, int n) {
  std::string j;
  j.reserve(3000);
  auto str = [&](const char* tag, const char* vr, const std::string& v) {
    if (j.size() > 1) j += ',';
    j += '"';
    j += tag;
    j += "\":{\"vr\":\"";
    j += vr;
    j += '"';
    if (!v.empty()) {
      j += ",\"Value\":[\"";
      for (char c : v) {
        if (c == '"' || c == '\\') j += '\\';
        j += c;
      }
      j += "\"]";
    }
    j += '}';
  };
  auto raw = [&](const char* tag, const char* vr, const std::string& values) {
    if (j.size() > 1) j += ',';
    j += '"';
    j += tag;
    j += "\":{\"vr\":\"";
    j += vr;
    j += "\",\"Value\":[";
    j += values;
    j += "]}";
  };
  auto pn = [&](const char* tag, const std::string& v) {
    if (j.size() > 1) j += ',';
    j += '"';
    j += tag;
    j += "\":{\"vr\":\"PN\"";
    if (!v.empty()) {
      const char* keys[] = {"Alphabetic", "Ideographic", "Phonetic"};
      j += ",\"Value\":[{";
      size_t start = 0;
      for (int g = 0; g < 3 && start <= v.size(); ++g) {
        size_t eq = v.find('=', start);
        std::string part = v.substr(start, eq == std::string::npos ? std::string::npos : eq - start);
        if (!part.empty()) {
          if (j.back() != '{') j += ',';
          j += '"';
          j += keys[g];
          j += "\":\"";
          j += part;
          j += '"';
        }
        if (eq == std::string::npos) break;
        start = eq + 1;
      }
      j += "}]";
    }
    j += '}';
  };
  const bool xr = r.series.modality == "DX" || r.series.modality == "CR";
  const double z = -150.0 + 0.625 * i;
  char buf[256];
  j += '{';
  str("00080005", "CS", charset);
  raw("00080008", "CS", xr ? "\"ORIGINAL\",\"PRIMARY\"" : "\"ORIGINAL\",\"PRIMARY\",\"AXIAL\"");
  str("00080016", "UI", r.instance.sop_class_uid);
  str("00080018", "UI", r.instance.sop_instance_uid);
  str("00080020", "DA", r.study.study_date);
  str("00080021", "DA", r.series.series_date);
  str("00080023", "DA", r.study.study_date);
  str("00080030", "TM", r.study.study_time);
  str("00080031", "TM", r.series.series_time);
  str("00080033", "TM", r.study.study_time);
  str("00080050", "SH", r.study.accession_number);
  str("00080060", "CS", r.series.modality);
  str("00080070", "LO", xr ? "FUJIFILM Corporation" : r.series.modality == "MR" ? "SIEMENS" : "GE MEDICAL SYSTEMS");
  str("00080080", "LO", "さくら整形外科クリニック");
  pn("00080090", r.study.referring_physician_name);
  str("00081010", "SH", "STATION01");
  str("00081030", "LO", r.study.study_description);
  str("0008103E", "LO", r.series.series_description);
  str("00081090", "LO", xr ? "FCR PROFECT CS" : r.series.modality == "MR" ? "MAGNETOM Aera" : "Revolution EVO");
  if (j.size() > 1) j += ',';
  j += "\"00081140\":{\"vr\":\"SQ\",\"Value\":[{\"00081150\":{\"vr\":\"UI\",\"Value\":[\"" +
       std::string(r.instance.sop_class_uid) + "\"]},\"00081155\":{\"vr\":\"UI\",\"Value\":[\"" +
       r.series.series_instance_uid + ".1\"]}}]}";
  str("00080012", "DA", r.study.study_date);
  str("00080013", "TM", r.study.study_time);
  str("00080022", "DA", r.study.study_date);
  str("00080032", "TM", r.study.study_time);
  str("00080081", "ST", "東京都千代田区丸の内1-1-1");
  str("00081040", "LO", "放射線科");
  pn("00081070", "RT^YAMADA=放射線技師^山田");
  str("00180022", "CS", xr ? "" : "HELICAL_MODE");
  str("00181000", "LO", "SN" + std::to_string(40000 + (r.storage.size_bytes % 97)));
  str("00181020", "LO", xr ? "A08" : r.series.modality == "MR" ? "syngo MR E11" : "revo_evo.12");
  str("00181030", "LO", r.study.study_description + " ROUTINE");
  str("00185100", "CS", "HFS");
  str("00321060", "LO", r.study.study_description);
  str("00400244", "DA", r.study.study_date);
  str("00400245", "TM", r.study.study_time);
  str("00400254", "LO", r.series.series_description);
  pn("00100010", r.patient.patient_name);
  str("00100020", "LO", r.patient.patient_id);
  str("00100030", "DA", r.patient.patient_birth_date);
  str("00100040", "CS", r.patient.patient_sex);
  str("00101010", "AS", "063Y");
  str("00180015", "CS", r.series.body_part_examined);
  if (!xr) {
    str("00180050", "DS", r.series.modality == "MR" ? "4" : "0.625");
    str("00180088", "DS", r.series.modality == "MR" ? "4.4" : "0.625");
  }
  if (r.series.modality == "MR") {
    str("00180020", "CS", "SE");
    str("00180021", "CS", "SK\\SP\\OSP");
    raw("00180080", "DS", "3500");
    raw("00180081", "DS", "105");
    raw("00180087", "DS", "1.5");
    raw("00180091", "IS", "17");
  } else if (r.series.modality == "CT") {
    raw("00180060", "DS", "120");
    raw("00181151", "IS", "250");
    str("00181210", "SH", "BONEPLUS");
  }
  str("0020000D", "UI", r.study.study_instance_uid);
  str("0020000E", "UI", r.series.series_instance_uid);
  str("00200010", "SH", r.study.study_id);
  raw("00200011", "IS", std::to_string(*r.series.series_number));
  raw("00200013", "IS", std::to_string(*r.instance.instance_number));
  if (!xr) {
    std::snprintf(buf, sizeof buf, "-160,-160,%.3f", z);
    raw("00200032", "DS", buf);
    raw("00200037", "DS", "1,0,0,0,1,0");
    str("00200052", "UI", r.study.study_instance_uid + ".0");
    std::snprintf(buf, sizeof buf, "%.3f", z);
    raw("00201041", "DS", buf);
  } else {
    str("00200020", "CS", i % 2 ? "P\\F" : "L\\F");
  }
  std::snprintf(buf, sizeof buf, "%d", n);
  raw("00201002", "IS", buf);
  raw("00280002", "US", "1");
  str("00280004", "CS", "MONOCHROME2");
  raw("00280010", "US", std::to_string(r.instance.rows));
  raw("00280011", "US", std::to_string(r.instance.columns));
  raw("00280030", "DS", xr ? "0.15,0.15" : "0.625,0.625");
  raw("00280100", "US", "16");
  raw("00280101", "US", "12");
  raw("00280102", "US", "11");
  raw("00280103", "US", "0");
  raw("00281050", "DS", xr ? "2048" : "500,40");
  raw("00281051", "DS", xr ? "4096" : "2000,400");
  if (r.series.modality == "CT") {
    raw("00281052", "DS", "-1024");
    raw("00281053", "DS", "1");
  }
  if (j.size() > 1) j += ',';
  j += "\"7FE00010\":{\"vr\":\"OW\",\"BulkDataURI\":\"/studies/" + r.study.study_instance_uid +
       "/series/" + r.series.series_instance_uid + "/instances/" +
       r.instance.sop_instance_uid + "/bulk/7FE00010\"}";
  j += '}';
  return j;
}

// Bumped whenever the generated archive changes, so bench/run.sh repopulates its cached indexes.
constexpr int kGeneratorVersion = 2;

int Usage() {
  std::fprintf(stderr,
               "usage: populate_index (--sqlite PATH | --postgres CONNINFO) [--instances N]\n"
               "       [--tenant CODE] [--seed N] [--batch N] [--samples FILE]\n");
  return 2;
}

std::string JsonStr(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  std::string sqlite, postgres, tenant_code = "bench", samples_path;
  int64_t target = 1000000;
  uint64_t seed = 1;
  size_t batch_size = 5000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--sqlite") sqlite = next();
    else if (a == "--postgres") postgres = next();
    else if (a == "--instances") target = std::atoll(next().c_str());
    else if (a == "--tenant") tenant_code = next();
    else if (a == "--seed") seed = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--batch") batch_size = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--samples") samples_path = next();
    else if (a == "--version") {
      std::printf("%d\n", kGeneratorVersion);
      return 0;
    } else return Usage();
  }
  if (sqlite.empty() == postgres.empty() || target <= 0 || batch_size == 0) return Usage();

  dokuei::base::Result<std::unique_ptr<Index>> opened =
      sqlite.empty() ? dokuei::index::OpenPostgresIndex({postgres, 2})
                     : dokuei::index::OpenSqliteIndex({sqlite, 1});
  if (!opened.ok()) {
    std::fprintf(stderr, "populate_index: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<Index> index = std::move(*opened);
  auto tenant = index->EnsureTenant(tenant_code, "ベンチマーク病院");
  if (!tenant.ok()) {
    std::fprintf(stderr, "populate_index: %s\n", tenant.status().ToString().c_str());
    return 1;
  }
  auto before = index->Stats(*tenant);
  if (before.ok() && before->instances > 0) {
    std::fprintf(stderr, "populate_index: tenant %s already has %" PRId64 " instances\n",
                 tenant_code.c_str(), before->instances);
    return 1;
  }

  Rng rng(seed);
  // Plan every study first (sizes, patients, dates) so the counts are known.
  struct StudyRef {
    StudyPlan plan;
    int patient;
    int day;
  };
  std::vector<StudyRef> studies;
  int64_t planned = 0;
  while (planned < target) {
    StudyRef s{PlanStudy(rng), 0, 0};
    int64_t n = 0;
    for (const auto& se : s.plan.series) n += se.count;
    if (planned + n > target) {  // trim the last study to hit the target exactly
      int64_t over = planned + n - target;
      for (auto it = s.plan.series.rbegin(); it != s.plan.series.rend() && over > 0; ++it) {
        const int64_t cut = std::min<int64_t>(over, it->count - 1);
        it->count -= static_cast<int>(cut);
        over -= cut;
      }
      while (over > 0 && s.plan.series.size() > 1) {
        over -= s.plan.series.back().count;
        s.plan.series.pop_back();
      }
      n = 0;
      for (const auto& se : s.plan.series) n += se.count;
      if (planned + n > target) break;
    }
    planned += n;
    // Volume grows ~10 % a year: day = inverse of a linearly increasing density.
    const double u = rng.Unit();
    const double a = 0.9, b = 0.2;  // density a + b*x on [0,1]
    const double x = (-a + std::sqrt(a * a + 2 * b * u * (a + b / 2))) / b;
    s.day = std::min(kDays - 1, std::max(0, static_cast<int>(x * kDays)));
    studies.push_back(std::move(s));
  }
  const int n_patients = std::max(1, static_cast<int>(studies.size() * 0.65));
  std::vector<Patient> patients;
  patients.reserve(n_patients);
  for (int p = 0; p < n_patients; ++p) patients.push_back(MakePatient(p, rng));
  // Every patient has at least one study; the rest go (skewed) to patients with follow-ups.
  for (size_t s = 0; s < studies.size(); ++s) {
    studies[s].patient = s < size_t(n_patients)
                             ? static_cast<int>(s)
                             : static_cast<int>(n_patients * rng.Unit() * rng.Unit());
  }
  // Shuffle study order (arrival order is not patient order).
  for (size_t s = studies.size(); s > 1; --s) std::swap(studies[s - 1], studies[rng.Next() % s]);

  const std::string root = "1.2.392.200036.9116.2.5.1.37." + std::to_string(seed) + ".";
  std::vector<InstanceRecord> batch;
  batch.reserve(batch_size);
  int64_t written = 0, series_total = 0, bytes_total = 0, meta_bytes = 0;
  int64_t by_kind[3] = {0, 0, 0};  // X-ray, MR, CT studies
  const auto t0 = std::chrono::steady_clock::now();
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    auto out = index->PutInstances(*tenant, batch);
    if (!out.ok()) {
      std::fprintf(stderr, "populate_index: PutInstances: %s\n", out.status().ToString().c_str());
      return false;
    }
    written += static_cast<int64_t>(batch.size());
    batch.clear();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (written % 100000 < static_cast<int64_t>(batch_size) || written == planned) {
      std::fprintf(stderr, "populate_index: %" PRId64 "/%" PRId64 " instances, %.0f inst/s\n",
                   written, planned, written / secs);
    }
    return true;
  };

  // Samples for the benchmark queries.
  std::vector<std::string> s_pid, s_acc, s_study, s_series, s_big_study, s_big_series, s_sop;
  std::vector<int> s_big_count;
  for (size_t si = 0; si < studies.size(); ++si) {
    const StudyRef& sr = studies[si];
    const Patient& p = patients[sr.patient];
    const std::string study_uid = root + std::to_string(1000000 + si);
    const std::string date = DateOf(sr.day);
    char tm[32];
    std::snprintf(tm, sizeof tm, "%02d%02d%02d", 8 + int(si % 11), int(si * 7 % 60),
                  int(si * 13 % 60));
    char acc[24];
    std::snprintf(acc, sizeof acc, "A%s%05zu", date.substr(2, 4).c_str(), si % 100000);
    by_kind[sr.plan.modality == "MR" ? 1 : sr.plan.modality == "CT" ? 2 : 0] += 1;
    const bool ascii_only = p.name.find('=') == std::string::npos;
    const char* charset = ascii_only ? "" : "ISO_IR 192";
    int largest = 0;
    for (size_t k = 0; k < sr.plan.series.size(); ++k) {
      const SeriesPlan& se = sr.plan.series[k];
      const std::string series_uid = study_uid + "." + std::to_string(k + 1);
      ++series_total;
      if (se.count > sr.plan.series[largest].count) largest = static_cast<int>(k);
      for (int i = 0; i < se.count; ++i) {
        InstanceRecord r;
        r.patient.patient_id = p.id;
        r.patient.patient_name = p.name;
        r.patient.patient_birth_date = p.birth_date;
        r.patient.patient_sex = p.sex;
        r.study.study_instance_uid = study_uid;
        r.study.study_date = date;
        r.study.study_time = tm;
        r.study.accession_number = acc;
        r.study.study_id = std::to_string(si % 10000);
        r.study.study_description = sr.plan.description;
        r.study.referring_physician_name = kPhysicians[si % std::size(kPhysicians)];
        r.series.series_instance_uid = series_uid;
        r.series.modality = se.modality;
        r.series.series_number = static_cast<int32_t>(k + 1);
        r.series.series_description = se.description;
        r.series.body_part_examined = se.body_part;
        r.series.series_date = date;
        r.series.series_time = tm;
        r.instance.sop_class_uid = SopClassFor(se.modality);
        r.instance.sop_instance_uid = series_uid + "." + std::to_string(i + 1);
        r.instance.transfer_syntax_uid =
            (si % 3 == 0) ? "1.2.840.10008.1.2.4.80" : "1.2.840.10008.1.2.1";
        r.instance.instance_number = i + 1;
        r.instance.rows = se.rows;
        r.instance.columns = se.cols;
        r.instance.number_of_frames = 1;
        const uint64_t h1 = rng.Next(), h2 = rng.Next();
        r.storage.blob_key = date.substr(0, 4) + "/" + date.substr(4, 2) + "/" +
                             date.substr(6, 2) + "/" + Hex(h1, h2, 32);
        r.storage.size_bytes = se.bytes;
        r.storage.sha256 = Hex(h2, h1, 64);
        r.storage.received_at = dokuei::base::FromUnixMicros(
            1609459200000000ll + int64_t(sr.day) * 86400000000ll + int64_t(si % 36000) * 1000000);
        r.storage.source = "dimse:MODALITY" + std::to_string(si % 4 + 1) + "@127.0.0.1";
        r.metadata_json = MetadataJson(r, charset, i, se.count);
        meta_bytes += static_cast<int64_t>(r.metadata_json.size());
        bytes_total += static_cast<int64_t>(se.bytes);
        batch.push_back(std::move(r));
        if (batch.size() >= batch_size && !flush()) return 1;
      }
    }
    // Every 97th study is a sample (spread over all types, dates, patients).
    if (si % 97 == 0 && s_pid.size() < 200) {
      s_pid.push_back(p.id);
      s_acc.push_back(acc);
      s_study.push_back(study_uid);
      s_series.push_back(study_uid + ".1");
      s_sop.push_back(study_uid + ".1.1");
    }
    if (sr.plan.series[largest].count >= 300 && s_big_study.size() < 50) {
      s_big_study.push_back(study_uid);
      s_big_series.push_back(study_uid + "." + std::to_string(largest + 1));
      s_big_count.push_back(sr.plan.series[largest].count);
    }
  }
  if (!flush()) return 1;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr,
               "populate_index: %" PRId64 " instances, %" PRId64 " series, %zu studies "
               "(X-ray %" PRId64 ", MR %" PRId64 ", CT %" PRId64 "), %d patients in %.1f s "
               "(%.0f inst/s); metadata JSON %.2f KB/instance\n",
               written, series_total, studies.size(), by_kind[0], by_kind[1], by_kind[2],
               n_patients, secs, written / secs, meta_bytes / 1024.0 / std::max<int64_t>(1, written));

  if (!samples_path.empty()) {
    FILE* f = std::fopen(samples_path.c_str(), "w");
    if (!f) {
      std::perror(samples_path.c_str());
      return 1;
    }
    auto arr = [&](const char* name, const std::vector<std::string>& v, bool last = false) {
      std::fprintf(f, "  \"%s\": [", name);
      for (size_t i = 0; i < v.size(); ++i) std::fprintf(f, "%s%s", i ? ", " : "", JsonStr(v[i]).c_str());
      std::fprintf(f, "]%s\n", last ? "" : ",");
    };
    std::fprintf(f, "{\n  \"generator\": %d, \"seed\": %" PRIu64 ",\n", kGeneratorVersion, seed);
    std::fprintf(f, "  \"instances\": %" PRId64 ", \"series\": %" PRId64
                    ", \"studies\": %zu, \"patients\": %d,\n",
                 written, series_total, studies.size(), n_patients);
    std::fprintf(f, "  \"xray_studies\": %" PRId64 ", \"mr_studies\": %" PRId64
                    ", \"ct_studies\": %" PRId64 ", \"bytes\": %" PRId64
                    ", \"metadata_bytes\": %" PRId64 ", \"seconds\": %.1f,\n",
                 by_kind[0], by_kind[1], by_kind[2], bytes_total, meta_bytes, secs);
    std::vector<std::string> counts;
    for (int c : s_big_count) counts.push_back(std::to_string(c));
    arr("patient_ids", s_pid);
    arr("accession_numbers", s_acc);
    arr("study_uids", s_study);
    arr("series_uids", s_series);
    arr("sop_uids", s_sop);
    arr("big_study_uids", s_big_study);
    arr("big_series_uids", s_big_series);
    arr("big_series_counts", counts, true);
    std::fprintf(f, "}\n");
    std::fclose(f);
  }
  return 0;
}
