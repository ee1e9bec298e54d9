// Test helper: a minimal reader for the Explicit VR Little Endian Part-10 files the phantom
// writes (top-level elements, defined-length sequences). Independent of DCMTK and of the code
// under test on purpose.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dokuei::demo::part10 {

struct Element {
  std::string vr;
  std::string value;
  std::vector<std::map<uint32_t, Element>> items;
};
using Elements = std::map<uint32_t, Element>;

inline uint16_t U16(const std::string& s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) |
                               (static_cast<uint8_t>(s[at + 1]) << 8));
}
inline uint32_t U32(const std::string& s, size_t at) {
  return U16(s, at) | (uint32_t{U16(s, at + 2)} << 16);
}
constexpr uint32_t T(uint16_t g, uint16_t e) { return (uint32_t{g} << 16) | e; }

inline bool Walk(const std::string& s, size_t pos, size_t end, Elements* out) {
  static const char* kLong[] = {"OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV"};
  while (pos < end) {
    if (pos + 8 > end) return false;
    const uint32_t tag = T(U16(s, pos), U16(s, pos + 2));
    Element el;
    el.vr = s.substr(pos + 4, 2);
    bool is_long = false;
    for (const char* v : kLong) is_long |= el.vr == v;
    uint32_t len;
    if (is_long) {
      if (pos + 12 > end) return false;
      len = U32(s, pos + 8);
      pos += 12;
    } else {
      len = U16(s, pos + 6);
      pos += 8;
    }
    if (len == 0xFFFFFFFF || pos + len > end) return false;
    if (el.vr == "SQ") {
      for (size_t p = pos; p < pos + len;) {
        if (p + 8 > pos + len || T(U16(s, p), U16(s, p + 2)) != T(0xFFFE, 0xE000)) return false;
        const uint32_t item_len = U32(s, p + 4);
        Elements item;
        if (!Walk(s, p + 8, p + 8 + item_len, &item)) return false;
        el.items.push_back(std::move(item));
        p += 8 + item_len;
      }
    } else {
      el.value = s.substr(pos, len);
    }
    (*out)[tag] = std::move(el);
    pos += len;
  }
  return true;
}

// Elements of a Part-10 file (meta group included); empty on malformed input.
inline Elements ReadPart10(const std::string& file) {
  Elements all;
  if (file.size() < 132 || file.compare(128, 4, "DICM") != 0) return {};
  if (!Walk(file, 132, file.size(), &all)) return {};
  return all;
}

// Text value without trailing padding.
inline std::string Text(const Elements& e, uint32_t tag) {
  auto it = e.find(tag);
  if (it == e.end()) return "";
  std::string v = it->second.value;
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  return v;
}

// Numeric values of a DS/IS text value.
inline std::vector<double> Numbers(const Elements& e, uint32_t tag) {
  std::vector<double> out;
  const std::string v = Text(e, tag);
  size_t start = 0;
  while (start <= v.size() && !v.empty()) {
    const size_t end = v.find('\\', start);
    out.push_back(std::stod(v.substr(start, end == std::string::npos ? end : end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace dokuei::demo::part10
