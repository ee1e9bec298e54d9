// WADO-RS frames (PS3.18 10.4.1.1.4): /studies/{st}/series/{se}/instances/{sop}/frames/{list},
// decoded to native little-endian pixels or in their stored encoding, per the Accept header.
#include "common.h"
#include "dokuei/dicom/pixels.h"
#include "multipart.h"
#include "negotiation.h"
#include "params.h"
#include "wado_internal.h"

namespace dokuei::dicomweb {
namespace {

constexpr size_t kMaxFramesPerRequest = 10000;

// Several frames: extracted one at a time as the client takes them.
class FrameStream final : public http::BodySource {
 public:
  FrameStream(StoredBytes file, std::vector<uint32_t> frames, FramePlan plan, std::string boundary)
      : file_(std::move(file)),
        frames_(std::move(frames)),
        plan_(std::move(plan)),
        boundary_(std::move(boundary)) {}

  base::Result<bool> Next(http::Piece& piece, bool) override {
    if (next_ > frames_.size()) return false;
    if (next_ == frames_.size()) {
      ++next_;
      piece.bytes = MultipartEpilogue(boundary_, frames_.size());
      return true;
    }
    DOKUEI_ASSIGN_OR_RETURN(dicom::Frame f, dicom::ExtractFrame(file_.span(), frames_[next_],
                                                                plan_.decode));
    piece.bytes = PartPrologue(boundary_, next_, FrameContentType(plan_, f.transfer_syntax_uid),
                               static_cast<int64_t>(f.bytes.size()));
    piece.bytes += f.bytes;
    ++next_;
    return true;
  }

 private:
  StoredBytes file_;
  std::vector<uint32_t> frames_;
  FramePlan plan_;
  std::string boundary_;
  size_t next_ = 0;
};

base::Result<http::Response> Frames(Context& ctx, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(std::vector<uint32_t> frames,
                          ParseFrameList(req.Param("frames"), kMaxFramesPerRequest));
  DOKUEI_ASSIGN_OR_RETURN(index::InstanceLocation loc, LocateOne(ctx, req));
  for (uint32_t f : frames) {
    if (f > static_cast<uint32_t>(std::max(0, loc.number_of_frames))) {
      return base::Status(base::Code::kNotFound,
                          "frame " + std::to_string(f) + " does not exist (the instance has " +
                              std::to_string(loc.number_of_frames) + " frames)",
                          "frames");
    }
  }
  DOKUEI_ASSIGN_OR_RETURN(FramePlan plan, NegotiateFrames(req.Header("Accept"),
                                                          loc.transfer_syntax_uid,
                                                          frames.size() == 1));
  DOKUEI_ASSIGN_OR_RETURN(StoredBytes file, ReadStored(ctx, loc));
  std::string boundary = NewBoundary();
  const std::string multipart_type =
      "multipart/related; type=\"" + plan.part_media_type + "\"; boundary=" + boundary;
  if (frames.size() > 1) {
    http::Response res;
    res.headers.Set("Content-Type", multipart_type);
    res.stream = std::make_unique<FrameStream>(std::move(file), std::move(frames),
                                               std::move(plan), std::move(boundary));
    return res;
  }
  DOKUEI_ASSIGN_OR_RETURN(dicom::Frame f, dicom::ExtractFrame(file.span(), frames[0], plan.decode));
  file = StoredBytes{};  // release before building the body
  std::string part_type = FrameContentType(plan, f.transfer_syntax_uid);
  if (!plan.multipart) return http::Response::Bytes(200, part_type, std::move(f.bytes));
  std::string prologue =
      PartPrologue(boundary, 0, part_type, static_cast<int64_t>(f.bytes.size()));
  std::string epilogue = MultipartEpilogue(boundary, 1);
  std::string body;
  body.reserve(prologue.size() + f.bytes.size() + epilogue.size());
  body += prologue;
  body += f.bytes;
  body += epilogue;
  return http::Response::Bytes(200, multipart_type, std::move(body));
}

}  // namespace

base::Status RegisterFrames(http::RouteTable& routes, const std::shared_ptr<Context>& ctx) {
  return routes.Add(ReadRoute(
      *ctx, "/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
      [ctx](http::Request& req) { return Frames(*ctx, req); }, "フレームを取得 (WADO-RS)",
      "Retrieve frames (WADO-RS)",
      {"multipart/related; type=\"application/octet-stream\"", "multipart/related; type=\"image/jls\"",
       "multipart/related; type=\"image/jpeg\"", "multipart/related; type=\"image/jp2\""}));
}

}  // namespace dokuei::dicomweb
