// Fast, thread-safe view of DCMTK's data dictionary (built once on first use): VR and keyword of a
// tag, tag of a keyword. Private to the dicom module.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "vr.h"

namespace dokuei::dicom::internal {

struct DictEntry {
  Vr vr = 0;              // 0 if the dictionary VR is context dependent (see flags)
  bool us_or_ss = false;  // "xs": US or SS depending on Pixel Representation
  bool retired = false;
  std::string_view keyword;  // without DCMTK's "RETIRED_" prefix
};

// Entry of a public tag (including repeating groups such as 60xx), nullptr if unknown.
const DictEntry* LookupTag(uint32_t tag);
std::optional<uint32_t> LookupKeyword(std::string_view keyword);

// VR of an element read in implicit VR encoding: dictionary VR, UL for group lengths, LO for
// private creators, UN for unknown tags. `pixel_representation` resolves US/SS ambiguity.
Vr ImplicitVr(uint32_t tag, int pixel_representation);

// Keyword, or "(gggg,eeee)" for tags without one (used in error messages and Status::field).
std::string KeywordOrTag(uint32_t tag);

}  // namespace dokuei::dicom::internal
