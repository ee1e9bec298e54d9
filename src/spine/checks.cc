// Pre-sign checks (checks.h).
#include "dokuei/spine/checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "content_json.h"

namespace dokuei::spine {
namespace {

using internal::json;

struct Range {
  const char* grade;
  double lo, hi;
};
constexpr Range kMeyerding[] = {{"none", 0, 0},  {"I", 0, 25},    {"II", 25, 50},
                                {"III", 50, 75}, {"IV", 75, 100}, {"V", 100, 1e9}};
constexpr Range kCobb[] = {
    {"none", 0, 10}, {"mild", 10, 25}, {"moderate", 25, 40}, {"severe", 40, 1e9}};
constexpr Range kGenant[] = {{"0", 0, 20}, {"1", 20, 25}, {"2", 25, 40}, {"3", 40, 1e9}};

template <size_t N>
bool Agrees(const Range (&table)[N], double v, std::string_view grade) {
  for (const Range& r : table)
    if (grade == r.grade) return v >= r.lo - 1e-9 && v <= r.hi + 1e-9;
  return false;
}

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The five conditions, as the reader sees them.
Label ConditionLabel(std::string_view c) {
  if (c == "scoliosis") return {"側弯", "scoliosis"};
  if (c == "canal_stenosis") return {"脊柱管狭窄", "canal stenosis"};
  if (c == "disc_herniation") return {"椎間板ヘルニア", "disc herniation"};
  if (c == "spondylolysis_listhesis") return {"分離症・すべり症", "spondylolysis / listhesis"};
  return {"変形性脊椎症", "spondylosis deformans"};
}

std::string Display(std::string_view level) {  // "L4-L5" -> "L4/5" (ja); kept for en
  const auto [a, b] = internal::SplitLevel(level);
  if (a.empty() || b.empty() || a[0] != b[0]) {
    std::string s(level);
    std::replace(s.begin(), s.end(), '-', '/');
    return s;
  }
  return std::string(a) + "/" + std::string(b.substr(1));
}

class Checks {
 public:
  Checks(const json& c, const Template& t, const CheckContext& ctx, CheckResult& out)
      : c_(c), t_(t), ctx_(ctx), out_(out) {}

  void Run() {
    std::vector<Problem> problems;
    internal::ValidateJson(c_, t_, problems);
    for (Problem& p : problems) out_.errors.push_back({"invalid", p.field, std::move(p.message)});
    Levels();
    Conditions();
    Question();
    Critical();
    ImpressionSites();
    Slips();
    Cobbs();
    Heights();
  }

 private:
  void Error(const char* id, std::string field, std::string ja, std::string en) {
    out_.errors.push_back({id, std::move(field), {std::move(ja), std::move(en)}});
  }
  void Warn(const char* id, std::string field, std::string ja, std::string en) {
    out_.warnings.push_back({id, std::move(field), {std::move(ja), std::move(en)}});
  }

  void Levels() {
    for (const std::string& l : t_.required_levels) {
      if (internal::LevelEntry(c_, l) == nullptr)
        Error("level_missing", "content.levels[" + l + "]",
              Display(l) + " の所見が記載されていません (所見を記載するか、異常なしとしてください)",
              l + " is not addressed (describe it or state it normal)");
    }
  }

  void Conditions() {
    for (const auto& [cond, paths] : t_.conditions) {
      const Label name = ConditionLabel(cond);
      for (const std::string& path : paths) {
        if (path.rfind("levels/", 0) == 0) {
          const std::string field = path.substr(7);
          const FieldDef* def = t_.Field("levels", field);
          for (const std::string& l : t_.levels) {
            if (def != nullptr && !def->AppliesAt(l)) continue;  // e.g. the pars in the neck
            const json* e = internal::LevelEntry(c_, l);
            if (e == nullptr || internal::IsNormal(*e) || e->contains(field)) continue;
            Error("condition_missing", "content.levels[" + l + "]." + field,
                  Display(l) + " で" + name.ja + "の評価 (" + field + ") が記載されていません",
                  name.en + " is not stated at " + l + " (" + field + ")");
          }
        } else {
          const size_t dot = path.find('.');
          const std::string section = path.substr(0, dot), field = path.substr(dot + 1);
          const auto s = c_.find(section);
          if (s == c_.end() || !s->is_object() || !s->contains(field))
            Error("condition_missing", "content." + path,
                  name.ja + "の評価 (" + path + ") が記載されていません",
                  name.en + " is not stated (" + path + ")");
        }
      }
    }
  }

