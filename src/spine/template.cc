// Loading and checking the template files (template.h). The files are checked strictly: a
// malformed template is a build or start-up error, never a surprise while a reader reports.
#include "dokuei/spine/template.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "dokuei/base/env.h"
#include "embedded.h"
#include "level_names.h"

namespace dokuei::spine {
namespace {

using base::Result;
using base::Status;
using nlohmann::json;

// The frame sections a template may describe, and the two list-item sections.
constexpr std::string_view kSections[] = {"technique", "comparison", "numbering", "alignment",
                                          "curve",     "vertebrae",  "vertebra",  "levels",
                                          "cord",      "paraspinal"};
constexpr std::string_view kConditions[] = {"scoliosis", "canal_stenosis", "disc_herniation",
                                            "spondylolysis_listhesis", "spondylosis_deformans"};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  Status Bad(const std::string& path, const std::string& msg) const {
    return base::InvalidArgument("spine template " + file_ + ": " + msg, file_ + ":" + path);
  }
  Status Keys(const json& o, const std::string& path,
              std::initializer_list<std::string_view> allowed) const {
    if (!o.is_object()) return Bad(path, "must be an object");
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
        return Bad(path + "." + it.key(), "unknown key \"" + it.key() + "\"");
    }
    return Status::Ok();
  }
  Result<std::string> Str(const json& o, const std::string& path, std::string_view key,
                          bool required = true) const {
    const auto it = o.find(key);
    if (it == o.end()) {
      if (!required) return std::string();
      return Bad(path + "." + std::string(key), "missing");
    }
    if (!it->is_string() || it->get<std::string>().empty())
      return Bad(path + "." + std::string(key), "must be a non-empty string");
    return it->get<std::string>();
  }
  Result<Label> Lab(const json& o, const std::string& path, std::string_view key,
                    bool required = true) const {
    const auto it = o.find(key);
    const std::string p = path + "." + std::string(key);
    if (it == o.end()) {
      if (!required) return Label{};
      return Bad(p, "missing (a label {\"ja\", \"en\"})");
    }
    DOKUEI_RETURN_IF_ERROR(Keys(*it, p, {"ja", "en"}));
    DOKUEI_ASSIGN_OR_RETURN(std::string ja, Str(*it, p, "ja"));
    DOKUEI_ASSIGN_OR_RETURN(std::string en, Str(*it, p, "en"));
    return Label{std::move(ja), std::move(en)};
  }
  Result<std::vector<std::string>> Names(const json& o, const std::string& path,
                                         std::string_view key) const {
    const auto it = o.find(key);
    const std::string p = path + "." + std::string(key);
    if (it == o.end() || !it->is_array()) return Bad(p, "must be an array of strings");
    std::vector<std::string> out;
    for (const json& v : *it) {
      if (!v.is_string()) return Bad(p, "must be an array of strings");
      if (std::find(out.begin(), out.end(), v.get<std::string>()) != out.end())
        return Bad(p, "\"" + v.get<std::string>() + "\" given twice");
      out.push_back(v.get<std::string>());
    }
    return out;
  }

 private:
  std::string file_;
};

