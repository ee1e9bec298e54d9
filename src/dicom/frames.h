// Frames of a walked object: which bytes make up frame N (native or encapsulated), and decoding
// a frame to native little-endian pixels. Private to the dicom module.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "object.h"

namespace dokuei::dicom::internal {

// Frames above this are refused before allocation (a frame of 65535 x 65535 x 4 x 8 bytes would be
// 137 GB).
inline constexpr uint64_t kMaxDecodedFrameBytes = 1ull << 30;

// Opens a Part-10 file for frame access (meta + bounded walk + pixel validation, default limits).
base::Status OpenPart10(std::span<const uint8_t> file, FileMeta* meta, DecodedObject* obj);

// Fragment indices (into Element::fragments, 1-based as fragments[0] is the Basic Offset Table)
// of every frame: from the Extended Offset Table, the Basic Offset Table, one fragment per frame,
// all fragments for a single frame, frame start markers (JPEG SOI, JPEG 2000 SOC), or frame end
// markers (JPEG EOI, JPEG 2000 EOC).
base::Result<std::vector<std::vector<size_t>>> AssignFragments(const DecodedObject& obj);

// Frame `index` (0-based) as stored: concatenated fragments, or native bytes (big-endian data
// stays big-endian unless `to_little_endian`).
base::Result<std::string> StoredFrame(const DecodedObject& obj, uint32_t index,
                                      bool to_little_endian);

struct DecodedFrame {
  std::string bytes;        // native LE, samples interleaved (PlanarConfiguration 0 for
                            // decoded compressed frames; as stored for native ones)
  std::string photometric;  // after decoding (e.g. RGB for JPEG YBR_FULL_422)
  uint16_t planar_configuration = 0;
  uint16_t bits_allocated = 0;  // of `bytes`
};

// Frame `index` decoded to native pixels. Sizes are checked before any allocation.
base::Result<DecodedFrame> DecodeFrame(const DecodedObject& obj, uint32_t index);

// Codec entry points (codecs.cc). `frame` is one frame's compressed bit stream.
base::Result<DecodedFrame> DecodeRle(std::string_view frame, const PixelInfo& px);
base::Result<DecodedFrame> DecodeDcmtk(std::string_view frame, const PixelInfo& px,
                                       std::string_view ts_uid);
base::Result<DecodedFrame> DecodeOpenJpeg(std::string_view frame, const PixelInfo& px);

// Decoded size of one frame in bytes (samples of BitsAllocated rounded up to bytes).
uint64_t DecodedFrameBytes(const PixelInfo& px);

}  // namespace dokuei::dicom::internal