  void Question() {
    const std::string q = internal::Str(c_, "clinical_question");
    if (q.empty()) return;
    const auto imp = c_.find("impression");
    if (imp != c_.end() && imp->is_array())
      for (const json& i : *imp)
        if (i.is_object() && i.value("answers_question", false) == true) return;
    Error("question_unanswered", "content.impression",
          "依頼内容 (臨床的疑問) に答える結論がありません (answers_question)",
          "no impression item answers the clinical question (answers_question)");
  }

  void Critical() {
    const auto cc = c_.find("critical_communication");
    const std::string cat = cc != c_.end() && cc->is_object() ? internal::Str(*cc, "category") : "";
    const bool critical = !cat.empty() && cat != "none";
    if (critical && !ctx_.critical_recorded)
      Error(
          "critical_step", "content.critical_communication.category",
          "緊急連絡 (カテゴリー" + cat + ") の連絡記録がありません。先に緊急連絡を記録してください",
          "critical result category " + cat +
              " is stated but not recorded: record the critical result first");
    const auto inc = c_.find("incidental");
    if (critical || inc == c_.end() || !inc->is_array()) return;
    for (size_t i = 0; i < inc->size(); ++i) {
      const std::string ic = (*inc)[i].is_object() ? internal::Str((*inc)[i], "critical") : "";
      if (!ic.empty() && ic != "none")
        Warn("incidental_critical", "content.incidental[" + std::to_string(i) + "].critical",
             "偶発所見が緊急連絡カテゴリー" + ic + "ですが、レポートの緊急連絡は「該当なし」です",
             "an incidental finding has critical category " + ic +
                 " but the report states no critical result");
    }
  }

  // The highest severity of the entry's code fields, on one side ("" = any side).
  int MaxSeverity(const json& e, std::string_view section, std::string_view side) const {
    int best = -1;
    for (auto it = e.begin(); it != e.end(); ++it) {
      const FieldDef* f = t_.Field(section, it.key());
      if (f == nullptr || f->type != FieldType::kCode) continue;
      if (f->sided && it->is_object()) {
        for (const char* s : {"left", "right"})
          if ((side.empty() || side == s) && it->contains(s))
            best = std::max(best, internal::Severity(t_, section, it.key(), (*it)[s]));
      } else if (side.empty()) {
        best = std::max(best, internal::Severity(t_, section, it.key(), it.value()));
      }
    }
    return best;
  }

  const json* VertebraItem(std::string_view v) const {
    const auto vs = c_.find("vertebrae");
    if (vs == c_.end() || !vs->is_object() || !vs->contains("items") || !(*vs)["items"].is_array())
      return nullptr;
    for (const json& item : (*vs)["items"])
      if (item.is_object() && internal::Str(item, "vertebra") == v) return &item;
    return nullptr;
  }

  void ImpressionSites() {
    const auto imp = c_.find("impression");
    if (imp == c_.end() || !imp->is_array()) return;
    for (size_t i = 0; i < imp->size(); ++i) {
      const json& item = (*imp)[i];
      if (!item.is_object() || !item.contains("levels") || !item["levels"].is_array()) continue;
      const std::string side = internal::Str(item, "side");
      const std::string path = "content.impression[" + std::to_string(i) + "]";
      for (const json& l : item["levels"]) {
        if (!l.is_string()) continue;
        const std::string site = l.get<std::string>();
        if (internal::SplitLevel(site).first.empty()) {  // a vertebra
          const json* v = VertebraItem(site);
          if (v == nullptr || MaxSeverity(*v, "vertebra", "") <= 0)
            Warn(
                "impression_level", path + ".levels",
                "結論の " + site + " に対応する椎体の所見がありません",
                "the impression names " + site + " but the findings describe no abnormality there");
          continue;
        }
        const json* e = internal::LevelEntry(c_, site);
        if (e == nullptr || internal::IsNormal(*e) || MaxSeverity(*e, "levels", "") <= 0) {
          Warn("impression_level", path + ".levels",
               "結論の " + Display(site) + " に対応する異常所見が高位別所見にありません",
               "the impression names " + site + " but the findings there are absent or normal");
          continue;
        }
        if (side != "left" && side != "right") continue;
        const std::string disc_side = internal::Str(*e, "disc.side");
        if (MaxSeverity(*e, "levels", side) > 0 || disc_side == side || disc_side == "bilateral")
          continue;
        const std::string ja_side = side == "left" ? "左" : "右";
        Warn("impression_side", path + ".side",
             "結論は " + Display(site) + " の" + ja_side + "側としていますが、" + ja_side +
                 "側の異常所見がありません",
             "the impression says " + side + " at " + site + " but no " + side +
                 "-sided abnormality is recorded there");
      }
    }
  }

