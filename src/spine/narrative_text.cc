// The narrative's language: how sites, figures, lists, numbers, dates and measurements are
// written in Japanese and English (narrative_internal.h).
#include <chrono>
#include <cmath>
#include <cstdio>

#include "dokuei/base/clock.h"
#include "dokuei/base/strings.h"
#include "dokuei/spine/narrative.h"
#include "narrative_internal.h"

namespace dokuei::spine {
namespace {

struct Vertebra {
  char region = 0;
  int number = 0;
};

// "L4" -> {L, 4}; anything else -> region 0.
Vertebra ParseVertebra(std::string_view s) {
  if (s.size() < 2 || s.size() > 3) return {};
  if (s[0] != 'C' && s[0] != 'T' && s[0] != 'L' && s[0] != 'S') return {};
  const auto n = base::ParseInt(s.substr(1));
  if (!n || *n < 0 || *n > 20) return {};
  return {s[0], static_cast<int>(*n)};
}

// Whether b directly follows a (one disc between them): L4-L5, L5-S1, T12-L1, C7-T1.
bool Adjacent(Vertebra a, Vertebra b) {
  if (a.region == b.region) return b.number == a.number + 1;
  return (a.region == 'C' && a.number == 7 && b.region == 'T' && b.number == 1) ||
         (a.region == 'T' && a.number == 12 && b.region == 'L' && b.number == 1) ||
         (a.region == 'L' && a.number >= 5 && b.region == 'S' && b.number == 1);
}

}  // namespace

std::string LevelDisplay(std::string_view level, std::string_view lang) {
  const size_t dash = level.find('-');
  if (dash == std::string_view::npos) return std::string(level);
  const std::string_view upper = level.substr(0, dash), lower = level.substr(dash + 1);
  const Vertebra a = ParseVertebra(upper), b = ParseVertebra(lower);
  if (a.region == 0 || b.region == 0) return std::string(level);
  if (!Adjacent(a, b)) return std::string(upper) + "–" + std::string(lower);
  const bool en = lang == "en";
  std::string out(upper);
  out += en ? "-" : "/";
  if (a.region == b.region) {
    out += std::to_string(b.number);
  } else {
    out += lower;
  }
  return out;
}

namespace narrative {

bool En(std::string_view lang) { return lang == "en"; }

std::string SiteDisplay(std::string_view site, std::string_view lang) {
  return LevelDisplay(site, lang);
}

std::string FigureRef(const std::vector<int>& figures, std::string_view lang) {
  if (figures.empty()) return "";
  if (!En(lang)) {
    std::string out = "(";
    for (size_t i = 0; i < figures.size(); ++i) {
      if (i) out += "、";
      out += "図" + std::to_string(figures[i]);
    }
    return out + ")";
  }
  if (figures.size() == 1) return " (Fig. " + std::to_string(figures[0]) + ")";
  std::vector<std::string> nums;
  for (int f : figures) nums.push_back(std::to_string(f));
  return " (Figs. " + JoinNouns(nums, lang) + ")";
}

std::string JoinNouns(const std::vector<std::string>& nouns, std::string_view lang) {
  std::string out;
  for (size_t i = 0; i < nouns.size(); ++i) {
    if (i > 0) {
      if (En(lang)) {
        out += i + 1 == nouns.size() ? " and " : ", ";
      } else {
        out += nouns.size() == 2 ? "と" : "、";
      }
    }
    out += nouns[i];
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items, std::string_view lang) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += En(lang) ? "; " : "、";
    out += items[i];
  }
  return out;
}

std::string Paren(std::string_view inner, std::string_view lang) {
  if (inner.empty()) return "";
  return (En(lang) ? " (" : "(") + std::string(inner) + ")";
}

std::string Capitalize(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string StripParen(std::string_view label) {
  std::string s(base::Trim(label));
  for (const auto& [open, close] : {std::pair<std::string_view, std::string_view>{"(", ")"},
                                    {"（", "）"}}) {
    if (base::EndsWith(s, close)) {
      const size_t at = s.rfind(open);
      if (at != std::string::npos && at > 0) s = std::string(base::Trim(s.substr(0, at)));
    }
  }
  return s;
}

bool IsClauseJa(std::string_view p) {
  for (std::string_view end : {"。", "ます", "です", "ません", "なし", "ない", "あり", "ている"}) {
    if (base::EndsWith(p, end)) return true;
  }
  return false;
}

std::string NounFormJa(std::string_view p) {
  std::string s(p);
  if (IsClauseJa(s)) return s;
  // "神経根を圧排" (object and verb) reads as a noun with の: "神経根の圧排".
  // Only when the verb ends the phrase: "腫瘍性病変を疑う骨髄信号異常" is a noun already.
  const size_t wo = s.rfind("を");
  if (wo == std::string::npos) return s;
  const std::string_view rest = std::string_view(s).substr(wo + std::string_view("を").size());
  for (size_t i = 0; i + 1 < rest.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(rest[i]), b1 = static_cast<unsigned char>(rest[i + 1]);
    if (b0 == 0xE3 && (b1 == 0x81 || b1 == 0x82)) return s;  // hiragana: a verb ending
  }
  s.replace(wo, std::string_view("を").size(), "の");
  return s;
}

std::string EndSentence(std::string s, std::string_view lang) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.empty()) return s;
  if (En(lang)) {
    if (s.back() != '.' && s.back() != '?' && s.back() != '!') s += ".";
  } else if (!base::EndsWith(s, "。") && !base::EndsWith(s, ".")) {
    s += "。";
  }
  return s;
}

