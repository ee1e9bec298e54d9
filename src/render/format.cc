#include "format.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <utility>

namespace dokuei::render {
namespace {

std::vector<std::string> SplitGroups(std::string_view pn) {
  std::vector<std::string> groups;
  size_t start = 0;
  while (true) {
    size_t eq = pn.find('=', start);
    groups.emplace_back(pn.substr(start, eq == std::string_view::npos ? pn.npos : eq - start));
    if (eq == std::string_view::npos) break;
    start = eq + 1;
  }
  return groups;
}

std::string Spaced(std::string s) {
  for (char& c : s) {
    if (c == '^') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

}  // namespace

std::string DisplayName(std::string_view pn, std::string_view lang) {
  std::vector<std::string> g = SplitGroups(pn);
  g.resize(3);
  for (std::string& s : g) s = Spaced(std::move(s));
  if (lang == "en") {
    if (!g[0].empty()) return g[0];
    return !g[1].empty() ? g[1] : g[2];
  }
  if (!g[1].empty()) return g[2].empty() ? g[1] : g[1] + " (" + g[2] + ")";
  return !g[0].empty() ? g[0] : g[2];
}

std::string DisplayDate(std::string_view d, std::string_view lang) {
  if (d.size() != 8 || !AllDigits(d)) return std::string(d);
  const char sep = lang == "en" ? '-' : '/';
  return std::string(d.substr(0, 4)) + sep + std::string(d.substr(4, 2)) + sep +
         std::string(d.substr(6, 2));
}

std::string DisplayTime(std::string_view t) {
  if (t.size() < 4 || !AllDigits(t.substr(0, 4))) return std::string(t);
  return std::string(t.substr(0, 2)) + ":" + std::string(t.substr(2, 2));
}

std::string DisplayDateTime(std::string_view iso, std::string_view lang) {
  // 2026-11-25T10:30:00+09:00
  if (iso.size() < 16 || iso[4] != '-' || iso[10] != 'T') return std::string(iso);
  std::string date = std::string(iso.substr(0, 10));
  if (lang != "en") {
    date[4] = '/';
    date[7] = '/';
  }
  std::string out = date + " " + std::string(iso.substr(11, 5));
  std::string_view rest = iso.substr(16);
  if (!rest.empty() && rest[0] == ':') rest = rest.substr(3);  // seconds
  while (!rest.empty() && (rest[0] == '.' || (rest[0] >= '0' && rest[0] <= '9'))) {
    rest = rest.substr(1);  // fractions
  }
  if (rest == "+09:00") return out + " JST";
  if (!rest.empty()) return out + " (" + std::string(rest) + ")";
  return out;
}

int AgeAt(std::string_view birth, std::string_view at) {
  if (birth.size() != 8 || at.size() != 8 || !AllDigits(birth) || !AllDigits(at)) return -1;
  int by = std::atoi(std::string(birth.substr(0, 4)).c_str());
  int bmd = std::atoi(std::string(birth.substr(4, 4)).c_str());
  int ay = std::atoi(std::string(at.substr(0, 4)).c_str());
  int amd = std::atoi(std::string(at.substr(4, 4)).c_str());
  int age = ay - by - (amd < bmd ? 1 : 0);
  return age < 0 ? -1 : age;
}

std::string SexLabel(std::string_view sex, std::string_view lang) {
  const bool en = lang == "en";
  if (sex == "M") return en ? "Male" : "男性";
  if (sex == "F") return en ? "Female" : "女性";
  if (sex == "O") return en ? "Other" : "その他";
  return en ? "Unknown" : "不明";
}

std::string RoleLabel(std::string_view role, std::string_view lang) {
  const bool en = lang == "en";
  if (role == "reader") return en ? "Reading radiologist" : "読影医";
  if (role == "second_reader") return en ? "Second reader" : "二次読影医";
  if (role == "checker") return en ? "Checked by" : "確認医";
  return std::string(role);
}

std::string StatusLabel(std::string_view status, std::string_view lang) {
  const bool en = lang == "en";
  if (status == "final") return en ? "Final" : "確定";
  if (status == "addendum") return en ? "Addendum" : "追記";
  if (status == "preliminary") return en ? "Preliminary" : "仮報告";
  return std::string(status);
}

std::string Text(std::string_view key, std::string_view lang) {
  static const std::map<std::string_view, std::pair<const char*, const char*>> kTexts = {
      {"hospital", {"依頼施設", "Requesting hospital"}},
      {"patient_name", {"患者氏名", "Patient name"}},
      {"patient_id", {"患者ID", "Patient ID"}},
      {"sex", {"性別", "Sex"}},
      {"birth_date", {"生年月日", "Date of birth"}},
      {"age_suffix", {"歳", " y"}},
      {"study_date", {"検査日", "Study date"}},
      {"modality", {"モダリティ", "Modality"}},
      {"study_description", {"検査内容", "Study"}},
      {"accession", {"受付番号", "Accession No."}},
      {"referring", {"依頼医", "Referring physician"}},
      {"clinical_question", {"依頼コメント", "Clinical question"}},
      {"findings", {"所見", "Findings"}},
      {"level_table", {"椎間レベル別所見", "Findings by level"}},
      {"level", {"レベル", "Level"}},
      {"finding", {"所見", "Findings"}},
      {"impression", {"診断", "Impression"}},
      {"critical", {"緊急連絡", "Critical result"}},
      {"key_images", {"キー画像", "Key images"}},
      {"figure", {"図", "Fig. "}},
      {"no_image", {"画像なし", "no image"}},
      {"signatures", {"読影医・確認", "Signatures"}},
      {"status", {"状態", "Status"}},
      {"version", {"版", "Version"}},
      {"released", {"報告日時", "Reported"}},
      {"addendum", {"追記", "Addendum"}},
  };
  auto it = kTexts.find(key);
  if (it == kTexts.end()) return std::string(key);
  return lang == "en" ? it->second.second : it->second.first;
}

base::Status CheckDocument(const spine::Document& doc) {
  if (doc.lang != "ja" && doc.lang != "en") {
    return base::InvalidArgument("lang must be ja or en, not '" + doc.lang + "'", "lang");
  }
  if (doc.status != "final" && doc.status != "addendum" && doc.status != "preliminary") {
    return base::InvalidArgument(
        "status must be final, addendum or preliminary, not '" + doc.status + "'", "status");
  }
  if (doc.status == "addendum" && doc.addendum_text.empty()) {
    return base::InvalidArgument("an addendum needs its text", "addendum_text");
  }
  return base::Status::Ok();
}

std::string DicomDateTime(std::string_view iso) {
  // YYYY-MM-DDTHH:MM[:SS][.fff][Z|+HH:MM]
  if (iso.size() < 16 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':') {
    return "";
  }
  std::string out;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15}) out += iso[i];
  std::string_view rest = iso.substr(16);
  if (rest.size() >= 3 && rest[0] == ':') {
    out += rest.substr(1, 2);
    rest = rest.substr(3);
  } else {
    out += "00";
  }
  while (!rest.empty() && (rest[0] == '.' || (rest[0] >= '0' && rest[0] <= '9'))) {
    rest = rest.substr(1);
  }
  if (rest == "Z") return out + "+0000";
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    return out + std::string(rest.substr(0, 3)) + std::string(rest.substr(4, 2));
  }
  if (!AllDigits(out)) return "";
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<std::string> NumberedImpression(const spine::Document& doc) {
  std::vector<std::string> out;
  for (size_t i = 0; i < doc.impression.size(); ++i) {
    out.push_back(std::to_string(i + 1) + ". " + doc.impression[i]);
  }
  return out;
}

std::vector<TextLine> ReportText(const spine::Document& doc) {
  const std::string& lang = doc.lang;
  std::vector<TextLine> out;
  auto add = [&](const char* part, std::string text) { out.push_back({part, std::move(text)}); };
  if (!doc.clinical_question.empty()) {
    add("findings", "【" + Text("clinical_question", lang) + "】");
    add("findings", doc.clinical_question);
  }
  for (const spine::Section& s : doc.sections) {
    add("findings", "【" + s.heading + "】");
    for (const std::string& p : s.paragraphs) add("findings", p);
  }
  if (!doc.levels.empty()) {
    add("findings", "【" + Text("level_table", lang) + "】");
    for (const spine::LevelRow& r : doc.levels) add("findings", r.level + ": " + r.text);
  }
  if (!doc.impression.empty()) {
    add("impression", "【" + Text("impression", lang) + "】");
    for (std::string& line : NumberedImpression(doc)) add("impression", std::move(line));
  }
  if (!doc.critical_statement.empty()) {
    add("impression", "【" + Text("critical", lang) + "】");
    add("impression", doc.critical_statement);
  }
  if (doc.status == "addendum" && !doc.addendum_text.empty()) {
    add("addendum", "【" + Text("addendum", lang) + "】");
    add("addendum", doc.addendum_text);
  }
  return out;
}

}  // namespace dokuei::render