Result<ValueSet> ReadValueSet(const Reader& r, const std::string& id, const json& j) {
  const std::string path = "value_sets." + id;
  DOKUEI_RETURN_IF_ERROR(r.Keys(j, path, {"label", "values"}));
  ValueSet vs;
  vs.id = id;
  DOKUEI_ASSIGN_OR_RETURN(vs.label, r.Lab(j, path, "label"));
  const auto values = j.find("values");
  if (values == j.end() || !values->is_array() || values->empty())
    return r.Bad(path + ".values", "must be a non-empty array");
  for (size_t i = 0; i < values->size(); ++i) {
    const json& v = (*values)[i];
    const std::string p = path + ".values[" + std::to_string(i) + "]";
    DOKUEI_RETURN_IF_ERROR(r.Keys(v, p, {"code", "ja", "en", "severity", "phrase"}));
    ValueDef d;
    DOKUEI_ASSIGN_OR_RETURN(d.code, r.Str(v, p, "code"));
    DOKUEI_ASSIGN_OR_RETURN(d.label.ja, r.Str(v, p, "ja"));
    DOKUEI_ASSIGN_OR_RETURN(d.label.en, r.Str(v, p, "en"));
    const auto sev = v.find("severity");
    if (sev == v.end() || !sev->is_number_integer() || sev->get<int>() < 0 || sev->get<int>() > 3)
      return r.Bad(p + ".severity", "must be an integer 0..3");
    d.severity = sev->get<int>();
    DOKUEI_ASSIGN_OR_RETURN(d.phrase, r.Lab(v, p, "phrase", /*required=*/false));
    if (vs.Find(d.code) != nullptr) return r.Bad(p + ".code", "code \"" + d.code + "\" twice");
    vs.values.push_back(std::move(d));
  }
  return vs;
}

Result<FieldDef> ReadField(const Reader& r, const std::string& path, const json& j,
                           const Template::ValueSets& sets) {
  DOKUEI_RETURN_IF_ERROR(r.Keys(
      j, path, {"id", "type", "label", "value_set", "sided", "unit", "min", "max", "levels"}));
  FieldDef f;
  DOKUEI_ASSIGN_OR_RETURN(f.id, r.Str(j, path, "id"));
  DOKUEI_ASSIGN_OR_RETURN(const std::string type, r.Str(j, path, "type"));
  DOKUEI_ASSIGN_OR_RETURN(f.label, r.Lab(j, path, "label"));
  if (f.id == "level" || f.id == "normal" || f.id == "figures" || f.id == "vertebra")
    return r.Bad(path + ".id", "\"" + f.id + "\" is reserved");
  if (type == "code" || type == "codes") {
    f.type = type == "code" ? FieldType::kCode : FieldType::kCodes;
    DOKUEI_ASSIGN_OR_RETURN(f.value_set, r.Str(j, path, "value_set"));
    if (sets.find(f.value_set) == sets.end())
      return r.Bad(path + ".value_set", "unknown value set \"" + f.value_set + "\"");
  } else if (type == "number") {
    f.type = FieldType::kNumber;
    DOKUEI_ASSIGN_OR_RETURN(f.unit, r.Str(j, path, "unit"));
    for (const char* k : {"min", "max"}) {
      const auto it = j.find(k);
      if (it == j.end() || !it->is_number()) return r.Bad(path + "." + k, "must be a number");
      (std::string_view(k) == "min" ? f.min : f.max) = it->get<double>();
    }
    if (*f.min > *f.max) return r.Bad(path + ".min", "min is above max");
  } else if (type == "boolean") {
    f.type = FieldType::kBoolean;
  } else if (type == "text") {
    f.type = FieldType::kText;
  } else {
    return r.Bad(path + ".type", "unknown type \"" + type + "\"");
  }
  if (f.type != FieldType::kCode && f.type != FieldType::kCodes && j.contains("value_set"))
    return r.Bad(path + ".value_set", "only code fields have a value set");
  if (f.type != FieldType::kNumber && (j.contains("unit") || j.contains("min")))
    return r.Bad(path + ".unit", "only number fields have a unit and a range");
  if (j.contains("levels")) {
    DOKUEI_ASSIGN_OR_RETURN(f.levels, r.Names(j, path, "levels"));
    if (f.levels.empty()) return r.Bad(path + ".levels", "must name at least one level");
  }
  if (const auto s = j.find("sided"); s != j.end()) {
    if (!s->is_boolean()) return r.Bad(path + ".sided", "must be true or false");
    f.sided = s->get<bool>();
  }
  return f;
}

