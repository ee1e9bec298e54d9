// STOW-RS every valid file of the shared test data, then WADO-RS it back byte for byte; metadata,
// bulk data, frames, rendered images, transfer-syntax negotiation and WADO-URI.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dokuei/base/digest.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "fixture.h"

namespace dokuei::dicomweb::e2e {
namespace {

using nlohmann::json;
constexpr char kDicomAccept[] = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";
constexpr char kOctetAccept[] = "multipart/related; type=\"application/octet-stream\"";

bool IsPart10(const std::string& bytes) {
  return bytes.size() > 132 && bytes.compare(128, 4, "DICM") == 0;
}

struct Instance {
  std::string path, bytes, sop, study, series, ts;
};

Instance Load(const std::string& path) {
  Instance in;
  in.path = path;
  in.bytes = ReadFile(path);
  auto p = dicom::ParsePart10(
      {reinterpret_cast<const uint8_t*>(in.bytes.data()), in.bytes.size()}, dicom::Limits{});
  if (p.ok()) {
    in.sop = p->sop_instance_uid;
    in.study = p->study_instance_uid;
    in.series = p->series_instance_uid;
    in.ts = p->transfer_syntax_uid;
  }
  return in;
}

std::string InstancePath(const Instance& in) {
  return "/dicom-web/studies/" + in.study + "/series/" + in.series + "/instances/" + in.sop;
}

// Stores `files` in `tenant`, expecting every one to be stored.
void StowOk(const std::vector<Instance>& files, int tenant) {
  std::vector<std::string> bytes;
  for (const auto& f : files) bytes.push_back(f.bytes);
  auto r = Env::Get().Stow(bytes, Token(tenant));
  ASSERT_TRUE(r.status == 200 || r.status == 202) << r.status << " " << r.body;
}

TEST(StowWado, EveryValidTestFileRoundTripsByteExact) {
  Env& env = Env::Get();
  std::vector<Instance> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(TestData(""))) {
    if (!e.is_regular_file()) continue;
    std::string p = e.path().string();
    if (p.find("/malformed/") != std::string::npos) continue;
    std::string head = ReadFile(p).substr(0, 132);
    if (head.size() < 132 || head.compare(128, 4, "DICM") != 0) continue;
    files.push_back(Load(p));
  }
  ASSERT_GT(files.size(), 100u);
  // The same SOP Instance UID appears in several files (one image in several transfer
  // syntaxes): the n-th copy goes to tenant n, so that every file is stored exactly once.
  std::map<std::string, int> copies;
  std::map<int, std::vector<const Instance*>> rounds;
  for (const auto& f : files) {
    int n = f.sop.empty() ? 0 : copies[f.sop]++;
    rounds[n + 1].push_back(&f);
  }
  ASSERT_LE(rounds.size(), static_cast<size_t>(kTenants - 2));
  size_t stored = 0;
  std::vector<std::string> refused;
  for (auto& [tenant, list] : rounds) {
    std::vector<std::string> bytes;
    for (const Instance* f : list) bytes.push_back(f->bytes);
    auto r = env.Stow(bytes, Token(tenant));
    ASSERT_TRUE(r.status == 200 || r.status == 202) << r.status << " " << r.body.substr(0, 500);
    EXPECT_EQ(r.Header("Content-Type"), "application/dicom+json");
    json j = r.Json();
    ASSERT_TRUE(j.is_object()) << r.body;
    std::set<std::string> ok_sops;
    for (const auto& item : j["00081199"]["Value"]) {
      ok_sops.insert(JsonString(item, "00081155"));
      std::string url = JsonString(item, "00081190");
      EXPECT_TRUE(base::StartsWith(url, env.Url("/dicom-web/studies/"))) << url;
    }
    if (j.contains("00081198")) {
      for (const auto& item : j["00081198"]["Value"]) {
        refused.push_back(JsonString(item, "00081155") + " reason " +
                          JsonString(item, "00081197"));
      }
      for (const auto& w : r.Headers("Warning")) refused.push_back(w);
    }
    for (const Instance* f : list) {
      if (!ok_sops.count(f->sop)) continue;
      ++stored;
      auto got = env.Get(InstancePath(*f), Token(tenant), kDicomAccept);
      ASSERT_EQ(got.status, 200) << f->path;
      auto parts = SplitMultipart(got.Header("Content-Type"), got.body);
      ASSERT_EQ(parts.size(), 1u) << f->path;
      EXPECT_TRUE(parts[0].body == f->bytes) << "not byte-exact: " << f->path;
      EXPECT_NE(parts[0].content_type.find("transfer-syntax=" + f->ts), std::string::npos)
          << parts[0].content_type;
    }
  }
  // Every file the parser accepts is stored; the others (the DICOMDIR, objects without a
  // StudyInstanceUID) are refused with a reason.
  size_t parseable = 0;
  for (const auto& f : files) parseable += f.sop.empty() ? 0 : 1;
  EXPECT_EQ(stored, parseable) << "refused: " << ::testing::PrintToString(refused);
  EXPECT_GE(parseable + 3, files.size());