  const json& Measurements() const {
    static const json empty = json::array();
    const auto m = c_.find("measurements");
    return m != c_.end() && m->is_array() ? *m : empty;
  }

  void Slips() {
    for (const std::string& l : t_.levels) {
      const json* e = internal::LevelEntry(c_, l);
      if (e == nullptr || internal::IsNormal(*e)) continue;
      const std::string grade = internal::Str(*e, "listhesis.grade");
      const auto pct = e->find("listhesis.percent");
      if (!grade.empty() && pct != e->end() && pct->is_number() &&
          !SlipAgrees(pct->get<double>(), grade))
        SlipWarn("content.levels[" + l + "].listhesis.grade", l, pct->get<double>(), grade);
    }
    const json& ms = Measurements();
    for (size_t i = 0; i < ms.size(); ++i) {
      const json& m = ms[i];
      if (!m.is_object() || internal::Str(m, "kind") != "slip" || !m.contains("value") ||
          !m["value"].is_number())
        continue;
      const double v = m["value"].get<double>();
      const std::string site = internal::Str(m, "site");
      const std::string path = "content.measurements[" + std::to_string(i) + "]";
      if (const std::string g = internal::Str(m, "grade"); !g.empty() && !SlipAgrees(v, g))
        SlipWarn(path + ".grade", site, v, g);
      const json* e = internal::LevelEntry(c_, site);
      const std::string grade = e ? internal::Str(*e, "listhesis.grade") : "";
      if (e != nullptr && internal::IsNormal(*e) && v > 0) {
        SlipWarn("content.levels[" + site + "].normal", site, v, "none");
      } else if (!grade.empty() && !SlipAgrees(v, grade)) {
        SlipWarn("content.levels[" + site + "].listhesis.grade", site, v, grade);
      }
    }
  }
  // A grade as the reader knows it ("Meyerding II (26-50%)", "中等度 (25-40°)"); the code when the
  // value set does not have it.
  Label GradeLabel(const char* set, const std::string& code) const {
    const ValueSet* vs = t_.Set(set);
    const ValueDef* d = vs ? vs->Find(code) : nullptr;
    return d ? d->label : Label{code, code};
  }

  void SlipWarn(std::string field, const std::string& site, double v, const std::string& grade) {
    const Label stated = GradeLabel("meyerding", grade),
                measured = GradeLabel("meyerding", MeyerdingFor(v));
    Warn("slip_grade", std::move(field),
         Display(site) + " のすべり率 " + Fmt(v) + "% は記載された「" + stated.ja +
             "」と一致しません (すべり率からは「" + measured.ja + "」)",
         "slip of " + Fmt(v) + "% at " + site + " does not match the stated " + stated.en +
             " (the slip gives " + measured.en + ")");
  }

  void Cobbs() {
    const auto a = c_.find("alignment");
    const bool has_alignment = a != c_.end() && a->is_object();
    const std::string stated = has_alignment ? internal::Str(*a, "scoliosis") : "";
    double largest = -1;
    std::string largest_field;
    auto consider = [&](double v, const std::string& field) {
      if (v > largest) {
        largest = v;
        largest_field = field;
      }
    };
    if (has_alignment && a->contains("curves") && (*a)["curves"].is_array()) {
      const json& curves = (*a)["curves"];
      for (size_t i = 0; i < curves.size(); ++i) {
        const json& cv = curves[i];
        if (!cv.is_object() || !cv.contains("cobb") || !cv["cobb"].is_number()) continue;
        const double v = cv["cobb"].get<double>();
        const std::string path = "content.alignment.curves[" + std::to_string(i) + "]";
        if (const std::string s = internal::Str(cv, "severity"); !s.empty() && !CobbAgrees(v, s))
          CobbWarn(path + ".severity", v, s);
        consider(v, path + ".cobb");
      }
    }
    const json& ms = Measurements();
    for (size_t i = 0; i < ms.size(); ++i) {
      const json& m = ms[i];
      if (!m.is_object() || internal::Str(m, "kind") != "cobb" || !m.contains("value") ||
          !m["value"].is_number())
        continue;
      const double v = m["value"].get<double>();
      const std::string path = "content.measurements[" + std::to_string(i) + "]";
      if (const std::string g = internal::Str(m, "grade"); !g.empty() && !CobbAgrees(v, g))
        CobbWarn(path + ".grade", v, g);
      consider(v, path + ".value");
    }
    // The largest curve decides the stated scoliosis severity.
    if (largest >= 0 && !stated.empty() && !CobbAgrees(largest, stated))
      CobbWarn("content.alignment.scoliosis", largest, stated);
  }
  void CobbWarn(std::string field, double v, const std::string& severity) {
    const Label stated = GradeLabel("cobb_severity", severity),
                measured = GradeLabel("cobb_severity", CobbSeverityFor(v));
    Warn("cobb_severity", std::move(field),
         "Cobb角 " + Fmt(v) + "° は記載された側弯の重症度「" + stated.ja +
             "」と一致しません (Cobb角からは「" + measured.ja + "」)",
         "Cobb angle " + Fmt(v) + "° does not match the stated scoliosis severity " + stated.en +
             " (the angle gives " + measured.en + ")");
  }

