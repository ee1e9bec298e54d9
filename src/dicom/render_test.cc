// Render (JPEG/PNG, windowing, MONOCHROME1, colour, thumbnails) and Transcode to Explicit VR LE.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <gtest/gtest.h>
#include <png.h>
#include <turbojpeg.h>

#include <cstring>

#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "test_util.h"

namespace dokuei::dicom {
namespace {

using testutil::Bytes;
using testutil::ReadFile;
using testutil::TestData;

struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

Decoded DecodeJpeg(const std::string& jpeg) {
  Decoded d;
  tjhandle h = tjInitDecompress();
  int subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(h, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size(),
                          &d.width, &d.height, &subsamp, &colorspace) == 0) {
    d.channels = colorspace == TJCS_GRAY ? 1 : 3;
    d.pixels.resize(static_cast<size_t>(d.width) * d.height * d.channels);
    if (tjDecompress2(h, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size(),
                      d.pixels.data(), d.width, 0, d.height, d.channels == 1 ? TJPF_GRAY : TJPF_RGB,
                      0) != 0)
      d.width = 0;
  }
  tjDestroy(h);
  return d;
}

Decoded DecodePng(const std::string& png) {
  Decoded d;
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, png.data(), png.size())) return d;
  d.width = img.width;
  d.height = img.height;
  d.channels = PNG_IMAGE_SAMPLE_CHANNELS(img.format);
  d.pixels.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, d.pixels.data(), 0, nullptr)) d.width = 0;
  return d;
}

double Mean(const Decoded& d) {
  double s = 0;
  for (uint8_t v : d.pixels) s += v;
  return d.pixels.empty() ? 0 : s / d.pixels.size();
}

TEST(Render, CtJpegAndPngHaveSensibleSizeAndContent) {
  const std::string bytes = ReadFile(TestData() / "transfer_syntaxes/CT_small.dcm");
  RenderOptions o;
  auto jpeg = Render(Bytes(bytes), o);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  Decoded j = DecodeJpeg(*jpeg);
  EXPECT_EQ(j.width, 128);
  EXPECT_EQ(j.height, 128);
  EXPECT_EQ(j.channels, 1);
  EXPECT_GT(Mean(j), 5);
  EXPECT_LT(Mean(j), 250);
  o.format = RenderOptions::Format::kPng;
  auto png = Render(Bytes(bytes), o);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  ASSERT_EQ(png->substr(1, 3), "PNG");
  Decoded p = DecodePng(*png);
  EXPECT_EQ(p.width, 128);
  EXPECT_EQ(p.channels, 1);
  // A narrow window far above the data renders black; far below renders white.
  o.window_center = 100000;
  o.window_width = 10;
  EXPECT_LT(Mean(DecodePng(*Render(Bytes(bytes), o))), 1);
  o.window_center = -100000;
  EXPECT_GT(Mean(DecodePng(*Render(Bytes(bytes), o))), 254);
}

TEST(Render, ThumbnailFitsTheBox) {
  const std::string bytes =
      ReadFile(TestData() / "spine_xray_nearest/wg04_RG2_JPLL_cr_hip_lumbosacral.dcm");
  RenderOptions o;
  o.max_width = 128;
  o.max_height = 128;
  auto jpeg = Render(Bytes(bytes), o);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  Decoded d = DecodeJpeg(*jpeg);
  EXPECT_LE(d.width, 128);
  EXPECT_EQ(d.height, 128);  // 2140 rows x 1760 columns: height is the limiting side
  EXPECT_NEAR(d.width, 128 * 1760 / 2140, 1);
}

