// Shared by validation, findings and checks: the parsed content and small readers over it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dokuei/spine/template.h"
#include "dokuei/spine/validate.h"
#include "level_names.h"

namespace dokuei::spine::internal {

using nlohmann::json;

void ValidateJson(const json& content, const Template& t, std::vector<Problem>& out);

// The content.levels entry for `level`, or null.
inline const json* LevelEntry(const json& content, std::string_view level) {
  const auto levels = content.find("levels");
  if (levels == content.end() || !levels->is_array()) return nullptr;
  for (const json& e : *levels) {
    if (e.is_object() && e.contains("level") && e["level"].is_string() &&
        e["level"].get<std::string>() == level)
      return &e;
  }
  return nullptr;
}

inline bool IsNormal(const json& level_entry) {
  const auto n = level_entry.find("normal");
  return n != level_entry.end() && n->is_boolean() && n->get<bool>();
}

// The severity of a code value of `section`/`field`, -1 when it is not a known code.
inline int Severity(const Template& t, std::string_view section, std::string_view field,
                    const json& v) {
  if (!v.is_string()) return -1;
  const ValueDef* d = t.Value(section, field, v.get<std::string>());
  return d == nullptr ? -1 : d->severity;
}

inline std::string Str(const json& o, std::string_view key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace dokuei::spine::internal
