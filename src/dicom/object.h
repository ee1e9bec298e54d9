// The bounded structural pass shared by ingest parsing and frame serving: File Meta Information,
// inflating deflated data sets, the walk, Pixel Data validation, and value accessors.
// Private to the dicom module.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/parse.h"
#include "transfer_syntax.h"
#include "walker.h"

namespace dokuei::dicom::internal {

struct FileMeta {
  uint64_t dataset_offset = 0;
  std::string transfer_syntax_uid;
  std::string media_storage_sop_class_uid;
  std::string media_storage_sop_instance_uid;
  std::string source_ae_title;
  bool has_transfer_syntax = false, has_sop_class = false, has_sop_instance = false;
};

// Preamble, "DICM" and the group 0002 elements (explicit VR LE), checked against the group length.
base::Result<FileMeta> ReadFileMeta(std::span<const uint8_t> file);

// A walked data set with its transfer syntax and validated pixel description.
struct DecodedObject {
  const TransferSyntax* ts = nullptr;
  std::string ts_uid;
  Walk walk;
  PixelInfo pixel;
  const Element* pixel_data = nullptr;  // top-level (7FE0,0010) in walk.elements, or nullptr
};

// Inflates (for deflated syntaxes) and walks `dataset`, then validates the Pixel Data against the
// image pixel attributes. `out` must not be moved afterwards (pixel_data points into it).
base::Status OpenDataset(std::span<const uint8_t> dataset, std::string_view ts_uid,
                         const Limits& limits, DecodedObject* out);

// The second half of OpenDataset: checks the top-level Pixel Data of a walked object against the
// image pixel attributes, and fills out->pixel and out->pixel_data.
base::Status ValidatePixelData(const Limits& limits, DecodedObject* out);

// OpenDataset's walk for the beginning of a data set (native, not deflated syntaxes): `prefix`
// holds the first bytes of a data set of `full_size` bytes. The walk ends with a top-level Pixel
// Data element, whose length is checked against `full_size`; nothing is validated after that
// (see ValidatePixelData). Returns true when the walk got to the Pixel Data, false when `prefix`
// may be too short (it ends inside an element, or before any Pixel Data), an error when the whole
// data set would be refused as well.
base::Result<bool> OpenDatasetHeader(std::span<const uint8_t> prefix, uint64_t full_size,
                                     std::string_view ts_uid, const Limits& limits,
                                     DecodedObject* out);

// Value bytes of a defined-length element.
std::string_view ValueBytes(const Walk& walk, const Element& e);
// Strips padding: trailing spaces and NULs; for non-text VRs also leading spaces.
std::string_view TrimPadding(std::string_view raw, Vr vr);
std::optional<uint32_t> ReadUnsigned(const Walk& walk, const Element& e, size_t index = 0);
std::optional<uint32_t> FindUnsigned(const Walk& walk, const std::vector<Element>& elements,
                                     uint32_t tag);
// Trimmed ASCII value of a top-level element; nullopt if absent.
std::optional<std::string> FindString(const Walk& walk, const std::vector<Element>& elements,
                                      uint32_t tag);
// IS: optional surrounding spaces, optional sign, digits, at most 12 characters.
std::optional<int64_t> ParseIntegerString(std::string_view s);
// DS: a decimal string as in ANSI X3.9 (at most 16 characters, spaces allowed around).
std::optional<double> ParseDecimalString(std::string_view s);
// Printable, truncated rendering of an untrusted value for error messages.
std::string Printable(std::string_view s);

}  // namespace dokuei::dicom::internal
