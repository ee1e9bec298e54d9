#include "file_frames.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "dokuei/base/random.h"
#include "multipart.h"

namespace dokuei::dicomweb {
namespace {

// A blob in memory that answers reads in pieces of at most `max_read` bytes, with an optional
// file descriptor (any open fd will do: the stream only hands it on).
class StringReader final : public blob::BlobReader {
 public:
  StringReader(std::string data, size_t max_read, int fd = -1)
      : data_(std::move(data)), max_read_(max_read), fd_(fd) {}
  uint64_t Size() const override { return data_.size(); }
  base::Result<size_t> Read(uint64_t offset, std::span<uint8_t> dst) const override {
    if (offset >= data_.size()) return size_t{0};
    const size_t n = std::min({dst.size(), data_.size() - offset, max_read_});
    std::memcpy(dst.data(), data_.data() + offset, n);
    return n;
  }
  int NativeHandle() const override { return fd_; }

 private:
  std::string data_;
  size_t max_read_;
  int fd_;
};

struct Drained {
  std::string body;
  std::vector<http::Piece> files;
};

base::Result<Drained> Drain(http::BodySource& s, bool allow_file) {
  Drained out;
  while (true) {
    http::Piece p;
    DOKUEI_ASSIGN_OR_RETURN(bool more, s.Next(p, allow_file));
    if (!more) return out;
    if (p.fd >= 0) {
      out.files.push_back(p);
    } else {
      out.body += p.bytes;
    }
  }
}

TEST(FileFrames, MultipartReadInChunksOrAsFilePieces) {
  // 1.5 MiB frames (more than one read chunk), a blob that reads at most 100 KB at a time.
  const uint64_t frame = 3 * 512 * 1024;
  std::string blob(4 * frame + 777, '\0');
  base::RandomBytes(blob.data(), blob.size());
  const std::vector<uint64_t> offsets = {777 + 3 * frame, 777, 777 + frame};
  const std::string type = "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1";
  std::string expected;
  for (size_t i = 0; i < offsets.size(); ++i) {
    expected += PartPrologue("b0undary", i, type, static_cast<int64_t>(frame));
    expected += blob.substr(offsets[i], frame);
  }
  expected += MultipartEpilogue("b0undary", offsets.size());

  FileFrameStream reads(std::make_unique<StringReader>(blob, 100000), offsets, frame, type,
                        "b0undary");
  EXPECT_FALSE(reads.NonBlocking(true));  // no file: reads, on the executor
  EXPECT_EQ(reads.ContentLength(), expected.size());
  auto r = Drain(reads, true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->files.empty());
  EXPECT_TRUE(r->body == expected);

  // With a file descriptor: one file piece per frame (plain TCP), reads otherwise (TLS).
  FileFrameStream files(std::make_unique<StringReader>(blob, 100000, 0), offsets, frame, type,
                        "b0undary");
  EXPECT_TRUE(files.NonBlocking(true));
  EXPECT_FALSE(files.NonBlocking(false));
  auto f = Drain(files, true);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->files.size(), offsets.size());
  for (size_t i = 0; i < offsets.size(); ++i) {
    EXPECT_EQ(f->files[i].fd, 0);
    EXPECT_EQ(f->files[i].offset, offsets[i]);
    EXPECT_EQ(f->files[i].length, frame);
  }
  EXPECT_EQ(f->body.size() + offsets.size() * frame, expected.size());
  FileFrameStream tls(std::make_unique<StringReader>(blob, 100000, 0), offsets, frame, type,
                      "b0undary");
  auto t = Drain(tls, false);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->body == expected);
}

TEST(FileFrames, OneFrameBareAndTruncatedBlobs) {
  const std::string blob = "headerFRAMEtail";
  FileFrameStream bare(std::make_unique<StringReader>(blob, 3), {6}, 5, "t", "");
  EXPECT_EQ(bare.ContentLength(), 5u);
  auto r = Drain(bare, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "FRAME");
  // A blob shorter than the frame it should hold.
  FileFrameStream cut(std::make_unique<StringReader>(blob, 3), {12}, 5, "t", "");
  auto c = Drain(cut, false);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), base::Code::kDataLoss);
}

}  // namespace
}  // namespace dokuei::dicomweb