  // A whole series streams back complete: the 63-slice MR.
  std::string dir = TestData("mr/dcm_qa_sag_classic_sagittal_63slices");
  std::set<std::string> digests;
  Instance first;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    Instance in = Load(e.path().string());
    digests.insert(base::Sha256Hex(in.bytes));
    first = in;
  }
  int tenant = 1;  // each of these UIDs appears once, so it is in tenant 1
  auto series = env.Get("/dicom-web/studies/" + first.study + "/series/" + first.series,
                        Token(tenant), kDicomAccept);
  ASSERT_EQ(series.status, 200);
  EXPECT_FALSE(series.Header("Content-Length").empty());  // precomputed, not chunked
  auto parts = SplitMultipart(series.Header("Content-Type"), series.body);
  ASSERT_EQ(parts.size(), digests.size());
  for (const auto& p : parts) EXPECT_TRUE(digests.count(base::Sha256Hex(p.body)));
}

TEST(StowWado, DuplicatesAndConflictsArePerInstance) {
  Env& env = Env::Get();
  const int tenant = 8;
  Instance a = Load(TestData("transfer_syntaxes/MR_small.dcm"));
  Instance b = Load(TestData("transfer_syntaxes/MR_small_RLE.dcm"));
  ASSERT_EQ(a.sop, b.sop);
  auto first = env.Stow({a.bytes}, Token(tenant));
  ASSERT_EQ(first.status, 200) << first.body;
  json j = first.Json();
  EXPECT_EQ(JsonString(j, "00081190"), env.Url("/dicom-web/studies/" + a.study));
  // An identical re-send is idempotent: stored, with a warning.
  auto again = env.Stow({a.bytes}, Token(tenant));
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(JsonString(again.Json()["00081199"]["Value"][0], "00081196"), "45056");
  // A different object under the same UID is refused (0xC409), the stored one kept.
  auto conflict = env.Stow({b.bytes}, Token(tenant));
  ASSERT_EQ(conflict.status, 409) << conflict.body;
  json c = conflict.Json();
  EXPECT_EQ(JsonString(c["00081198"]["Value"][0], "00081155"), b.sop);
  EXPECT_EQ(JsonString(c["00081198"]["Value"][0], "00081197"), std::to_string(0xC409));
  EXPECT_FALSE(c.contains("00081199"));
  auto got = env.Get(InstancePath(a), Token(tenant), kDicomAccept);
  auto parts = SplitMultipart(got.Header("Content-Type"), got.body);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].body == a.bytes);
  // The response as PS3.19 XML.
  auto xml = env.PostRaw("/dicom-web/studies",
                         "--x\r\nContent-Type: application/dicom\r\n\r\n" + b.bytes + "\r\n--x--\r\n",
                         "multipart/related; type=\"application/dicom\"; boundary=x", Token(tenant),
                         "-H 'Accept: application/dicom+xml'");
  EXPECT_EQ(xml.status, 409);
  EXPECT_EQ(xml.Header("Content-Type"), "application/dicom+xml");
  EXPECT_NE(xml.body.find("<DicomAttribute tag=\"00081197\" vr=\"US\" keyword=\"FailureReason\">"
                          "<Value number=\"1\">50185</Value>"),
            std::string::npos)
      << xml.body;
  // Mixed: one stored, one refused -> 202.
  Instance ct = Load(TestData("transfer_syntaxes/CT_small.dcm"));
  auto mixed = env.Stow({ct.bytes, b.bytes}, Token(tenant));
  EXPECT_EQ(mixed.status, 202) << mixed.body;
}

TEST(StowWado, StudyScopedStowRefusesOtherStudies) {
  Env& env = Env::Get();
  const int tenant = 7;
  Instance ct = Load(TestData("transfer_syntaxes/CT_small.dcm"));
  size_t blobs_before = env.BlobCount();
  auto wrong = env.Stow({ct.bytes}, Token(tenant), "1.2.3.4.5");
  ASSERT_EQ(wrong.status, 409) << wrong.body;
  EXPECT_EQ(JsonString(wrong.Json()["00081198"]["Value"][0], "00081197"), std::to_string(0xC409));
  EXPECT_EQ(env.BlobCount(), blobs_before);
  EXPECT_EQ(env.Get(InstancePath(ct), Token(tenant), kDicomAccept).status, 404);
  auto right = env.Stow({ct.bytes}, Token(tenant), ct.study);
  EXPECT_EQ(right.status, 200) << right.body;
  EXPECT_EQ(env.Stow({ct.bytes}, Token(tenant), "not-a-uid").status, 400);
}