// Levels "A-B" whose vertebrae follow each other in `vertebrae`.
Status CheckLevels(const Reader& r, const Template& t) {
  for (size_t i = 0; i < t.levels.size(); ++i) {
    const auto [upper, lower] = internal::SplitLevel(t.levels[i]);
    const int u = internal::VertebraIndex(upper), l = internal::VertebraIndex(lower);
    if (u < 0 || l != u + 1) return r.Bad("levels[" + std::to_string(i) + "]", "not a level");
    if (i > 0 && internal::VertebraIndex(internal::SplitLevel(t.levels[i - 1]).second) != u)
      return r.Bad("levels[" + std::to_string(i) + "]", "levels must be contiguous, cranial first");
  }
  for (const std::string& l : t.required_levels) {
    if (std::find(t.levels.begin(), t.levels.end(), l) == t.levels.end())
      return r.Bad("required_levels", "\"" + l + "\" is not one of the levels");
  }
  for (size_t i = 0; i < t.vertebrae.size(); ++i) {
    const int v = internal::VertebraIndex(t.vertebrae[i]);
    if (v < 0 || (i > 0 && v != internal::VertebraIndex(t.vertebrae[i - 1]) + 1))
      return r.Bad("vertebrae[" + std::to_string(i) + "]", "vertebrae must be contiguous");
  }
  return Status::Ok();
}

