// Coded findings and the RSNA 2024 lumbar grid from valid content (validate.h).
#include <algorithm>

#include "content_json.h"

namespace dokuei::spine {
namespace {

using internal::json;

std::vector<int> FiguresOf(const json& o) {
  std::vector<int> out;
  if (const auto f = o.find("figures"); f != o.end() && f->is_array())
    for (const json& n : *f)
      if (n.is_number_integer()) out.push_back(n.get<int>());
  return out;
}

class Extractor {
 public:
  explicit Extractor(const Template& t) : t_(t) {}

  // `field` as it is named in the finding: level fields by their id, others "<section>.<id>".
  void Add(const FieldDef& f, const json& v, const std::string& name, const std::string& site,
           const std::vector<int>& figures) {
    if (f.sided && v.is_object()) {
      for (const char* side : {"left", "right"})
        if (const auto s = v.find(side); s != v.end()) One(f, *s, name, site, side, figures);
      return;
    }
    One(f, v, name, site, "", figures);
  }

  void Section(const json& o, const std::string& section, const std::string& site,
               const std::vector<int>& figures) {
    const auto it = t_.sections.find(section);
    if (it == t_.sections.end()) return;
    for (const FieldDef& f : it->second) {
      const auto v = o.find(f.id);
      if (v == o.end()) continue;
      Add(f, *v, section == "levels" ? f.id : section + "." + f.id, site, figures);
    }
  }

  std::vector<CodedFinding> out;

 private:
  void One(const FieldDef& f, const json& v, const std::string& name, const std::string& site,
           const std::string& side, const std::vector<int>& figures) {
    CodedFinding c;
    c.site = site;
    c.side = side;
    c.field = name;
    c.field_label = f.label;
    c.value_set = f.value_set;
    c.figures = figures;
    switch (f.type) {
      case FieldType::kCode: {
        const ValueSet* vs = t_.Set(f.value_set);
        const ValueDef* d = vs && v.is_string() ? vs->Find(v.get<std::string>()) : nullptr;
        if (d == nullptr) return;
        c.value_code = d->code;
        c.value_label = d->label;
        c.severity = d->severity;
        break;
      }
      case FieldType::kCodes: {
        // One finding per code of the list.
        const ValueSet* vs = t_.Set(f.value_set);
        if (!v.is_array() || vs == nullptr) return;
        for (const json& x : v) {
          const ValueDef* d = x.is_string() ? vs->Find(x.get<std::string>()) : nullptr;
          if (d == nullptr) continue;
          CodedFinding e = c;
          e.value_code = d->code;
          e.value_label = d->label;
          e.severity = d->severity;
          out.push_back(std::move(e));
        }
        return;
      }
      case FieldType::kNumber:
        if (!v.is_number()) return;
        c.number = v.get<double>();
        c.unit = f.unit;
        break;
      case FieldType::kBoolean:
        if (!v.is_boolean()) return;
        c.value_code = v.get<bool>() ? "true" : "false";
        c.value_label = v.get<bool>() ? Label{"あり", "yes"} : Label{"なし", "no"};
        break;
      case FieldType::kText:
        if (!v.is_string() || v.get<std::string>().empty()) return;
        c.text = v.get<std::string>();
        break;
    }
    out.push_back(std::move(c));
  }