TEST(StowWado, MetadataBulkDataAndFrames) {
  Env& env = Env::Get();
  const int tenant = 7;
  std::vector<Instance> set = {Load(TestData("mr/pydicom_emri_small_multiframe/emri_small.dcm")),
                               Load(TestData("transfer_syntaxes/CT_small.dcm")),
                               Load(TestData("multiframe_encapsulated/"
                                             "CT0012.fragmented_no_bot_jpeg_ls.80.dcm")),
                               Load(TestData("transfer_syntaxes/SC_rgb_jpeg_dcmtk.dcm")),
                               Load(TestData("transfer_syntaxes/MR_small_bigendian.dcm"))};
  StowOk(set, tenant);
  for (const Instance& in : set) {
    SCOPED_TRACE(in.path);
    auto meta = env.Get("/dicom-web/studies/" + in.study + "/series/" + in.series + "/metadata",
                        Token(tenant));
    ASSERT_EQ(meta.status, 200) << meta.body.substr(0, 300);
    EXPECT_EQ(meta.Header("Content-Type"), "application/dicom+json");
    json arr = meta.Json();
    ASSERT_TRUE(arr.is_array());
    const json* obj = nullptr;
    for (const auto& o : arr) {
      if (JsonString(o, "00080018") == in.sop) obj = &o;
    }
    ASSERT_NE(obj, nullptr);
    int rows = std::stoi(JsonString(*obj, "00280010"));
    int cols = std::stoi(JsonString(*obj, "00280011"));
    int spp = std::stoi(JsonString(*obj, "00280002"));
    int bits = std::stoi(JsonString(*obj, "00280100"));
    std::string nf = JsonString(*obj, "00280008");
    int frames = nf.empty() ? 1 : std::stoi(nf);
    size_t frame_bytes = static_cast<size_t>(rows) * cols * spp * bits / 8;
    // The pixel data BulkDataURI is absolute and resolves.
    ASSERT_TRUE((*obj)["7FE00010"].contains("BulkDataURI"));
    std::string uri = (*obj)["7FE00010"]["BulkDataURI"];
    ASSERT_TRUE(base::StartsWith(uri, env.Url("/dicom-web/studies/"))) << uri;
    auto bulk = env.Get(uri.substr(env.Url("").size()), Token(tenant), kOctetAccept);
    ASSERT_EQ(bulk.status, 200) << bulk.body.substr(0, 300);
    auto bulk_parts = SplitMultipart(bulk.Header("Content-Type"), bulk.body);
    ASSERT_EQ(bulk_parts.size(), 1u);
    EXPECT_EQ(bulk_parts[0].body.size(), frame_bytes * frames);

    // Frames, decoded to Explicit VR Little Endian: rows x cols x spp x bits/8.
    std::string base = InstancePath(in) + "/frames/";
    std::string list = frames > 1 ? "1,2" : "1";
    auto fr = env.Get(base + list, Token(tenant), kOctetAccept);
    ASSERT_EQ(fr.status, 200) << fr.body.substr(0, 300);
    auto parts = SplitMultipart(fr.Header("Content-Type"), fr.body);
    ASSERT_EQ(parts.size(), frames > 1 ? 2u : 1u);
    for (const auto& p : parts) {
      EXPECT_EQ(p.body.size(), frame_bytes);
      EXPECT_NE(p.content_type.find("transfer-syntax=1.2.840.10008.1.2.1"), std::string::npos);
    }
    // As stored (what Cornerstone3D asks for).
    auto stored = env.Get(base + "1", Token(tenant),
                          "multipart/related; type=application/octet-stream; transfer-syntax=*");
    ASSERT_EQ(stored.status, 200);
    auto sp = SplitMultipart(stored.Header("Content-Type"), stored.body);
    ASSERT_EQ(sp.size(), 1u);
    if (in.ts == "1.2.840.10008.1.2.4.80") {
      EXPECT_NE(sp[0].content_type.find("transfer-syntax=1.2.840.10008.1.2.4.80"),
                std::string::npos);
      EXPECT_LT(sp[0].body.size(), frame_bytes);
      auto jls = env.Get(base + "1", Token(tenant), "multipart/related; type=\"image/jls\"");
      ASSERT_EQ(jls.status, 200);
      EXPECT_EQ(SplitMultipart(jls.Header("Content-Type"), jls.body)[0].body, sp[0].body);
      EXPECT_EQ(env.Get(base + "1", Token(tenant), "multipart/related; type=\"image/jp2\"").status,
                406);
    }
    auto missing = env.Get(base + std::to_string(frames + 1), Token(tenant), kOctetAccept);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.Json()["field"], "frames");
  }
}

