// DatasetWriter: a small builder for DICOM objects that produces a valid Part-10 file (preamble,
// "DICM", File Meta Information generated from the data set, then the data set) in an
// uncompressed transfer syntax. Used by generators (demo phantoms, test fixtures) so that they
// never need DCMTK themselves.
//
// Errors are sticky: setters return *this for chaining and remember the first failure (unknown
// tag, wrong VR for the setter, value invalid for its VR, pixel count mismatch); status() reports
// it and Encode()/WriteFile() return it instead of writing anything.
// The VR of every attribute comes from the data dictionary; private tags are not supported.
// Output is deterministic: the same calls produce the same bytes.
// Thread safety: one DatasetWriter per thread; different writers may be used concurrently.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/env.h"
#include "dokuei/base/status.h"

namespace dokuei::dicom {

inline constexpr std::string_view kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
inline constexpr std::string_view kImplicitVrLittleEndian = "1.2.840.10008.1.2";
inline constexpr std::string_view kDeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";

// Image Pixel module values written together with the pixel data.
struct PixelOptions {
  uint16_t bits_stored = 0;  // 0: equal to bits allocated (8 or 16)
  bool is_signed = false;    // PixelRepresentation 1 (two's complement)
  std::string photometric = "MONOCHROME2";
  uint16_t samples_per_pixel = 1;  // 3 for RGB (interleaved, PlanarConfiguration 0)
};

class DatasetWriter {
 public:
  DatasetWriter();
  ~DatasetWriter();
  DatasetWriter(DatasetWriter&&) noexcept;
  DatasetWriter& operator=(DatasetWriter&&) noexcept;
  DatasetWriter(const DatasetWriter&) = delete;
  // A writer for a sequence item whose text is in the data set's character set (e.g. "ISO_IR
  // 192"): values are checked against it, and the item does not repeat SpecificCharacterSet
  // when SetSequence() puts it into the data set (it inherits the data set's).
  static DatasetWriter Item(std::string_view specific_character_set);
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // Any VR except SQ and the OB/OW family: the value in DICOM string form, several values
  // separated by '\' (numbers for binary VRs such as US or FD are parsed). Text is stored as
  // given: set SpecificCharacterSet (e.g. "ISO_IR 192" for UTF-8) first when it is not ASCII.
  // Replaces an existing value. The value is checked against its VR.
  DatasetWriter& Set(uint32_t tag, std::string_view value);
  // Numbers: DS formatted in at most 16 characters, IS rounded to integers, binary VRs encoded
  // natively, other VRs rejected.
  DatasetWriter& SetNumbers(uint32_t tag, std::span<const double> values);
  DatasetWriter& SetNumbers(uint32_t tag, std::initializer_list<double> values);
  DatasetWriter& SetNumber(uint32_t tag, double value) { return SetNumbers(tag, {value}); }
  // Raw bytes for an OB (or UN) attribute, e.g. EncapsulatedDocument; an odd length is padded
  // with one 0x00 when encoded, as Part 5 requires.
  DatasetWriter& SetBytes(uint32_t tag, std::span<const uint8_t> bytes);
  // A sequence whose items are the given writers' data sets (their errors propagate).
  DatasetWriter& SetSequence(uint32_t tag, std::vector<DatasetWriter> items);
  // Pixel data (OW) plus SamplesPerPixel, PhotometricInterpretation, Rows, Columns,
  // BitsAllocated, BitsStored, HighBit, PixelRepresentation, NumberOfFrames (only when frames >
  // 1) and PlanarConfiguration (color only). pixels.size() must be rows*cols*frames*samples.
  DatasetWriter& SetPixelData16(uint16_t rows, uint16_t cols, uint32_t frames,
                                std::span<const uint16_t> pixels, const PixelOptions& options = {});
  // Same with BitsAllocated 8 (OB).
  DatasetWriter& SetPixelData8(uint16_t rows, uint16_t cols, uint32_t frames,
                               std::span<const uint8_t> pixels, const PixelOptions& options = {});

  // OK, or the first error of any setter.
  const base::Status& status() const;

  // The Part-10 file. Meta header: MediaStorageSOPClassUID/InstanceUID from SOPClassUID and
  // SOPInstanceUID (both required), the transfer syntax, DCMTK's implementation class UID and
  // version name. Only uncompressed (and deflated) transfer syntaxes are produced.
  base::Result<std::string> Encode(
      std::string_view transfer_syntax_uid = kExplicitVrLittleEndian) const;
  // Encode() written to `path` (created or truncated). Not synced: callers that need durability
  // go through the blob store instead.
  base::Status WriteFile(base::Env& env, const std::string& path,
                         std::string_view transfer_syntax_uid = kExplicitVrLittleEndian) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// DS text for v in at most 16 characters, as precise as fits ("0.5", "-12.25", "1.2345678901e-05").
std::string FormatDecimalString(double v);

}  // namespace dokuei::dicom
