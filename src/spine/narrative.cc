// Narrate: the report content written out as a spine::Document (narrative.h).
#include "dokuei/spine/narrative.h"

#include <algorithm>
#include <set>

#include "dokuei/base/strings.h"
#include "narrative_internal.h"

namespace dokuei::spine {
namespace {

using narrative::Context;
using narrative::En;
using narrative::Finding;
using narrative::json;
using narrative::Capitalize;

base::Status Bad(std::string msg, std::string field) {
  return base::InvalidArgument("report content: " + msg, std::move(field));
}

struct SectionName {
  std::string_view id, ja, en;
};

// The frame's sections that hold template fields, in the frame's order (levels go between
// vertebrae and cord: Document.levels).
constexpr SectionName kSections[] = {
    {"technique", "撮像方法", "Technique"},
    {"comparison", "比較", "Comparison"},
    {"numbering", "椎体の番号付け", "Vertebral numbering"},
    {"alignment", "アライメント", "Alignment"},
    {"vertebrae", "椎体・骨髄", "Vertebral bodies and marrow"},
    {"cord", "脊髄・円錐・馬尾", "Spinal cord, conus and cauda equina"},
    {"paraspinal", "傍脊柱軟部組織", "Paraspinal soft tissues"},
};

std::string Join(const std::vector<std::string>& sentences, std::string_view lang) {
  std::string out;
  for (const std::string& s : sentences) {
    if (s.empty()) continue;
    if (!out.empty() && En(lang)) out += " ";
    out += s;
  }
  return out;
}

// The figures of an object go to its most severe abnormal finding (the first of equals), or to
// its last finding when nothing is abnormal.
void AttachFigures(std::vector<Finding>& fs, const std::vector<int>& figures) {
  if (figures.empty() || fs.empty()) return;
  Finding* target = nullptr;
  for (Finding& f : fs) {
    if (f.abnormal && (target == nullptr || f.severity > target->severity)) target = &f;
  }
  if (target == nullptr) target = &fs.back();
  for (int n : figures) {
    // A figure already cited by an equally severe finding (through its measurement) is not
    // cited twice.
    const bool cited = std::any_of(fs.begin(), fs.end(), [&](const Finding& f) {
      return &f != target && f.severity >= target->severity &&
             std::find(f.figures.begin(), f.figures.end(), n) != f.figures.end();
    });
    if (cited) continue;
    if (std::find(target->figures.begin(), target->figures.end(), n) == target->figures.end())
      target->figures.push_back(n);
  }
}

base::Status ReadMeasurements(const json& content, Context& ctx,
                              const std::map<std::string, std::vector<int>>& shown_in,
                              std::vector<std::string>& spacings) {
  const auto it = content.find("measurements");
  if (it == content.end()) return base::Status::Ok();
  if (!it->is_array()) return Bad("measurements must be a list", "content.measurements");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    const std::string name = "content.measurements[" + std::to_string(i) + "]";
    if (!m.is_object()) return Bad("each measurement must be an object", name);
    narrative::Measured out;
    for (const auto& [key, target] :
         {std::pair<std::string_view, std::string*>{"id", &out.id}, {"kind", &out.kind},
          {"unit", &out.unit}, {"site", &out.site}, {"grade", &out.grade},
          {"spacing", &out.spacing}}) {
      const auto v = m.find(key);
      if (v == m.end()) continue;
      if (!v->is_string()) return Bad(std::string(key) + " must be a string", name + "." + std::string(key));
      *target = v->get<std::string>();
    }
    const auto v = m.find("value");
    if (v == m.end() || !v->is_number()) return Bad("a measurement needs a numeric value", name + ".value");
    if (out.kind.empty()) return Bad("a measurement needs its kind", name + ".kind");
    out.value = v->get<double>();
    if (const auto s = shown_in.find(out.id); s != shown_in.end()) out.figures = s->second;
    if (!out.spacing.empty() &&
        std::find(spacings.begin(), spacings.end(), out.spacing) == spacings.end())
      spacings.push_back(out.spacing);
    const auto& t = ctx.tmpl;
    std::string key;
    if (std::find(t.levels.begin(), t.levels.end(), out.site) != t.levels.end()) {
      key = out.site;
    } else if (out.kind == "height_loss" ||
               std::find(t.vertebrae.begin(), t.vertebrae.end(), out.site) != t.vertebrae.end()) {
      key = "vertebrae";
    } else {
      key = "alignment";
    }
    ctx.measurements_by_site[key].push_back(std::move(out));
  }
  return base::Status::Ok();
}

base::Result<std::vector<Figure>> ReadFigureList(const json& content, const NarrativeInput& in,
                                                 std::string_view lang,
                                                 std::map<std::string, std::vector<int>>& shown) {
  std::vector<Figure> out;
  const auto it = content.find("key_images");
  if (it == content.end()) return out;
  if (!it->is_array()) return Bad("key_images must be a list", "content.key_images");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& k = (*it)[i];
    const std::string name = "content.key_images[" + std::to_string(i) + "]";
    if (!k.is_object()) return Bad("each key image must be an object", name);
    Figure f;
    const int number = static_cast<int>(i) + 1;
    for (const Figure& given : in.figures) {
      if (given.number == number) f = given;
    }
    f.number = number;
    if (f.sop_instance_uid.empty() && k.contains("instance") && k["instance"].is_string())
      f.sop_instance_uid = k["instance"].get<std::string>();
    if (k.contains("frame")) {
      if (!k["frame"].is_number_integer() || k["frame"].get<int64_t>() < 1 ||
          k["frame"].get<int64_t>() > 1000000)
        return Bad("frame must be a number from 1", name + ".frame");
      f.frame = k["frame"].get<int>();
    }
    if (f.caption.empty() && k.contains("caption")) f.caption = narrative::FreeText(k["caption"], lang);
    if (const auto a = k.find("annotations"); a != k.end() && a->is_array()) {
      for (const json& ann : *a) {
        if (ann.is_object() && ann.contains("type") && ann["type"] == "measurement" &&
            ann.contains("ref") && ann["ref"].is_string()) {
          shown[ann["ref"].get<std::string>()].push_back(number);
        }
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

// "前回検査(2025年3月12日、MRI)と比較しました。" when the comparison names a dated prior; the
// remaining fields as any section's.
base::Result<std::vector<std::string>> Comparison(Context& ctx, const json& object) {
  const bool en = En(ctx.lang);
  std::vector<std::string> out;
  std::string date, modality;
  json rest = object;
  if (object.is_object()) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (it.key().find("date") != std::string::npos && it->is_string()) {
        date = narrative::DateDisplay(it->get<std::string>(), ctx.lang);
      }
    }
  }
  if (!date.empty()) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (it.key().find("date") != std::string::npos) {
        rest.erase(it.key());
      } else if (it.key().find("modality") != std::string::npos) {
        auto one = narrative::ReadFields(ctx, "comparison", json{{it.key(), it.value()}},
                                         "content.comparison", "");
        if (!one.ok()) return one.status();
        if (!one->empty()) modality = one->front().noun;
        rest.erase(it.key());
      } else if (it.key() == "prior") {
        rest.erase(it.key());
      }
    }
    if (en) {
      out.push_back("Compared with the prior " + (modality.empty() ? "study" : modality) +
                    " of " + date + ".");
    } else {
      out.push_back("前回検査(" + date + (modality.empty() ? "" : "、" + modality) +
                    ")と比較しました。");
    }
  }
  auto fs = narrative::ReadFields(ctx, "comparison", rest, "content.comparison", "");
  if (!fs.ok()) return fs.status();
  for (const Finding& f : *fs) out.push_back(narrative::Sentence(f, ctx.lang));
  return out;
}

