#include "instance_stream.h"

#include "dokuei/dicom/pixels.h"
#include "multipart.h"
#include "negotiation.h"

namespace dokuei::dicomweb {

namespace {
constexpr size_t kReadChunk = 1 << 20;
}

InstanceStream::InstanceStream(archive::RetrieveService& retrieve,
                               std::vector<index::InstanceLocation> locs, bool multipart,
                               bool to_explicit_le, std::string boundary)
    : retrieve_(retrieve),
      locs_(std::move(locs)),
      multipart_(multipart),
      to_explicit_le_(to_explicit_le),
      boundary_(std::move(boundary)) {}

bool InstanceStream::NeedsTranscode(const index::InstanceLocation& loc) const {
  return to_explicit_le_ && loc.transfer_syntax_uid != kExplicitVrLittleEndian;
}

std::string InstanceStream::PartType(const index::InstanceLocation& loc) const {
  return "application/dicom; transfer-syntax=" +
         (NeedsTranscode(loc) ? std::string(kExplicitVrLittleEndian) : loc.transfer_syntax_uid);
}

std::string InstanceStream::ContentType() const {
  if (!multipart_) return locs_.empty() ? "application/dicom" : PartType(locs_[0]);
  return "multipart/related; type=\"application/dicom\"; boundary=" + boundary_;
}

std::optional<uint64_t> InstanceStream::ContentLength() const {
  uint64_t total = 0;
  for (size_t i = 0; i < locs_.size(); ++i) {
    if (NeedsTranscode(locs_[i])) return std::nullopt;
    total += locs_[i].size_bytes;
    if (multipart_) {
      total += PartPrologue(boundary_, i, PartType(locs_[i]),
                            static_cast<int64_t>(locs_[i].size_bytes))
                   .size();
    }
  }
  if (multipart_) total += MultipartEpilogue(boundary_, locs_.size()).size();
  return total;
}

base::Result<bool> InstanceStream::Next(http::Piece& piece, bool allow_file) {
  if (done_) return false;
  if (!in_body_) {
    reader_.reset();  // the previous file piece has been sent
    if (index_ == locs_.size()) {
      done_ = true;
      if (!multipart_) return false;
      piece.bytes = MultipartEpilogue(boundary_, locs_.size());
      return true;
    }
    const index::InstanceLocation& loc = locs_[index_];
    DOKUEI_ASSIGN_OR_RETURN(reader_, retrieve_.Open(loc));
    offset_ = 0;
    have_transcoded_ = false;
    int64_t length = static_cast<int64_t>(loc.size_bytes);
    if (NeedsTranscode(loc)) {
      std::string file(reader_->Size(), '\0');
      DOKUEI_ASSIGN_OR_RETURN(
          size_t n, reader_->Read(0, {reinterpret_cast<uint8_t*>(file.data()), file.size()}));
      if (n != file.size()) return base::DataLoss("stored object is truncated");
      DOKUEI_ASSIGN_OR_RETURN(
          transcoded_,
          dicom::Transcode({reinterpret_cast<const uint8_t*>(file.data()), file.size()},
                           kExplicitVrLittleEndian));
      have_transcoded_ = true;
      length = static_cast<int64_t>(transcoded_.size());
    }
    in_body_ = true;
    if (multipart_) {
      piece.bytes = PartPrologue(boundary_, index_, PartType(loc), length);
      return true;
    }
  }
  const index::InstanceLocation& loc = locs_[index_];
  if (have_transcoded_) {
    piece.bytes = std::move(transcoded_);
    transcoded_.clear();
    in_body_ = false;
    ++index_;
    return true;
  }
  if (allow_file && reader_->NativeHandle() >= 0) {
    piece.fd = reader_->NativeHandle();
    piece.offset = 0;
    piece.length = loc.size_bytes;
    in_body_ = false;
    ++index_;
    return true;
  }
  uint64_t left = loc.size_bytes - offset_;
  piece.bytes.resize(static_cast<size_t>(std::min<uint64_t>(left, kReadChunk)));
  DOKUEI_ASSIGN_OR_RETURN(
      size_t n, reader_->Read(offset_, {reinterpret_cast<uint8_t*>(piece.bytes.data()),
                                        piece.bytes.size()}));
  if (n == 0) return base::DataLoss("stored object is truncated");
  piece.bytes.resize(n);
  offset_ += n;
  if (offset_ >= loc.size_bytes) {
    in_body_ = false;
    ++index_;
  }
  return true;
}

}  // namespace dokuei::dicomweb
