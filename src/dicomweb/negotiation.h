// Content negotiation for WADO-RS (PS3.18 8.7): which representation of instances, frames,
// rendered images and JSON the client's Accept header allows, highest preference first.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/pixels.h"

namespace dokuei::dicomweb {

inline constexpr std::string_view kExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

// "image/jls" for JPEG-LS syntaxes etc.; "" for native (uncompressed) syntaxes and unknowns.
std::string_view MediaTypeForTransferSyntax(std::string_view ts_uid);
// Implicit/explicit VR little endian and deflated: frames are native little-endian pixels.
bool IsNativeLittleEndian(std::string_view ts_uid);

// Whole instances (Part-10): multipart/related; type="application/dicom" (or a bare
// application/dicom for a single instance).
struct InstancePlan {
  bool multipart = true;
  bool to_explicit_le = false;  // transcode instances not already in Explicit VR Little Endian
};
base::Result<InstancePlan> NegotiateInstances(std::string_view accept,
                                              const std::vector<std::string>& stored_ts,
                                              bool single_instance);

// Frames (and pixel bulk data) of one instance stored in `stored_ts`.
struct FramePlan {
  bool multipart = true;
  bool decode = false;          // decompress to native little-endian pixels
  std::string part_media_type;  // "application/octet-stream", "image/jls", ...
};
base::Result<FramePlan> NegotiateFrames(std::string_view accept, std::string_view stored_ts,
                                        bool single_frame);
// Content-Type of one frame part: media type plus transfer-syntax parameter.
std::string FrameContentType(const FramePlan& plan, std::string_view frame_ts);

base::Result<dicom::RenderOptions::Format> NegotiateRendered(std::string_view accept);
// "application/dicom+json" (default) or "application/json".
base::Result<std::string> NegotiateJson(std::string_view accept);

// Search results and the STOW-RS response: DICOM JSON, or PS3.19 XML (QIDO-RS: one
// multipart/related part per match; STOW-RS: one application/dicom+xml document).
enum class ResultFormat { kDicomJson, kJson, kXml };
base::Result<ResultFormat> NegotiateResults(std::string_view accept, bool multipart_xml);

}  // namespace dokuei::dicomweb