std::string Category(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_string()) return v.get<std::string>();
  return "";
}

std::string MethodWord(std::string_view m, std::string_view lang) {
  const bool en = En(lang);
  if (m == "phone") return en ? "by telephone" : "電話";
  if (m == "app") return en ? "through the application" : "アプリ通知";
  if (m == "email") return en ? "by e-mail" : "電子メール";
  if (m == "in_person") return en ? "in person" : "対面";
  if (m == "fax") return en ? "by fax" : "ファクス";
  return std::string(m);
}

base::Result<std::string> CriticalStatement(const json& content, const std::vector<Finding>& fs,
                                            std::string_view lang) {
  const auto it = content.find("critical_communication");
  if (it == content.end() || !it->is_object()) return std::string();
  const json& c = *it;
  const std::string cat = Category(c.value("category", json()));
  if (cat.empty() || cat == "none" || cat == "0") return std::string();
  if (cat != "1" && cat != "2" && cat != "3") {
    return Bad("category must be none, 1, 2 or 3", "content.critical_communication.category");
  }
  const bool en = En(lang);
  auto text = [&](std::string_view key) {
    const auto v = c.find(key);
    return v == c.end() ? std::string() : narrative::FreeText(*v, lang);
  };
  std::string finding = text("finding");
  if (finding.empty()) {
    const Finding* top = nullptr;
    for (const Finding& f : fs) {
      if (f.abnormal && (top == nullptr || f.severity > top->severity)) top = &f;
    }
    if (top != nullptr) {
      const std::string site = narrative::SiteDisplay(top->site, lang);
      finding = en ? top->noun + (site.empty() ? "" : " at " + site)
                   : (site.empty() ? "" : site + "の") + top->noun;
    }
  }
  const std::string to = text("notified_to"), by = text("notified_by"),
                    at = narrative::JstDisplay(text("notified_at"), lang),
                    method = MethodWord(text("method"), lang);
  static const std::map<std::string, std::pair<std::string, std::string>> kNames = {
      {"1", {"緊急", "immediate"}}, {"2", {"準緊急", "urgent"}}, {"3", {"非緊急", "non-urgent"}}};
  const auto& name = kNames.at(cat);
  std::string out;
  if (en) {
    out = "Category " + cat + " (" + name.second + ") critical result";
    out += finding.empty() ? "." : ": " + narrative::EndSentence(finding, lang);
    if (!to.empty() || !at.empty() || !method.empty()) {
      out += " Communicated";
      if (!method.empty()) out += " " + method;
      if (!to.empty()) out += " to " + to;
      if (!by.empty()) out += " by " + by;
      if (!at.empty()) out += " at " + at;
      out += ".";
    }
    return out;
  }
  out = "カテゴリー" + cat + "(" + name.first + ")の重要所見として、";
  if (!finding.empty()) out += finding + "について、";
  if (!at.empty()) out += at + "に";
  if (!by.empty()) out += by + "より";
  if (!to.empty()) out += to + "へ";
  out += method.empty() ? "連絡しました。" : method + "で連絡しました。";
  return out;
}

}  // namespace

