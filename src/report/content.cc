// The common frame of a spine report: section names and JSON types (content.h).
#include "dokuei/report/content.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>

#include "dokuei/spine/validate.h"

namespace dokuei::report {
namespace {

using nlohmann::json;

enum class T : uint8_t { kString, kObject, kArray };

struct Section {
  std::string_view name;
  T type;
};

// spine-reporting.md, "Common frame", in its order.
constexpr std::array<Section, 12> kSections = {{
    {"clinical_question", T::kString},
    {"technique", T::kObject},
    {"comparison", T::kObject},
    {"numbering", T::kObject},
    {"alignment", T::kObject},
    {"vertebrae", T::kObject},
    {"levels", T::kArray},
    {"cord", T::kObject},
    {"paraspinal", T::kObject},
    {"incidental", T::kArray},
    {"impression", T::kArray},
    {"critical_communication", T::kObject},
}};

constexpr size_t kMaxContentBytes = 1 << 20;
constexpr int kMaxDepth = 16;

std::string_view TypeName(T t) {
  switch (t) {
    case T::kString:
      return "a string";
    case T::kObject:
      return "an object";
    case T::kArray:
      return "an array";
  }
  return "";
}

bool HasType(const json& v, T t) {
  switch (t) {
    case T::kString:
      return v.is_string();
    case T::kObject:
      return v.is_object();
    case T::kArray:
      return v.is_array();
  }
  return false;
}

int Depth(const json& v) {
  int d = 0;
  if (v.is_structured()) {
    for (const auto& child : v) d = std::max(d, Depth(child));
    return d + 1;
  }
  return 0;
}

// "C2-C3", "L5-S1", "T12-L1": a vertebra, a hyphen, the next vertebra.
bool IsLevel(std::string_view s) {
  const size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  auto vertebra = [](std::string_view v) {
    if (v.size() < 2 || v.size() > 3) return false;
    if (v[0] != 'C' && v[0] != 'T' && v[0] != 'L' && v[0] != 'S') return false;
    return std::all_of(v.begin() + 1, v.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return vertebra(s.substr(0, dash)) && vertebra(s.substr(dash + 1));
}

base::Status Bad(std::string msg, std::string field) {
  return base::InvalidArgument("report content: " + msg, "content" + field);
}

base::Status CheckSection(const json& v, const Section& s) {
  const std::string field = "." + std::string(s.name);
  if (!HasType(v, s.type))
    return Bad(std::string(s.name) + " must be " + std::string(TypeName(s.type)), field);
  if (s.name == "levels") {
    std::set<std::string> seen;
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string f = field + "[" + std::to_string(i) + "]";
      if (!v[i].is_object()) return Bad("each level must be an object", f);
      const auto it = v[i].find("level");
      if (it == v[i].end() || !it->is_string() || !IsLevel(it->get<std::string>())) {
        return Bad("each level needs \"level\" like \"L4-L5\"", f + ".level");
      }
      if (!seen.insert(it->get<std::string>()).second)
        return Bad("level given twice", f + ".level");
    }
  } else if (s.name == "incidental") {
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_object())
        return Bad("each incidental finding must be an object",
                   field + "[" + std::to_string(i) + "]");
    }
  } else if (s.name == "impression") {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string f = field + "[" + std::to_string(i) + "]";
      if (!v[i].is_object()) return Bad("each impression item must be an object", f);
      const auto it = v[i].find("text");
      if (it == v[i].end() || !it->is_string() || it->get<std::string>().empty()) {
        return Bad("each impression item needs a non-empty \"text\"", f + ".text");
      }
    }
  }
  return base::Status::Ok();
}

// Issue 5's optional arrays beside the sections: measurements and key images (objects; their
// inside is checked by spine::Validate against the template).
base::Status CheckArrayOfObjects(const json& v, const std::string& name) {
  if (!v.is_array()) return Bad(name + " must be an array", "." + name);
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_object())
      return Bad("each of " + name + " must be an object",
                 "." + name + "[" + std::to_string(i) + "]");
  }
  return base::Status::Ok();
}

