// The list items inside frame sections: scoliosis curves (alignment.curves, template section
// "curve") and vertebrae (vertebrae.items, template section "vertebra") (narrative_internal.h).
#include <algorithm>

#include "dokuei/base/strings.h"
#include "narrative_internal.h"

namespace dokuei::spine::narrative {
namespace {

base::Status Bad(std::string msg, std::string field) {
  return base::InvalidArgument("report content: " + msg, std::move(field));
}

const FieldDef* CurveField(const Template& t, std::string_view id) {
  const auto it = t.sections.find("curve");
  if (it == t.sections.end()) return nullptr;
  for (const FieldDef& f : it->second) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

}  // namespace

base::Result<std::vector<Finding>> ReadCurves(Context& ctx, const json& curves) {
  const bool en = En(ctx.lang);
  std::vector<Finding> out;
  if (!curves.is_array()) return Bad("curves must be a list", "content.alignment.curves");
  for (size_t i = 0; i < curves.size(); ++i) {
    const json& c = curves[i];
    const std::string where = "content.alignment.curves[" + std::to_string(i) + "]";
    if (!c.is_object()) return Bad("each curve must be an object", where);
    for (auto it = c.begin(); it != c.end(); ++it) {
      if (it.key() != "figures" && CurveField(ctx.tmpl, it.key()) == nullptr)
        return Bad("unknown field \"" + it.key() + "\" for a curve", where + "." + it.key());
    }
    // Each field as the sections read it, then put together as one finding.
    std::string convexity, severity_noun, upper, lower, apex;
    std::optional<double> cobb;
    std::vector<std::string> others;
    Finding f;
    f.section = "alignment";
    f.field = "curve";
    f.condition = ctx.tmpl.conditions.count("scoliosis") ? "scoliosis" : "";
    for (const FieldDef& def : ctx.tmpl.sections.at("curve")) {
      const auto v = c.find(def.id);
      if (v == c.end() || v->is_null()) continue;
      if (def.type == FieldType::kNumber && def.id == "cobb") {
        if (!v->is_number()) return Bad("cobb must be a number", where + ".cobb");
        cobb = v->get<double>();
        continue;
      }
      auto one = ReadFields(ctx, "curve", json{{def.id, *v}}, where, "");
      if (!one.ok()) return one.status();
      if (one->empty()) continue;
      const Finding& r = one->front();
      if (def.id == "convexity") {
        convexity = r.noun;
      } else if (def.id == "severity") {
        if (r.abnormal) severity_noun = r.noun;
        f.severity = r.severity;
        f.abnormal = r.abnormal;
      } else if (def.id == "upper") {
        upper = r.noun;
      } else if (def.id == "lower") {
        lower = r.noun;
      } else if (def.id == "apex") {
        apex = r.noun;
      } else {
        others.push_back(r.fixed.empty() ? r.noun : r.fixed);
      }
    }
    auto figs = ReadFigures(ctx, c, where);
    if (!figs.ok()) return figs.status();
    f.figures = *figs;
    // A Cobb angle measured over the same end vertebrae.
    const std::string span = upper + "-" + lower;
    auto& measured = ctx.measurements_by_site["alignment"];
    for (auto m = measured.begin(); m != measured.end();) {
      if (m->kind != "cobb" || upper.empty() || m->site != span) {
        ++m;
        continue;
      }
      if (!cobb) cobb = m->value;
      for (int n : m->figures) {
        if (std::find(f.figures.begin(), f.figures.end(), n) == f.figures.end())
          f.figures.push_back(n);
      }
      m = measured.erase(m);
    }
    std::vector<std::string> extras;
    if (cobb) extras.push_back((en ? "Cobb angle " : "Cobb角") + FormatNumber(*cobb) + "°");
    if (!upper.empty() && !lower.empty()) {
      extras.push_back(SiteDisplay(span, ctx.lang));
    } else if (!upper.empty() || !lower.empty()) {
      const FieldDef* def = CurveField(ctx.tmpl, upper.empty() ? "lower" : "upper");
      extras.push_back(StripParen(def->label.In(ctx.lang)) + (en ? " " : "") +
                       (upper.empty() ? lower : upper));
    }
    if (!apex.empty()) extras.push_back(en ? "apex " + apex : "頂椎" + apex);
    for (std::string& o : others) {
      while (!o.empty() && (o.back() == '.' || base::EndsWith(o, "。")))
        o.resize(o.back() == '.' ? o.size() - 1 : o.size() - std::string_view("。").size());
      extras.push_back(o);
    }
    const std::string noun = severity_noun.empty() ? (en ? "scoliosis" : "側弯") : severity_noun;
    if (convexity.empty()) {
      f.noun = noun;
    } else if (!en) {
      f.noun = convexity + "の" + noun;
    } else {
      // "left-convex scoliosis", "scoliosis convex to the left".
      f.noun = base::StartsWith(convexity, "convex") ? noun + " " + convexity
                                                      : convexity + " " + noun;
    }
    if (!f.abnormal && cobb && *cobb >= 10) {
      f.abnormal = true;
      f.severity = std::max(f.severity, 1);
    }
    f.extras.clear();
    for (const std::string& e : extras) f.extras += (f.extras.empty() ? "" : en ? ", " : "、") + e;
    f.order = ctx.next_order++;
    out.push_back(std::move(f));
  }
  return out;
}

base::Result<std::vector<Finding>> ReadVertebraItems(Context& ctx, const json& items) {
  std::vector<Finding> out;
  if (!items.is_array()) return Bad("items must be a list", "content.vertebrae.items");
  for (size_t i = 0; i < items.size(); ++i) {
    const json& item = items[i];
    std::string where = "content.vertebrae.items[" + std::to_string(i) + "]";
    if (!item.is_object() || !item.contains("vertebra") || !item["vertebra"].is_string())
      return Bad("each vertebra item needs \"vertebra\"", where + ".vertebra");
    const std::string vertebra = item["vertebra"].get<std::string>();
    const auto& known = ctx.tmpl.vertebrae;
    if (std::find(known.begin(), known.end(), vertebra) == known.end())
      return Bad(vertebra + " is not a vertebra of " + ctx.tmpl.id, where + ".vertebra");
    where = "content.vertebrae.items[" + vertebra + "]";
    // The measurements made on this vertebra are its own.
    auto& section = ctx.measurements_by_site["vertebrae"];
    for (auto m = section.begin(); m != section.end();) {
      if (m->site == vertebra) {
        ctx.measurements_by_site[vertebra].push_back(*m);
        m = section.erase(m);
      } else {
        ++m;
      }
    }
    json fields = item;
    fields.erase("vertebra");
    auto fs = ReadFields(ctx, "vertebra", fields, where, vertebra);
    if (!fs.ok()) return fs.status();
    auto figs = ReadFigures(ctx, item, where);
    if (!figs.ok()) return figs.status();
    if (fs->empty()) {
      Finding f;
      f.section = "vertebra";
      f.site = vertebra;
      f.field = "vertebra";
      f.noun = En(ctx.lang) ? "no significant abnormality" : "特記すべき異常なし";
      f.fixed = EndSentence(En(ctx.lang) ? "No significant abnormality" : f.noun, ctx.lang);
      f.order = ctx.next_order++;
      fs->push_back(std::move(f));
    }
    Finding* target = nullptr;
    for (Finding& f : *fs) {
      if (target == nullptr || f.severity > target->severity) target = &f;
    }
    for (int n : *figs) {
      if (std::find(target->figures.begin(), target->figures.end(), n) == target->figures.end())
        target->figures.push_back(n);
    }
    out.insert(out.end(), fs->begin(), fs->end());
  }
  return out;
}

}  // namespace dokuei::spine::narrative