// Native little-endian frames are sent straight from the stored file (dicom::LocateNativeFrames
// and sendfile): byte for byte what dicom::ExtractFrame returns, one frame or several, multipart or
// bare, decoded or as stored.
TEST(StowWado, FramesFromTheStoredFileEqualExtractFrame) {
  Env& env = Env::Get();
  const int tenant = 7;
  std::vector<Instance> set = {
      Load(TestData("mr/dcm_qa_sag_enhanced_multiframe/0063.dcm")),       // 63 frames, long header
      Load(TestData("mr/pydicom_emri_small_multiframe/emri_small.dcm")),  // 10 frames
      Load(TestData("transfer_syntaxes/CT_small.dcm")),  // trailing padding after the pixels
      Load(TestData("mr/dcm_qa_ts_same_image_9_syntaxes/2.dcm"))};  // implicit VR
  StowOk(set, tenant);
  const std::string kStoredAccept =
      "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*";
  for (const Instance& in : set) {
    SCOPED_TRACE(in.path);
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(in.bytes.data()),
                                         in.bytes.size());
    auto frame = [&](uint32_t n) {
      auto f = dicom::ExtractFrame(bytes, n, false);
      EXPECT_TRUE(f.ok()) << f.status().ToString();
      return f.ok() ? f->bytes : std::string();
    };
    auto nf = dicom::LocateNativeFrames(
        [&](uint64_t offset, std::span<uint8_t> dst) -> base::Result<size_t> {
          const size_t n =
              static_cast<size_t>(std::min<uint64_t>(dst.size(), bytes.size() - offset));
          std::memcpy(dst.data(), bytes.data() + offset, n);
          return n;
        },
        bytes.size());
    ASSERT_TRUE(nf.ok() && nf->has_value()) << "not served from the file";
    const uint32_t frames = (*nf)->number_of_frames;
    std::vector<uint32_t> list = {1};
    if (frames > 1) list = {frames, 1, frames / 2 + 1, 2};
    const std::string base = InstancePath(in) + "/frames/";
    for (const std::string& accept : {std::string(kOctetAccept), kStoredAccept}) {
      SCOPED_TRACE(accept);
      for (size_t count : {size_t{1}, list.size()}) {
        std::string path = base;
        for (size_t i = 0; i < count; ++i) path += (i ? "," : "") + std::to_string(list[i]);
        auto r = env.Get(path, Token(tenant), accept);
        ASSERT_EQ(r.status, 200) << path << " " << r.body.substr(0, 300);
        // (The in-memory path streamed several frames chunked, without a Content-Length.)
        EXPECT_EQ(r.Header("Content-Length"), std::to_string(r.body.size()));
        auto parts = SplitMultipart(r.Header("Content-Type"), r.body);
        ASSERT_EQ(parts.size(), count) << path;
        for (size_t i = 0; i < count; ++i) {
          EXPECT_EQ(parts[i].content_type,
                    "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1");
          EXPECT_TRUE(parts[i].body == frame(list[i])) << path << " part " << i;
        }
      }
    }
    // One frame, bare.
    auto bare = env.Get(base + std::to_string(frames), Token(tenant), "application/octet-stream");
    ASSERT_EQ(bare.status, 200) << bare.body.substr(0, 300);
    EXPECT_EQ(bare.Header("Content-Type"),
              "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1");
    EXPECT_TRUE(bare.body == frame(frames));
    auto missing = env.Get(base + "1," + std::to_string(frames + 1), Token(tenant), kOctetAccept);
    EXPECT_EQ(missing.status, 404);
  }
}

std::string ImageSize(const std::string& bytes, const std::string& tmp) {
  std::string f = tmp + "/img-" + std::to_string(bytes.size());
  std::ofstream(f, std::ios::binary) << bytes;
  std::string out = RunCommand(
      "/usr/bin/python3 -c \"import sys; from PIL import Image; im=Image.open(sys.argv[1]); "
      "im.load(); print('%dx%d %s' % (im.size[0], im.size[1], im.format))\" " + f + " 2>&1");
  std::filesystem::remove(f);
  return std::string(base::Trim(out));
}

