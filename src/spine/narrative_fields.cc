// Reading the fields of one section or level entry into findings (narrative_internal.h).
//
// Fields are read in the template's order and grouped by the part of their id before the first
// dot ("disc.pfirrmann", "disc.contour" -> "disc"), so that a level reads as one sentence per
// structure. Inside a group, qualifier fields (side, zone, direction, location) are written in
// front of the nearest preceding finding ("右傍中心性の椎間板突出"); type and migration after it
// in parentheses; numbers and measurements of the group in parentheses after the sentence.
#include <algorithm>
#include <set>

#include "dokuei/base/strings.h"
#include "narrative_internal.h"

namespace dokuei::spine::narrative {
namespace {

const FieldDef* FieldOf(const Template& t, std::string_view section, std::string_view id) {
  const auto it = t.sections.find(std::string(section));
  if (it == t.sections.end()) return nullptr;
  for (const FieldDef& f : it->second) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

const ValueDef* ValueOf(const ValueSet& set, std::string_view code) {
  for (const ValueDef& v : set.values) {
    if (v.code == code) return &v;
  }
  return nullptr;
}

std::string Group(std::string_view id) {
  const size_t dot = id.find('.');
  return std::string(dot == std::string_view::npos ? id : id.substr(0, dot));
}

std::string LastSegment(std::string_view id) {
  const size_t dot = id.rfind('.');
  return std::string(dot == std::string_view::npos ? id : id.substr(dot + 1));
}

// Qualifiers say where or what kind a finding of their group is; they are not findings.
// `item` is true in the list-item sections ("vertebra", "curve"), whose fields are flat.
bool IsPrefixQualifier(std::string_view id, bool item) {
  const std::string last = LastSegment(id);
  return (item || id.find('.') != std::string_view::npos) &&
         (last == "side" || last == "zone" || last == "direction" || last == "location" ||
          last == "detail");
}

bool IsSuffixQualifier(std::string_view id, bool item) {
  const std::string last = LastSegment(id);
  return (item || id.find('.') != std::string_view::npos) &&
         (last == "type" || last == "migration" || last == "morphology" ||
          last == "craniocaudal" || last == "shape");
}

base::Status Bad(std::string msg, std::string field) {
  return base::InvalidArgument("report content: " + msg, std::move(field));
}

// A value of a value set as the narrative writes it.
struct Phrase {
  std::string text;      // the phrase, or the label when the value has none
  std::string label;     // the value's short label ("Lee 2")
  bool from_label = false;
  int severity = 0;
  int index = 0;         // position in the value set (a tie-break for "worse")
};

base::Result<Phrase> Resolve(const Context& ctx, const FieldDef& f, const json& v,
                             const std::string& name) {
  if (!v.is_string()) return Bad(f.id + " must be a code (a string)", name);
  const auto set_it = ctx.catalog.value_sets.find(f.value_set);
  if (set_it == ctx.catalog.value_sets.end()) {
    return base::Internal("template " + ctx.tmpl.id + ": field " + f.id +
                          " names the unknown value set " + f.value_set);
  }
  const ValueDef* def = ValueOf(set_it->second, v.get<std::string>());
  if (def == nullptr) {
    return Bad("\"" + v.get<std::string>() + "\" is not a value of " + f.value_set, name);
  }
  Phrase p;
  p.label = def->label.In(ctx.lang);
  p.text = def->phrase.In(ctx.lang);
  if (p.text.empty()) {
    p.text = p.label;
    p.from_label = true;
  }
  p.severity = def->severity;
  p.index = static_cast<int>(def - set_it->second.values.data());
  return p;
}

// The noun phrase of an abnormal value: its phrase, or "{field}(label)" when it has none.
std::string AbnormalNoun(const Context& ctx, const FieldDef& f, const Phrase& p) {
  if (!p.from_label) return En(ctx.lang) ? p.text : NounFormJa(p.text);
  return StripParen(f.label.In(ctx.lang)) + Paren(p.label, ctx.lang);
}

// The sentence of a value stated normal (outside a level: "脊柱管狭窄なし。").
std::string NormalSentence(const Context& ctx, const FieldDef& f, const Phrase& p) {
  const bool en = En(ctx.lang);
  // "脊髄円錐はL1高位" states something: "脊髄円錐はL1高位です。".
  if (!en && !p.from_label && !IsClauseJa(p.text) && p.text.find("は") != std::string::npos)
    return p.text + "です。";
  if (p.from_label || (!en && !IsClauseJa(p.text))) {
    return EndSentence(Capitalize(StripParen(f.label.In(ctx.lang))) + ": " + p.text, ctx.lang);
  }
  return EndSentence(en ? Capitalize(p.text) : p.text, ctx.lang);
}

std::string SideWord(std::string_view side, std::string_view lang) {
  if (side == "left") return En(lang) ? "left" : "左";
  if (side == "right") return En(lang) ? "right" : "右";
  return En(lang) ? "bilateral" : "両側";
}

// A sided field: "両側に…", "右に…", "右優位の両側…(右: Lee 2、左: Lee 1)".
base::Result<Finding> ReadSided(const Context& ctx, const FieldDef& f, const json& v,
                                const std::string& name) {
  if (!v.is_object() || !v.contains("left") || !v.contains("right")) {
    return Bad(f.id + " needs both sides: {\"left\": …, \"right\": …}", name);
  }
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (it.key() != "left" && it.key() != "right")
      return Bad("unknown side \"" + it.key() + "\"", name + "." + it.key());
  }
  auto left = Resolve(ctx, f, v["left"], name + ".left");
  if (!left.ok()) return left.status();
  auto right = Resolve(ctx, f, v["right"], name + ".right");
  if (!right.ok()) return right.status();
  const bool en = En(ctx.lang);
  const std::string& lang = ctx.lang;
  Finding out;
  out.field = f.id;
  out.severity = std::max(left->severity, right->severity);
  out.abnormal = out.severity > 0;
  const std::string cond = StripParen(f.label.In(lang));
  const std::string sides = JoinList({SideWord("right", lang) + ": " + right->label,
                                      SideWord("left", lang) + ": " + left->label},
                                     lang);
  if (!out.abnormal) {
    if (left->text == right->text) {
      std::string s = NormalSentence(ctx, f, *left);
      if (en) {
        s.pop_back();
        out.fixed = s + " bilaterally.";
      } else {
        out.fixed = "両側とも" + s;
      }
    } else {
      out.fixed = EndSentence(Capitalize(cond) + Paren(sides, lang), lang);
    }
    out.noun = out.fixed;
    return out;
  }
  if (left->severity == 0 || right->severity == 0 || left->text == right->text) {
    const bool both = left->text == right->text;
    const Phrase& p = left->severity > 0 ? *left : *right;
    out.side = both ? "both" : (left->severity > 0 ? "left" : "right");
    const std::string noun = AbnormalNoun(ctx, f, p);
    if (en) {
      out.noun = SideWord(out.side, lang) + " " + noun;
    } else {
      out.noun = SideWord(out.side, lang) + "の" + noun;
      out.stated = SideWord(out.side, lang) + "に" + noun;
    }
    return out;
  }
  out.side = "both";
  const bool right_worse = right->severity != left->severity
                               ? right->severity > left->severity
                               : right->index > left->index;
  if (right->severity == left->severity) {
    out.noun = en ? "bilateral " + cond : "両側の" + cond;
    if (!en) out.stated = "両側に" + cond;
  } else if (en) {
    out.noun = "bilateral " + cond + ", " + (right_worse ? "right" : "left") + " worse than " +
               (right_worse ? "left" : "right");
  } else {
    out.noun = std::string(right_worse ? "右" : "左") + "優位の両側" + cond;
    out.stated = out.noun;
  }
  out.extras = sides;
  return out;
}

// One item of a group before the group is written.
struct Item {
  const FieldDef* def = nullptr;
  Finding finding;
  std::vector<std::pair<std::string, std::string>> prefix;  // (field id, text) written in front
  std::vector<std::string> suffix;  // qualifiers written after, in parentheses
};

std::string NumberText(const Context& ctx, const FieldDef& f, double v) {
  const std::string label = StripParen(f.label.In(ctx.lang));
  return (En(ctx.lang) ? label + " " : label) + FormatNumber(v) + UnitDisplay(f.unit);
}

// The condition (of the template's five) that names this field, or "".
std::string ConditionOf(const Template& t, std::string_view section, std::string_view field) {
  for (const auto& [condition, paths] : t.conditions) {
    for (const std::string& path : paths) {
      if (section == "levels") {
        if (path == "levels/" + std::string(field)) return condition;
      } else if (path == std::string(section) + "." + std::string(field)) {
        return condition;
      }
    }
  }
  return "";
}

// Where a measurement outside the levels attaches: the field whose id contains this.
std::string_view GlobalAnchor(std::string_view kind) {
  if (kind == "cobb") return "scoliosis";
  if (kind == "height_loss") return "fracture";
  return "";
}

}  // namespace

std::string Sentence(const Finding& f, std::string_view lang) {
  if (f.fixed.empty()) {
    return StateFinding(f.stated.empty() ? f.noun : f.stated, f.extras, f.figures, lang);
  }
  std::string s = f.fixed;
  const std::string tail = ExtrasAndFigures(f.extras, f.figures, lang);
  if (tail.empty()) return s;
  for (std::string_view end : {"。", "."}) {
    if (base::EndsWith(s, end)) {
      s.resize(s.size() - end.size());
      return s + tail + std::string(end);
    }
  }
  return s + tail;
}

base::Result<std::vector<int>> ReadFigures(const Context& ctx, const json& object,
                                           std::string_view where) {
  std::vector<int> out;
  const auto it = object.find("figures");
  if (it == object.end()) return out;
  const std::string name = std::string(where) + ".figures";
  if (!it->is_array()) return Bad("figures must be a list of key image numbers", name);
  for (const json& n : *it) {
    if (!n.is_number_integer() || n.get<int64_t>() < 1 ||
        n.get<int64_t>() > static_cast<int64_t>(ctx.figure_count)) {
      return Bad("figures must name key images 1.." + std::to_string(ctx.figure_count), name);
    }
    const int f = n.get<int>();
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  }
  return out;
}

base::Result<std::vector<Finding>> ReadFields(Context& ctx, std::string_view section,
                                              const json& object, std::string_view where,
                                              std::string_view site) {
  const bool en = En(ctx.lang);
  // A level entry or a vertebra item: only what is wrong is written.
  const bool in_level = section == "levels" || section == "vertebra";
  const bool item_section = section == "vertebra" || section == "curve";
  bool most_severe = false;
  if (!object.is_object()) return Bad(std::string(section) + " must be an object", std::string(where));
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() == "figures" || (in_level && (it.key() == "level" || it.key() == "normal")))
      continue;
    if (FieldOf(ctx.tmpl, section, it.key()) == nullptr) {
      return Bad("unknown field \"" + it.key() + "\" for template " + ctx.tmpl.id,
                 std::string(where) + "." + it.key());
    }
  }
  // Groups in the template's order of their first field.
  std::vector<std::string> group_order;
  std::map<std::string, std::vector<Item>> items;
  std::map<std::string, std::vector<std::string>> numbers;
  std::map<std::string, std::vector<std::string>> number_units;  // parallel to `numbers`
  std::vector<Finding> out;
  const auto sec = ctx.tmpl.sections.find(std::string(section));
  const std::vector<FieldDef> none;
  for (const FieldDef& f : sec == ctx.tmpl.sections.end() ? none : sec->second) {
    const auto it = object.find(f.id);
    if (it == object.end() || it->is_null()) continue;
    const std::string name = std::string(where) + "." + f.id;
    const std::string group = item_section ? std::string(section) : Group(f.id);
    if (f.id == "most_severe" && f.type == FieldType::kBoolean) {
      // The reader's flag for the worst level: it ranks the level in the impression.
      if (!it->is_boolean()) return Bad(f.id + " must be true or false", name);
      most_severe = it->get<bool>();
      continue;
    }
    if (std::find(group_order.begin(), group_order.end(), group) == group_order.end())
      group_order.push_back(group);
    std::vector<Item>& list = items[group];
    const json& v = *it;
    if (f.type == FieldType::kNumber) {
      if (!v.is_number()) return Bad(f.id + " must be a number", name);
      numbers[group].push_back(NumberText(ctx, f, v.get<double>()));
      number_units[group].push_back(f.unit);
      continue;
    }
    if (f.type == FieldType::kText) {
      const std::string text = FreeText(v, ctx.lang);
      if (!v.is_string() && !v.is_object()) return Bad(f.id + " must be a text", name);
      if (text.empty()) continue;
      Item item{&f, {}, {}, {}};
      item.finding.fixed =
          EndSentence(Capitalize(StripParen(f.label.In(ctx.lang))) + ": " + text, ctx.lang);
      item.finding.noun = text;
      list.push_back(std::move(item));
      continue;
    }
    if (f.type == FieldType::kBoolean) {
      if (!v.is_boolean()) return Bad(f.id + " must be true or false", name);
      Item item{&f, {}, {}, {}};
      const std::string label = StripParen(f.label.In(ctx.lang));
      // How the study was made is stated, not found: "立位撮影。", not "立位撮影を認めます".
      const bool descriptive =
          section == "technique" || section == "comparison" || section == "numbering";
      if (v.get<bool>() && descriptive) {
        item.finding.fixed = EndSentence(en ? Capitalize(label) : label, ctx.lang);
      } else if (v.get<bool>()) {
        item.finding.severity = 1;
        item.finding.abnormal = true;
        item.finding.noun = en ? base::ToLowerAscii(label.substr(0, 1)) + label.substr(1) : label;
      } else {
        item.finding.fixed = en ? "No " + base::ToLowerAscii(label.substr(0, 1)) +
                                      label.substr(1) + "."
                                : label + "なし。";
      }
      list.push_back(std::move(item));
      continue;
    }
    // Codes.
    const bool qualifier =
        IsPrefixQualifier(f.id, item_section) || IsSuffixQualifier(f.id, item_section);
    if (qualifier && f.type == FieldType::kCode && !f.sided) {
      auto p = Resolve(ctx, f, v, name);
      if (!p.ok()) return p.status();
      // The nearest preceding coded finding of the group takes it; alone it is a statement.
      Item* target = nullptr;
      for (auto r = list.rbegin(); r != list.rend(); ++r) {
        if (r->def->type == FieldType::kCode || r->def->type == FieldType::kCodes) {
          target = &*r;
          break;
        }
      }
      if (target != nullptr && target->def->sided == false) {
        if (IsPrefixQualifier(f.id, item_section)) {
          target->prefix.emplace_back(f.id, p->text);
        } else {
          target->suffix.push_back(p->text);
        }
        continue;
      }
      Item item{&f, {}, {}, {}};
      item.finding.fixed = NormalSentence(ctx, f, *p);
      item.finding.noun = p->text;
      list.push_back(std::move(item));
      continue;
    }
    Item item{&f, {}, {}, {}};
    if (f.sided) {
      auto s = ReadSided(ctx, f, v, name);
      if (!s.ok()) return s.status();
      item.finding = std::move(*s);
    } else if (f.type == FieldType::kCodes) {
      if (!v.is_array()) return Bad(f.id + " must be a list of codes", name);
      std::vector<std::string> abnormal, normal;
      for (size_t i = 0; i < v.size(); ++i) {
        auto p = Resolve(ctx, f, v[i], name + "[" + std::to_string(i) + "]");
        if (!p.ok()) return p.status();
        item.finding.severity = std::max(item.finding.severity, p->severity);
        if (p->severity > 0) {
          abnormal.push_back(AbnormalNoun(ctx, f, *p));
        } else {
          normal.push_back(p->text);
        }
      }
      item.finding.abnormal = !abnormal.empty();
      if (item.finding.abnormal) {
        item.finding.noun = JoinNouns(abnormal, ctx.lang);
      } else if (!normal.empty()) {
        std::string values;
        for (const std::string& n : normal) values += (values.empty() ? "" : en ? ", " : "、") + n;
        item.finding.fixed =
            EndSentence(Capitalize(StripParen(f.label.In(ctx.lang))) + ": " + values, ctx.lang);
      } else {
        continue;
      }
    } else {
      auto p = Resolve(ctx, f, v, name);
      if (!p.ok()) return p.status();
      item.finding.severity = p->severity;
      item.finding.abnormal = p->severity > 0;
      item.finding.names.push_back(p->label);
      if (item.finding.abnormal) {
        item.finding.noun = AbnormalNoun(ctx, f, *p);
      } else {
        item.finding.fixed = NormalSentence(ctx, f, *p);
        item.finding.noun = p->text;
      }
    }
    list.push_back(std::move(item));
  }

  // Measurements made at this site or for this section.
  std::vector<Measured> measured;
  if (const auto m = ctx.measurements_by_site.find(std::string(site.empty() ? section : site));
      m != ctx.measurements_by_site.end()) {
    measured = m->second;
  }

  // Write each group.
  for (const std::string& group : group_order) {
    std::vector<Finding> written;
    for (Item& item : items[group]) {
      Finding& f = item.finding;
      f.section = std::string(section);
      f.site = std::string(site);
      f.field = item.def->id;
      f.condition = ConditionOf(ctx.tmpl, section, item.def->id);
      f.names.push_back(StripParen(item.def->label.In(ctx.lang)));
      if (f.abnormal && f.fixed.empty()) {
        // The side first: "右傍中心性の…" / "right paracentral …".
        auto rank = [](const std::string& id) {
          const std::string last = LastSegment(id);
          return last == "side" ? 0 : last == "detail" ? 2 : 1;
        };
        std::stable_sort(item.prefix.begin(), item.prefix.end(), [&](const auto& a, const auto& b) {
          return rank(a.first) < rank(b.first);
        });
        std::string prefix;
        for (size_t i = 0; i < item.prefix.size(); ++i) {
          const bool after_side = i == 1 && LastSegment(item.prefix[0].first) == "side";
          if (i > 0) prefix += en ? " " : (after_side ? "" : "・");
          prefix += item.prefix[i].second;
        }
        if (!prefix.empty()) {
          f.noun = en ? prefix + " " + f.noun : prefix + "の" + f.noun;
          f.stated.clear();
        }
        if (!item.suffix.empty()) {
          std::vector<std::string> extras = item.suffix;
          if (!f.extras.empty()) extras.push_back(f.extras);
          f.extras = JoinList(extras, ctx.lang);
        }
      }
      // A normal value inside a level is left out: the level says what is wrong with it.
      // (The correlation with the symptomatic side is the exception: it is what the referring
      // doctor asked.)
      if (in_level && !f.abnormal && item.def->type != FieldType::kText &&
          item.def->id != "correlation")
        continue;
      written.push_back(std::move(f));
    }
    // Inside a level, the unsided abnormal findings of a group make one sentence.
    if (in_level) {
      std::vector<Finding> merged;
      for (Finding& f : written) {
        const bool joinable = f.abnormal && f.fixed.empty() && f.side.empty() && f.stated.empty();
        if (joinable && !merged.empty() && merged.back().abnormal &&
            merged.back().fixed.empty() && merged.back().side.empty() &&
            merged.back().stated.empty()) {
          Finding& m = merged.back();
          if (f.severity > m.severity) {
            m.field = f.field;
            m.condition = f.condition.empty() ? m.condition : f.condition;
          }
          if (m.condition.empty()) m.condition = f.condition;
          m.severity = std::max(m.severity, f.severity);
          // Two grades of one condition ("中等度の脊柱管狭窄", "中等度の脊柱管狭窄 (馬尾の
          // 一部が集簇)"): the more precise one says both.
          if (StripParen(f.noun) == StripParen(m.noun) || StripParen(f.noun) == m.noun) {
            if (f.noun.size() > m.noun.size()) m.noun = f.noun;
          } else if (StripParen(m.noun) != f.noun) {
            m.noun = m.noun + (en ? " and " : "と") + f.noun;
          }
          if (!f.extras.empty())
            m.extras = m.extras.empty() ? f.extras : JoinList({m.extras, f.extras}, ctx.lang);
          m.names.insert(m.names.end(), f.names.begin(), f.names.end());
          continue;
        }
        merged.push_back(std::move(f));
      }
      written = std::move(merged);
    }
    // Numbers of the group, and the measurements that belong to it.
    // A typed number of the quantity a measurement of the group gives is not repeated: the
    // measurement (computed from points) is cited instead ("すべり率27%" once, not twice).
    std::vector<std::string> extras;
    for (size_t i = 0; i < numbers[group].size(); ++i) {
      const std::string& unit = number_units[group][i];
      const bool measured_here = std::any_of(measured.begin(), measured.end(), [&](const auto& m) {
        return in_level && MeasurementGroup(m.kind) == group && m.unit == unit;
      });
      if (!measured_here) extras.push_back(numbers[group][i]);
    }
    std::vector<int> extra_figures;
    Finding* anchor = nullptr;
    for (Finding& f : written) {
      if (f.abnormal && f.fixed.empty()) {
        anchor = &f;
        break;
      }
    }
    for (auto m = measured.begin(); m != measured.end();) {
      const bool mine = in_level ? MeasurementGroup(m->kind) == group
                                 : !GlobalAnchor(m->kind).empty() &&
                                       group.find(GlobalAnchor(m->kind)) != std::string::npos;
      if (!mine || anchor == nullptr) {
        ++m;
        continue;
      }
      Measured here = *m;
      if (in_level) here.site.clear();  // the row or item already names its site
      extras.push_back(CiteMeasurement(here, ctx.lang, /*with_grade=*/false));
      for (int fig : m->figures) extra_figures.push_back(fig);
      m = measured.erase(m);
    }
    if (!extras.empty()) {
      if (anchor != nullptr) {
        if (!anchor->extras.empty()) extras.insert(extras.begin(), anchor->extras);
        anchor->extras = JoinList(extras, ctx.lang);
        for (int fig : extra_figures) {
          if (std::find(anchor->figures.begin(), anchor->figures.end(), fig) ==
              anchor->figures.end())
            anchor->figures.push_back(fig);
        }
      } else {
        Finding f;
        f.section = std::string(section);
        f.site = std::string(site);
        f.field = group;
        f.noun = JoinList(extras, ctx.lang);
        f.fixed = EndSentence(en ? Capitalize(f.noun) : f.noun, ctx.lang);
        written.push_back(std::move(f));
      }
    }
    for (Finding& f : written) {
      f.order = ctx.next_order++;
      out.push_back(std::move(f));
    }
  }
  for (Finding& f : out) f.most_severe = most_severe;
  // Outside the levels, two fields may say the same words ("生理的前弯は保たれています" for the
  // cervical and the lumbar spine): then each says which field it is.
  if (!in_level) {
    std::map<std::string, int> seen;
    for (const Finding& f : out) {
      if (!f.fixed.empty()) ++seen[f.fixed];
    }
    for (Finding& f : out) {
      if (f.fixed.empty() || seen[f.fixed] < 2) continue;
      const FieldDef* def = FieldOf(ctx.tmpl, section, f.field);
      if (def == nullptr) continue;
      f.fixed = Capitalize(StripParen(def->label.In(ctx.lang))) + ": " +
                (en ? std::string(1, static_cast<char>(std::tolower(f.fixed[0]))) + f.fixed.substr(1)
                    : f.fixed);
    }
  }
  // Measurements with no finding to attach to: their own statement.
  for (const Measured& m : measured) {
    Finding f;
    f.section = std::string(section);
    f.site = std::string(site);
    f.field = "measurement." + m.kind;
    const bool graded = !m.grade.empty() && m.grade != "0" && m.grade != "none";
    f.abnormal = graded;
    f.severity = graded ? 1 : 0;
    f.noun = CiteMeasurement(m, ctx.lang, /*with_grade=*/true);
    if (!in_level && m.kind != "cobb" && m.kind != "height_loss" && !m.site.empty()) {
      f.noun = SiteDisplay(m.site, ctx.lang) + (en ? " " : "の") + f.noun;
    }
    if (m.kind == "cobb") f.condition = ConditionOf(ctx.tmpl, "alignment", "scoliosis");
    f.fixed = EndSentence(en ? Capitalize(f.noun) : f.noun, ctx.lang);
    f.figures = m.figures;
    f.order = ctx.next_order++;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace dokuei::spine::narrative
