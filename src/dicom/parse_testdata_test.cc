// Every valid file of ../shared/testdata parses (as Part 10 and as a bare data set), with the
// right UIDs and attributes; the malformed corpus is refused with a clear error.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "dokuei/dicom/attribute.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "object.h"
#include "test_util.h"

namespace dokuei::dicom {
namespace {

namespace fs = std::filesystem;
using testutil::Bytes;
using testutil::ReadFile;
using testutil::TestData;

// Files outside malformed/ that are not storable instances, with the reason.
const std::map<std::string, std::string>& NotInstances() {
  static const std::map<std::string, std::string> m = {
      {"dicomdir/DICOMDIR", "Media Storage Directory: not a storage SOP class"},
      {"spine_ct/barre_CT-MONO2-12-lomb-an2_acrnema.dcm", "ACR-NEMA 2.0: no preamble, no DICM"},
      {"transfer_syntaxes/HTJ2KLossless_08_RGB.dcm",
       "no StudyInstanceUID / SeriesInstanceUID (Type 1)"},
      {"transfer_syntaxes/JPEGLSNearLossless_16.dcm",
       "no StudyInstanceUID / SeriesInstanceUID (Type 1)"},
  };
  return m;
}

std::vector<fs::path> ValidFiles() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(TestData())) {
    if (!entry.is_regular_file()) continue;
    const std::string rel = fs::relative(entry.path(), TestData()).string();
    if (rel.rfind("malformed/", 0) == 0 || rel == "README.md" || NotInstances().count(rel))
      continue;
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ParseTestdata, EveryValidFileParses) {
  const auto files = ValidFiles();
  ASSERT_GT(files.size(), 150u);
  for (const fs::path& p : files) {
    SCOPED_TRACE(p.string());
    const std::string bytes = ReadFile(p);
    auto r = ParsePart10(Bytes(bytes), Limits{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(r->sop_instance_uid.empty());
    EXPECT_NO_THROW(nlohmann::json::parse(r->metadata_json));
    auto off = DatasetOffset(Bytes(bytes));
    ASSERT_TRUE(off.ok());
    auto d = ParseDataset(Bytes(bytes).subspan(*off), r->transfer_syntax_uid, Limits{});
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->sop_instance_uid, r->sop_instance_uid);
    EXPECT_EQ(d->metadata_json, r->metadata_json);
  }
}

TEST(ParseTestdata, NonInstancesAreRefused) {
  for (const auto& [rel, why] : NotInstances()) {
    SCOPED_TRACE(rel + ": " + why);
    const std::string bytes = ReadFile(TestData() / rel);
    auto r = ParsePart10(Bytes(bytes), Limits{});
    ASSERT_FALSE(r.ok());
  }
}

// Decisions for ../shared/testdata/malformed, made from each file's bytes:
//
// | file                                  | decision | reason (expected Status field)         |
// |---------------------------------------|----------|----------------------------------------|
// | ExplVR_BigEndNoMeta.dcm               | refuse   | no preamble/DICM: not Part 10          |
// | ExplVR_LitEndNoMeta.dcm               | refuse   | no preamble/DICM: not Part 10          |
// | JPEG2000-embedded-sequence-delimiter  | ACCEPT   | valid DICOM: fragments are parsed by   |
// |                                       |          | their lengths; the FE FF DD E0 bytes in|
// |                                       |          | the code stream are data               |
// | MR_truncated.dcm                      | refuse   | Pixel Data declares 8192 bytes, 8130   |
// |                                       |          | present (PixelData)                    |
// | badVR.dcm                             | refuse   | NumberOfFrames "1A" is not an IS       |
// |                                       |          | (NumberOfFrames)                       |
// | bad_sequence.dcm                      | refuse   | structurally valid (the walk passes,   |
// |                                       |          | its frame decodes; its UN values are   |
// |                                       |          | data), but its UIDs are 64 hex digits, |
// |                                       |          | not UIDs, and the meta's instance UID  |
// |                                       |          | differs (SOPInstanceUID)               |
// | empty_uids_ct/* (2 files)             | refuse   | empty SOP/Study/Series UIDs            |
// |                                       |          | (SOPClassUID)                          |
// | emri_small_jpeg_2k_lossless_too_short | refuse   | encapsulated Pixel Data truncated, no  |
// |                                       |          | Sequence Delimitation Item (PixelData) |
// | gen_dicm_magic_then_garbage.dcm       | refuse   | no (0002,0000) after DICM              |
// |                                       |          | (FileMetaInformationGroupLength)       |
// | gen_native_pixeldata_undefined_length | refuse   | native Pixel Data of undefined length  |
// |                                       |          | (PixelData)                            |
// | gen_oversized_element_length.dcm      | refuse   | PatientName declares 65535 bytes past  |
// |                                       |          | the end (PatientName)                  |
// | gen_rows_exceed_pixeldata.dcm         | refuse   | 4096 x 64 x 16 bits needs 524288 bytes,|
// |                                       |          | 8192 present (PixelData)               |
// | gen_truncated_in_meta.dcm             | refuse   | group length 190 beyond the 200-byte   |
// |                                       |          | file (FileMetaInformationGroupLength)  |
// | gen_zero_length.dcm                   | refuse   | empty: not Part 10                     |
// | meta_missing_tsyntax.dcm              | refuse   | meta without (0002,0010)               |
// |                                       |          | (TransferSyntaxUID)                    |
// | no_meta.dcm                           | refuse   | bare data set, no DICM: not Part 10    |
// | no_meta_group_length.dcm              | refuse   | (0002,0000) is Type 1 (PS3.10 7.1) and |
// |                                       |          | missing                                |
// |                                       |          | (FileMetaInformationGroupLength)       |
struct MalformedCase {
  const char* file;
  const char* field;    // expected Status::field; nullptr: the file must be accepted
  const char* message;  // a substring of the expected message
};

constexpr MalformedCase kMalformed[] = {
    {"ExplVR_BigEndNoMeta.dcm", "", "not a DICOM Part 10 file"},
    {"ExplVR_LitEndNoMeta.dcm", "", "not a DICOM Part 10 file"},
    {"JPEG2000-embedded-sequence-delimiter.dcm", nullptr, ""},
    {"MR_truncated.dcm", "PixelData", "declares a value length of 8192 bytes"},
    {"badVR.dcm", "NumberOfFrames", "'1A' is not a valid IS"},
    {"bad_sequence.dcm", "SOPInstanceUID", "is not a valid UID"},
    {"empty_uids_ct/CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016573", "SOPClassUID",
     "is empty"},
    {"empty_uids_ct/CT.1.3.12.2.1107.5.1.4.60064.30000022120808113428000016574", "SOPClassUID",
     "is empty"},
    {"emri_small_jpeg_2k_lossless_too_short.dcm", "PixelData", "no Sequence Delimitation Item"},
    {"gen_dicm_magic_then_garbage.dcm", "FileMetaInformationGroupLength", "is missing"},
    {"gen_native_pixeldata_undefined_length.dcm", "PixelData", "undefined length"},
    {"gen_oversized_element_length.dcm", "PatientName", "declares a value length of 65535"},
    {"gen_rows_exceed_pixeldata.dcm", "PixelData", "needs 524288"},
    {"gen_truncated_in_meta.dcm", "FileMetaInformationGroupLength", "exceeds the file size"},
    {"gen_zero_length.dcm", "", "not a DICOM Part 10 file"},
    {"meta_missing_tsyntax.dcm", "TransferSyntaxUID", "no TransferSyntaxUID"},
    {"no_meta.dcm", "", "not a DICOM Part 10 file"},
    {"no_meta_group_length.dcm", "FileMetaInformationGroupLength", "is missing"},
};

TEST(ParseTestdata, MalformedCorpusDecisions) {
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(TestData() / "malformed"))
    files += entry.is_regular_file();
  EXPECT_EQ(files, std::size(kMalformed)) << "a file in malformed/ has no decision";
  for (const MalformedCase& c : kMalformed) {
    SCOPED_TRACE(c.file);
    const std::string bytes = ReadFile(TestData() / "malformed" / c.file);
    auto r = ParsePart10(Bytes(bytes), Limits{});
    if (c.field == nullptr) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      continue;
    }
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument) << r.status().ToString();
    EXPECT_EQ(r.status().field(), c.field) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status().ToString();
    // Rendering needs only structure and pixels: it refuses the structurally broken files too
    // (the UID-only defects of bad_sequence and empty_uids_ct do not concern it).
    const std::string field = c.field;
    if (field != "SOPClassUID" && field != "SOPInstanceUID") {
      EXPECT_FALSE(Render(Bytes(bytes), RenderOptions{}).ok());
      EXPECT_FALSE(ExtractFrame(Bytes(bytes), 1, true).ok());
    }
  }
}

