#include "dicom_xml.h"

#include <algorithm>
#include <cstdio>

#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {
namespace {

void Escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters are not allowed in XML 1.0 (except tab, newline, return).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out.push_back(c);
    }
  }
}

void PersonName(std::string& out, std::string_view value, size_t number) {
  static constexpr const char* kGroups[] = {"Alphabetic", "Ideographic", "Phonetic"};
  static constexpr const char* kParts[] = {"FamilyName", "GivenName", "MiddleName", "NamePrefix",
                                           "NameSuffix"};
  out += "<PersonName number=\"" + std::to_string(number) + "\">";
  auto groups = base::Split(value, '=');
  for (size_t g = 0; g < groups.size() && g < 3; ++g) {
    if (groups[g].empty()) continue;
    out += std::string("<") + kGroups[g] + ">";
    auto parts = base::Split(groups[g], '^');
    for (size_t p = 0; p < parts.size() && p < 5; ++p) {
      if (parts[p].empty()) continue;
      out += std::string("<") + kParts[p] + ">";
      Escape(out, parts[p]);
      out += std::string("</") + kParts[p] + ">";
    }
    out += std::string("</") + kGroups[g] + ">";
  }
  out += "</PersonName>";
}

void Attributes(std::string& out, const dicom::AttributeList& attributes) {
  std::vector<const dicom::Attribute*> sorted;
  for (const auto& a : attributes) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->tag < b->tag; });
  for (const dicom::Attribute* a : sorted) {
    std::string vr = a->vr.size() == 2 ? a->vr : dicom::VrForTag(a->tag);
    char tag[9];
    std::snprintf(tag, sizeof tag, "%08X", a->tag);
    out += "<DicomAttribute tag=\"";
    out += tag;
    out += "\" vr=\"" + vr + "\"";
    std::string keyword = dicom::KeywordForTag(a->tag);
    if (!keyword.empty()) out += " keyword=\"" + keyword + "\"";
    out += ">";
    if (vr == "SQ") {
      for (size_t i = 0; i < a->items.size(); ++i) {
        out += "<Item number=\"" + std::to_string(i + 1) + "\">";
        Attributes(out, a->items[i]);
        out += "</Item>";
      }
    } else {
      for (size_t i = 0; i < a->values.size(); ++i) {
        if (a->values[i].empty()) continue;
        if (vr == "PN") {
          PersonName(out, a->values[i], i + 1);
        } else {
          out += "<Value number=\"" + std::to_string(i + 1) + "\">";
          Escape(out, a->values[i]);
          out += "</Value>";
        }
      }
    }
    out += "</DicomAttribute>";
  }
}

}  // namespace

std::string DicomXml(const dicom::AttributeList& attributes) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<NativeDicomModel xmlns=\"http://dicom.nema.org/PS3.19/models/NativeDICOM\">";
  Attributes(out, attributes);
  out += "</NativeDicomModel>\n";
  return out;
}

}  // namespace dokuei::dicomweb
