// LocateNativeFrames: the frame ranges it finds from the header are the bytes ExtractFrame returns;
// hostile headers are refused as the full parse refuses them; other cases are left to ExtractFrame.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "test_util.h"

namespace dokuei::dicom {
namespace {

using testutil::Builder;
using testutil::Bytes;
using testutil::MinimalImage;
using testutil::ReadFile;
using testutil::TestData;

constexpr char kExplicitLE[] = "1.2.840.10008.1.2.1";
constexpr char kImplicitLE[] = "1.2.840.10008.1.2";

// A ReadAt over a string that counts what it is asked for.
struct Reader {
  explicit Reader(const std::string& f) : file(f) {}
  ReadAt Fn() {
    return [this](uint64_t offset, std::span<uint8_t> dst) -> base::Result<size_t> {
      ++calls;
      if (offset >= file.size()) return size_t{0};
      const size_t n = std::min<size_t>(dst.size(), file.size() - offset);
      std::memcpy(dst.data(), file.data() + offset, n);
      bytes_read += n;
      return n;
    };
  }
  const std::string& file;
  uint64_t bytes_read = 0;
  int calls = 0;
};

base::Result<std::optional<NativeFrames>> Locate(const std::string& file) {
  Reader r(file);
  return LocateNativeFrames(r.Fn(), file.size());
}

std::string Part10(const std::string& dataset, const char* ts = kExplicitLE) {
  return BuildFileMeta("1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5", ts, "") + dataset;
}

// Every frame's range holds exactly ExtractFrame's bytes, stored and decoded.
void ExpectSameAsExtractFrame(const std::string& file, uint32_t expected_frames) {
  Reader reader(file);
  auto located = LocateNativeFrames(reader.Fn(), file.size());
  ASSERT_TRUE(located.ok()) << located.status().ToString();
  ASSERT_TRUE(located->has_value());
  const NativeFrames& nf = **located;
  EXPECT_EQ(nf.number_of_frames, expected_frames);
  // Only the header was read (the first 16 KiB, or a prefix grown x4 until the header fits), and
  // what follows the frames.
  const uint64_t after_frames = file.size() - nf.FrameOffset(nf.number_of_frames + 1);
  EXPECT_LE(reader.bytes_read,
            std::max<uint64_t>(16 * 1024, 4 * nf.pixel_data_offset) + after_frames);
  for (uint32_t n = 1; n <= nf.number_of_frames; ++n) {
    SCOPED_TRACE(n);
    ASSERT_LE(nf.FrameOffset(n) + nf.frame_bytes, file.size());
    const std::string range = file.substr(nf.FrameOffset(n), nf.frame_bytes);
    for (bool decode : {false, true}) {
      auto f = ExtractFrame(Bytes(file), n, decode);
      ASSERT_TRUE(f.ok()) << f.status().ToString();
      EXPECT_EQ(f->transfer_syntax_uid, kExplicitLE);
      EXPECT_TRUE(f->bytes == range) << "decode " << decode;
    }
  }
}

TEST(NativeFrames, TestDataRangesEqualExtractFrame) {
  struct Case {
    const char* path;
    uint32_t frames;
  };
  for (const Case& c :
       {Case{"transfer_syntaxes/CT_small.dcm", 1}, Case{"transfer_syntaxes/MR_small.dcm", 1},
        Case{"transfer_syntaxes/MR_small_implicit.dcm", 1},
        Case{"mr/pydicom_emri_small_multiframe/emri_small.dcm", 10},
        Case{"mr/dcm_qa_sag_enhanced_multiframe/0063.dcm", 63}}) {
    SCOPED_TRACE(c.path);
    ExpectSameAsExtractFrame(ReadFile(TestData() / c.path), c.frames);
  }
}

TEST(NativeFrames, ReadsOnlyTheHeader) {
  const std::string file = ReadFile(TestData() / "mr/pydicom_emri_small_multiframe/emri_small.dcm");
  Reader reader(file);
  auto located = LocateNativeFrames(reader.Fn(), file.size());
  ASSERT_TRUE(located.ok() && located->has_value());
  EXPECT_EQ(reader.bytes_read, 16u * 1024);
  EXPECT_EQ(reader.calls, 1);
  EXPECT_EQ((*located)->frame_bytes, 64u * 64u * 2u);
  EXPECT_EQ((*located)->pixel_data_offset + 10 * (*located)->frame_bytes, file.size());
}

TEST(NativeFrames, HeaderLongerThanTheFirstRead) {
  // A 40,000-byte private value before the pixels: the prefix grows until the walk gets past it.
  for (bool explicit_vr : {true, false}) {
    SCOPED_TRACE(explicit_vr);
    Builder b = MinimalImage(16, 16, explicit_vr);
    b.Header(0x0029, 0x1010, "OB", 40000).Raw(std::string(40000, '\x42'));
    b.Header(0x7FE0, 0x0010, "OW", 256).Raw(std::string(256, '\x07'));
    ExpectSameAsExtractFrame(Part10(b.str(), explicit_vr ? kExplicitLE : kImplicitLE), 1);
  }
}

TEST(NativeFrames, MultiframeOfOddSizes) {
  // 3 x 5 pixels, 3 samples, 8 bits, 4 frames, one pad byte: frames start at odd offsets.
  Builder b;
  b.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .US(0x0028, 0x0002, 3)
      .Str(0x0028, 0x0004, "CS", "RGB")
      .US(0x0028, 0x0006, 0)
      .Str(0x0028, 0x0008, "IS", "4")
      .US(0x0028, 0x0010, 3)
      .US(0x0028, 0x0011, 5)
      .US(0x0028, 0x0100, 8)
      .US(0x0028, 0x0101, 8)
      .US(0x0028, 0x0102, 7)
      .US(0x0028, 0x0103, 0);
  std::string px;
  for (int i = 0; i < 4 * 45; ++i) px.push_back(static_cast<char>(i));
  px.push_back('\0');
  b.Header(0x7FE0, 0x0010, "OB", static_cast<uint32_t>(px.size())).Raw(px);
  ExpectSameAsExtractFrame(Part10(b.str()), 4);
}

TEST(NativeFrames, TrailingPadding) {
  // After Pixel Data, in the first read and beyond it.
  for (size_t pixels : {size_t{4}, size_t{100000}}) {
    SCOPED_TRACE(pixels);
    Builder b = MinimalImage(2, static_cast<uint16_t>(pixels / 2));
    b.Header(0x7FE0, 0x0010, "OB", static_cast<uint32_t>(pixels)).Raw(std::string(pixels, 'x'));
    b.Header(0xFFFC, 0xFFFC, "OB", 126).Raw(std::string(126, '\0'));
    ExpectSameAsExtractFrame(Part10(b.str()), 1);
  }
}

TEST(NativeFrames, PixelDataLongerThanTheFile) {
  Builder b = MinimalImage(64, 64);
  b.Header(0x7FE0, 0x0010, "OB", 64 * 64).Raw(std::string(100, '\x01'));
  const std::string file = Part10(b.str());
  auto r = Locate(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(r.status().field(), "PixelData");
  EXPECT_FALSE(ExtractFrame(Bytes(file), 1, false).ok());
  // The same in a file longer than the first read: the length is checked against the file, not
  // against what was read.
  Builder big = MinimalImage(512, 512);
  big.Header(0x7FE0, 0x0010, "OB", 512 * 512).Raw(std::string(100000, '\x01'));
  const std::string big_file = Part10(big.str());
  Reader reader(big_file);
  auto rb = LocateNativeFrames(reader.Fn(), big_file.size());
  ASSERT_FALSE(rb.ok());
  EXPECT_EQ(rb.status().field(), "PixelData");
  EXPECT_EQ(reader.bytes_read, 16u * 1024);
}

TEST(NativeFrames, FramesBeyondThePixelData) {
  // 2 x 2 x 8 bits x 3 frames = 12 bytes declared by the attributes; the value has 8.
  Builder b = MinimalImage();
  b.Str(0x0028, 0x0008, "IS", "3");
  b.Header(0x7FE0, 0x0010, "OB", 8).Raw(std::string(8, '\x01'));
  const std::string file = Part10(b.str());
  auto r = Locate(file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "PixelData");
  EXPECT_FALSE(ExtractFrame(Bytes(file), 1, false).ok());
  // 65535 x 65535 declared for 4 bytes.
  Builder huge = MinimalImage(65535, 65535);
  huge.Header(0x7FE0, 0x0010, "OB", 4).Raw("abcd");
  auto rh = Locate(Part10(huge.str()));
  ASSERT_FALSE(rh.ok());
  EXPECT_EQ(rh.status().field(), "PixelData");
}

TEST(NativeFrames, LyingLengthBeforeThePixelData) {
  Builder b = MinimalImage();
  b.Header(0x0018, 0x0015, "CS", 200).Raw("SPINE ");
  b.Header(0x7FE0, 0x0010, "OB", 4).Raw("abcd");
  auto r = Locate(Part10(b.str()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "BodyPartExamined");
  // Undefined length on native pixel data.
  Builder u = MinimalImage();
  u.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu).Raw(std::string(64, '\x01'));
  auto ru = Locate(Part10(u.str()));
  ASSERT_FALSE(ru.ok());
  EXPECT_EQ(ru.status().field(), "PixelData");
}

TEST(NativeFrames, OtherCasesAreLeftToExtractFrame) {
  for (const char* path :
       {"transfer_syntaxes/JPEG-LL.dcm", "transfer_syntaxes/MR_small_RLE.dcm",
        "transfer_syntaxes/MR_small_bigendian.dcm", "transfer_syntaxes/image_dfl.dcm",
        "multiframe_encapsulated/CT0012.fragmented_no_bot_jpeg_ls.80.dcm"}) {
    SCOPED_TRACE(path);
    auto r = Locate(ReadFile(TestData() / path));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->has_value());
  }
  // Elements after the Pixel Data that sort before it, repeat a header element, are malformed
  // or large.
  for (int variant = 0; variant < 4; ++variant) {
    SCOPED_TRACE(variant);
    Builder tail = MinimalImage();
    tail.Header(0x7FE0, 0x0010, "OB", 4).Raw("abcd");
    if (variant == 0) tail.Str(0x0028, 0x0008, "IS", "2");
    if (variant == 1) tail.US(0x0028, 0x0010, 1);
    if (variant == 2) tail.Header(0xFFFC, 0xFFFC, "OB", 40).Raw(std::string(4, '\0'));
    if (variant == 3) tail.Header(0xFFFC, 0xFFFC, "OB", 70000).Raw(std::string(70000, '\0'));
    auto rt = Locate(Part10(tail.str()));
    ASSERT_TRUE(rt.ok()) << rt.status().ToString();
    EXPECT_FALSE(rt->has_value());
  }
  // No Pixel Data at all.
  auto rn = Locate(Part10(MinimalImage().str()));
  ASSERT_TRUE(rn.ok()) << rn.status().ToString();
  EXPECT_FALSE(rn->has_value());
  // BitsAllocated 1: frames need not end on a byte boundary.
  Builder bits;
  bits.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .US(0x0028, 0x0002, 1)
      .Str(0x0028, 0x0004, "CS", "MONOCHROME2")
      .Str(0x0028, 0x0008, "IS", "2")
      .US(0x0028, 0x0010, 3)
      .US(0x0028, 0x0011, 3)
      .US(0x0028, 0x0100, 1)
      .US(0x0028, 0x0101, 1)
      .US(0x0028, 0x0102, 0);
  bits.Header(0x7FE0, 0x0010, "OB", 4).Raw("abcd");
  auto rb = Locate(Part10(bits.str()));
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_FALSE(rb->has_value());
}

TEST(NativeFrames, ShortFilesAndReadErrors) {
  Builder b = MinimalImage();
  b.Header(0x7FE0, 0x0010, "OB", 4).Raw("abcd");
  const std::string file = Part10(b.str());
  // The blob is shorter than its recorded size.
  Reader reader(file);
  auto r = LocateNativeFrames(reader.Fn(), file.size() + 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kDataLoss);
  auto failing = [](uint64_t, std::span<uint8_t>) -> base::Result<size_t> {
    return base::Internal("disk on fire");
  };
  auto rf = LocateNativeFrames(failing, file.size());
  ASSERT_FALSE(rf.ok());
  EXPECT_EQ(rf.status().message(), "disk on fire");
  // Not a Part-10 file.
  EXPECT_FALSE(Locate(b.str()).ok());
  EXPECT_FALSE(Locate("").ok());
}

}  // namespace
}  // namespace dokuei::dicom
