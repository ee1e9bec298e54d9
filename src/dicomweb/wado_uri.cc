// WADO-URI (PS3.18 9): GET <wado_uri_path>?requestType=WADO&studyUID=&seriesUID=&objectUID=
// &contentType=application/dicom|image/jpeg|image/png[&transferSyntax=][&frameNumber=]
// [&windowCenter=&windowWidth=][&rows=&columns=]
#include "common.h"
#include "dokuei/dicom/pixels.h"
#include "instance_stream.h"
#include "negotiation.h"
#include "params.h"
#include "wado_internal.h"

namespace dokuei::dicomweb {
namespace {

base::Result<http::Response> WadoUri(Context& ctx, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(WadoUriParams p, ParseWadoUriParams(req.query));
  DOKUEI_ASSIGN_OR_RETURN(auto locs,
                          LocateAll(ctx, req, p.study_uid, p.series_uid, p.object_uid));
  index::InstanceLocation loc = std::move(locs.front());
  for (const std::string& ct : p.content_types) {
    if (ct == "application/dicom") {
      bool to_le = false;
      if (!p.transfer_syntax.empty() && p.transfer_syntax != loc.transfer_syntax_uid) {
        if (p.transfer_syntax != kExplicitVrLittleEndian) {
          return base::Status(base::Code::kNotAcceptable,
                              "the object is available as stored or in " +
                                  std::string(kExplicitVrLittleEndian),
                              "transferSyntax");
        }
        to_le = true;
      }
      std::vector<index::InstanceLocation> one{std::move(loc)};
      auto stream = std::make_unique<InstanceStream>(ctx.services.retrieve, std::move(one),
                                                     false, to_le, "");
      http::Response res;
      res.headers.Set("Content-Type", "application/dicom");
      res.stream = std::move(stream);
      return res;
    }
    if (ct == "image/jpeg" || ct == "image/png" || ct == "image/*" || ct == "*/*") {
      if (loc.number_of_frames == 0) continue;
      if (p.frame_number > static_cast<uint32_t>(loc.number_of_frames)) {
        return base::Status(base::Code::kNotFound, "frame does not exist", "frameNumber");
      }
      dicom::RenderOptions o;
      o.format = ct == "image/png" ? dicom::RenderOptions::Format::kPng
                                   : dicom::RenderOptions::Format::kJpeg;
      o.frame_number = p.frame_number;
      o.window_center = p.render.window_center;
      o.window_width = p.render.window_width;
      o.max_width = p.render.viewport_width;
      o.max_height = p.render.viewport_height;
      o.jpeg_quality = p.render.quality ? p.render.quality : ctx.options.jpeg_quality;
      DOKUEI_ASSIGN_OR_RETURN(std::string file, ctx.services.retrieve.ReadAll(loc));
      DOKUEI_ASSIGN_OR_RETURN(
          std::string image,
          dicom::Render({reinterpret_cast<const uint8_t*>(file.data()), file.size()}, o));
      return http::Response::Bytes(
          200, o.format == dicom::RenderOptions::Format::kPng ? "image/png" : "image/jpeg",
          std::move(image));
    }
  }
  return base::Status(base::Code::kNotAcceptable,
                      "the object is available as application/dicom, image/jpeg or image/png",
                      "contentType");
}

}  // namespace

base::Status RegisterWadoUri(http::RouteTable& routes, const std::shared_ptr<Context>& ctx) {
  http::Route r = ReadRoute(
      *ctx, "", [ctx](http::Request& req) { return WadoUri(*ctx, req); },
      "オブジェクトを取得 (WADO-URI)", "Retrieve an object (WADO-URI)",
      {"application/dicom", "image/jpeg", "image/png"});
  r.pattern = ctx->options.wado_uri_path;
  return routes.Add(std::move(r));
}

}  // namespace dokuei::dicomweb