  void Heights() {
    const auto vs = c_.find("vertebrae");
    if (vs != c_.end() && vs->is_object() && vs->contains("items") && (*vs)["items"].is_array()) {
      for (const json& item : (*vs)["items"]) {
        if (!item.is_object()) continue;
        const std::string v = internal::Str(item, "vertebra"), g = internal::Str(item, "genant");
        const auto h = item.find("height_loss");
        if (!g.empty() && h != item.end() && h->is_number() && !GenantAgrees(h->get<double>(), g))
          HeightWarn("content.vertebrae.items[" + v + "].genant", v, h->get<double>(), g);
      }
    }
    const json& ms = Measurements();
    for (size_t i = 0; i < ms.size(); ++i) {
      const json& m = ms[i];
      if (!m.is_object() || internal::Str(m, "kind") != "height_loss" || !m.contains("value") ||
          !m["value"].is_number())
        continue;
      const double v = m["value"].get<double>();
      const std::string site = internal::Str(m, "site");
      const std::string path = "content.measurements[" + std::to_string(i) + "]";
      if (const std::string g = internal::Str(m, "grade"); !g.empty() && !GenantAgrees(v, g))
        HeightWarn(path + ".grade", site, v, g);
      const json* item = VertebraItem(site);
      const std::string g = item ? internal::Str(*item, "genant") : "";
      if (!g.empty() && !GenantAgrees(v, g))
        HeightWarn("content.vertebrae.items[" + site + "].genant", site, v, g);
      else if (item == nullptr && v >= 20)
        Warn("height_genant", "content.vertebrae.items",
             site + " の椎体高減少率 " + Fmt(v) + "% (" + GradeLabel("genant", GenantFor(v)).ja +
                 ") が計測されていますが、椎体の所見に記載がありません",
             "a height loss of " + Fmt(v) + "% (" + GradeLabel("genant", GenantFor(v)).en +
                 ") is measured at " + site + " but the vertebra is not described");
    }
  }
  void HeightWarn(std::string field, const std::string& site, double v, const std::string& g) {
    const Label stated = GradeLabel("genant", g), measured = GradeLabel("genant", GenantFor(v));
    Warn("height_genant", std::move(field),
         site + " の椎体高減少率 " + Fmt(v) + "% は記載された「" + stated.ja +
             "」と一致しません (減少率からは「" + measured.ja + "」)",
         "height loss of " + Fmt(v) + "% at " + site + " does not match the stated " + stated.en +
             " (the height loss gives " + measured.en + ")");
  }

  const json& c_;
  const Template& t_;
  const CheckContext& ctx_;
  CheckResult& out_;
};

}  // namespace

std::string MeyerdingFor(double p) {
  if (p <= 0) return "none";
  if (p <= 25) return "I";
  if (p <= 50) return "II";
  if (p <= 75) return "III";
  if (p <= 100) return "IV";
  return "V";
}
std::string CobbSeverityFor(double d) {
  if (d < 10) return "none";
  if (d < 25) return "mild";
  if (d <= 40) return "moderate";
  return "severe";
}
std::string GenantFor(double h) {
  if (h < 20) return "0";
  if (h <= 25) return "1";
  if (h <= 40) return "2";
  return "3";
}
bool SlipAgrees(double p, std::string_view g) { return Agrees(kMeyerding, p, g); }
bool CobbAgrees(double d, std::string_view s) { return Agrees(kCobb, d, s); }
bool GenantAgrees(double h, std::string_view g) { return Agrees(kGenant, h, g); }

CheckResult PreSignCheck(std::string_view content, const Template& t, const CheckContext& ctx) {
  CheckResult out;
  const json c = json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded() || !c.is_object()) {
    out.errors.push_back(
        {"invalid", "content", {"JSONオブジェクトではありません", "not a JSON object"}});
    return out;
  }
  Checks(c, t, ctx, out).Run();
  return out;
}

}  // namespace dokuei::spine