  const Template& t_;
};

std::string GridSeverity(int severity) {
  if (severity < 0) return "";
  return severity <= 1 ? "normal_mild" : severity == 2 ? "moderate" : "severe";
}

}  // namespace

base::Result<std::vector<CodedFinding>> ExtractFindings(std::string_view content,
                                                        const Template& t) {
  const json c = json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded() || !c.is_object())
    return base::InvalidArgument("report content: not a JSON object", "content");
  std::vector<Problem> problems;
  internal::ValidateJson(c, t, problems);
  if (!problems.empty())
    return base::InvalidArgument("report content: " + problems[0].message.en, problems[0].field);
  Extractor x(t);
  for (const char* s : {"technique", "comparison", "numbering", "alignment"})
    if (const auto it = c.find(s); it != c.end() && it->is_object()) x.Section(*it, s, "", {});
  if (const auto a = c.find("alignment"); a != c.end() && a->is_object() && a->contains("curves"))
    for (const json& curve : (*a)["curves"]) {
      const std::string site = internal::Str(curve, "upper") + "-" + internal::Str(curve, "lower");
      x.Section(curve, "curve", site == "-" ? "" : site, {});
    }
  if (const auto v = c.find("vertebrae"); v != c.end() && v->is_object()) {
    x.Section(*v, "vertebrae", "", {});
    if (const auto items = v->find("items"); items != v->end())
      for (const json& item : *items)
        x.Section(item, "vertebra", internal::Str(item, "vertebra"), FiguresOf(item));
  }
  for (const std::string& level : t.levels) {
    const json* e = internal::LevelEntry(c, level);
    if (e == nullptr) continue;
    if (internal::IsNormal(*e)) {
      CodedFinding n;
      n.site = level;
      n.field = "normal";
      n.field_label = {"高位の所見", "level findings"};
      n.value_code = "normal";
      n.value_label = {"異常なし", "normal"};
      x.out.push_back(std::move(n));
      continue;
    }
    x.Section(*e, "levels", level, FiguresOf(*e));
  }
  for (const char* s : {"cord", "paraspinal"})
    if (const auto it = c.find(s); it != c.end() && it->is_object()) x.Section(*it, s, "", {});
  return std::move(x.out);
}

base::Result<std::vector<GridCell>> RsnaLumbarGrid(std::string_view content, const Template& t) {
  if (t.modality != "MR" || t.region != "lumbar")
    return base::FailedPrecondition(
        "the RSNA lumbar grid is derived from a lumbar MRI report, not " + t.id);
  const json c = json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (c.is_discarded() || !c.is_object())
    return base::InvalidArgument("report content: not a JSON object", "content");
  std::vector<Problem> problems;
  internal::ValidateJson(c, t, problems);
  if (!problems.empty())
    return base::InvalidArgument("report content: " + problems[0].message.en, problems[0].field);
  struct Condition {
    const char* name;
    const char* side;                 // "" or the side of sided fields
    std::vector<const char*> fields;  // the first stated wins
  };
  const Condition conditions[] = {
      {"spinal_canal_stenosis", "", {"canal.grade", "canal.lee", "canal.lurie", "canal.schizas"}},
      {"left_neural_foraminal_narrowing", "left", {"foramen.lee"}},
      {"right_neural_foraminal_narrowing", "right", {"foramen.lee"}},
      {"left_subarticular_stenosis", "left", {"recess.grade"}},
      {"right_subarticular_stenosis", "right", {"recess.grade"}},
  };
  const char* levels[] = {"L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"};
  std::vector<GridCell> out;
  for (const Condition& cond : conditions) {
    for (const char* level : levels) {
      GridCell cell;
      cell.condition = cond.name;
      cell.level = level;
      std::string lower = level;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](char ch) {
        return ch == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      });
      cell.row_id = std::string(cond.name) + "_" + lower;
      if (const json* e = internal::LevelEntry(c, level)) {
        if (internal::IsNormal(*e)) {
          cell.severity = "normal_mild";
          cell.source = "normal";
        } else {
          for (const char* f : cond.fields) {
            const auto v = e->find(f);
            if (v == e->end()) continue;
            const json& value = *cond.side ? v->value(cond.side, json()) : *v;
            const int sev = internal::Severity(t, "levels", f, value);
            if (sev < 0) continue;
            cell.severity = GridSeverity(sev);
            cell.source = *cond.side ? std::string(f) + "." + cond.side : std::string(f);
            break;
          }
        }
      }
      out.push_back(std::move(cell));
    }
  }
  return out;
}

}  // namespace dokuei::spine
