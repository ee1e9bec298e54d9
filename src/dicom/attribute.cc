#include "dokuei/dicom/attribute.h"

#include <algorithm>
#include <cstdio>

#include "dictionary.h"
#include "dokuei/base/strings.h"

namespace dokuei::dicom {

std::optional<uint32_t> TagForKeyword(std::string_view keyword) {
  return internal::LookupKeyword(keyword);
}

std::string KeywordForTag(uint32_t tag) {
  if (GroupOf(tag) & 1) return "";
  const internal::DictEntry* e = internal::LookupTag(tag);
  return e == nullptr ? "" : std::string(e->keyword);
}

std::string VrForTag(uint32_t tag) { return internal::VrString(internal::ImplicitVr(tag, 0)); }

namespace {
std::optional<uint32_t> ParseHex(std::string_view s) {
  if (s.empty() || s.size() > 8) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  return v;
}
}  // namespace

std::optional<uint32_t> ParseTag(std::string_view text) {
  text = base::Trim(text);
  if (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.size() == 9 && text[4] == ',') {
    auto g = ParseHex(text.substr(0, 4)), e = ParseHex(text.substr(5, 4));
    if (g && e) return Tag(static_cast<uint16_t>(*g), static_cast<uint16_t>(*e));
    return std::nullopt;
  }
  if (text.size() == 8) {
    if (auto v = ParseHex(text)) return *v;
  }
  bool identifier = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
  if (!identifier) return std::nullopt;
  return TagForKeyword(text);
}

std::string TagHex(uint32_t tag) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "%08X", tag);
  return buf;
}

const Attribute* Find(const AttributeList& list, uint32_t tag) {
  for (const Attribute& a : list)
    if (a.tag == tag) return &a;
  return nullptr;
}

}  // namespace dokuei::dicom
