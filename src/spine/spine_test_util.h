// Builders of report content for the spine tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "dokuei/spine/template.h"

namespace dokuei::spine::testing {

using nlohmann::json;

// A value for a field: the first code of least severity in its value set, the minimum
// of a number, false, a short text.
inline json SampleValue(const Template& t, const FieldDef& f) {
  json v;
  switch (f.type) {
    case FieldType::kCode:
    case FieldType::kCodes: {
      const ValueDef* best = nullptr;
      for (const ValueDef& d : t.Set(f.value_set)->values)
        if (best == nullptr || d.severity < best->severity) best = &d;
      v = best->code;
      if (f.type == FieldType::kCodes) v = json::array({v});
      break;
    }
    case FieldType::kNumber:
      v = *f.min;
      break;
    case FieldType::kBoolean:
      v = false;
      break;
    case FieldType::kText:
      v = "記載";
      break;
  }
  if (f.sided) return json{{"left", v}, {"right", v}};
  return v;
}

// Every field of the section, except codes that only describe a lesion (a set without a normal
// value, like the spondylolysis stage or the K-line).
inline json SampleSection(const Template& t, const std::string& section) {
  json o = json::object();
  for (const FieldDef& f : t.sections.at(section)) {
    if (!f.value_set.empty()) {
      bool has_normal = false;
      for (const ValueDef& d : t.Set(f.value_set)->values) has_normal |= d.severity == 0;
      if (!has_normal) continue;
    }
    o[f.id] = SampleValue(t, f);
  }
  return o;
}

// A complete report for `t` that validates and passes every pre-sign check: every field of every
// section filled, every level described (all fields), one curve and one vertebra item.
inline json FullContent(const Template& t) {
  json c = {{"frame", 1},
            {"template", {{"id", t.id}, {"version", t.version}}},
            {"clinical_question", "腰痛。精査をお願いします。"}};
  for (const char* s : {"technique", "comparison", "numbering", "cord", "paraspinal"})
    c[s] = SampleSection(t, s);
  c["alignment"] = SampleSection(t, "alignment");
  c["alignment"]["curves"] = json::array({SampleSection(t, "curve")});
  c["alignment"]["curves"][0]["upper"] = t.vertebrae.front();
  c["alignment"]["curves"][0]["lower"] = t.vertebrae.back();
  c["alignment"]["curves"][0]["apex"] = t.vertebrae[t.vertebrae.size() / 2];
  c["vertebrae"] = SampleSection(t, "vertebrae");
  json item = SampleSection(t, "vertebra");
  item["vertebra"] = t.vertebrae[1];
  c["vertebrae"]["items"] = json::array({item});
  c["levels"] = json::array();
  for (const std::string& l : t.levels) {
    json e = SampleSection(t, "levels");
    for (const FieldDef& f : t.sections.at("levels"))
      if (!f.AppliesAt(l)) e.erase(f.id);
    e["level"] = l;
    c["levels"].push_back(e);
  }
  c["incidental"] =
      json::array({{{"text", "左腎嚢胞"}, {"advice", "経過観察で可"}, {"critical", "none"}}});
  c["impression"] =
      json::array({{{"text", "明らかな異常所見はありません。"}, {"answers_question", true}}});
  c["critical_communication"] = {{"category", "none"}};
  return c;
}

inline std::string SourceDir() {
  const char* d = std::getenv("DOKUEI_SOURCE_DIR");
  return d ? d : "";  // set by CTest (dokuei_test)
}

}  // namespace dokuei::spine::testing
