#include "negotiation.h"

#include "dokuei/base/strings.h"
#include "dokuei/http/media_type.h"

namespace dokuei::dicomweb {
namespace {

base::Status NotAcceptable(std::string message) {
  return base::Status(base::Code::kNotAcceptable, std::move(message), "Accept");
}

base::Result<std::vector<http::MediaType>> Ranges(std::string_view accept) {
  auto r = http::ParseAccept(accept);
  if (!r.ok()) return base::InvalidArgument(r.status().message(), "Accept");
  return r;
}

bool IsAnyMultipart(const http::MediaType& m) {
  return m.type == "*" || (m.type == "multipart" && (m.subtype == "*" || m.subtype == "related"));
}

// The "type" parameter of a multipart/related range, parsed; nullopt when absent.
std::optional<http::MediaType> RelatedType(const http::MediaType& m) {
  if (m.type != "multipart" || m.subtype != "related" || !m.HasParam("type")) return std::nullopt;
  auto t = http::ParseMediaType(m.Param("type"));
  if (!t.ok()) return http::MediaType{"invalid", "invalid", {}, 1.0};
  return std::move(t).value();
}

bool SameMediaType(std::string_view a, std::string_view b) {
  auto norm = [](std::string_view s) {
    std::string l = base::ToLowerAscii(s);
    return l == "image/x-dicom-rle" ? std::string("image/dicom-rle") : l;
  };
  return norm(a) == norm(b);
}

}  // namespace

std::string_view MediaTypeForTransferSyntax(std::string_view ts) {
  if (ts == "1.2.840.10008.1.2.4.50" || ts == "1.2.840.10008.1.2.4.51" ||
      ts == "1.2.840.10008.1.2.4.57" || ts == "1.2.840.10008.1.2.4.70") {
    return "image/jpeg";
  }
  if (ts == "1.2.840.10008.1.2.4.80" || ts == "1.2.840.10008.1.2.4.81") return "image/jls";
  if (ts == "1.2.840.10008.1.2.4.90" || ts == "1.2.840.10008.1.2.4.91") return "image/jp2";
  if (ts == "1.2.840.10008.1.2.4.92" || ts == "1.2.840.10008.1.2.4.93") return "image/jpx";
  if (ts == "1.2.840.10008.1.2.4.201" || ts == "1.2.840.10008.1.2.4.202" ||
      ts == "1.2.840.10008.1.2.4.203") {
    return "image/jphc";
  }
  if (ts == "1.2.840.10008.1.2.5") return "image/dicom-rle";
  return "";
}

bool IsNativeLittleEndian(std::string_view ts) {
  return ts == "1.2.840.10008.1.2" || ts == kExplicitVrLittleEndian ||
         ts == "1.2.840.10008.1.2.1.99";
}

base::Result<InstancePlan> NegotiateInstances(std::string_view accept,
                                              const std::vector<std::string>& stored_ts,
                                              bool single_instance) {
  DOKUEI_ASSIGN_OR_RETURN(auto ranges, Ranges(accept));
  for (const auto& m : ranges) {
    InstancePlan plan;
    std::string_view ts;
    if (auto rel = RelatedType(m)) {
      if (!(rel->type == "application" && rel->subtype == "dicom")) continue;
      ts = m.Param("transfer-syntax");
      if (ts.empty()) ts = rel->Param("transfer-syntax");
    } else if (IsAnyMultipart(m)) {
      // Any multipart representation: Part-10 as stored.
    } else if (m.type == "application" && m.subtype == "dicom") {
      if (!single_instance) continue;
      plan.multipart = false;
      ts = m.Param("transfer-syntax");
    } else {
      continue;
    }
    if (ts.empty() || ts == "*") return plan;
    if (ts == kExplicitVrLittleEndian) {
      plan.to_explicit_le = true;
      return plan;
    }
    bool all_stored = !stored_ts.empty();
    for (const auto& s : stored_ts) all_stored = all_stored && s == ts;
    if (all_stored) return plan;
  }
  return NotAcceptable(
      "no acceptable representation: instances are available as multipart/related; "
      "type=\"application/dicom\" with transfer-syntax=* (as stored) or " +
      std::string(kExplicitVrLittleEndian));
}

base::Result<FramePlan> NegotiateFrames(std::string_view accept, std::string_view stored_ts,
                                        bool single_frame) {
  DOKUEI_ASSIGN_OR_RETURN(auto ranges, Ranges(accept));
  const bool native = IsNativeLittleEndian(stored_ts);
  const std::string_view stored_media = MediaTypeForTransferSyntax(stored_ts);
  for (const auto& m : ranges) {
    FramePlan plan;
    http::MediaType part = m;
    if (auto rel = RelatedType(m)) {
      part = *rel;
      if (!part.HasParam("transfer-syntax") && m.HasParam("transfer-syntax")) {
        part.params.emplace_back("transfer-syntax", std::string(m.Param("transfer-syntax")));
      }
    } else if (IsAnyMultipart(m)) {
      plan.part_media_type = "application/octet-stream";
      plan.decode = !native;
      return plan;
    } else {
      if (!single_frame) continue;
      plan.multipart = false;
    }
    std::string_view ts = part.Param("transfer-syntax");
    if (part.type == "application" && part.subtype == "octet-stream") {
      plan.part_media_type = "application/octet-stream";
      if (ts.empty() || ts == kExplicitVrLittleEndian) {
        plan.decode = !native;
        return plan;
      }
      if (ts == "*" || ts == stored_ts) return plan;  // as stored, labelled with its syntax
      continue;
    }
    if (part.type == "image" && !stored_media.empty() &&
        (part.subtype == "*" || SameMediaType(part.Essence(), stored_media))) {
      if (!ts.empty() && ts != "*" && ts != stored_ts) continue;
      plan.part_media_type = std::string(stored_media);
      return plan;
    }
  }
  return NotAcceptable(
      "no acceptable representation: frames are available as multipart/related; "
      "type=\"application/octet-stream\" (decoded, or transfer-syntax=* as stored)" +
      (stored_media.empty() ? std::string()
                            : " or type=\"" + std::string(stored_media) + "\""));
}

std::string FrameContentType(const FramePlan& plan, std::string_view frame_ts) {
  return plan.part_media_type + "; transfer-syntax=" + std::string(frame_ts);
}

base::Result<dicom::RenderOptions::Format> NegotiateRendered(std::string_view accept) {
  DOKUEI_ASSIGN_OR_RETURN(auto ranges, Ranges(accept));
  for (const auto& m : ranges) {
    if (m.Accepts("image", "jpeg")) return dicom::RenderOptions::Format::kJpeg;
    if (m.Accepts("image", "png")) return dicom::RenderOptions::Format::kPng;
  }
  return NotAcceptable("rendered images are available as image/jpeg or image/png");
}

base::Result<std::string> NegotiateJson(std::string_view accept) {
  DOKUEI_ASSIGN_OR_RETURN(auto ranges, Ranges(accept));
  for (const auto& m : ranges) {
    if (m.Accepts("application", "dicom+json")) return std::string("application/dicom+json");
    if (m.type == "application" && m.subtype == "json") return std::string("application/json");
  }
  return NotAcceptable("results are available as application/dicom+json or application/json");
}

base::Result<ResultFormat> NegotiateResults(std::string_view accept, bool multipart_xml) {
  DOKUEI_ASSIGN_OR_RETURN(auto ranges, Ranges(accept));
  for (const auto& m : ranges) {
    if (m.Accepts("application", "dicom+json")) return ResultFormat::kDicomJson;
    if (m.type == "application" && m.subtype == "json") return ResultFormat::kJson;
    if (multipart_xml) {
      auto rel = RelatedType(m);
      if (rel && rel->type == "application" && rel->subtype == "dicom+xml") return ResultFormat::kXml;
    } else if (m.type == "application" && m.subtype == "dicom+xml") {
      return ResultFormat::kXml;
    }
  }
  return NotAcceptable(
      multipart_xml ? "results are available as application/dicom+json, application/json or "
                      "multipart/related; type=\"application/dicom+xml\""
                    : "the response is available as application/dicom+json, application/json or "
                      "application/dicom+xml");
}

}  // namespace dokuei::dicomweb