std::string ExtrasAndFigures(std::string_view extras, const std::vector<int>& figures,
                             std::string_view lang) {
  if (extras.empty()) return FigureRef(figures, lang);
  if (figures.empty()) return Paren(extras, lang);
  // One parenthesis: "(硬膜嚢面積78.4 mm²、図1)" / " (dural sac area 78.4 mm²; Fig. 1)".
  std::string refs = FigureRef(figures, lang);
  const size_t open = refs.find('(');
  refs = refs.substr(open + 1, refs.size() - open - 2);
  return Paren(std::string(extras) + (En(lang) ? "; " : "、") + refs, lang);
}

std::string StateFinding(std::string_view noun, std::string_view extras,
                         const std::vector<int>& figures, std::string_view lang) {
  if (En(lang)) return Capitalize(noun) + ExtrasAndFigures(extras, figures, lang) + ".";
  std::string out(noun);
  if (base::EndsWith(out, "。")) out.resize(out.size() - std::string_view("。").size());
  if (!IsClauseJa(out)) out += out.find("は") != std::string::npos ? "です" : "を認めます";
  return out + ExtrasAndFigures(extras, figures, lang) + "。";
}

std::string FormatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", std::round(v * 10) / 10);
  std::string s(buf);
  if (base::EndsWith(s, ".0")) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

std::string UnitDisplay(std::string_view unit) {
  if (unit == "mm2") return " mm²";
  if (unit == "deg") return "°";
  if (unit == "%") return "%";
  if (unit == "ratio" || unit.empty()) return "";
  return " " + std::string(unit);
}

std::string DateDisplay(std::string_view date, std::string_view lang) {
  std::string digits;
  for (char c : date) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c != '-') {
      return "";
    }
  }
  if (digits.size() != 8) return "";
  const auto y = base::ParseInt(digits.substr(0, 4)), m = base::ParseInt(digits.substr(4, 2)),
             d = base::ParseInt(digits.substr(6, 2));
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return "";
  if (En(lang)) return digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" + digits.substr(6, 2);
  return std::to_string(*y) + "年" + std::to_string(*m) + "月" + std::to_string(*d) + "日";
}

std::string JstDisplay(std::string_view iso, std::string_view lang) {
  const auto t = base::ParseIso8601(iso);
  if (!t) return "";
  const auto jst = *t + std::chrono::hours(9);
  const auto day = std::chrono::floor<std::chrono::days>(jst);
  const std::chrono::year_month_day ymd{day};
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(jst - day).count();
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  const int y = static_cast<int>(ymd.year());
  const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  if (En(lang)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %s JST", y, m, d, hm);
    return buf;
  }
  return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日 " + hm;
}

namespace {

std::string SeverityWord(std::string_view grade, std::string_view lang) {
  if (grade == "mild") return En(lang) ? "mild" : "軽度";
  if (grade == "moderate") return En(lang) ? "moderate" : "中等度";
  if (grade == "severe") return En(lang) ? "severe" : "高度";
  return std::string(grade);
}

}  // namespace

