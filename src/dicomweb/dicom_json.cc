#include "dicom_json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {
namespace {

bool IsNumericVr(std::string_view vr) {
  return vr == "IS" || vr == "DS" || vr == "FL" || vr == "FD" || vr == "SL" || vr == "SS" ||
         vr == "UL" || vr == "US" || vr == "SV" || vr == "UV";
}

void AppendString(std::string& out, std::string_view s) {
  out.push_back('"');
  base::AppendJsonEscaped(out, s);
  out.push_back('"');
}

void AppendNumber(std::string& out, std::string_view raw) {
  std::string_view v = base::Trim(raw);
  if (v.empty()) {
    out += "null";
    return;
  }
  if (base::IsJsonNumber(v)) {
    out.append(v);
    return;
  }
  // DICOM allows forms JSON does not ("+1", ".5", "5.", "007"): normalise through strtod.
  std::string tmp(v);
  char* end = nullptr;
  double d = std::strtod(tmp.c_str(), &end);
  if (end == tmp.c_str() || *end != '\0' || !std::isfinite(d)) {
    AppendString(out, v);  // not a number at all: keep the text rather than lose it
    return;
  }
  char buf[32];
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", d);
  } else {
    std::snprintf(buf, sizeof buf, "%.17g", d);
  }
  out += buf;
}

void AppendPersonName(std::string& out, std::string_view value) {
  static constexpr const char* kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
  auto groups = base::Split(value, '=');
  bool any = false;
  std::string obj = "{";
  for (size_t i = 0; i < groups.size() && i < 3; ++i) {
    if (groups[i].empty()) continue;
    if (any) obj.push_back(',');
    any = true;
    AppendString(obj, kGroups[i]);
    obj.push_back(':');
    AppendString(obj, groups[i]);
  }
  obj.push_back('}');
  out += any ? obj : "null";
}

void AppendTagKey(std::string& out, uint32_t tag) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "\"%08X\"", tag);
  out += buf;
}

}  // namespace


void AppendDicomJson(const dicom::AttributeList& attributes, std::string& out) {
  std::vector<const dicom::Attribute*> sorted;
  sorted.reserve(attributes.size());
  for (const auto& a : attributes) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->tag < b->tag; });
  out.push_back('{');
  bool first = true;
  uint32_t last_tag = 0;
  for (const dicom::Attribute* a : sorted) {
    if (!first && a->tag == last_tag) continue;  // keep the first of duplicates
    if (!first) out.push_back(',');
    first = false;
    last_tag = a->tag;
    AppendTagKey(out, a->tag);
    std::string vr = a->vr.size() == 2 ? a->vr : dicom::VrForTag(a->tag);
    out += ":{\"vr\":";
    AppendString(out, vr);
    if (vr == "SQ") {
      if (!a->items.empty()) {
        out += ",\"Value\":[";
        for (size_t i = 0; i < a->items.size(); ++i) {
          if (i) out.push_back(',');
          AppendDicomJson(a->items[i], out);
        }
        out.push_back(']');
      }
    } else if (!a->values.empty()) {
      out += ",\"Value\":[";
      for (size_t i = 0; i < a->values.size(); ++i) {
        if (i) out.push_back(',');
        const std::string& v = a->values[i];
        if (vr == "PN") {
          AppendPersonName(out, v);
        } else if (IsNumericVr(vr)) {
          AppendNumber(out, v);
        } else if (v.empty()) {
          out += "null";
        } else {
          AppendString(out, v);
        }
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out.push_back('}');
}

std::string DicomJsonObject(const dicom::AttributeList& attributes) {
  std::string out;
  AppendDicomJson(attributes, out);
  return out;
}

std::string DicomJsonArray(const std::vector<dicom::AttributeList>& datasets) {
  std::string out = "[";
  for (size_t i = 0; i < datasets.size(); ++i) {
    if (i) out.push_back(',');
    AppendDicomJson(datasets[i], out);
  }
  out.push_back(']');
  return out;
}

}  // namespace dokuei::dicomweb
