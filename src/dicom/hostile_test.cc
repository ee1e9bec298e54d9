// Hostile inputs generated here (F3: declared-size bombs and lying lengths): each is refused
// fast, with a precise Status, and without any allocation driven by a declared length.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>

#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "test_util.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Allocation probe: counts operator new calls made while a probe is active (this test binary
// only). Largest single request and total bytes, to prove that memory stays bounded.
namespace {
std::atomic<bool> g_probe_active{false};
std::atomic<size_t> g_probe_largest{0};
std::atomic<size_t> g_probe_total{0};
}  // namespace

void* operator new(size_t n) {
  if (g_probe_active.load(std::memory_order_relaxed)) {
    g_probe_total += n;
    size_t prev = g_probe_largest.load();
    while (n > prev && !g_probe_largest.compare_exchange_weak(prev, n)) {
    }
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace dokuei::dicom {
namespace {

using testutil::Builder;
using testutil::Bytes;
using testutil::MinimalImage;

struct Probe {
  Probe() {
    g_probe_largest = 0;
    g_probe_total = 0;
    start = std::chrono::steady_clock::now();
    g_probe_active = true;
  }
  ~Probe() { g_probe_active = false; }
  double Millis() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  }
  std::chrono::steady_clock::time_point start;
};

constexpr std::string_view kExplicitLE = "1.2.840.10008.1.2.1";
constexpr std::string_view kImplicitLE = "1.2.840.10008.1.2";

// Parses with the probe on and checks the refusal: code, field, speed, bounded memory.
void ExpectRefused(const std::string& dataset, std::string_view ts, base::Code code,
                   std::string_view field, const Limits& limits = Limits{},
                   size_t max_alloc = 1 << 20) {
  base::Result<ParsedInstance> r = base::Internal("not run");
  size_t largest = 0, total = 0;
  double ms = 0;
  {
    Probe probe;
    r = ParseDataset(Bytes(dataset), ts, limits);
    ms = probe.Millis();
    largest = g_probe_largest;
    total = g_probe_total;
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_EQ(r.status().field(), field) << r.status().ToString();
  EXPECT_FALSE(r.status().message().empty());
  EXPECT_LT(ms, 1000.0) << r.status().ToString();
  EXPECT_LE(largest, max_alloc) << r.status().ToString();
  EXPECT_LE(total, std::max(64 * dataset.size() + (4u << 20), 3 * max_alloc))
      << r.status().ToString();
}

std::string WithPixels(Builder b, uint32_t declared, size_t present) {
  b.Header(0x7FE0, 0x0010, "OB", declared);
  b.Raw(std::string(present, '\x10'));
  return b.str();
}

TEST(Hostile, MinimalImageIsAccepted) {
  const std::string ds = WithPixels(MinimalImage(), 4, 4);
  auto r = ParseDataset(Bytes(ds), kExplicitLE, Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->pixel.rows, 2);
  auto implicit = MinimalImage(2, 2, false);
  implicit.Header(0x7FE0, 0x0010, "OW", 4).Raw("abcd");
  auto ri = ParseDataset(Bytes(implicit.str()), kImplicitLE, Limits{});
  ASSERT_TRUE(ri.ok()) << ri.status().ToString();
}

TEST(Hostile, LyingElementLengths) {
  Builder b = MinimalImage();
  b.Header(0x0018, 0x0015, "CS", 200).Raw("SPINE");  // 200 declared, 5 present
  ExpectRefused(b.str(), kExplicitLE, base::Code::kInvalidArgument, "BodyPartExamined");
  // 4 GB - 16 declared for an OB value.
  Builder huge = MinimalImage();
  huge.Header(0x0009, 0x1010, "OB", 0xFFFFFFF0u).Raw("xx");
  ExpectRefused(huge.str(), kExplicitLE, base::Code::kInvalidArgument, "(0009,1010)");
  // Implicit VR with a lying 32-bit length.
  Builder imp(false);
  imp.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7").Header(0x0010, 0x0010, "", 0x7FFFFFFF);
  ExpectRefused(imp.str(), kImplicitLE, base::Code::kInvalidArgument, "PatientName");
  // Truncated element header.
  std::string cut = MinimalImage().str() + std::string("\x10\x00\x20", 3);
  ExpectRefused(cut, kExplicitLE, base::Code::kInvalidArgument, "");
}

TEST(Hostile, ElementAboveTheLimit) {
  Limits limits;
  limits.max_element_bytes = 1000;
  const std::string ds = WithPixels(MinimalImage(), 2000, 2000);
  ExpectRefused(ds, kExplicitLE, base::Code::kPayloadTooLarge, "PixelData", limits);
  limits = Limits{};
  limits.max_object_bytes = 100;
  ExpectRefused(ds, kExplicitLE, base::Code::kPayloadTooLarge, "", limits);
}

TEST(Hostile, RowsColumnsBeyondThePixelData) {
  // 65535 x 65535 x 8 bits declared, 4 bytes present.
  ExpectRefused(WithPixels(MinimalImage(65535, 65535), 4, 4), kExplicitLE,
                base::Code::kInvalidArgument, "PixelData");
  // Frames multiply the need.
  Builder ordered;
  ordered.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1")
      .US(0x0028, 0x0002, 1)
      .Str(0x0028, 0x0004, "CS", "MONOCHROME2")
      .Str(0x0028, 0x0008, "IS", "2147483647")
      .US(0x0028, 0x0010, 2)
      .US(0x0028, 0x0011, 2)
      .US(0x0028, 0x0100, 8);
  ExpectRefused(WithPixels(ordered, 4, 4), kExplicitLE, base::Code::kPayloadTooLarge,
                "NumberOfFrames");
  Limits limits;
  limits.max_frames = 1u << 31;
  ExpectRefused(WithPixels(ordered, 4, 4), kExplicitLE, base::Code::kInvalidArgument, "PixelData",
                limits);
}

TEST(Hostile, NumberOfFramesMustBeAnIS) {
  for (const char* bad : {"1A", "-3", "0", "1.5", "99999999999999"}) {
    SCOPED_TRACE(bad);
    Builder b;
    b.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
        .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
        .Str(0x0020, 0x000D, "UI", "1.2.3.4")
        .Str(0x0020, 0x000E, "UI", "1.2.3.4.1")
        .US(0x0028, 0x0002, 1)
        .Str(0x0028, 0x0008, "IS", bad)
        .US(0x0028, 0x0010, 1)
        .US(0x0028, 0x0011, 1)
        .US(0x0028, 0x0100, 8);
    ExpectRefused(WithPixels(b, 2, 2), kExplicitLE, base::Code::kInvalidArgument, "NumberOfFrames");
  }
}

TEST(Hostile, NativePixelDataOfUndefinedLength) {
  ExpectRefused(WithPixels(MinimalImage(), 0xFFFFFFFFu, 64), kExplicitLE,
                base::Code::kInvalidArgument, "PixelData");
}

TEST(Hostile, DeeplyNestedSequences) {
  // 100000 levels of undefined-length sequences: refused at the depth limit, no stack overflow.
  Builder b = MinimalImage();
  for (int i = 0; i < 100000; ++i) b.Header(0x0040, 0xA730, "SQ", 0xFFFFFFFFu).Item(0xFFFFFFFFu);
  ExpectRefused(b.str(), kExplicitLE, base::Code::kPayloadTooLarge, "ContentSequence");
  // Same in implicit VR, with defined lengths computed from the inside out.
  std::string inner;
  for (int i = 0; i < 5000; ++i) {
    Builder item(false);
    item.Item(static_cast<uint32_t>(inner.size())).Raw(inner);
    Builder seq(false);
    seq.Header(0x0040, 0xA730, "SQ", static_cast<uint32_t>(item.str().size())).Raw(item.str());
    inner = seq.str();
  }
  Builder head(false);
  head.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7").Raw(inner);
  ExpectRefused(head.str(), kImplicitLE, base::Code::kPayloadTooLarge, "ContentSequence");
  // 16 levels are fine.
  Builder ok = MinimalImage();
  for (int i = 0; i < 16; ++i) ok.Header(0x0040, 0xA730, "SQ", 0xFFFFFFFFu).Item(0xFFFFFFFFu);
  for (int i = 0; i < 16; ++i) ok.ItemEnd().SeqEnd();
  auto r = ParseDataset(Bytes(ok.str()), kExplicitLE, Limits{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

TEST(Hostile, ManyElementsHitTheElementLimit) {
  Builder b = MinimalImage();
  for (int i = 0; i < 10000; ++i) b.Header(0x0009, static_cast<uint16_t>(0x1000 + i), "OB", 0);
  Limits limits;
  limits.max_elements = 5000;
  ExpectRefused(b.str(), kExplicitLE, base::Code::kPayloadTooLarge, "(0009,237A)", limits);
}

TEST(Hostile, BrokenSequencesAndItems) {
  Builder no_delimiter = MinimalImage();
  no_delimiter.Header(0x0040, 0x0275, "SQ", 0xFFFFFFFFu)
      .Item(0xFFFFFFFFu)
      .Str(0x0040, 0x1001, "SH", "RP1");
  ExpectRefused(no_delimiter.str(), kExplicitLE, base::Code::kInvalidArgument,
                "RequestAttributesSequence");
  Builder lying_item = MinimalImage();
  lying_item.Header(0x0040, 0x0275, "SQ", 16).Item(1000).Raw(std::string(8, '\0'));
  ExpectRefused(lying_item.str(), kExplicitLE, base::Code::kInvalidArgument,
                "RequestAttributesSequence");
  Builder not_item = MinimalImage();
  not_item.Header(0x0040, 0x0275, "SQ", 8).Header(0x0010, 0x0010, "PN", 0);
  ExpectRefused(not_item.str(), kExplicitLE, base::Code::kInvalidArgument,
                "RequestAttributesSequence");
  Builder bad_vr = MinimalImage();
  bad_vr.Raw(std::string("\x18\x00\x15\x00\x01\x02\x02\x00XY", 10));
  ExpectRefused(bad_vr.str(), kExplicitLE, base::Code::kInvalidArgument, "BodyPartExamined");
  Builder duplicate = MinimalImage();
  duplicate.Str(0x0028, 0x0103, "US", "").Raw("");
  ExpectRefused(duplicate.str(), kExplicitLE, base::Code::kInvalidArgument, "PixelRepresentation");
}

TEST(Hostile, EncapsulatedFragments) {
  const std::string jpeg = "1.2.840.10008.1.2.4.50";
  // Fragment longer than the data.
  Builder b = MinimalImage();
  b.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu).Item(0).Item(0x7FFFFFFF).Raw("\xFF\xD8");
  ExpectRefused(b.str(), jpeg, base::Code::kInvalidArgument, "PixelData");
  // Fragment of undefined length.
  Builder u = MinimalImage();
  u.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu).Item(0).Item(0xFFFFFFFFu).Raw("\xFF\xD8").SeqEnd();
  ExpectRefused(u.str(), jpeg, base::Code::kInvalidArgument, "PixelData");
  // Only the Basic Offset Table.
  Builder empty = MinimalImage();
  empty.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu).Item(0).SeqEnd();
  ExpectRefused(empty.str(), jpeg, base::Code::kInvalidArgument, "PixelData");
  // Native Pixel Data in an encapsulated syntax.
  ExpectRefused(WithPixels(MinimalImage(), 4, 4), jpeg, base::Code::kInvalidArgument, "PixelData");
}

TEST(Hostile, DeflateBomb) {
  // 256 MiB of zeros deflated to ~256 KB; the cap (max_object_bytes) stops inflating.
  std::string compressed;
  {
    z_stream zs{};
    ASSERT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    std::string zeros(1 << 20, '\0');
    std::string buf(1 << 16, '\0');
    for (int i = 0; i < 256; ++i) {
      zs.next_in = reinterpret_cast<Bytef*>(zeros.data());
      zs.avail_in = static_cast<uInt>(zeros.size());
      do {
        zs.next_out = reinterpret_cast<Bytef*>(buf.data());
        zs.avail_out = static_cast<uInt>(buf.size());
        deflate(&zs, i == 255 ? Z_FINISH : Z_NO_FLUSH);
        compressed.append(buf.data(), buf.size() - zs.avail_out);
      } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
  }
  ASSERT_LT(compressed.size(), 1u << 20);
  Limits limits;
  limits.max_object_bytes = 32u << 20;
  ExpectRefused(compressed, "1.2.840.10008.1.2.1.99", base::Code::kPayloadTooLarge, "", limits,
                /*max_alloc=*/(32u << 20) + 1);
  // A corrupt deflate stream is refused as invalid.
  ExpectRefused(std::string("\xFF\xFF\xFF\xFF garbage", 12), "1.2.840.10008.1.2.1.99",
                base::Code::kInvalidArgument, "");
}

TEST(Hostile, PathLikeAndInvalidUids) {
  for (const char* uid :
       {"../../etc/passwd", "1.2.3/../4", "1.2.3\\4.5", "1.2.03", "1..2", ".1.2", "1.2.",
        "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25", "C:\\x", "1.2.3 4",
        "%2e%2e%2f"}) {
    SCOPED_TRACE(uid);
    ExpectRefused(WithPixels(MinimalImage(2, 2, true, uid), 4, 4), kExplicitLE,
                  base::Code::kInvalidArgument, "SOPInstanceUID");
  }
  Builder missing;
  missing.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7");
  ExpectRefused(missing.str(), kExplicitLE, base::Code::kInvalidArgument, "SOPInstanceUID");
}

TEST(Hostile, UnsupportedSopClassAndTransferSyntax) {
  Builder b;
  b.Str(0x0008, 0x0016, "UI", "1.2.840.10008.3.1.2.3.3")  // Modality Performed Procedure Step
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1");
  ExpectRefused(b.str(), kExplicitLE, base::Code::kUnsupported, "SOPClassUID");
  ExpectRefused(WithPixels(MinimalImage(), 4, 4), "1.2.3.4", base::Code::kUnsupported,
                "TransferSyntaxUID");
  ExpectRefused(WithPixels(MinimalImage(), 4, 4), "../x", base::Code::kUnsupported,
                "TransferSyntaxUID");
  EXPECT_TRUE(IsStorageSopClass("1.2.840.10008.5.1.4.1.1.2"));
  EXPECT_TRUE(IsStorageSopClass("1.2.840.10008.5.1.4.1.1.999.1"));  // future storage class
  EXPECT_FALSE(IsStorageSopClass("1.2.840.10008.1.3.10"));          // DICOMDIR
  EXPECT_FALSE(IsStorageSopClass("1.2.840.10008.5.1.4.1.1.2/.."));
}

TEST(Hostile, FutureEncapsulatedSyntaxIsAccepted) {
  // An encapsulated syntax nobody knows yet (and JPEG XL, unknown to DCMTK 3.6.7).
  for (const char* ts : {"1.2.840.10008.1.2.4.250", "1.2.840.10008.1.2.4.110"}) {
    Builder b = MinimalImage();
    b.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu)
        .Item(0)
        .Item(4)
        .Raw(std::string("\xFF\x0A\x00\x00", 4))
        .SeqEnd();
    auto r = ParseDataset(Bytes(b.str()), ts, Limits{});
    ASSERT_TRUE(r.ok()) << ts << ": " << r.status().ToString();
    EXPECT_TRUE(r->pixel.encapsulated);
  }
  const auto& accepted = AcceptedTransferSyntaxes();
  for (const char* ts :
       {"1.2.840.10008.1.2",       "1.2.840.10008.1.2.1",     "1.2.840.10008.1.2.1.99",
        "1.2.840.10008.1.2.2",     "1.2.840.10008.1.2.5",     "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.51",  "1.2.840.10008.1.2.4.57",  "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.80",  "1.2.840.10008.1.2.4.81",  "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91",  "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
        "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.102",
        "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.110"}) {
    EXPECT_NE(std::find(accepted.begin(), accepted.end(), ts), accepted.end()) << ts;
  }
}

TEST(Hostile, Part10MetaMustMatchTheDataSet) {
  const std::string ds = WithPixels(MinimalImage(), 4, 4);
  const std::string good =
      BuildFileMeta("1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5", kExplicitLE, "MODALITY") + ds;
  auto r = ParsePart10(Bytes(good), Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto off = DatasetOffset(Bytes(good));
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(*off, good.size() - ds.size());
  const std::string other_instance =
      BuildFileMeta("1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.6", kExplicitLE, "") + ds;
  auto bad = ParsePart10(Bytes(other_instance), Limits{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "MediaStorageSOPInstanceUID");
  const std::string other_class =
      BuildFileMeta("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4.5", kExplicitLE, "") + ds;
  EXPECT_EQ(ParsePart10(Bytes(other_class), Limits{}).status().field(), "MediaStorageSOPClassUID");
  // Lying group length.
  std::string lying = good;
  lying[140] = static_cast<char>(lying[140] + 2);
  EXPECT_EQ(ParsePart10(Bytes(lying), Limits{}).status().field(), "FileMetaInformationGroupLength");
  auto not_part10 = ParsePart10(Bytes(ds), Limits{});
  EXPECT_EQ(not_part10.status().message(), "not a DICOM Part 10 file");
  EXPECT_EQ(not_part10.status().code(), base::Code::kInvalidArgument);
}

TEST(Hostile, FramesFoundByEndMarkers) {
  // Two frames, four fragments, no offset table, no start markers at fragment starts, but each
  // frame's last fragment ends with FF D9 (+ padding).
  Builder b;
  b.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1")
      .US(0x0028, 0x0002, 1)
      .Str(0x0028, 0x0008, "IS", "2")
      .US(0x0028, 0x0010, 2)
      .US(0x0028, 0x0011, 2)
      .US(0x0028, 0x0100, 8);
  b.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu).Item(0);
  b.Item(4).Raw("aaaa").Item(4).Raw(std::string("b\xFF\xD9\x00", 4));
  b.Item(4).Raw("cccc").Item(2).Raw("\xFF\xD9").SeqEnd();
  const std::string file =
      BuildFileMeta("1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5", "1.2.840.10008.1.2.4.50", "") +
      b.str();
  auto f1 = ExtractFrame(Bytes(file), 1, false);
  auto f2 = ExtractFrame(Bytes(file), 2, false);
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  ASSERT_TRUE(f2.ok());
  EXPECT_EQ(f1->bytes, std::string("aaaab\xFF\xD9\x00", 8));
  EXPECT_EQ(f2->bytes, "cccc\xFF\xD9");
}

TEST(Hostile, FramesOfHostileEncapsulatedObjects) {
  // Two frames, three fragments, a Basic Offset Table pointing into the middle of a fragment and
  // no frame markers: frame assignment is refused, not guessed.
  Builder b;
  b.Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1")
      .US(0x0028, 0x0002, 1)
      .Str(0x0028, 0x0008, "IS", "2")
      .US(0x0028, 0x0010, 2)
      .US(0x0028, 0x0011, 2)
      .US(0x0028, 0x0100, 8);
  b.Header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu).Item(8).U32(0).U32(3);
  b.Item(4).Raw("abcd").Item(4).Raw("efgh").Item(4).Raw("ijkl").SeqEnd();
  const std::string file =
      BuildFileMeta("1.2.840.10008.5.1.4.1.1.7", "1.2.3.4.5", "1.2.840.10008.1.2.4.70", "") +
      b.str();
  ASSERT_TRUE(ParsePart10(Bytes(file), Limits{}).ok());
  auto f = ExtractFrame(Bytes(file), 1, false);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().field(), "PixelData");
  // Decoding garbage as JPEG fails cleanly.
  EXPECT_FALSE(ExtractFrame(Bytes(file), 2, true).ok());
  EXPECT_FALSE(Render(Bytes(file), RenderOptions{}).ok());
}

}  // namespace
}  // namespace dokuei::dicom
