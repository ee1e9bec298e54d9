// DICOM JSON (PS3.18 F) of a walked data set, and the text-value decoding it shares with index
// attribute extraction. Private to the dicom module.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "charset_internal.h"
#include "walker.h"

namespace dokuei::dicom::internal {

// Decodes a text value to UTF-8 values: split at '\' for multi-valued VRs, padding trimmed; no
// values for an empty element. `*lossy` is set if some bytes could not be decoded.
void DecodeTextValues(std::string_view raw, Vr vr, const CharsetDecoder& decoder,
                      std::vector<std::string>* values, bool* lossy);

// "Doe^John^^=" -> "Doe^John": trimmed groups without trailing empty components or groups.
std::string NormalizePersonName(std::string_view pn);

// Decoder for the elements of a data set or item: its own Specific Character Set if it has one,
// else `inherited`. `storage` keeps a new decoder alive.
const CharsetDecoder& DecoderFor(const Walk& walk, const std::vector<Element>& elements,
                                 const CharsetDecoder& inherited, CharsetDecoder* storage);

struct JsonOptions {
  std::string bulk_prefix;  // "/studies/{st}/series/{se}/instances/{sop}/bulk/"
  uint32_t bulk_threshold = 1024;
};

// Appends the JSON object of the top-level data set. Group lengths and group 0002 are left out;
// Specific Character Set becomes "ISO_IR 192".
void WriteDatasetJson(const Walk& walk, const CharsetDecoder& decoder, const JsonOptions& options,
                      std::string* out, std::vector<std::string>* warnings);

}  // namespace dokuei::dicom::internal