std::string CiteMeasurement(const Measured& m, std::string_view lang, bool with_grade) {
  const bool en = En(lang);
  double v = m.value;
  std::string unit = m.unit;
  if (unit == "ratio") {
    v *= 100;
    unit = "%";
  }
  const std::string value = FormatNumber(v) + UnitDisplay(unit);
  std::string name, grade;
  if (m.kind == "cobb") {
    name = en ? "Cobb angle " : "Cobb角";
    const std::string site = m.site.empty() ? "" : SiteDisplay(m.site, lang);
    // Attached to the scoliosis sentence it sits in a parenthesis already: "Cobb角28.4°、T5–T12".
    if (!with_grade) return name + value + (site.empty() ? "" : (en ? ", " : "、") + site);
    std::vector<std::string> inner;
    if (!site.empty()) inner.push_back(site);
    if (!m.grade.empty()) inner.push_back(SeverityWord(m.grade, lang));
    return name + value + Paren(JoinList(inner, lang), lang);
  }
  if (m.kind == "slip") {
    name = en ? "slip " : "すべり率";
    grade = en ? "Meyerding grade " + m.grade : "Meyerding " + m.grade + "度";
  } else if (m.kind == "height_loss") {
    const std::string where = m.site.empty() ? "" : SiteDisplay(m.site, lang);
    name = en ? (where.empty() ? "" : where + " ") + "vertebral height loss "
              : where + "椎体の高さ減少率";
    grade = en ? "Genant grade " + m.grade : "Genant " + m.grade;
  } else if (m.kind == "canal_ap") {
    name = en ? "canal anteroposterior diameter " : "脊柱管前後径";
  } else if (m.kind == "dural_area") {
    name = en ? "dural sac area " : "硬膜嚢面積";
  } else if (m.kind == "disc_height") {
    name = en ? "disc height " : "椎間板高";
    grade = SeverityWord(m.grade, lang);
  } else {
    name = m.kind + " ";
    grade = m.grade;
  }
  if (!with_grade || m.grade.empty()) grade.clear();
  return name + value + Paren(grade, lang);
}

std::string_view MeasurementGroup(std::string_view kind) {
  if (kind == "slip") return "listhesis";
  if (kind == "canal_ap" || kind == "dural_area") return "canal";
  if (kind == "disc_height") return "disc";
  if (kind == "height_loss") return "vertebra";
  return "";
}

std::string SpacingStatement(const std::vector<std::string>& spacings, std::string_view lang) {
  std::vector<std::string> parts;
  for (const std::string& s : spacings) {
    if (s == "PixelSpacing") {
      parts.push_back(En(lang) ? "the pixel spacing of the image (PixelSpacing)"
                               : "画像の画素間隔(PixelSpacing)");
    } else if (s == "ImagerPixelSpacing") {
      parts.push_back(En(lang)
                          ? "the detector pixel spacing (ImagerPixelSpacing), not corrected for "
                            "magnification"
                          : "検出器面の画素間隔(ImagerPixelSpacing、拡大率補正なし)");
    } else if (s == "ImagerPixelSpacing*magnification") {
      parts.push_back(En(lang) ? "the detector pixel spacing corrected for the magnification "
                                 "factor (ImagerPixelSpacing)"
                               : "拡大率で補正した検出器面の画素間隔(ImagerPixelSpacing)");
    } else if (s == "none") {
      parts.push_back(En(lang) ? "image pixels (the image has no pixel spacing)"
                               : "画素単位(画像に画素間隔の情報なし)");
    }
  }
  if (parts.empty()) return "";
  if (En(lang)) return "Measurements are based on " + JoinNouns(parts, lang) + ".";
  return "計測値は" + JoinNouns(parts, lang) + "に基づきます。";
}

std::string ConditionName(std::string_view c, std::string_view lang) {
  const bool en = En(lang);
  if (c == "scoliosis") return en ? "scoliosis" : "側弯症";
  if (c == "canal_stenosis") return en ? "spinal canal stenosis" : "脊柱管狭窄";
  if (c == "disc_herniation") return en ? "disc herniation" : "椎間板ヘルニア";
  if (c == "spondylolysis_listhesis")
    return en ? "spondylolysis or spondylolisthesis" : "脊椎分離症・すべり症";
  if (c == "spondylosis_deformans") return en ? "spondylosis deformans" : "変形性脊椎症";
  return "";
}

std::string FreeText(const json& v, std::string_view lang) {
  if (v.is_string()) return std::string(base::Trim(v.get<std::string>()));
  if (v.is_object()) {
    const std::string first(lang == "en" ? "en" : "ja"), second(lang == "en" ? "ja" : "en");
    for (const std::string& k : {first, second}) {
      const auto it = v.find(k);
      if (it != v.end() && it->is_string() && !base::Trim(it->get<std::string>()).empty())
        return std::string(base::Trim(it->get<std::string>()));
    }
  }
  return "";
}

}  // namespace narrative
}  // namespace dokuei::spine
