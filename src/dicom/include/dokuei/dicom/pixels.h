// Frames and rendering: get frame N of a stored object, decompressed to native little-endian
// pixels or kept in its encoding; render a frame to JPEG or PNG with windowing.
// Decoders: DCMTK (JPEG baseline/extended/lossless, JPEG-LS, RLE) and OpenJPEG (JPEG 2000 and
// HTJ2K). Every decoder runs behind size checks made before allocation.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <functional>
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

// Where the frames of a Part-10 object with native little-endian pixels are in the file, so that
// they can be sent as file ranges. Frame n (1-based) is the `frame_bytes` bytes at FrameOffset(n):
// exactly what ExtractFrame(file, n, decode) returns with decode false or true, Explicit VR Little
// Endian pixels.
struct NativeFrames {
  uint64_t pixel_data_offset = 0;  // file offset of the first Pixel Data value byte
  uint64_t frame_bytes = 0;
  uint32_t number_of_frames = 0;
  uint64_t FrameOffset(uint32_t frame_number) const {
    return pixel_data_offset + uint64_t{frame_number - 1} * frame_bytes;
  }
};

// Reads up to dst.size() bytes at `offset`; returns how many were read (0 only at the end).
using ReadAt = std::function<base::Result<size_t>(uint64_t offset, std::span<uint8_t> dst)>;

// Locates the frames of a Part-10 object of `file_size` bytes from its header alone: reads the
// first 16 KiB (more, up to 16 MiB, for a header that does not fit) and walks the File Meta
// Information and every element before Pixel Data, with the checks and limits ExtractFrame
// applies (every length against `file_size`, Rows x Columns x SamplesPerPixel x BitsAllocated x
// NumberOfFrames within the Pixel Data value), plus any small tail after the Pixel Data (e.g.
// Data Set Trailing Padding). The pixel data itself is never read.
// nullopt when the object is not a simple case, which ExtractFrame handles: transfer syntax not
// Implicit or Explicit VR Little Endian (encapsulated, big endian, deflated), no Pixel Data,
// BitsAllocated not a multiple of 8, a header beyond 16 MiB, or elements after the Pixel Data
// that are more than 64 KiB, malformed, or not sorted after it.
// An error where ExtractFrame would fail too (or when `read` fails or the file is shorter than
// `file_size`: kDataLoss).
base::Result<std::optional<NativeFrames>> LocateNativeFrames(const ReadAt& read,
                                                             uint64_t file_size);

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