TEST(Render, Monochrome1IsInverted) {
  const std::string bytes =
      ReadFile(TestData() / "spine_xray_nearest/wg04_RG1_J2KI_cr_chest_monochrome1.dcm");
  RenderOptions o;
  o.format = RenderOptions::Format::kPng;
  o.max_width = 256;
  o.max_height = 256;
  auto png = Render(Bytes(bytes), o);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  Decoded d = DecodePng(*png);
  // Chest radiograph shown with air dark: the top corners (outside the body) are darker than
  // the centre (mediastinum / spine).
  auto at = [&](int x, int y) { return d.pixels[static_cast<size_t>(y) * d.width + x]; };
  const int corner = (at(5, 5) + at(d.width - 6, 5)) / 2;
  const int centre = at(d.width / 2, d.height / 2);
  EXPECT_LT(corner, centre);
}

TEST(Render, ColorImages) {
  for (const char* rel :
       {"transfer_syntaxes/SC_rgb_jpeg_dcmtk.dcm", "transfer_syntaxes/HTJ2KLossless_08_RGB.dcm"}) {
    SCOPED_TRACE(rel);
    const std::string bytes = ReadFile(TestData() / rel);
    auto jpeg = Render(Bytes(bytes), RenderOptions{});
    ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
    Decoded d = DecodeJpeg(*jpeg);
    EXPECT_EQ(d.channels, 3);
    EXPECT_GT(d.width, 0);
  }
}

TEST(Render, DecodedColorFramesSayTheirPhotometricInterpretation) {
  const std::string bytes = ReadFile(TestData() / "transfer_syntaxes/SC_rgb_jpeg_dcmtk.dcm");
  auto f = ExtractFrame(Bytes(bytes), 1, true);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->photometric_interpretation, "RGB");  // stored as YBR_FULL JPEG
  ASSERT_EQ(f->bytes.size(), 100u * 100u * 3u);
  // The first bar of this test image is red.
  EXPECT_GT(static_cast<uint8_t>(f->bytes[0]), 200);
  EXPECT_LT(static_cast<uint8_t>(f->bytes[1]), 50);
  EXPECT_TRUE(ExtractFrame(Bytes(bytes), 1, false)->photometric_interpretation.empty());
}

TEST(Render, EnhancedMultiframeAndBadFrameNumber) {
  const std::string bytes = ReadFile(TestData() / "mr/dcm_qa_sag_enhanced_multiframe/0063.dcm");
  RenderOptions o;
  o.frame_number = 63;
  auto jpeg = Render(Bytes(bytes), o);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().ToString();
  EXPECT_EQ(DecodeJpeg(*jpeg).width, 86);
  o.frame_number = 64;
  auto bad = Render(Bytes(bytes), o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), base::Code::kNotFound);
}

// Reads a Part-10 file with DCMTK; returns the pixel bytes of frame data.
std::string DcmtkPixels(const std::string& file, std::string* ts) {
  DcmFileFormat ff;
  DcmInputBufferStream in;
  in.setBuffer(file.data(), static_cast<offile_off_t>(file.size()));
  in.setEos();
  ff.transferInit();
  OFCondition c = ff.read(in);
  ff.transferEnd();
  EXPECT_TRUE(c.good()) << c.text();
  if (c.bad()) return {};
  OFString xfer;
  ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, xfer);
  *ts = xfer.c_str();
  const Uint8* data = nullptr;
  unsigned long count = 0;
  DcmElement* e = nullptr;
  if (ff.getDataset()->findAndGetElement(DCM_PixelData, e).bad()) return {};
  e->getUint8Array(const_cast<Uint8*&>(data));
  count = e->getLength();
  return std::string(reinterpret_cast<const char*>(data), count);
}

