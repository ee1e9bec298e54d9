// Transfer syntaxes we know, with how their data sets are encoded. Private to the dicom module.
#pragma once

#include <string_view>

namespace dokuei::dicom::internal {

enum class Codec : unsigned char {
  kNative,              // uncompressed pixels (including deflated and big-endian data sets)
  kEncapsulatedNative,  // 1.2.840.10008.1.2.1.98: uncompressed frames in fragments
  kRle,
  kJpeg,  // 10918-1 (baseline, extended, lossless)
  kJpegLs,
  kJpeg2000,
  kHtj2k,
  kJpegXl,
  kVideo,              // MPEG-2/4, HEVC
  kReferenced,         // JPIP referenced: no Pixel Data in the object
  kOtherEncapsulated,  // an encapsulated syntax we do not know (forward compatibility)
};

struct TransferSyntax {
  std::string_view uid;
  std::string_view name;
  bool explicit_vr;
  bool big_endian;
  bool deflated;
  bool encapsulated;
  Codec codec;
  bool lossy;
  bool known = true;  // false: unknown 1.2.840.10008.1.2.4.* accepted as encapsulated explicit LE
};

// nullptr if the syntax is neither known nor a forward-compatible encapsulated one.
const TransferSyntax* FindTransferSyntax(std::string_view uid);

inline constexpr std::string_view kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

}  // namespace dokuei::dicom::internal
