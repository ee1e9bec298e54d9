// Frames and rendering: get frame N of a stored object, decompressed to native little-endian
// pixels or kept in its encoding; render a frame to JPEG or PNG with windowing.
// Decoders: DCMTK (JPEG baseline/extended/lossless, JPEG-LS, RLE) and OpenJPEG (JPEG 2000 and
// HTJ2K). Every decoder runs behind size checks made before allocation.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/parse.h"

namespace dokuei::dicom {

struct Frame {
  std::string transfer_syntax_uid;  // of `bytes`: the stored one, or Explicit VR LE when decoded
  std::string bytes;
  // Of decoded bytes, which may differ from the object's (JPEG YBR_FULL_422 and JPEG 2000
  // YBR_ICT/YBR_RCT decode to RGB, samples interleaved); empty when decode=false.
  std::string photometric_interpretation;
};

// Frame number (1-based) of a Part-10 file. With decode=false the frame is returned in the stored
// encoding (the compressed bit stream for encapsulated syntaxes); with decode=true it is returned
// as native pixels (Explicit VR Little Endian layout).
base::Result<Frame> ExtractFrame(std::span<const uint8_t> file, uint32_t frame_number, bool decode);

// Re-encodes a whole Part-10 file to another transfer syntax (only decompression to Explicit VR
// Little Endian is required; other targets may return kUnsupported).
base::Result<std::string> Transcode(std::span<const uint8_t> file, std::string_view target_ts);

struct RenderOptions {
  enum class Format { kJpeg, kPng } format = Format::kJpeg;
  uint32_t frame_number = 1;
  std::optional<double> window_center, window_width;  // default: from the object, else min/max
  uint32_t max_width = 0, max_height = 0;              // 0: natural size (thumbnail: e.g. 128)
  int jpeg_quality = 90;
};
// Rendered image bytes (image/jpeg or image/png), 8-bit grey or RGB, MONOCHROME1 inverted.
base::Result<std::string> Render(std::span<const uint8_t> file, const RenderOptions& options);

}  // namespace dokuei::dicom
