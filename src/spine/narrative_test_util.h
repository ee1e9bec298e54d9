// Test helpers of the narrative tests: a small catalog in the format of templates/spine
// (src/spine/testdata/narrative/catalog.json) and the product's templates when the tree has
// them, read here into the template.h structs without the real loader (Catalog's own code is
// not the narrative's); golden-file cases; a plain-text form of a Document to compare.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "dokuei/spine/narrative.h"
#include "dokuei/spine/template.h"

namespace dokuei::spine::testing {

inline std::string NarrativeDataDir() {
  const char* src = std::getenv("DOKUEI_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/src/spine/testdata/narrative";
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Label LabelOf(const nlohmann::json& j) {
  if (!j.is_object()) return {};
  return {j.value("ja", ""), j.value("en", "")};
}

// A catalog from value sets and templates in the JSON shape of docs/design/spine-reporting.md
// (keys the narrative does not use are ignored; the real loader checks them).
inline std::shared_ptr<const Catalog> CatalogFromJson(const nlohmann::json& value_sets,
                                                      const std::vector<nlohmann::json>& templates) {
  using nlohmann::json;
  auto c = std::make_shared<Catalog>();
  for (const auto& [id, s] : value_sets.items()) {
    ValueSet set;
    set.id = id;
    set.label = LabelOf(s.value("label", json()));
    for (const json& v : s.at("values")) {
      ValueDef d;
      d.code = v.at("code").get<std::string>();
      d.label = {v.value("ja", ""), v.value("en", "")};
      d.phrase = LabelOf(v.value("phrase", json()));
      d.severity = v.value("severity", 0);
      set.values.push_back(std::move(d));
    }
    c->value_sets.emplace(id, std::move(set));
  }
  for (const json& t : templates) {
    Template tp;
    tp.id = t.at("id").get<std::string>();
    tp.version = t.at("version").get<std::string>();
    tp.modality = t.at("modality").get<std::string>();
    tp.region = t.at("region").get<std::string>();
    tp.title = LabelOf(t.at("title"));
    tp.levels = t.at("levels").get<std::vector<std::string>>();
    tp.required_levels = t.value("required_levels", std::vector<std::string>{});
    tp.vertebrae = t.at("vertebrae").get<std::vector<std::string>>();
    for (const auto& [section, fields] : t.at("sections").items()) {
      for (const json& f : fields) {
        FieldDef d;
        d.id = f.at("id").get<std::string>();
        const std::string type = f.value("type", "code");
        d.type = type == "number"    ? FieldType::kNumber
                 : type == "boolean" ? FieldType::kBoolean
                 : type == "text"    ? FieldType::kText
                 : type == "codes"   ? FieldType::kCodes
                                     : FieldType::kCode;
        d.label = LabelOf(f.at("label"));
        d.value_set = f.value("value_set", "");
        d.sided = f.value("sided", false);
        d.unit = f.value("unit", "");
        if (f.contains("min")) d.min = f["min"].get<double>();
        if (f.contains("max")) d.max = f["max"].get<double>();
        tp.sections[section].push_back(std::move(d));
      }
    }
    const json conditions = t.value("conditions", json::object());
    for (const auto& [condition, paths] : conditions.items())
      tp.conditions[condition] = paths.get<std::vector<std::string>>();
    c->templates.push_back(std::move(tp));
  }
  return c;
}

// The test catalog (testdata/narrative/catalog.json: {"value_sets": …, "templates": […]}).
inline std::shared_ptr<const Catalog> LoadNarrativeCatalog() {
  const auto j = nlohmann::json::parse(ReadText(NarrativeDataDir() + "/catalog.json"));
  return CatalogFromJson(j.at("value_sets"),
                         j.at("templates").get<std::vector<nlohmann::json>>());
}

// The product's templates (templates/spine: value-sets.json and one file per template), or null
// when this tree has none. DOKUEI_SPINE_TEMPLATES names another directory.
inline std::shared_ptr<const Catalog> LoadProductCatalog() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("DOKUEI_SPINE_TEMPLATES");
  const char* src = std::getenv("DOKUEI_SOURCE_DIR");
  const fs::path dir = env != nullptr ? fs::path(env)
                                      : fs::path(src != nullptr ? src : ".") / "templates/spine";
  if (!fs::exists(dir / "value-sets.json")) return nullptr;
  std::vector<nlohmann::json> templates;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& p : files) {
    if (p.extension() == ".json" && p.filename() != "value-sets.json")
      templates.push_back(nlohmann::json::parse(ReadText(p.string())));
  }
  const auto vs = nlohmann::json::parse(ReadText((dir / "value-sets.json").string()));
  return CatalogFromJson(vs.at("value_sets"), templates);
}

inline const Template& TemplateById(const Catalog& c, std::string_view id) {
  for (const Template& t : c.templates) {
    if (t.id == id) return t;
  }
  ADD_FAILURE() << "no template " << id;
  return c.templates.front();
}

inline NarrativeInput InputFrom(const nlohmann::json& j) {
  NarrativeInput in;
  const nlohmann::json s = j.value("study", nlohmann::json::object());
  in.study.study_uid = s.value("study_uid", "");
  in.study.accession = s.value("accession", "");
  in.study.patient_id = s.value("patient_id", "");
  in.study.patient_name = s.value("patient_name", "");
  in.study.study_date = s.value("study_date", "");
  in.study.modality = s.value("modality", "");
  in.study.hospital = s.value("hospital", "");
  for (const auto& sj : j.value("signers", nlohmann::json::array())) {
    Signer sg;
    sg.role = sj.value("role", "");
    sg.name = sj.value("name", "");
    sg.credentials = sj.value("credentials", std::vector<std::string>{});
    sg.signed_at = sj.value("signed_at", "");
    in.signers.push_back(sg);
  }
  in.status = j.value("status", "final");
  in.version = j.value("version", 1);
  in.released_at = j.value("released_at", "");
  return in;
}

// The document as plain text: what the golden files hold.
inline std::string DocumentText(const Document& d) {
  std::string out;
  out += "# " + d.title + " / " + d.template_title + " [" + d.lang + ", " + d.status + ", v" +
         std::to_string(d.version) + "]\n";
  out += "Q: " + d.clinical_question + "\n";
  for (const Section& s : d.sections) {
    out += "\n## " + s.heading + "\n";
    for (const std::string& p : s.paragraphs) out += p + "\n";
  }
  out += "\n## levels\n";
  for (const LevelRow& r : d.levels) out += r.level + ": " + r.text + "\n";
  out += "\n## impression\n";
  for (size_t i = 0; i < d.impression.size(); ++i)
    out += std::to_string(i + 1) + ". " + d.impression[i] + "\n";
  if (!d.critical_statement.empty()) out += "\n## critical\n" + d.critical_statement + "\n";
  if (!d.figures.empty()) {
    out += "\n## figures\n";
    for (const Figure& f : d.figures)
      out += std::to_string(f.number) + " [" + f.sop_instance_uid + " #" +
             std::to_string(f.frame) + "]: " + f.caption + "\n";
  }
  return out;
}

}  // namespace dokuei::spine::testing