TEST(StowWado, RenderedAndThumbnails) {
  Env& env = Env::Get();
  const int tenant = 8;  // tenant 7 holds a different object under MR_small's UID
  Instance mr = Load(TestData("transfer_syntaxes/MR_small.dcm"));
  StowOk({mr}, tenant);
  std::string path = InstancePath(mr);
  auto jpeg = env.Get(path + "/rendered", Token(tenant));
  ASSERT_EQ(jpeg.status, 200) << jpeg.body.substr(0, 200);
  EXPECT_EQ(jpeg.Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(ImageSize(jpeg.body, env.tmp()), "64x64 JPEG");
  auto png = env.Get(path + "/rendered?window=600,1200,linear", Token(tenant), "image/png");
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(ImageSize(png.body, env.tmp()), "64x64 PNG");
  auto small = env.Get(path + "/frames/1/rendered?viewport=32,32", Token(tenant));
  ASSERT_EQ(small.status, 200);
  EXPECT_EQ(ImageSize(small.body, env.tmp()), "32x32 JPEG");
  auto thumb = env.Get("/dicom-web/studies/" + mr.study + "/thumbnail", Token(tenant));
  ASSERT_EQ(thumb.status, 200);
  EXPECT_EQ(ImageSize(thumb.body, env.tmp()).substr(6), "JPEG");
  EXPECT_EQ(env.Get("/dicom-web/studies/" + mr.study + "/series/" + mr.series + "/thumbnail",
                    Token(tenant), "image/png")
                .status,
            200);
  EXPECT_EQ(env.Get(path + "/rendered", Token(tenant), "image/gif").status, 406);
  auto bad = env.Get(path + "/rendered?window=1", Token(tenant));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "window");
}

TEST(StowWado, TransferSyntaxNegotiation) {
  Env& env = Env::Get();
  const int tenant = 7;
  Instance jls = Load(TestData("multiframe_encapsulated/CT0012.fragmented_no_bot_jpeg_ls.80.dcm"));
  StowOk({jls}, tenant);
  auto le = env.Get(InstancePath(jls), Token(tenant),
                    "multipart/related; type=\"application/dicom\"; "
                    "transfer-syntax=1.2.840.10008.1.2.1");
  ASSERT_EQ(le.status, 200) << le.body.substr(0, 300);
  auto parts = SplitMultipart(le.Header("Content-Type"), le.body);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_NE(parts[0].content_type.find("transfer-syntax=1.2.840.10008.1.2.1"), std::string::npos);
  ASSERT_TRUE(IsPart10(parts[0].body));
  EXPECT_GT(parts[0].body.size(), 2u * 512 * 512 * 2);
  {
    auto p = dicom::ParsePart10(
        {reinterpret_cast<const uint8_t*>(parts[0].body.data()), parts[0].body.size()}, {});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->transfer_syntax_uid, "1.2.840.10008.1.2.1");
    EXPECT_EQ(p->sop_instance_uid, jls.sop);
  }
  auto refused = env.Get(InstancePath(jls), Token(tenant),
                         "multipart/related; type=\"application/dicom\"; "
                         "transfer-syntax=1.2.840.10008.1.2.4.50");
  EXPECT_EQ(refused.status, 406);
  EXPECT_EQ(refused.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(refused.Json()["field"], "Accept");
}

TEST(StowWado, WadoUri) {
  Env& env = Env::Get();
  const int tenant = 8;
  Instance mr = Load(TestData("transfer_syntaxes/MR_small.dcm"));
  StowOk({mr}, tenant);
  std::string q = "/dicom-web/wado?requestType=WADO&studyUID=" + mr.study + "&seriesUID=" +
                  mr.series + "&objectUID=" + mr.sop;
  auto dcm = env.Get(q + "&contentType=application/dicom", Token(tenant));
  ASSERT_EQ(dcm.status, 200);
  EXPECT_TRUE(dcm.body == mr.bytes);
  auto jpeg = env.Get(q, Token(tenant));
  ASSERT_EQ(jpeg.status, 200);
  EXPECT_EQ(ImageSize(jpeg.body, env.tmp()), "64x64 JPEG");
  auto png = env.Get(q + "&contentType=image/png&rows=16&columns=16", Token(tenant));
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(ImageSize(png.body, env.tmp()), "16x16 PNG");
  auto bad = env.Get("/dicom-web/wado?requestType=WADO&studyUID=" + mr.study, Token(tenant));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["field"], "seriesUID");
}

}  // namespace
}  // namespace dokuei::dicomweb::e2e
