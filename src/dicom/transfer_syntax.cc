#include "transfer_syntax.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <string>
#include <vector>

#include "dokuei/base/strings.h"
#include "dokuei/dicom/parse.h"

namespace dokuei::dicom {
namespace internal {
namespace {

constexpr TransferSyntax kSyntaxes[] = {
    {"1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false, Codec::kNative,
     false},
    {"1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false, Codec::kNative,
     false},
    {"1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", true, false,
     false, true, Codec::kEncapsulatedNative, false},
    {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false,
     Codec::kNative, false},
    {"1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false, Codec::kNative,
     false},
    {"1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, true, Codec::kJpeg,
     true},
    {"1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", true, false, false, true,
     Codec::kJpeg, true},
    {"1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", true, false, false,
     true, Codec::kJpeg, false},
    {"1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction", true,
     false, false, true, Codec::kJpeg, false},
    {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", true, false, false, true, Codec::kJpegLs, false},
    {"1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless)", true, false, false, true,
     Codec::kJpegLs, true},
    {"1.2.840.10008.1.2.4.90", "JPEG 2000 (Lossless Only)", true, false, false, true,
     Codec::kJpeg2000, false},
    {"1.2.840.10008.1.2.4.91", "JPEG 2000", true, false, false, true, Codec::kJpeg2000, true},
    {"1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component (Lossless Only)", true, false,
     false, true, Codec::kJpeg2000, false},
    {"1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", true, false, false, true,
     Codec::kJpeg2000, true},
    {"1.2.840.10008.1.2.4.94", "JPIP Referenced", true, false, false, false, Codec::kReferenced,
     false},
    {"1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", true, false, true, false,
     Codec::kReferenced, false},
    {"1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", true, false, false, true,
     Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.100.1", "Fragmentable MPEG2 Main Profile / Main Level", true, false,
     false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", true, false, false, true,
     Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.101.1", "Fragmentable MPEG2 Main Profile / High Level", true, false,
     false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", true, false, false,
     true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.102.1", "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1", true,
     false, false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true,
     false, false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.103.1",
     "Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", true, false, false,
     true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true,
     false, false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.104.1",
     "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", true, false, false,
     true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true,
     false, false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.105.1",
     "Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", true, false, false,
     true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", true, false,
     false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.106.1", "Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
     true, false, false, true, Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", true, false, false, true,
     Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", true, false, false, true,
     Codec::kVideo, true},
    {"1.2.840.10008.1.2.4.110", "JPEG XL Lossless", true, false, false, true, Codec::kJpegXl,
     false},
    {"1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", true, false, false, true,
     Codec::kJpegXl, true},
    {"1.2.840.10008.1.2.4.112", "JPEG XL", true, false, false, true, Codec::kJpegXl, true},
    {"1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 (Lossless Only)", true, false, false,
     true, Codec::kHtj2k, false},
    {"1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options (Lossless Only)", true,
     false, false, true, Codec::kHtj2k, false},
    {"1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000", true, false, false, true,
     Codec::kHtj2k, true},
    {"1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced", true, false, false, false,
     Codec::kReferenced, false},
    {"1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate", true, false, true, false,
     Codec::kReferenced, false},
    {"1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, true, Codec::kRle, false},
};

constexpr TransferSyntax kForwardCompatible = {"",
                                               "unknown encapsulated transfer syntax",
                                               true,
                                               false,
                                               false,
                                               true,
                                               Codec::kOtherEncapsulated,
                                               true,
                                               false};

}  // namespace

const TransferSyntax* FindTransferSyntax(std::string_view uid) {
  uid = base::Trim(uid);
  for (const TransferSyntax& ts : kSyntaxes)
    if (ts.uid == uid) return &ts;
  // PS3.5 10: every syntax under 1.2.840.10008.1.2.4 other than the ones above is an
  // encapsulated syntax with an Explicit VR Little Endian data set.
  if (base::StartsWith(uid, "1.2.840.10008.1.2.4.") && base::IsValidUid(uid))
    return &kForwardCompatible;
  return nullptr;
}

}  // namespace internal

const std::vector<std::string>& AcceptedTransferSyntaxes() {
  static const std::vector<std::string>* list = [] {
    auto* v = new std::vector<std::string>();
    for (const internal::TransferSyntax& ts : internal::kSyntaxes) v->emplace_back(ts.uid);
    return v;
  }();
  return *list;
}

bool IsStorageSopClass(std::string_view sop_class_uid) {
  sop_class_uid = base::Trim(sop_class_uid);
  if (!base::IsValidUid(sop_class_uid)) return false;
  for (int i = 0; i < numberOfDcmAllStorageSOPClassUIDs; ++i) {
    if (dcmAllStorageSOPClassUIDs[i] != nullptr && sop_class_uid == dcmAllStorageSOPClassUIDs[i])
      return true;
  }
  return base::StartsWith(sop_class_uid, "1.2.840.10008.5.1.4.1.1.");
}

}  // namespace dokuei::dicom
