#include "params.h"

#include <cmath>
#include <cstdlib>

#include "dokuei/base/strings.h"

namespace dokuei::dicomweb {
namespace {

std::optional<double> ParseDouble(std::string_view s) {
  s = base::Trim(s);
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string tmp(s);
  char* end = nullptr;
  double d = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<uint32_t> ParseDimension(std::string_view s) {
  auto v = base::ParseUint(base::Trim(s));
  if (!v || *v == 0 || *v > 16384) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

base::Status ParseWindow(std::string_view value, const std::string& name, RenderParams* out) {
  auto parts = base::Split(value, ',');
  if (parts.size() < 2 || parts.size() > 3) {
    return base::InvalidArgument("window must be center,width[,function]", name);
  }
  auto c = ParseDouble(parts[0]);
  auto w = ParseDouble(parts[1]);
  if (!c || !w || *w <= 0) return base::InvalidArgument("malformed window center/width", name);
  if (parts.size() == 3) {
    std::string f = base::ToLowerAscii(base::Trim(parts[2]));
    if (f != "linear" && f != "linear-exact" && f != "sigmoid") {
      return base::InvalidArgument("unknown window function", name);
    }
  }
  out->window_center = *c;
  out->window_width = *w;
  return base::Status::Ok();
}

base::Status ParseViewport(std::string_view value, const std::string& name, RenderParams* out) {
  auto parts = base::Split(value, ',');
  if (parts.size() != 2 && parts.size() != 6) {
    return base::InvalidArgument("viewport must be vw,vh[,sx,sy,sw,sh]", name);
  }
  auto w = ParseDimension(parts[0]);
  auto h = ParseDimension(parts[1]);
  if (!w || !h) return base::InvalidArgument("malformed viewport size", name);
  out->viewport_width = *w;
  out->viewport_height = *h;
  return base::Status::Ok();
}

base::Status ParseQuality(std::string_view value, const std::string& name, int* out) {
  auto q = base::ParseUint(base::Trim(value));
  if (!q || *q < 1 || *q > 100) return base::InvalidArgument("quality must be 1..100", name);
  *out = static_cast<int>(*q);
  return base::Status::Ok();
}

}  // namespace

base::Result<std::vector<uint32_t>> ParseFrameList(std::string_view text, size_t max_frames) {
  std::vector<uint32_t> out;
  for (std::string_view part : base::Split(text, ',')) {
    auto n = base::ParseUint(base::Trim(part));
    if (!n || *n == 0 || *n > 0xFFFFFFFFull) {
      return base::InvalidArgument("frame numbers must be positive integers", "frames");
    }
    if (out.size() >= max_frames) return base::InvalidArgument("too many frames", "frames");
    out.push_back(static_cast<uint32_t>(*n));
  }
  return out;
}

base::Result<RenderParams> ParseRenderParams(const http::Pairs& query) {
  RenderParams out;
  for (const auto& [name, value] : query) {
    if (name == "window") {
      DOKUEI_RETURN_IF_ERROR(ParseWindow(value, name, &out));
    } else if (name == "viewport") {
      DOKUEI_RETURN_IF_ERROR(ParseViewport(value, name, &out));
    } else if (name == "quality") {
      DOKUEI_RETURN_IF_ERROR(ParseQuality(value, name, &out.quality));
    } else if (name == "annotation" || name == "charset" || name == "iccprofile") {
      continue;
    } else {
      return base::InvalidArgument("unknown query parameter", name);
    }
  }
  return out;
}

base::Result<WadoUriParams> ParseWadoUriParams(const http::Pairs& query) {
  WadoUriParams out;
  bool request_type = false;
  std::optional<double> center, width;
  for (const auto& [name, value] : query) {
    if (name == "requestType") {
      if (value != "WADO") return base::InvalidArgument("requestType must be WADO", name);
      request_type = true;
    } else if (name == "studyUID") {
      out.study_uid = value;
    } else if (name == "seriesUID") {
      out.series_uid = value;
    } else if (name == "objectUID") {
      out.object_uid = value;
    } else if (name == "contentType") {
      for (std::string_view ct : base::Split(value, ',')) {
        std::string_view t = base::Trim(ct.substr(0, ct.find(';')));
        if (!t.empty()) out.content_types.push_back(base::ToLowerAscii(t));
      }
    } else if (name == "transferSyntax") {
      if (!base::IsValidUid(value)) return base::InvalidArgument("not a valid UID", name);
      out.transfer_syntax = value;
    } else if (name == "frameNumber") {
      auto n = base::ParseUint(value);
      if (!n || *n == 0 || *n > 0xFFFFFFFFull) {
        return base::InvalidArgument("frameNumber must be a positive integer", name);
      }
      out.frame_number = static_cast<uint32_t>(*n);
    } else if (name == "windowCenter" || name == "windowWidth") {
      auto d = ParseDouble(value);
      if (!d || (name == "windowWidth" && *d <= 0)) {
        return base::InvalidArgument("malformed window value", name);
      }
      (name == "windowCenter" ? center : width) = d;
    } else if (name == "rows" || name == "columns") {
      auto d = ParseDimension(value);
      if (!d) return base::InvalidArgument("must be a positive integer", name);
      (name == "rows" ? out.render.viewport_height : out.render.viewport_width) = *d;
    } else if (name == "imageQuality") {
      DOKUEI_RETURN_IF_ERROR(ParseQuality(value, name, &out.render.quality));
    } else if (name == "anonymize") {
      if (value == "yes") return base::Unsupported("anonymized retrieval is not supported", name);
    } else if (name == "charset" || name == "annotation") {
      continue;
    } else if (name == "region" || name == "presentationUID" || name == "presentationSeriesUID") {
      return base::Unsupported("parameter not supported", name);
    } else {
      return base::InvalidArgument("unknown query parameter", name);
    }
  }
  if (!request_type) return base::InvalidArgument("requestType=WADO is required", "requestType");
  for (const char* f : {"studyUID", "seriesUID", "objectUID"}) {
    const std::string& v = std::string_view(f) == "studyUID"    ? out.study_uid
                           : std::string_view(f) == "seriesUID" ? out.series_uid
                                                                : out.object_uid;
    if (v.empty()) return base::InvalidArgument("missing required parameter", f);
    if (!base::IsValidUid(v)) return base::InvalidArgument("not a valid UID", f);
  }
  if (center.has_value() != width.has_value()) {
    return base::InvalidArgument("windowCenter and windowWidth go together",
                                 center ? "windowWidth" : "windowCenter");
  }
  out.render.window_center = center;
  out.render.window_width = width;
  if (out.content_types.empty()) out.content_types.push_back("image/jpeg");
  return out;
}

}  // namespace dokuei::dicomweb
