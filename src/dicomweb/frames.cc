// WADO-RS frames (PS3.18 10.4.1.1.4): /studies/{st}/series/{se}/instances/{sop}/frames/{list},
// decoded to native little-endian pixels or in their stored encoding, per the Accept header.
//
// Native little-endian objects (the common case) are answered from the stored file without
// reading their pixel data: dicom::LocateNativeFrames finds each frame's byte range from the
// header, and each frame goes out as a file piece (sendfile on plain TCP, with no thread hand-off
// per piece; reads of the range under TLS). Every other object is read, and its frames extracted
// (and decoded) in memory.
#include "common.h"
#include "dokuei/dicom/pixels.h"
#include "file_frames.h"
#include "multipart.h"
#include "negotiation.h"
#include "params.h"
#include "wado_internal.h"

namespace dokuei::dicomweb {
namespace {

constexpr size_t kMaxFramesPerRequest = 10000;

base::Status NoSuchFrame(uint32_t frame, int64_t frames) {
  return base::Status(base::Code::kNotFound,
                      "frame " + std::to_string(frame) + " does not exist (the instance has " +
                          std::to_string(frames) + " frames)",
                      "frames");
}

// A body already in memory, in pieces (sent with one gathered write, without concatenating).
class PiecesStream final : public http::BodySource {
 public:
  explicit PiecesStream(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}
  std::optional<uint64_t> ContentLength() const override {
    uint64_t n = 0;
    for (const auto& p : pieces_) n += p.size();
    return n;
  }
  bool NonBlocking(bool) const override { return true; }
  base::Result<bool> Next(http::Piece& piece, bool) override {
    if (next_ == pieces_.size()) return false;
    piece.bytes = std::move(pieces_[next_++]);
    return true;
  }

 private:
  std::vector<std::string> pieces_;
  size_t next_ = 0;
};

// Several frames extracted in memory: one at a time as the client takes them.
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

std::string MultipartType(const FramePlan& plan, const std::string& boundary) {
  return "multipart/related; type=\"" + plan.part_media_type + "\"; boundary=" + boundary;
}

// The frames of a native little-endian object, from its file. Frame ranges, native pixels in
// Explicit VR Little Endian layout, are the same whether decoding was asked for or not.
base::Result<http::Response> FileFrames(std::unique_ptr<blob::BlobReader> reader,
                                        const dicom::NativeFrames& native,
                                        const std::vector<uint32_t>& frames,
                                        const FramePlan& plan) {
  std::vector<uint64_t> offsets;
  offsets.reserve(frames.size());
  for (uint32_t f : frames) {
    if (f < 1 || f > native.number_of_frames) return NoSuchFrame(f, native.number_of_frames);
    offsets.push_back(native.FrameOffset(f));
  }
  std::string part_type = FrameContentType(plan, kExplicitVrLittleEndian);
  std::string boundary = plan.multipart ? NewBoundary() : std::string();
  http::Response res;
  res.headers.Set("Content-Type", plan.multipart ? MultipartType(plan, boundary) : part_type);
  res.stream =
      std::make_unique<FileFrameStream>(std::move(reader), std::move(offsets), native.frame_bytes,
                                        std::move(part_type), std::move(boundary));
  return res;
}

// Every other object: read whole, frames extracted (and decoded) in memory.
base::Result<http::Response> ExtractedFrames(const blob::BlobReader& reader,
                                             const index::InstanceLocation& loc,
                                             std::vector<uint32_t> frames, FramePlan plan) {
  DOKUEI_ASSIGN_OR_RETURN(StoredBytes file, ReadStored(reader, loc));
  std::string boundary = NewBoundary();
  http::Response res;
  res.headers.Set("Content-Type", MultipartType(plan, boundary));
  if (frames.size() > 1) {
    res.stream = std::make_unique<FrameStream>(std::move(file), std::move(frames), std::move(plan),
                                               std::move(boundary));
    return res;
  }
  DOKUEI_ASSIGN_OR_RETURN(dicom::Frame f, dicom::ExtractFrame(file.span(), frames[0], plan.decode));
  file = StoredBytes{};  // release before sending
  std::string part_type = FrameContentType(plan, f.transfer_syntax_uid);
  if (!plan.multipart) return http::Response::Bytes(200, part_type, std::move(f.bytes));
  std::vector<std::string> pieces;
  pieces.push_back(PartPrologue(boundary, 0, part_type, static_cast<int64_t>(f.bytes.size())));
  pieces.push_back(std::move(f.bytes));
  pieces.push_back(MultipartEpilogue(boundary, 1));
  res.stream = std::make_unique<PiecesStream>(std::move(pieces));
  return res;
}

base::Result<http::Response> Frames(Context& ctx, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(std::vector<uint32_t> frames,
                          ParseFrameList(req.Param("frames"), kMaxFramesPerRequest));
  DOKUEI_ASSIGN_OR_RETURN(index::InstanceLocation loc, LocateOne(ctx, req));
  for (uint32_t f : frames) {
    if (f > static_cast<uint32_t>(std::max(0, loc.number_of_frames))) {
      return NoSuchFrame(f, loc.number_of_frames);
    }
  }
  DOKUEI_ASSIGN_OR_RETURN(
      FramePlan plan,
      NegotiateFrames(req.Header("Accept"), loc.transfer_syntax_uid, frames.size() == 1));
  DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<blob::BlobReader> reader,
                          ctx.services.retrieve.Open(loc));
  if (IsNativeLittleEndian(loc.transfer_syntax_uid)) {
    const blob::BlobReader& r = *reader;
    DOKUEI_ASSIGN_OR_RETURN(
        std::optional<dicom::NativeFrames> native,
        dicom::LocateNativeFrames(
            [&r](uint64_t offset, std::span<uint8_t> dst) { return r.Read(offset, dst); },
            r.Size()));
    if (native) return FileFrames(std::move(reader), *native, frames, plan);
  }
  return ExtractedFrames(*reader, loc, std::move(frames), std::move(plan));
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
