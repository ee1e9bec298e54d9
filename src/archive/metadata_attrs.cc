#include "metadata_attrs.h"

#include <nlohmann/json.hpp>

#include "dokuei/base/strings.h"

namespace dokuei::archive {
namespace {

using nlohmann::json;

std::string ValueToString(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_float()) {
    std::string s = json(v).dump();
    return s;
  }
  if (v.is_object()) {  // PN
    std::string out;
    auto get = [&](const char* k) {
      auto it = v.find(k);
      return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string a = get("Alphabetic"), i = get("Ideographic"), p = get("Phonetic");
    out = a;
    if (!i.empty() || !p.empty()) out += "=" + i;
    if (!p.empty()) out += "=" + p;
    return out;
  }
  return {};
}

bool ToAttribute(uint32_t tag, const json& j, dicom::Attribute* out, int depth);

bool ItemToList(const json& item, dicom::AttributeList* out, int depth) {
  if (!item.is_object()) return false;
  for (auto it = item.begin(); it != item.end(); ++it) {
    auto tag = dicom::ParseTag(it.key());
    if (!tag) continue;
    dicom::Attribute a;
    if (ToAttribute(*tag, it.value(), &a, depth + 1)) out->push_back(std::move(a));
  }
  return true;
}

bool ToAttribute(uint32_t tag, const json& j, dicom::Attribute* out, int depth) {
  if (!j.is_object() || depth > 16) return false;
  if (j.contains("InlineBinary") || j.contains("BulkDataURI")) return false;
  out->tag = tag;
  auto vr = j.find("vr");
  out->vr = vr != j.end() && vr->is_string() ? vr->get<std::string>() : dicom::VrForTag(tag);
  auto value = j.find("Value");
  if (value == j.end() || !value->is_array()) return true;
  if (out->vr == "SQ") {
    for (const auto& item : *value) {
      dicom::AttributeList list;
      if (ItemToList(item, &list, depth)) out->items.push_back(std::move(list));
    }
    return true;
  }
  for (const auto& v : *value) out->values.push_back(ValueToString(v));
  return true;
}

}  // namespace

void MetadataAttrs::Parse() {
  parsed_ = true;
  json doc = json::parse(json_, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    auto tag = dicom::ParseTag(it.key());
    if (!tag) continue;
    dicom::Attribute a;
    if (ToAttribute(*tag, it.value(), &a, 0)) attrs_.emplace(*tag, std::move(a));
  }
}

const dicom::Attribute* MetadataAttrs::Get(uint32_t tag) {
  if (!parsed_) Parse();
  auto it = attrs_.find(tag);
  return it == attrs_.end() ? nullptr : &it->second;
}

const std::map<uint32_t, dicom::Attribute>& MetadataAttrs::All() {
  if (!parsed_) Parse();
  return attrs_;
}

}  // namespace dokuei::archive
