#include "file_frames.h"

#include <algorithm>

#include "multipart.h"

namespace dokuei::dicomweb {
namespace {
constexpr uint64_t kReadChunk = 1 << 20;
}

FileFrameStream::FileFrameStream(std::unique_ptr<blob::BlobReader> reader,
                                 std::vector<uint64_t> offsets, uint64_t frame_bytes,
                                 std::string part_type, std::string boundary)
    : reader_(std::move(reader)),
      offsets_(std::move(offsets)),
      frame_bytes_(frame_bytes),
      part_type_(std::move(part_type)),
      boundary_(std::move(boundary)) {
  length_ = frame_bytes_ * offsets_.size();
  if (!boundary_.empty()) {
    for (size_t i = 0; i < offsets_.size(); ++i) length_ += Prologue(i).size();
    length_ += MultipartEpilogue(boundary_, offsets_.size()).size();
  }
}

std::string FileFrameStream::Prologue(size_t i) const {
  return PartPrologue(boundary_, i, part_type_, static_cast<int64_t>(frame_bytes_));
}

void FileFrameStream::EndFrame() {
  ++index_;
  in_frame_ = false;
  done_ = 0;
}

base::Result<bool> FileFrameStream::Next(http::Piece& piece, bool allow_file) {
  const bool multipart = !boundary_.empty();
  if (index_ == offsets_.size()) {
    if (!multipart || epilogue_sent_) return false;
    epilogue_sent_ = true;
    piece.bytes = MultipartEpilogue(boundary_, offsets_.size());
    return true;
  }
  if (multipart && !in_frame_) {
    in_frame_ = true;
    piece.bytes = Prologue(index_);
    return true;
  }
  const uint64_t start = offsets_[index_];
  if (allow_file && reader_->NativeHandle() >= 0) {
    piece.fd = reader_->NativeHandle();
    piece.offset = start;
    piece.length = frame_bytes_;
    EndFrame();
    return true;
  }
  piece.bytes.resize(static_cast<size_t>(std::min(kReadChunk, frame_bytes_ - done_)));
  size_t got = 0;
  while (got < piece.bytes.size()) {
    DOKUEI_ASSIGN_OR_RETURN(
        size_t n,
        reader_->Read(start + done_ + got, {reinterpret_cast<uint8_t*>(piece.bytes.data()) + got,
                                            piece.bytes.size() - got}));
    if (n == 0) return base::DataLoss("stored object is truncated");
    got += n;
  }
  done_ += got;
  if (done_ == frame_bytes_) EndFrame();
  return true;
}

}  // namespace dokuei::dicomweb