Result<Template> ReadTemplate(const Reader& r, const json& j,
                              const std::shared_ptr<const Template::ValueSets>& sets) {
  DOKUEI_RETURN_IF_ERROR(r.Keys(j, "",
                                {"id", "version", "modality", "region", "title", "levels",
                                 "required_levels", "vertebrae", "sections", "conditions"}));
  Template t;
  t.value_sets = sets;
  DOKUEI_ASSIGN_OR_RETURN(t.id, r.Str(j, "", "id"));
  DOKUEI_ASSIGN_OR_RETURN(t.version, r.Str(j, "", "version"));
  if (!std::all_of(t.version.begin(), t.version.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return r.Bad("version", "must be a decimal number (\"1\", \"2\" ...)");
  DOKUEI_ASSIGN_OR_RETURN(t.modality, r.Str(j, "", "modality"));
  DOKUEI_ASSIGN_OR_RETURN(t.region, r.Str(j, "", "region"));
  if (t.modality != "XR" && t.modality != "CT" && t.modality != "MR")
    return r.Bad("modality", "must be XR, CT or MR");
  if (t.region != "cervical" && t.region != "thoracic" && t.region != "lumbar" &&
      t.region != "whole")
    return r.Bad("region", "must be cervical, thoracic, lumbar or whole");
  DOKUEI_ASSIGN_OR_RETURN(t.title, r.Lab(j, "", "title"));
  DOKUEI_ASSIGN_OR_RETURN(t.levels, r.Names(j, "", "levels"));
  DOKUEI_ASSIGN_OR_RETURN(t.required_levels, r.Names(j, "", "required_levels"));
  DOKUEI_ASSIGN_OR_RETURN(t.vertebrae, r.Names(j, "", "vertebrae"));
  DOKUEI_RETURN_IF_ERROR(CheckLevels(r, t));
  const auto sections = j.find("sections");
  if (sections == j.end() || !sections->is_object()) return r.Bad("sections", "must be an object");
  for (auto it = sections->begin(); it != sections->end(); ++it) {
    const std::string name = it.key();
    if (std::find(std::begin(kSections), std::end(kSections), name) == std::end(kSections))
      return r.Bad("sections." + name, "unknown section");
    if (!it->is_array()) return r.Bad("sections." + name, "must be an array of fields");
    std::vector<FieldDef>& fields = t.sections[name];
    for (size_t i = 0; i < it->size(); ++i) {
      const std::string p = "sections." + name + "[" + std::to_string(i) + "]";
      DOKUEI_ASSIGN_OR_RETURN(FieldDef f, ReadField(r, p, (*it)[i], *sets));
      if (t.Field(name, f.id) != nullptr) return r.Bad(p + ".id", "field \"" + f.id + "\" twice");
      if (f.sided && name != "levels") return r.Bad(p + ".sided", "only level fields are sided");
      if (!f.levels.empty() && name != "levels")
        return r.Bad(p + ".levels", "only level fields are restricted to levels");
      for (const std::string& l : f.levels)
        if (std::find(t.levels.begin(), t.levels.end(), l) == t.levels.end())
          return r.Bad(p + ".levels", "\"" + l + "\" is not one of the template's levels");
      fields.push_back(std::move(f));
    }
  }
  for (std::string_view s : kSections) {
    if (!t.sections.count(std::string(s))) return r.Bad("sections." + std::string(s), "missing");
  }
  const auto conditions = j.find("conditions");
  if (conditions == j.end() || !conditions->is_object())
    return r.Bad("conditions", "must be an object");
  for (auto it = conditions->begin(); it != conditions->end(); ++it) {
    const std::string p = "conditions." + it.key();
    if (std::find(std::begin(kConditions), std::end(kConditions), it.key()) ==
        std::end(kConditions))
      return r.Bad(p, "unknown condition");
    DOKUEI_ASSIGN_OR_RETURN(std::vector<std::string> paths,
                            r.Names(*conditions, "conditions", it.key()));
    if (paths.empty()) return r.Bad(p, "must name at least one field");
    for (const std::string& path : paths) {
      const bool per_level = path.rfind("levels/", 0) == 0;
      const size_t dot = path.find('.');
      const FieldDef* f = per_level ? t.Field("levels", path.substr(7))
                          : dot == std::string::npos
                              ? nullptr
                              : t.Field(path.substr(0, dot), path.substr(dot + 1));
      if (f == nullptr) return r.Bad(p, "\"" + path + "\" is not a field of this template");
    }
    t.conditions[it.key()] = std::move(paths);
  }
  return t;
}

Result<json> Parse(const std::string& name, const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return base::InvalidArgument("spine template " + name + ": not a JSON object", name);
  return j;
}

}  // namespace

const ValueDef* ValueSet::Find(std::string_view code) const {
  for (const ValueDef& v : values)
    if (v.code == code) return &v;
  return nullptr;
}

const FieldDef* Template::Field(std::string_view section, std::string_view id) const {
  const auto it = sections.find(std::string(section));
  if (it == sections.end()) return nullptr;
  for (const FieldDef& f : it->second)
    if (f.id == id) return &f;
  return nullptr;
}

const ValueSet* Template::Set(std::string_view id) const {
  if (!value_sets) return nullptr;
  const auto it = value_sets->find(id);
  return it == value_sets->end() ? nullptr : &it->second;
}

const ValueDef* Template::Value(std::string_view section, std::string_view field,
                                std::string_view code) const {
  const FieldDef* f = Field(section, field);
  if (f == nullptr || f->value_set.empty()) return nullptr;
  const ValueSet* vs = Set(f->value_set);
  return vs == nullptr ? nullptr : vs->Find(code);
}

Result<std::shared_ptr<const Catalog>> Catalog::Load(
    const std::vector<std::pair<std::string, std::string>>& files) {
  auto out = std::make_shared<Catalog>();
  const auto vs_file = std::find_if(files.begin(), files.end(),
                                    [](const auto& f) { return f.first == "value-sets.json"; });
  if (vs_file == files.end())
    return base::InvalidArgument("spine templates: value-sets.json is missing", "value-sets.json");
  {
    const Reader r("value-sets.json");
    DOKUEI_ASSIGN_OR_RETURN(const json j, Parse(vs_file->first, vs_file->second));
    DOKUEI_RETURN_IF_ERROR(r.Keys(j, "", {"value_sets"}));
    const auto sets = j.find("value_sets");
    if (sets == j.end() || !sets->is_object()) return r.Bad("value_sets", "must be an object");
    for (auto it = sets->begin(); it != sets->end(); ++it) {
      DOKUEI_ASSIGN_OR_RETURN(ValueSet vs, ReadValueSet(r, it.key(), it.value()));
      out->value_sets.emplace(it.key(), std::move(vs));
    }
  }
  auto shared_sets = std::make_shared<const Template::ValueSets>(out->value_sets);
  // Value sets the code uses itself (impression, incidental findings, critical communication).
  std::set<std::string> used = {"critical_category", "side"};
  for (const auto& [name, text] : files) {
    if (name == "value-sets.json") continue;
    const Reader r(name);
    DOKUEI_ASSIGN_OR_RETURN(const json j, Parse(name, text));
    DOKUEI_ASSIGN_OR_RETURN(Template t, ReadTemplate(r, j, shared_sets));
    if (out->Find(t.id, t.version) != nullptr)
      return r.Bad("id", "template " + t.id + " version " + t.version + " given twice");
    for (const auto& [section, fields] : t.sections)
      for (const FieldDef& f : fields)
        if (!f.value_set.empty()) used.insert(f.value_set);
    out->templates.push_back(std::move(t));
  }
  if (out->templates.empty())
    return base::InvalidArgument("spine templates: no template files", "templates");
  for (const auto& [id, vs] : out->value_sets) {
    if (!used.count(id))
      return base::InvalidArgument("spine templates: value set \"" + id + "\" is not used",
                                   "value-sets.json:value_sets." + id);
  }
  return std::shared_ptr<const Catalog>(std::move(out));
}

Result<std::shared_ptr<const Catalog>> Catalog::LoadDir(const std::string& dir) {
  base::Env& env = base::PosixEnv();
  std::vector<std::string> names;
  DOKUEI_RETURN_IF_ERROR(env.ListDir(dir, &names));
  std::sort(names.begin(), names.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& n : names) {
    if (n.size() < 5 || n.substr(n.size() - 5) != ".json") continue;
    DOKUEI_ASSIGN_OR_RETURN(std::string text, base::ReadFileToString(env, dir + "/" + n));
    files.emplace_back(n, std::move(text));
  }
  return Load(files);
}

const Catalog& Catalog::Builtin() {
  static const std::shared_ptr<const Catalog> builtin = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& f : internal::EmbeddedFiles())
      files.emplace_back(std::string(f.name), std::string(f.text));
    auto c = Load(files);
    // The files are checked by spine_test at build time; a failure here is a broken build.
    if (!c.ok()) {
      std::fprintf(stderr, "built-in spine templates: %s\n", c.status().ToString().c_str());
      std::abort();
    }
    return *c;
  }();
  return *builtin;
}

const Template* Catalog::Find(std::string_view id, std::string_view version) const {
  for (const Template& t : templates)
    if (t.id == id && t.version == version) return &t;
  return nullptr;
}

const Template* Catalog::Latest(std::string_view id) const {
  const Template* out = nullptr;
  for (const Template& t : templates) {
    if (t.id != id) continue;
    // Versions are decimal integers as strings: compare by length, then text.
    if (out == nullptr || t.version.size() > out->version.size() ||
        (t.version.size() == out->version.size() && t.version > out->version))
      out = &t;
  }
  return out;
}

const Template* Catalog::For(std::string_view modality, std::string_view region) const {
  std::string m(modality);
  if (m == "CR" || m == "DX" || m == "XR" || m == "RG") m = "XR";
  for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Latest(m + "-" + std::string(region));
}

const ValueSet* Catalog::Set(std::string_view id) const {
  const auto it = value_sets.find(id);
  return it == value_sets.end() ? nullptr : &it->second;
}

std::vector<const Template*> Catalog::All() const {
  std::vector<const Template*> out;
  for (const Template& t : templates) out.push_back(&t);
  return out;
}

}  // namespace dokuei::spine
