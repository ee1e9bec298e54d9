// DICOM JSON (PS3.18 Annex F) of parsed instances, and the ingest parse time of a CT header.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "test_util.h"

namespace dokuei::dicom {
namespace {

using nlohmann::json;
using testutil::Builder;
using testutil::Bytes;
using testutil::ReadFile;
using testutil::TestData;

template <typename T>
std::string Binary(T v) {
  std::string s(sizeof v, '\0');
  std::memcpy(s.data(), &v, sizeof v);
  return s;
}

std::string AnnexFDataset() {
  Builder b;
  b.Header(0x0008, 0x0000, "UL", 4).U32(1234);  // group length: left out
  b.Str(0x0008, 0x0005, "CS", "ISO_IR 100")
      .Str(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY")
      .Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0008, 0x0050, "SH", "")
      .Str(0x0008, 0x0090, "PN", "");
  b.Header(0x0008, 0x1110, "SQ", 0);  // empty sequence
  Builder item0, item1;
  item0.Str(0x0008, 0x1150, "UI", "1.2.840.10008.5.1.4.1.1.2").Str(0x0008, 0x1155, "UI", "1.2.9");
  item1.Str(0x0008, 0x1155, "UI", "1.2.10")
      .Str(0x0009, 0x0010, "LO", "DOKUEI")
      .Header(0x0009, 0x1001, "OB", 2000)
      .Raw(std::string(2000, '\x07'));
  b.Header(0x0008, 0x1140, "SQ",
           static_cast<uint32_t>(item0.str().size() + item1.str().size() + 16))
      .Item(static_cast<uint32_t>(item0.str().size()))
      .Raw(item0.str())
      .Item(static_cast<uint32_t>(item1.str().size()))
      .Raw(item1.str());
  b.Str(0x0009, 0x0010, "LO", "DOKUEI")
      .Header(0x0009, 0x1002, "OB", 4)
      .Raw(std::string("\x01\x02\x03\x04", 4))
      .Header(0x0009, 0x1003, "OW", 2000)
      .Raw(std::string(2000, '\x01'))
      .Header(0x0009, 0x1004, "UN", 4)
      .Raw(std::string("abc\0", 4))
      .Header(0x0009, 0x1005, "SV", 8)
      .Raw(Binary<int64_t>(-3))
      .Header(0x0009, 0x1006, "UV", 8)
      .Raw(Binary<uint64_t>(1ull << 60))
      .Header(0x0009, 0x1007, "FL", 4)
      .Raw(Binary<float>(std::numeric_limits<float>::quiet_NaN()));
  // UN of undefined length: a sequence in implicit VR LE (PS3.5 6.2.2).
  Builder implicit_item(false);
  implicit_item.Str(0x0010, 0x0020, "LO", "ID42");
  b.Header(0x0009, 0x1010, "UN", 0xFFFFFFFFu)
      .Item(0xFFFFFFFFu)
      .Raw(implicit_item.str())
      .ItemEnd()
      .SeqEnd();
  b.Str(0x0010, 0x0010, "PN", "Doe^John^^^=Ideo^Name")
      .Str(0x0018, 0x0050, "DS", "+1.50")
      .Header(0x0018, 0x9306, "FL", 4)
      .Raw(Binary<float>(0.1f))
      .Header(0x0018, 0x9313, "FD", 16)
      .Raw(Binary<double>(0.5) + Binary<double>(-1.25))
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1")
      .Str(0x0020, 0x0013, "IS", " 0012 ")
      .Str(0x0020, 0x0020, "CS", "A\\\\P")
      .Str(0x0020, 0x0032, "DS", "-65.3\\.5\\1e3")
      .US(0x0028, 0x0002, 1)
      .Header(0x0028, 0x0009, "AT", 4)
      .U16(0x0018)
      .U16(0x1063)
      .US(0x0028, 0x0010, 2)
      .US(0x0028, 0x0011, 2)
      .US(0x0028, 0x0100, 16)
      .Header(0x0028, 0x0106, "SS", 2)
      .U16(static_cast<uint16_t>(-5))
      .Str(0x0028, 0x1050, "DS", "abc")
      .Header(0x7FE0, 0x0010, "OW", 8)
      .Raw(std::string(8, '\x02'));
  return b.str();
}

TEST(Json, FollowsAnnexF) {
  auto r = ParseDataset(Bytes(AnnexFDataset()), "1.2.840.10008.1.2.1", Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  json j = json::parse(r->metadata_json);
  const std::string bulk = "/studies/1.2.3.4/series/1.2.3.4.1/instances/1.2.3.4.5/bulk/";
  EXPECT_FALSE(j.contains("00080000"));
  EXPECT_EQ(j["00080005"], json::parse(R"({"vr":"CS","Value":["ISO_IR 192"]})"));
  EXPECT_EQ(j["00080008"]["Value"], json::parse(R"(["ORIGINAL","PRIMARY"])"));
  // Empty values: the vr alone.
  EXPECT_EQ(j["00080050"], json::parse(R"({"vr":"SH"})"));
  EXPECT_EQ(j["00080090"], json::parse(R"({"vr":"PN"})"));
  EXPECT_EQ(j["00081110"], json::parse(R"({"vr":"SQ"})"));
  // Sequence items are objects; nested bulk data has a tag path.
  ASSERT_EQ(j["00081140"]["Value"].size(), 2u);
  EXPECT_EQ(j["00081140"]["Value"][0]["00081155"]["Value"][0], "1.2.9");
  EXPECT_EQ(j["00081140"]["Value"][1]["00091001"],
            json({{"vr", "OB"}, {"BulkDataURI", bulk + "00081140.1.00091001"}}));
  // Binary values: InlineBinary up to the threshold, BulkDataURI above.
  EXPECT_EQ(j["00091002"], json::parse(R"({"vr":"OB","InlineBinary":"AQIDBA=="})"));
  EXPECT_EQ(j["00091003"], json({{"vr", "OW"}, {"BulkDataURI", bulk + "00091003"}}));
  EXPECT_EQ(j["00091004"], json::parse(R"({"vr":"UN","InlineBinary":"YWJjAA=="})"));
  EXPECT_EQ(j["00091005"]["Value"][0], -3);
  EXPECT_EQ(j["00091006"]["Value"][0], 1ull << 60);
  EXPECT_EQ(j["00091007"]["Value"][0], "NaN");
  EXPECT_EQ(j["00091010"],
            json::parse(R"({"vr":"SQ","Value":[{"00100020":{"vr":"LO","Value":["ID42"]}}]})"));
  // Person name groups, trailing empty components dropped.
  EXPECT_EQ(j["00100010"]["Value"][0],
            json::parse(R"({"Alphabetic":"Doe^John","Ideographic":"Ideo^Name"})"));
  // Numbers.
  EXPECT_EQ(j["00180050"]["Value"][0], 1.5);
  EXPECT_FLOAT_EQ(j["00189306"]["Value"][0].get<float>(), 0.1f);
  EXPECT_EQ(j["00189313"]["Value"], json::parse("[0.5,-1.25]"));
  EXPECT_EQ(j["00200013"]["Value"], json::parse("[12]"));
  EXPECT_TRUE(j["00200013"]["Value"][0].is_number_integer());
  EXPECT_EQ(j["00200032"]["Value"], json::parse("[-65.3,0.5,1000.0]"));
  EXPECT_EQ(j["00280010"]["Value"], json::parse("[2]"));
  EXPECT_EQ(j["00280106"]["Value"], json::parse("[-5]"));
  EXPECT_EQ(j["00281050"]["Value"], json::parse(R"(["abc"])"));  // not a DS: kept as text
  // Empty value in a multi-valued string: null.
  EXPECT_EQ(j["00200020"]["Value"], json::parse(R"(["A",null,"P"])"));
  // AT as hex.
  EXPECT_EQ(j["00280009"]["Value"], json::parse(R"(["00181063"])"));
  // Pixel Data always by reference.
  EXPECT_EQ(j["7FE00010"], json({{"vr", "OW"}, {"BulkDataURI", bulk + "7FE00010"}}));
  // Keys are in ascending tag order in the text itself.
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  std::vector<size_t> positions;
  for (const auto& k : keys) positions.push_back(r->metadata_json.find("\"" + k + "\":{\"vr\""));
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
  // The invalid DS produced a warning.
  EXPECT_NE(std::find_if(r->warnings.begin(), r->warnings.end(),
                         [](const std::string& w) { return w.find("WindowCenter") != w.npos; }),
            r->warnings.end());
}

TEST(Json, BigEndianValuesAreReadInTheirByteOrder) {
  const std::string le = ReadFile(TestData() / "transfer_syntaxes/MR_small.dcm");
  const std::string be = ReadFile(TestData() / "transfer_syntaxes/MR_small_bigendian.dcm");
  auto a = ParsePart10(Bytes(le), Limits{});
  auto b = ParsePart10(Bytes(be), Limits{});
  ASSERT_TRUE(a.ok() && b.ok());
  json ja = json::parse(a->metadata_json), jb = json::parse(b->metadata_json);
  for (const char* key : {"00280010", "00280011", "00280100", "00180050", "00100010"}) {
    EXPECT_EQ(ja[key], jb[key]) << key;
  }
  EXPECT_EQ(jb["00280010"]["Value"][0], 64);
}

TEST(Json, RealFiles) {
  const std::string bytes = ReadFile(TestData() / "transfer_syntaxes/CT_small.dcm");
  auto r = ParsePart10(Bytes(bytes), Limits{});
  ASSERT_TRUE(r.ok());
  json j = json::parse(r->metadata_json);
  EXPECT_EQ(j["00100010"]["Value"][0]["Alphabetic"], "CompressedSamples^CT1");
  EXPECT_EQ(j["00280010"], json::parse(R"({"vr":"US","Value":[128]})"));
  EXPECT_EQ(j["7FE00010"]["BulkDataURI"], "/studies/" + r->study_instance_uid + "/series/" +
                                              r->series_instance_uid + "/instances/" +
                                              r->sop_instance_uid + "/bulk/7FE00010");
  // Every valid file's JSON parses (checked with nlohmann in ParseTestdata too).
  const std::string enhanced = ReadFile(TestData() / "mr/dcm_qa_sag_enhanced_multiframe/0063.dcm");
  auto e = ParsePart10(Bytes(enhanced), Limits{});
  ASSERT_TRUE(e.ok());
  json je = json::parse(e->metadata_json);
  EXPECT_EQ(je["52009230"]["Value"].size(), 63u);  // per-frame functional groups
  EXPECT_EQ(je["00280008"]["Value"][0], 63);
}

TEST(Json, EveryValidFileProducesParsableJson) {
  for (const char* rel :
       {"transfer_syntaxes/image_dfl.dcm", "transfer_syntaxes/MR_small_implicit.dcm",
        "mr/dcm_qa_ts_same_image_9_syntaxes/2.dcm",
        "spine_xray_nearest/highdicom_dx_image_chest_small.dcm",
        "multiframe_encapsulated/CT1_UNC.fragmented_bot_jpeg_ls.80.dcm",
        "dicomdir/98892003/MR1/4919"}) {
    SCOPED_TRACE(rel);
    const std::string bytes = ReadFile(TestData() / rel);
    auto r = ParsePart10(Bytes(bytes), Limits{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_NO_THROW(json::parse(r->metadata_json));
  }
}

// Not an assertion on speed: prints the ingest parse time of a 512 x 512 16-bit CT data set.
TEST(Json, ParseTimeOfA512CtHeader) {
  const std::string j2k = ReadFile(TestData() /
                                   "spine_ct/totalsegmentator_ct_fixed_uids/"
                                   "CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573");
  auto native = Transcode(Bytes(j2k), "1.2.840.10008.1.2.1");
  ASSERT_TRUE(native.ok()) << native.status().ToString();
  auto off = DatasetOffset(Bytes(*native));
  ASSERT_TRUE(off.ok());
  const auto dataset = Bytes(*native).subspan(*off);
  auto first = ParseDataset(dataset, "1.2.840.10008.1.2.1", Limits{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->pixel.rows, 512);
  ASSERT_EQ(first->pixel.bits_allocated, 16);
  constexpr int kRuns = 2000;
  std::vector<double> us;
  us.reserve(kRuns);
  for (int i = 0; i < kRuns; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = ParseDataset(dataset, "1.2.840.10008.1.2.1", Limits{});
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(r.ok());
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf(
      "[ perf ] ParseDataset 512x512x16 CT (%zu bytes, %zu JSON bytes): median %.1f us, "
      "p90 %.1f us, p99 %.1f us\n",
      dataset.size(), first->metadata_json.size(), us[kRuns / 2], us[kRuns * 9 / 10],
      us[kRuns * 99 / 100]);
  RecordProperty("parse_median_us", std::to_string(us[kRuns / 2]));
}

}  // namespace
}  // namespace dokuei::dicom