void Leaves(const json& v, const std::string& path, std::map<std::string, json>& out) {
  if (v.is_object()) {
    if (v.empty()) out[path] = v;
    for (auto it = v.begin(); it != v.end(); ++it) Leaves(it.value(), path + "/" + it.key(), out);
  } else if (v.is_array()) {
    if (v.empty()) out[path] = v;
    const bool by_level = path == "/levels";
    for (size_t i = 0; i < v.size(); ++i) {
      std::string key = std::to_string(i);
      if (by_level && v[i].is_object() && v[i].contains("level") && v[i]["level"].is_string()) {
        key = v[i]["level"].get<std::string>();
      }
      Leaves(v[i], path + "/" + key, out);
    }
  } else {
    out[path] = v;
  }
}

}  // namespace

base::Result<std::string> ValidateContent(std::string_view text, FrameCheck check) {
  if (text.size() > kMaxContentBytes) {
    return base::PayloadTooLarge("report content is larger than 1 MiB", "content");
  }
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("not valid JSON", "");
  if (!doc.is_object()) return Bad("must be a JSON object", "");
  if (Depth(doc) > kMaxDepth) return Bad("nested too deeply", "");
  const auto frame = doc.find("frame");
  if (frame == doc.end() || !frame->is_number_integer() || frame->get<int64_t>() != 1) {
    return Bad("\"frame\" must be 1 (the common frame of spine-reporting.md)", ".frame");
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key == "frame") continue;
    if (key == "template") {
      const json& t = it.value();
      if (!t.is_object() || !t.contains("id") || !t["id"].is_string() || !t.contains("version") ||
          !t["version"].is_string()) {
        return Bad("template must be {\"id\": string, \"version\": string}", ".template");
      }
      continue;
    }
    if (key == "measurements" || key == "key_images") {
      DOKUEI_RETURN_IF_ERROR(CheckArrayOfObjects(it.value(), key));
      continue;
    }
    const auto s = std::find_if(kSections.begin(), kSections.end(),
                                [&](const Section& sec) { return sec.name == key; });
    if (s == kSections.end()) return Bad("unknown section \"" + key + "\"", "." + key);
    DOKUEI_RETURN_IF_ERROR(CheckSection(it.value(), *s));
  }
  if (doc.contains("template")) {
    // Inside the sections: the template's fields and value sets (spine-reporting.md).
    const std::vector<spine::Problem> problems =
        spine::Validate(doc.dump(), spine::Catalog::Builtin());
    if (!problems.empty()) {
      std::string msg = problems[0].message.en;
      if (problems.size() > 1) msg += " (and " + std::to_string(problems.size() - 1) + " more)";
      return base::InvalidArgument("report content: " + problems[0].field + ": " + msg,
                                   problems[0].field);
    }
  }
  if (check == FrameCheck::kSigning) {
    for (const Section& s : kSections) {
      if (!doc.contains(s.name)) {
        return Bad("section " + std::string(s.name) + " is missing (required to sign)",
                   "." + std::string(s.name));
      }
    }
    if (doc["impression"].empty()) {
      return Bad("the impression must answer the clinical question (required to sign)",
                 ".impression");
    }
  }
  try {
    return doc.dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception&) {
    return Bad("text must be valid UTF-8", "");
  }
}

std::vector<std::string> CompareContent(std::string_view a, std::string_view b) {
  const json ja = json::parse(a, nullptr, false), jb = json::parse(b, nullptr, false);
  std::map<std::string, json> la, lb;
  if (!ja.is_discarded()) Leaves(ja, "", la);
  if (!jb.is_discarded()) Leaves(jb, "", lb);
  std::vector<std::string> out;
  for (const auto& [path, v] : la) {
    const auto it = lb.find(path);
    if (it == lb.end() || it->second != v) out.push_back(path);
  }
  for (const auto& [path, v] : lb) {
    if (!la.count(path)) out.push_back(path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dokuei::report
