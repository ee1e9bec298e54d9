// ExtractFrame: stored and decoded frames across transfer syntaxes, fragment-to-frame assignment.
#include <gtest/gtest.h>

#include <filesystem>

#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "test_util.h"

namespace dokuei::dicom {
namespace {

using testutil::Bytes;
using testutil::ReadFile;
using testutil::TestData;

std::string Decoded(const std::filesystem::path& p, uint32_t frame = 1) {
  const std::string bytes = ReadFile(p);
  auto f = ExtractFrame(Bytes(bytes), frame, true);
  EXPECT_TRUE(f.ok()) << p << ": " << f.status().ToString();
  if (!f.ok()) return {};
  EXPECT_EQ(f->transfer_syntax_uid, "1.2.840.10008.1.2.1");
  return f->bytes;
}

TEST(Frames, NineSyntaxesDecodeToIdenticalPixels) {
  const auto dir = TestData() / "mr/dcm_qa_ts_same_image_9_syntaxes";
  const std::string reference = Decoded(dir / "1.dcm");
  ASSERT_EQ(reference.size(), 384u * 384u * 2u);
  for (int i = 2; i <= 9; ++i) {
    SCOPED_TRACE(i);
    const std::string px = Decoded(dir / (std::to_string(i) + ".dcm"));
    ASSERT_EQ(px.size(), reference.size());
    EXPECT_TRUE(px == reference) << "pixels differ for " << i << ".dcm";
  }
}

TEST(Frames, EnhancedMrMultiframeSyntaxesAgree) {
  const auto dir = TestData() / "mr/pydicom_emri_small_multiframe";
  for (uint32_t frame : {1u, 5u, 10u}) {
    SCOPED_TRACE(frame);
    const std::string reference = Decoded(dir / "emri_small.dcm", frame);
    ASSERT_EQ(reference.size(), 64u * 64u * 2u);
    for (const char* name :
         {"emri_small_RLE.dcm", "emri_small_big_endian.dcm", "emri_small_jpeg_2k_lossless.dcm",
          "emri_small_jpeg_ls_lossless.dcm"}) {
      EXPECT_TRUE(Decoded(dir / name, frame) == reference) << name;
    }
  }
}

TEST(Frames, MultiframeEncapsulatedFragmentAssignment) {
  const auto dir = TestData() / "multiframe_encapsulated";
  // Lossless syntaxes must agree exactly, frame by frame, with the RLE reference.
  const std::string rle1 = Decoded(dir / "CT0012.not_fragmented_bot_rle.dcm", 1);
  const std::string rle2 = Decoded(dir / "CT0012.not_fragmented_bot_rle.dcm", 2);
  ASSERT_EQ(rle1.size(), 512u * 512u * 2u);
  EXPECT_NE(rle1, rle2);
  EXPECT_EQ(Decoded(dir / "CT0012.not_fragmented_no_bot_rle.dcm", 1), rle1);
  EXPECT_EQ(Decoded(dir / "CT0012.not_fragmented_no_bot_rle.dcm", 2), rle2);
  for (const char* name : {"CT0012.fragmented_no_bot_jpeg_lossless.57.dcm",
                           "CT0012.fragmented_no_bot_jpeg_lossless.70.dcm",
                           "CT0012.fragmented_no_bot_jpeg_ls.80.dcm"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(Decoded(dir / name, 1) == rle1);
    EXPECT_TRUE(Decoded(dir / name, 2) == rle2);
  }
  // Near-lossless JPEG-LS stays close to the reference.
  for (uint32_t f : {1u, 2u}) {
    const std::string px = Decoded(dir / "CT0012.fragmented_no_bot_jpeg_ls.81.dcm", f);
    const std::string& ref = f == 1 ? rle1 : rle2;
    ASSERT_EQ(px.size(), ref.size());
    double err = 0;
    for (size_t i = 0; i < px.size(); i += 2) {
      int a = static_cast<uint8_t>(px[i]) | static_cast<uint8_t>(px[i + 1]) << 8;
      int b = static_cast<uint8_t>(ref[i]) | static_cast<uint8_t>(ref[i + 1]) << 8;
      err += std::abs(a - b);
    }
    EXPECT_LT(err / (px.size() / 2), 5.0);
  }
  // Lossy JPEG (12-bit extended, 6 fragments per frame, empty offset table): two distinct frames
  // of the right size (its content differs from the RLE source; DCMTK's dcmdjpeg agrees with us).
  const std::string j1 = Decoded(dir / "CT0012.fragmented_no_bot_jpeg_baseline.51.dcm", 1);
  const std::string j2 = Decoded(dir / "CT0012.fragmented_no_bot_jpeg_baseline.51.dcm", 2);
  EXPECT_EQ(j1.size(), rle1.size());
  EXPECT_EQ(j2.size(), rle1.size());
  EXPECT_NE(j1, j2);
  const std::string bytes = ReadFile(dir / "CT0012.fragmented_no_bot_jpeg_lossless.70.dcm");
  auto f1 = ExtractFrame(Bytes(bytes), 1, false);
  auto f2 = ExtractFrame(Bytes(bytes), 2, false);
  ASSERT_TRUE(f1.ok() && f2.ok());
  EXPECT_EQ(f1->transfer_syntax_uid, "1.2.840.10008.1.2.4.70");
  EXPECT_EQ(static_cast<uint8_t>(f1->bytes[0]), 0xFF);
  EXPECT_EQ(static_cast<uint8_t>(f1->bytes[1]), 0xD8);
  EXPECT_EQ(static_cast<uint8_t>(f2->bytes[1]), 0xD8);
  EXPECT_FALSE(ExtractFrame(Bytes(bytes), 3, false).ok());
  EXPECT_FALSE(ExtractFrame(Bytes(bytes), 0, false).ok());
}

// The code stream of this file contains the bytes FE FF DD E0 (a Sequence Delimitation Item
// tag). Parsed by fragment lengths, the stored frame is the whole fragment including them; the
// modified bytes land in the JPEG 2000 SIZ segment, so decoding refuses it with a clear error.
TEST(Frames, EmbeddedDelimiterIsPartOfTheFragment) {
  const std::string bytes =
      ReadFile(TestData() / "malformed/JPEG2000-embedded-sequence-delimiter.dcm");
  const std::string clean = ReadFile(TestData() / "transfer_syntaxes/JPEG2000.dcm");
  auto stored = ExtractFrame(Bytes(bytes), 1, false);
  auto clean_stored = ExtractFrame(Bytes(clean), 1, false);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_TRUE(clean_stored.ok());
  EXPECT_EQ(stored->bytes.size(), clean_stored->bytes.size());
  EXPECT_NE(stored->bytes.find(std::string("\xFE\xFF\xDD\xE0", 4)), std::string::npos);
  auto decoded = ExtractFrame(Bytes(bytes), 1, true);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().field(), "PixelData");
  EXPECT_NE(decoded.status().message().find("JPEG 2000"), std::string::npos);
}

TEST(Frames, Htj2kDecodes) {
  const std::string rgb = Decoded(TestData() / "transfer_syntaxes/HTJ2KLossless_08_RGB.dcm");
  ASSERT_EQ(rgb.size(), 480u * 640u * 3u);
  size_t nonzero = 0;
  for (char c : rgb) nonzero += c != 0;
  EXPECT_GT(nonzero, rgb.size() / 2);
}

TEST(Frames, EverySupportedSyntaxDecodes) {
  for (const char* rel :
       {"transfer_syntaxes/CT_small.dcm", "transfer_syntaxes/JPEG-LL.dcm",
        "transfer_syntaxes/JPEG2000.dcm", "transfer_syntaxes/JPEGLSNearLossless_16.dcm",
        "transfer_syntaxes/JPGExtended.dcm", "transfer_syntaxes/MR_small_RLE.dcm",
        "transfer_syntaxes/MR_small_jp2klossless.dcm", "transfer_syntaxes/SC_rgb_jpeg_dcmtk.dcm",
        "transfer_syntaxes/image_dfl.dcm", "transfer_syntaxes/wg04_CT1_J2KI.dcm",
        "transfer_syntaxes/wg04_CT2_JPLL.dcm",
        "spine_xray_nearest/wg04_RG1_J2KI_cr_chest_monochrome1.dcm",
        "spine_xray_nearest/wg04_RG2_JLSN_cr_hip_lumbosacral.dcm",
        "spine_ct/totalsegmentator_ct_fixed_uids/"
        "CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573"}) {
    SCOPED_TRACE(rel);
    EXPECT_FALSE(Decoded(TestData() / rel).empty());
  }
  // The small MR in five syntaxes.
  const std::string ref = Decoded(TestData() / "transfer_syntaxes/MR_small.dcm");
  for (const char* rel :
       {"transfer_syntaxes/MR_small_RLE.dcm", "transfer_syntaxes/MR_small_bigendian.dcm",
        "transfer_syntaxes/MR_small_implicit.dcm", "transfer_syntaxes/MR_small_jp2klossless.dcm",
        "transfer_syntaxes/MR_small_jpeg_ls_lossless.dcm"}) {
    EXPECT_TRUE(Decoded(TestData() / rel) == ref) << rel;
  }
}

}  // namespace
}  // namespace dokuei::dicom