base::Result<Document> Narrate(std::string_view content_json, const Template& tmpl,
                               const Catalog& catalog, const NarrativeInput& input,
                               std::string_view lang) {
  if (lang != "ja" && lang != "en") return base::InvalidArgument("lang must be ja or en", "lang");
  const json content = json::parse(content_json, nullptr, /*allow_exceptions=*/false);
  if (content.is_discarded() || !content.is_object())
    return Bad("not a JSON object", "content");
  if (const auto t = content.find("template"); t != content.end() && t->is_object()) {
    const auto id = t->find("id");
    if (id != t->end() && (!id->is_string() || id->get<std::string>() != tmpl.id))
      return Bad("written for template " + id->dump() + ", not " + tmpl.id, "content.template.id");
  }
  const bool en = En(lang);
  Context ctx{tmpl, catalog, std::string(lang), {}, 0, 0};

  Document doc;
  doc.lang = std::string(lang);
  doc.title = en ? "Radiology report" : "読影レポート";
  doc.template_title = tmpl.title.In(lang);
  doc.study = input.study;
  doc.signers = input.signers;
  doc.status = input.status;
  doc.addendum_text = input.addendum_text;
  doc.version = input.version;
  doc.released_at = input.released_at;
  if (const auto q = content.find("clinical_question"); q != content.end())
    doc.clinical_question = narrative::FreeText(*q, lang);

  std::map<std::string, std::vector<int>> shown_in;
  auto figures = ReadFigureList(content, input, lang, shown_in);
  if (!figures.ok()) return figures.status();
  doc.figures = std::move(*figures);
  ctx.figure_count = doc.figures.size();
  std::vector<std::string> spacings;
  DOKUEI_RETURN_IF_ERROR(ReadMeasurements(content, ctx, shown_in, spacings));

  std::vector<Finding> all;  // every finding, for the impression and the critical statement
  auto add_section = [&](const SectionName& s, std::vector<std::string> sentences) {
    if (sentences.empty()) return;
    doc.sections.push_back({std::string(en ? s.en : s.ja), {Join(sentences, lang)}});
  };
  for (const SectionName& s : kSections) {
    const std::string id(s.id);
    const auto it = content.find(id);
    const bool has_measurements = ctx.measurements_by_site.count(id) > 0;
    if ((it == content.end() || it->is_null()) && !has_measurements &&
        !(id == "technique" && !spacings.empty()))
      continue;
    const json object = it == content.end() || it->is_null() ? json::object() : *it;
    const std::string where = "content." + id;
    if (!object.is_object()) return Bad(id + " must be an object", where);
    std::vector<std::string> sentences;
    if (id == "comparison") {
      auto c = Comparison(ctx, object);
      if (!c.ok()) return c.status();
      sentences = std::move(*c);
    } else {
      // The lists inside alignment (curves) and vertebrae (items) are read first: they take
      // the measurements made on them.
      json flat = object;
      std::vector<Finding> listed;
      if (id == "alignment" && flat.contains("curves")) {
        auto curves = narrative::ReadCurves(ctx, flat["curves"]);
        if (!curves.ok()) return curves.status();
        listed = std::move(*curves);
        flat.erase("curves");
      } else if (id == "vertebrae" && flat.contains("items")) {
        auto items = narrative::ReadVertebraItems(ctx, flat["items"]);
        if (!items.ok()) return items.status();
        listed = std::move(*items);
        flat.erase("items");
      }
      auto fs = narrative::ReadFields(ctx, id, flat, where, "");
      if (!fs.ok()) return fs.status();
      if (!listed.empty() && id == "alignment") {
        // The curves describe the scoliosis; its overall grade would only repeat them.
        std::erase_if(*fs, [](const Finding& f) { return f.field == "scoliosis" && f.abnormal; });
      }
      auto figs = narrative::ReadFigures(ctx, flat, where);
      if (!figs.ok()) return figs.status();
      AttachFigures(*fs, *figs);
      std::vector<std::string> listed_sentences;
      for (const Finding& f : listed) {
        const std::string s = narrative::Sentence(f, lang);
        listed_sentences.push_back(f.site.empty() ? s
                                                  : narrative::SiteDisplay(f.site, lang) + ": " + s);
      }
      // Scoliosis curves lead the alignment; vertebra items follow the vertebrae's general state.
      if (id == "alignment") sentences = listed_sentences;
      for (const Finding& f : *fs) sentences.push_back(narrative::Sentence(f, lang));
      if (id != "alignment")
        sentences.insert(sentences.end(), listed_sentences.begin(), listed_sentences.end());
      all.insert(all.end(), fs->begin(), fs->end());
      all.insert(all.end(), listed.begin(), listed.end());
    }
    if (id == "technique") sentences.push_back(narrative::SpacingStatement(spacings, lang));
    add_section(s, std::move(sentences));
  }

  // The levels, in the template's order; consecutive levels stated normal share one row.
  std::map<std::string, json> entries;
  if (const auto it = content.find("levels"); it != content.end()) {
    if (!it->is_array()) return Bad("levels must be a list", "content.levels");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      const std::string name = "content.levels[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("level") || !e["level"].is_string())
        return Bad("each level needs \"level\"", name + ".level");
      const std::string level = e["level"].get<std::string>();
      if (std::find(tmpl.levels.begin(), tmpl.levels.end(), level) == tmpl.levels.end())
        return Bad(level + " is not a level of " + tmpl.id, name + ".level");
      if (!entries.emplace(level, e).second) return Bad(level + " given twice", name + ".level");
    }
  }
  const std::string normal_text = en ? "No significant abnormality." : "特記すべき異常を認めません。";
  std::vector<std::string> stated_levels;
  std::vector<std::string> run;  // the current run of compact normal levels
  auto flush = [&] {
    if (run.empty()) return;
    std::string name = narrative::SiteDisplay(run.front(), lang);
    if (run.size() > 1) name += (en ? " to " : "〜") + narrative::SiteDisplay(run.back(), lang);
    doc.levels.push_back({name, normal_text});
    run.clear();
  };
  for (const std::string& level : tmpl.levels) {
    const auto e = entries.find(level);
    const bool measured = ctx.measurements_by_site.count(level) > 0;
    if (e == entries.end() && !measured) {
      flush();
      continue;
    }
    const json entry = e == entries.end() ? json{{"level", level}} : e->second;
    const std::string where = "content.levels[" + level + "]";
    bool normal = false;
    if (const auto n = entry.find("normal"); n != entry.end()) {
      if (!n->is_boolean()) return Bad("normal must be true or false", where + ".normal");
      normal = n->get<bool>();
      for (auto k = entry.begin(); normal && k != entry.end(); ++k) {
        if (k.key() != "level" && k.key() != "normal" && k.key() != "figures")
          return Bad("a level stated normal has no other fields", where + "." + k.key());
      }
    }
    auto fs = narrative::ReadFields(ctx, "levels", entry, where, level);
    if (!fs.ok()) return fs.status();
    auto figs = narrative::ReadFigures(ctx, entry, where);
    if (!figs.ok()) return figs.status();
    if (e != entries.end()) stated_levels.push_back(level);
    const bool abnormal =
        std::any_of(fs->begin(), fs->end(), [](const Finding& f) { return f.abnormal; });
    if (!abnormal && fs->empty() && figs->empty()) {
      run.push_back(level);
      continue;
    }
    flush();
    if (!abnormal) {
      // "特記すべき異常を認めません。" first; the figures go there when nothing else cites them.
      Finding normal_row;
      normal_row.fixed = normal_text;
      fs->insert(fs->begin(), normal_row);
    }
    AttachFigures(*fs, *figs);
    std::vector<std::string> sentences;
    for (const Finding& f : *fs) sentences.push_back(narrative::Sentence(f, lang));
    if (!abnormal) fs->erase(fs->begin());
    doc.levels.push_back({narrative::SiteDisplay(level, lang), Join(sentences, lang)});
    all.insert(all.end(), fs->begin(), fs->end());
  }
  flush();

  // Incidental findings: in their section, and in the impression when they carry advice.
  std::vector<std::string> incidental_sentences, incidental_lines;
  if (const auto it = content.find("incidental"); it != content.end()) {
    if (!it->is_array()) return Bad("incidental must be a list", "content.incidental");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      const std::string name = "content.incidental[" + std::to_string(i) + "]";
      if (!item.is_object()) return Bad("each incidental finding must be an object", name);
      for (auto k = item.begin(); k != item.end(); ++k) {
        if (k.key() != "text" && k.key() != "advice" && k.key() != "critical" &&
            k.key() != "figures")
          return Bad("unknown field \"" + k.key() + "\"", name + "." + k.key());
      }
      const std::string text = narrative::FreeText(item.value("text", json()), lang);
      if (text.empty()) return Bad("an incidental finding needs its text", name + ".text");
      const std::string advice = narrative::FreeText(item.value("advice", json()), lang);
      const std::string cat = Category(item.value("critical", json()));
      auto figs = narrative::ReadFigures(ctx, item, name);
      if (!figs.ok()) return figs.status();
      std::string s = en ? Capitalize(text) : text;
      for (std::string_view end : {"。", "."}) {
        if (base::EndsWith(s, end)) s.resize(s.size() - end.size());
      }
      if (!en && !narrative::IsClauseJa(s)) s += "を認めます";
      if (!cat.empty() && cat != "none" && cat != "0") {
        s += narrative::Paren(en ? "category " + cat + " critical result"
                                 : "カテゴリー" + cat + "の重要所見",
                              lang);
      }
      s = narrative::EndSentence(s + narrative::FigureRef(*figs, lang), lang);
      if (!advice.empty()) {
        s += (en ? " " : "") + narrative::EndSentence(en ? Capitalize(advice) : advice, lang);
      }
      incidental_sentences.push_back(s);
      if (!advice.empty() || (!cat.empty() && cat != "none" && cat != "0"))
        incidental_lines.push_back((en ? "Incidental: " : "偶発所見: ") + s);
    }
  }
  add_section({"incidental", "偶発所見", "Incidental findings"}, incidental_sentences);

  // The impression.
  std::vector<narrative::ReaderItem> reader;
  if (const auto it = content.find("impression"); it != content.end()) {
    if (!it->is_array()) return Bad("impression must be a list", "content.impression");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& item = (*it)[i];
      const std::string name = "content.impression[" + std::to_string(i) + "]";
      if (!item.is_object()) return Bad("each impression item must be an object", name);
      narrative::ReaderItem r;
      r.text = narrative::FreeText(item.value("text", json()), lang);
      if (r.text.empty()) return Bad("an impression item needs its text", name + ".text");
      if (const auto l = item.find("levels"); l != item.end()) {
        if (!l->is_array()) return Bad("levels must be a list", name + ".levels");
        for (const json& v : *l) {
          if (v.is_string()) r.levels.push_back(v.get<std::string>());
        }
      }
      r.answers_question = item.value("answers_question", json(false)) == json(true);
      auto figs = narrative::ReadFigures(ctx, item, name);
      if (!figs.ok()) return figs.status();
      r.figures = std::move(*figs);
      reader.push_back(std::move(r));
    }
  }
  const narrative::Question question = narrative::ParseQuestion(doc.clinical_question, tmpl);
  doc.impression = narrative::BuildImpression(reader, all, question, stated_levels,
                                              incidental_lines, lang);
  auto critical = CriticalStatement(content, all, lang);
  if (!critical.ok()) return critical.status();
  doc.critical_statement = std::move(*critical);
  return doc;
}

}  // namespace dokuei::spine
