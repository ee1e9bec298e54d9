// Private: the body of a WADO-RS frames response whose frames are byte ranges of the stored file
// (native little-endian pixels, located by dicom::LocateNativeFrames). On plain TCP with a file
// blob every frame is one file piece (sendfile), and Next never blocks, so the server takes the
// pieces on its I/O thread; otherwise (TLS, blobs without a file) frames are read in 1 MiB chunks
// on the executor. The Content-Length is exact.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dokuei/blob/blob_store.h"
#include "dokuei/http/message.h"

namespace dokuei::dicomweb {

class FileFrameStream final : public http::BodySource {
 public:
  // Frames of `frame_bytes` bytes at `offsets` in the blob, each labelled `part_type`;
  // multipart/related with `boundary`, or exactly one frame, bare, when `boundary` is empty.
  FileFrameStream(std::unique_ptr<blob::BlobReader> reader, std::vector<uint64_t> offsets,
                  uint64_t frame_bytes, std::string part_type, std::string boundary);

  std::optional<uint64_t> ContentLength() const override { return length_; }
  bool NonBlocking(bool allow_file) const override {
    return allow_file && reader_->NativeHandle() >= 0;
  }
  base::Result<bool> Next(http::Piece& piece, bool allow_file) override;

 private:
  std::string Prologue(size_t i) const;
  void EndFrame();

  std::unique_ptr<blob::BlobReader> reader_;  // keeps the file open while pieces are sent
  std::vector<uint64_t> offsets_;
  uint64_t frame_bytes_;
  std::string part_type_;
  std::string boundary_;
  uint64_t length_ = 0;
  size_t index_ = 0;
  bool in_frame_ = false;  // the current frame's prologue has been sent
  uint64_t done_ = 0;      // bytes of the current frame already read
  bool epilogue_sent_ = false;
};

}  // namespace dokuei::dicomweb