TEST(ParseTestdata, BadSequenceIsStructurallyValid) {
  // The walk accepts it (the UID check comes after the walk) and its frame decodes.
  const std::string bytes = ReadFile(TestData() / "malformed/bad_sequence.dcm");
  auto frame = ExtractFrame(Bytes(bytes), 1, true);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->bytes.size(), 512u * 512u * 2u);
}

TEST(ParseTestdata, UidlessTestFilesParseWithUidsAdded) {
  // HTJ2K (a syntax DCMTK 3.6.7 does not know) and JPEG-LS near-lossless, with the missing Study
  // and Series Instance UIDs inserted after SOPInstanceUID, parse and describe their pixels.
  for (const char* rel : {"transfer_syntaxes/HTJ2KLossless_08_RGB.dcm",
                          "transfer_syntaxes/JPEGLSNearLossless_16.dcm"}) {
    SCOPED_TRACE(rel);
    const std::string bytes = ReadFile(TestData() / rel);
    auto off = DatasetOffset(Bytes(bytes));
    ASSERT_TRUE(off.ok());
    auto ts = ParsePart10(Bytes(bytes), Limits{});
    ASSERT_EQ(ts.status().field(), "StudyInstanceUID");
    std::string dataset = bytes.substr(*off);
    // Insert before the first element of group 0x0020 or later.
    size_t pos = 0;
    while (pos + 8 <= dataset.size()) {
      const uint16_t g = static_cast<uint8_t>(dataset[pos]) | static_cast<uint8_t>(dataset[pos + 1])
                                                                  << 8;
      if (g >= 0x0020) break;
      const uint16_t len =
          static_cast<uint8_t>(dataset[pos + 6]) | static_cast<uint8_t>(dataset[pos + 7]) << 8;
      pos += 8 + len;
    }
    testutil::Builder b;
    b.Str(0x0020, 0x000D, "UI", "1.2.3.4").Str(0x0020, 0x000E, "UI", "1.2.3.4.5");
    dataset.insert(pos, b.str());
    const std::string uid = std::string(rel).find("HTJ2K") != std::string::npos
                                ? "1.2.840.10008.1.2.4.201"
                                : "1.2.840.10008.1.2.4.81";
    auto r = ParseDataset(Bytes(dataset), uid, Limits{});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->pixel.present);
    EXPECT_TRUE(r->pixel.encapsulated);
    EXPECT_EQ(r->study_instance_uid, "1.2.3.4");
  }
}

}  // namespace
}  // namespace dokuei::dicom
