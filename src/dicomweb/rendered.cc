// WADO-RS rendered and thumbnail resources (PS3.18 10.4.1.1.3, 10.4.1.1.5): JPEG (default) or PNG
// with windowing and a viewport. The thumbnail of a study or series is that of a representative
// instance (the middle image of the first series with pixel data).
#include "common.h"
#include "dokuei/dicom/pixels.h"
#include "negotiation.h"
#include "params.h"
#include "wado_internal.h"

namespace dokuei::dicomweb {
namespace {

enum class Kind { kRendered, kThumbnail };

const index::InstanceLocation* Representative(const std::vector<index::InstanceLocation>& locs) {
  std::vector<const index::InstanceLocation*> images;
  for (const auto& l : locs) {
    if (l.number_of_frames > 0 &&
        (images.empty() || l.series_instance_uid == images.front()->series_instance_uid)) {
      images.push_back(&l);
    }
  }
  if (images.empty()) return nullptr;
  return images[images.size() / 2];
}

base::Result<http::Response> Render(Context& ctx, http::Request& req, Kind kind) {
  DOKUEI_ASSIGN_OR_RETURN(dicom::RenderOptions::Format format,
                          NegotiateRendered(req.Header("Accept")));
  DOKUEI_ASSIGN_OR_RETURN(RenderParams params, ParseRenderParams(req.query));
  std::string_view study = req.Param("study"), series = req.Param("series"),
                   sop = req.Param("sop");
  DOKUEI_ASSIGN_OR_RETURN(auto locs, LocateAll(ctx, req, study, series, sop, "study.view"));
  const index::InstanceLocation* loc = Representative(locs);
  if (!loc) return base::NotFound("the instance has no image to render");
  uint32_t frame = 1;
  if (!req.Param("frames").empty()) {
    DOKUEI_ASSIGN_OR_RETURN(auto frames, ParseFrameList(req.Param("frames"), 1));
    frame = frames[0];
  } else if (kind == Kind::kThumbnail && loc->number_of_frames > 1) {
    frame = static_cast<uint32_t>(loc->number_of_frames / 2 + 1);
  }
  if (frame > static_cast<uint32_t>(loc->number_of_frames)) {
    return base::Status(base::Code::kNotFound, "frame " + std::to_string(frame) +
                                                   " does not exist", "frames");
  }
  dicom::RenderOptions options;
  options.format = format;
  options.frame_number = frame;
  options.window_center = params.window_center;
  options.window_width = params.window_width;
  options.jpeg_quality = params.quality ? params.quality : ctx.options.jpeg_quality;
  options.max_width = params.viewport_width;
  options.max_height = params.viewport_height;
  if (kind == Kind::kThumbnail && options.max_width == 0) {
    options.max_width = options.max_height = ctx.options.thumbnail_size;
  }
  DOKUEI_ASSIGN_OR_RETURN(std::string file, ctx.services.retrieve.ReadAll(*loc));
  DOKUEI_ASSIGN_OR_RETURN(
      std::string image,
      dicom::Render({reinterpret_cast<const uint8_t*>(file.data()), file.size()}, options));
  http::Response res = http::Response::Bytes(
      200, format == dicom::RenderOptions::Format::kPng ? "image/png" : "image/jpeg",
      std::move(image));
  res.headers.Set("Cache-Control", "private, max-age=3600");
  return res;
}

}  // namespace

base::Status RegisterRendered(http::RouteTable& routes, const std::shared_ptr<Context>& ctx) {
  struct Def {
    const char* suffix;
    Kind kind;
    const char* ja;
    const char* en;
  };
  static constexpr Def kDefs[] = {
      {"/studies/{study}/series/{series}/instances/{sop}/rendered", Kind::kRendered,
       "インスタンスの画像 (WADO-RS)", "Rendered instance (WADO-RS)"},
      {"/studies/{study}/series/{series}/instances/{sop}/frames/{frames}/rendered",
       Kind::kRendered, "フレームの画像 (WADO-RS)", "Rendered frame (WADO-RS)"},
      {"/studies/{study}/thumbnail", Kind::kThumbnail, "検査のサムネイル (WADO-RS)",
       "Study thumbnail (WADO-RS)"},
      {"/studies/{study}/series/{series}/thumbnail", Kind::kThumbnail,
       "シリーズのサムネイル (WADO-RS)", "Series thumbnail (WADO-RS)"},
      {"/studies/{study}/series/{series}/instances/{sop}/thumbnail", Kind::kThumbnail,
       "インスタンスのサムネイル (WADO-RS)", "Instance thumbnail (WADO-RS)"},
      {"/studies/{study}/series/{series}/instances/{sop}/frames/{frames}/thumbnail",
       Kind::kThumbnail, "フレームのサムネイル (WADO-RS)", "Frame thumbnail (WADO-RS)"},
  };
  for (const Def& d : kDefs) {
    Kind kind = d.kind;
    DOKUEI_RETURN_IF_ERROR(routes.Add(ReadRoute(
        *ctx, d.suffix, [ctx, kind](http::Request& req) { return Render(*ctx, req, kind); },
        d.ja, d.en, {"image/jpeg", "image/png"})));
  }
  return base::Status::Ok();
}

}  // namespace dokuei::dicomweb