TEST(FileMeta, BuildFileMetaIsReadByDcmtk) {
  testutil::Builder ds = testutil::MinimalImage();
  ds.Header(0x7FE0, 0x0010, "OB", 4).Raw("abcd");
  const std::string file =
      BuildFileMeta("1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5", "1.2.840.10008.1.2.1", "CT_SCANNER") +
      ds.str();
  DcmFileFormat ff;
  DcmInputBufferStream in;
  in.setBuffer(file.data(), static_cast<offile_off_t>(file.size()));
  in.setEos();
  ff.transferInit();
  ASSERT_TRUE(ff.read(in).good());
  ff.transferEnd();
  DcmMetaInfo* meta = ff.getMetaInfo();
  OFString v;
  Uint32 group_length = 0;
  ASSERT_TRUE(meta->findAndGetUint32(DCM_FileMetaInformationGroupLength, group_length).good());
  EXPECT_EQ(132 + 12 + group_length, file.size() - ds.str().size());
  meta->findAndGetOFString(DCM_ImplementationVersionName, v);
  EXPECT_EQ(v, "DOKUEI_01");
  meta->findAndGetOFString(DCM_SourceApplicationEntityTitle, v);
  EXPECT_EQ(v, "CT_SCANNER");
  meta->findAndGetOFString(DCM_ImplementationClassUID, v);
  EXPECT_TRUE(v.substr(0, 5) == "2.25.");
  meta->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, v);
  EXPECT_EQ(v, "1.2.3.4.5");
  meta->findAndGetOFString(DCM_TransferSyntaxUID, v);
  EXPECT_EQ(v, "1.2.840.10008.1.2.1");
  ff.getDataset()->findAndGetOFString(DCM_PatientName, v);
  EXPECT_EQ(v, "Doe^John");
}

TEST(Transcode, ToExplicitLittleEndianKeepsPixels) {
  for (const char* rel :
       {"mr/dcm_qa_ts_same_image_9_syntaxes/2.dcm", "mr/dcm_qa_ts_same_image_9_syntaxes/3.dcm",
        "mr/dcm_qa_ts_same_image_9_syntaxes/4.dcm", "mr/dcm_qa_ts_same_image_9_syntaxes/5.dcm",
        "mr/dcm_qa_ts_same_image_9_syntaxes/7.dcm", "mr/dcm_qa_ts_same_image_9_syntaxes/9.dcm",
        "transfer_syntaxes/image_dfl.dcm", "transfer_syntaxes/HTJ2KLossless_08_RGB.dcm",
        "mr/pydicom_emri_small_multiframe/emri_small_jpeg_2k_lossless.dcm"}) {
    SCOPED_TRACE(rel);
    const std::string bytes = ReadFile(TestData() / rel);
    auto out = Transcode(Bytes(bytes), "1.2.840.10008.1.2.1");
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    std::string ts;
    const std::string pixels = DcmtkPixels(*out, &ts);
    EXPECT_EQ(ts, "1.2.840.10008.1.2.1");
    // Identical to our decoded frames.
    std::string expected;
    for (uint32_t f = 1;; ++f) {
      auto frame = ExtractFrame(Bytes(bytes), f, true);
      if (!frame.ok()) break;
      expected += frame->bytes;
    }
    if (expected.size() & 1) expected.push_back('\0');
    EXPECT_TRUE(pixels == expected);
    // The transcoded object parses and describes the same instance.
    auto original = ParsePart10(Bytes(bytes), Limits{});
    auto again = ParsePart10(Bytes(*out), Limits{});
    if (original.ok()) {
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      EXPECT_EQ(again->sop_instance_uid, original->sop_instance_uid);
      EXPECT_EQ(again->transfer_syntax_uid, "1.2.840.10008.1.2.1");
    }
  }
  // The 9 syntaxes transcode to the same pixels.
  std::string ts;
  const std::string reference =
      DcmtkPixels(ReadFile(TestData() / "mr/dcm_qa_ts_same_image_9_syntaxes/1.dcm"), &ts);
  const std::string bytes = ReadFile(TestData() / "mr/dcm_qa_ts_same_image_9_syntaxes/8.dcm");
  EXPECT_TRUE(DcmtkPixels(*Transcode(Bytes(bytes), "1.2.840.10008.1.2.1"), &ts) == reference);
  auto unsupported = Transcode(Bytes(bytes), "1.2.840.10008.1.2.4.50");
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.status().code(), base::Code::kUnsupported);
}

}  // namespace
}  // namespace dokuei::dicom
