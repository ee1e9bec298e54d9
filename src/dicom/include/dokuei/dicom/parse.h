// Parse and validate one DICOM object for ingest, in one bounded pass.
//
// Before anything is allocated from a length field, a structural walk checks every element and
// item length against the bytes actually present and against Limits (so lying lengths, 4 GB
// declared values and Rows x Columns beyond the pixel data are refused cheaply). Then the
// attributes the index needs are extracted (converted to UTF-8 from SpecificCharacterSet) and the
// instance's DICOM JSON (PS3.18 F) is written, with large values as BulkDataURI.
// The input bytes are never modified: what is stored is exactly what was sent.
// Thread safety: all functions are thread-safe (DCMTK is used only on stack objects).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/attribute.h"

namespace dokuei::dicom {

struct Limits {
  uint64_t max_object_bytes = 2ull << 30;   // whole object (after inflating deflate)
  uint32_t max_element_bytes = 1u << 30;    // any single value
  uint32_t max_depth = 16;                  // sequence nesting
  uint32_t max_frames = 100000;
  uint32_t bulk_threshold_bytes = 1024;     // values above this go to BulkDataURI in metadata
  uint32_t max_elements = 1000000;          // elements + items + fragments (bounds walk memory)
};

// Where the pixel data of a stored Part-10 object is, to serve frames without re-parsing.
struct PixelInfo {
  bool present = false;
  bool encapsulated = false;
  uint16_t rows = 0, columns = 0, samples_per_pixel = 0;
  uint16_t bits_allocated = 0, bits_stored = 0, high_bit = 0, pixel_representation = 0;
  uint16_t planar_configuration = 0;
  uint32_t number_of_frames = 0;
  std::string photometric_interpretation;
};

// Everything ingest needs from an instance.
struct ParsedInstance {
  std::string transfer_syntax_uid;
  std::string sop_class_uid;
  std::string sop_instance_uid;
  std::string study_instance_uid;
  std::string series_instance_uid;
  std::string specific_character_set;  // as sent
  // UTF-8 values of the attributes the index stores (patient/study/series/instance keys and the
  // Request Attributes Sequence), as an AttributeList.
  AttributeList index_attributes;
  PixelInfo pixel;
  // DICOM JSON object of the data set (not the file meta), UTF-8, SpecificCharacterSet rewritten
  // to "ISO_IR 192". BulkDataURI values are "/studies/{st}/series/{se}/instances/{sop}/bulk/{tag}"
  // (relative to the DICOMweb root; the server prefixes its base URL).
  std::string metadata_json;
  // Problems that did not prevent storage (e.g. an unknown character set term, odd lengths).
  std::vector<std::string> warnings;
};

// A complete Part-10 file: preamble, "DICM", File Meta Information, data set.
base::Result<ParsedInstance> ParsePart10(std::span<const uint8_t> file, const Limits& limits);

// A bare data set as received over DIMSE in transfer syntax `ts_uid`.
base::Result<ParsedInstance> ParseDataset(std::span<const uint8_t> dataset, std::string_view ts_uid,
                                          const Limits& limits);

// File Meta Information group (preamble + "DICM" + group 0002) to put in front of a data set
// received over DIMSE, so that the stored object is a valid Part-10 file.
std::string BuildFileMeta(std::string_view sop_class_uid, std::string_view sop_instance_uid,
                          std::string_view ts_uid, std::string_view source_ae);

// Byte length of the preamble + meta group of a Part-10 file (where the data set starts).
base::Result<size_t> DatasetOffset(std::span<const uint8_t> file);

// True if the SOP class is one this archive stores (every storage SOP class in DCMTK's list,
// plus unknown ones under 1.2.840.10008.5.1.4.1.1.*).
bool IsStorageSopClass(std::string_view sop_class_uid);
// Transfer syntaxes accepted for storage (as sent): every uncompressed, deflate, RLE, JPEG,
// JPEG-LS, JPEG 2000, HTJ2K, MPEG/HEVC video syntax.
const std::vector<std::string>& AcceptedTransferSyntaxes();

}  // namespace dokuei::dicom
