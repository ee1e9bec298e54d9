#include "dokuei/dicom/dataset_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "dokuei/base/env.h"
#include "dokuei/base/random.h"
#include "dokuei/testing/mem_env.h"

namespace dokuei::dicom {
namespace {

constexpr uint32_t T(uint16_t g, uint16_t e) { return (uint32_t{g} << 16) | e; }
constexpr uint32_t kSopClass = T(0x0008, 0x0016);
constexpr uint32_t kSopInstance = T(0x0008, 0x0018);
constexpr uint32_t kCharset = T(0x0008, 0x0005);
constexpr uint32_t kPatientName = T(0x0010, 0x0010);
constexpr uint32_t kRows = T(0x0028, 0x0010);
constexpr uint32_t kPixelSpacing = T(0x0028, 0x0030);
constexpr uint32_t kPixelData = T(0x7FE0, 0x0010);
constexpr const char* kMrClass = "1.2.840.10008.5.1.4.1.1.4";

// Minimal Explicit VR Little Endian reader for the bytes under test: element values by tag,
// sequences as nested item lists. Independent of DCMTK on purpose.
struct Element {
  std::string vr;
  std::string value;
  std::vector<std::map<uint32_t, Element>> items;
};
using Elements = std::map<uint32_t, Element>;

uint16_t U16(const std::string& s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) |
                               (static_cast<uint8_t>(s[at + 1]) << 8));
}
uint32_t U32(const std::string& s, size_t at) {
  return U16(s, at) | (uint32_t{U16(s, at + 2)} << 16);
}

bool Walk(const std::string& s, size_t pos, size_t end, Elements* out) {
  while (pos < end) {
    if (pos + 8 > end) return false;
    const uint32_t tag = T(U16(s, pos), U16(s, pos + 2));
    Element el;
    el.vr = s.substr(pos + 4, 2);
    uint32_t len;
    static const char* kLong[] = {"OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV"};
    bool is_long = false;
    for (const char* v : kLong) is_long |= el.vr == v;
    if (is_long) {
      len = U32(s, pos + 8);
      pos += 12;
    } else {
      len = U16(s, pos + 6);
      pos += 8;
    }
    if (len == 0xFFFFFFFF || pos + len > end) return false;
    if (el.vr == "SQ") {
      size_t p = pos;
      while (p < pos + len) {
        if (T(U16(s, p), U16(s, p + 2)) != T(0xFFFE, 0xE000)) return false;
        const uint32_t item_len = U32(s, p + 4);
        Elements item;
        if (!Walk(s, p + 8, p + 8 + item_len, &item)) return false;
        el.items.push_back(std::move(item));
        p += 8 + item_len;
      }
    } else {
      el.value = s.substr(pos, len);
    }
    (*out)[tag] = std::move(el);
    pos += len;
  }
  return true;
}

Elements ReadPart10(const std::string& file) {
  Elements all;
  EXPECT_GT(file.size(), 132u);
  EXPECT_EQ(file.substr(128, 4), "DICM");
  EXPECT_TRUE(Walk(file, 132, file.size(), &all));
  return all;
}

std::string Trimmed(const Element& e) {
  std::string v = e.value;
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  return v;
}

DatasetWriter MinimalMr() {
  DatasetWriter w;
  w.Set(kSopClass, kMrClass).Set(kSopInstance, "2.25.1234");
  return w;
}

TEST(FormatDecimalStringTest, FitsSixteenCharacters) {
  EXPECT_EQ(FormatDecimalString(0.5), "0.5");
  EXPECT_EQ(FormatDecimalString(-12.25), "-12.25");
  EXPECT_EQ(FormatDecimalString(0.0), "0");
  EXPECT_EQ(FormatDecimalString(-0.0), "0");
  EXPECT_EQ(FormatDecimalString(256), "256");
  for (double v : {1.0 / 3.0, -1.0 / 3.0, 123456.789012345678, 1.2345678901e-5, -9.87654321e22}) {
    const std::string s = FormatDecimalString(v);
    EXPECT_LE(s.size(), 16u) << s;
    EXPECT_NEAR(std::stod(s), v, std::abs(v) * 1e-9) << s;
  }
}

TEST(DatasetWriterTest, WritesPart10WithGeneratedMetaHeader) {
  DatasetWriter w = MinimalMr();
  w.Set(T(0x0008, 0x0060), "MR");
  auto bytes = w.Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  EXPECT_EQ(Trimmed(el[T(0x0002, 0x0002)]), kMrClass);
  EXPECT_EQ(Trimmed(el[T(0x0002, 0x0003)]), "2.25.1234");
  EXPECT_EQ(Trimmed(el[T(0x0002, 0x0010)]), std::string(kExplicitVrLittleEndian));
  EXPECT_TRUE(el.count(T(0x0002, 0x0012)));  // ImplementationClassUID
  EXPECT_EQ(Trimmed(el[T(0x0008, 0x0060)]), "MR");
  EXPECT_EQ(el[T(0x0008, 0x0060)].vr, "CS");
  // Meta group length covers exactly the meta elements.
  const uint32_t group_len = U32(el[T(0x0002, 0x0000)].value, 0);
  EXPECT_EQ(U16(*bytes, 132 + 12 + group_len), 0x0008);
}

TEST(DatasetWriterTest, EncodingIsDeterministic) {
  auto a = MinimalMr().Set(T(0x0010, 0x0020), "P1").Encode();
  auto b = MinimalMr().Set(T(0x0010, 0x0020), "P1").Encode();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(DatasetWriterTest, KeepsUtf8PersonNameAndNumbers) {
  DatasetWriter w;
  w.Set(kCharset, "ISO_IR 192");
  w.Set(kPatientName, "Demo^Taro=デモ^太郎=でも^たろう");
  w.Set(kSopClass, kMrClass).Set(kSopInstance, "2.25.99");
  w.SetNumbers(kPixelSpacing, {0.5, 1.0 / 3.0});
  w.SetNumbers(T(0x0020, 0x0037), {0, 1, 0, 0, 0, -1});
  w.SetNumber(T(0x0020, 0x0013), 7.0);     // IS
  w.SetNumber(T(0x0018, 0x1114), 1.0625);  // DS
  w.SetNumbers(T(0x0028, 0x1041), {-1});   // SS
  auto bytes = w.Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  EXPECT_EQ(Trimmed(el[kPatientName]), "Demo^Taro=デモ^太郎=でも^たろう");
  EXPECT_EQ(Trimmed(el[kPixelSpacing]), "0.5\\0.33333333333333");
  EXPECT_EQ(Trimmed(el[T(0x0020, 0x0037)]), "0\\1\\0\\0\\0\\-1");
  EXPECT_EQ(Trimmed(el[T(0x0020, 0x0013)]), "7");
  EXPECT_EQ(el[T(0x0028, 0x1041)].vr, "SS");
  EXPECT_EQ(static_cast<int16_t>(U16(el[T(0x0028, 0x1041)].value, 0)), -1);
}

TEST(DatasetWriterTest, WritesPixelDataAndImagePixelModule) {
  std::vector<uint16_t> px(3 * 4 * 2);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint16_t>(i * 1000);
  DatasetWriter w = MinimalMr();
  w.SetPixelData16(3, 4, 2, px, {.bits_stored = 15});
  auto bytes = w.Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  EXPECT_EQ(U16(el[kRows].value, 0), 3);
  EXPECT_EQ(U16(el[T(0x0028, 0x0011)].value, 0), 4);
  EXPECT_EQ(U16(el[T(0x0028, 0x0100)].value, 0), 16);
  EXPECT_EQ(U16(el[T(0x0028, 0x0101)].value, 0), 15);
  EXPECT_EQ(U16(el[T(0x0028, 0x0102)].value, 0), 14);
  EXPECT_EQ(Trimmed(el[T(0x0028, 0x0008)]), "2");
  EXPECT_EQ(Trimmed(el[T(0x0028, 0x0004)]), "MONOCHROME2");
  ASSERT_EQ(el[kPixelData].vr, "OW");
  ASSERT_EQ(el[kPixelData].value.size(), px.size() * 2);
  EXPECT_EQ(std::memcmp(el[kPixelData].value.data(), px.data(), px.size() * 2), 0);
}

TEST(DatasetWriterTest, WritesEightBitPixels) {
  std::vector<uint8_t> px(4 * 4, 7);
  auto bytes = MinimalMr().SetPixelData8(4, 4, 1, px).Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  EXPECT_EQ(el[kPixelData].vr, "OB");
  EXPECT_EQ(el[kPixelData].value, std::string(16, '\7'));
  EXPECT_FALSE(el.count(T(0x0028, 0x0008)));  // single frame: no NumberOfFrames
}

TEST(DatasetWriterTest, WritesSequences) {
  std::vector<DatasetWriter> items;
  items.emplace_back();
  items.back()
      .Set(T(0x0008, 0x0100), "421060004")
      .Set(T(0x0008, 0x0102), "SCT")
      .Set(T(0x0008, 0x0104), "Spine");
  auto bytes = MinimalMr().SetSequence(T(0x0008, 0x2218), std::move(items)).Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  ASSERT_EQ(el[T(0x0008, 0x2218)].items.size(), 1u);
  EXPECT_EQ(Trimmed(el[T(0x0008, 0x2218)].items[0][T(0x0008, 0x0104)]), "Spine");
}

TEST(DatasetWriterTest, WritesBytesPaddedToEvenLength) {
  const std::string doc = "%PDF-1.5 odd";  // 12 bytes
  const std::string odd = doc + "!";       // 13 bytes
  auto bytes = MinimalMr()
                   .SetBytes(T(0x0042, 0x0011),
                             std::span(reinterpret_cast<const uint8_t*>(odd.data()), odd.size()))
                   .Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  EXPECT_EQ(el[T(0x0042, 0x0011)].vr, "OB");
  EXPECT_EQ(el[T(0x0042, 0x0011)].value, odd + std::string(1, '\0'));
  EXPECT_FALSE(MinimalMr().SetBytes(kPatientName, {}).status().ok());  // PN is not OB
}

TEST(DatasetWriterTest, ItemsCheckTextInTheDataSetCharacterSet) {
  DatasetWriter plain;
  plain.Set(T(0x0040, 0xA160), "腰痛");  // TextValue: not ASCII, and no character set
  EXPECT_FALSE(plain.status().ok());
  std::vector<DatasetWriter> items;
  items.push_back(DatasetWriter::Item("ISO_IR 192"));
  items.back().Set(T(0x0040, 0xA160), "腰痛");
  ASSERT_TRUE(items.back().status().ok()) << items.back().status().ToString();
  auto bytes = MinimalMr()
                   .Set(kCharset, "ISO_IR 192")
                   .SetSequence(T(0x0040, 0xA730), std::move(items))
                   .Encode();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  Elements el = ReadPart10(*bytes);
  ASSERT_EQ(el[T(0x0040, 0xA730)].items.size(), 1u);
  EXPECT_EQ(Trimmed(el[T(0x0040, 0xA730)].items[0][T(0x0040, 0xA160)]), "腰痛");
  EXPECT_EQ(el[T(0x0040, 0xA730)].items[0].count(kCharset), 0u);  // inherited, not repeated
}

TEST(DatasetWriterTest, ErrorsAreStickyAndNameTheAttribute) {
  DatasetWriter w = MinimalMr();
  w.Set(T(0x0028, 0x0030), "abc");  // DS with letters
  EXPECT_EQ(w.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(w.status().field(), "PixelSpacing");
  w.Set(T(0x0010, 0x0020), "fine");  // later calls do not clear the error
  auto bytes = w.Encode();
  EXPECT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().field(), "PixelSpacing");
}

TEST(DatasetWriterTest, RejectsWrongSetterAndPixelCount) {
  EXPECT_FALSE(MinimalMr().Set(kPixelData, "x").status().ok());
  EXPECT_FALSE(MinimalMr().SetNumber(kPatientName, 1).status().ok());
  EXPECT_FALSE(MinimalMr().SetSequence(kPatientName, {}).status().ok());
  std::vector<uint16_t> px(5);
  EXPECT_FALSE(MinimalMr().SetPixelData16(2, 2, 1, px).status().ok());
  EXPECT_FALSE(MinimalMr().SetNumber(kRows, std::nan("")).status().ok());
}

TEST(DatasetWriterTest, RequiresSopUidsAndUncompressedSyntax) {
  DatasetWriter no_uid;
  no_uid.Set(kSopClass, kMrClass);
  EXPECT_EQ(no_uid.Encode().status().field(), "SOPInstanceUID");
  EXPECT_EQ(MinimalMr().Encode("1.2.840.10008.1.2.4.50").status().code(), base::Code::kUnsupported);
  EXPECT_EQ(MinimalMr().Encode("1.2.3").status().code(), base::Code::kUnsupported);
  auto implicit = MinimalMr().Encode(kImplicitVrLittleEndian);
  ASSERT_TRUE(implicit.ok());
  EXPECT_NE(implicit->find(std::string(kImplicitVrLittleEndian)), std::string::npos);
}

TEST(DatasetWriterTest, WriteFileGoesThroughEnv) {
  testing::MemEnv env;
  ASSERT_TRUE(env.CreateDir("/out").ok());
  DatasetWriter w = MinimalMr();
  ASSERT_TRUE(w.WriteFile(env, "/out/a.dcm").ok());
  auto content = base::ReadFileToString(env, "/out/a.dcm");
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, *w.Encode());
}

// The bytes are readable by DCMTK's own tool (when installed, as on every dev machine and CI).
TEST(DatasetWriterTest, DcmdumpReadsTheFile) {
  if (std::system("command -v dcmdump >/dev/null 2>&1") != 0) GTEST_SKIP() << "no dcmdump";
  std::vector<uint16_t> px(16 * 16, 100);
  DatasetWriter w;
  w.Set(kCharset, "ISO_IR 192").Set(kPatientName, "Demo^Taro=デモ^太郎");
  w.Set(kSopClass, kMrClass).Set(kSopInstance, "2.25.5");
  w.SetNumbers(kPixelSpacing, {0.5, 0.5}).SetPixelData16(16, 16, 1, px);
  const std::string path = "/tmp/dokuei_dataset_writer_" + base::RandomHex(6) + ".dcm";
  ASSERT_TRUE(w.WriteFile(base::PosixEnv(), path).ok());
  FILE* p = popen(("dcmdump -q " + path + " 2>&1; echo rc=$?").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  pclose(p);
  (void)base::PosixEnv().RemoveFile(path);
  EXPECT_NE(out.find("rc=0"), std::string::npos) << out;
  EXPECT_NE(out.find("Little Endian Explicit"), std::string::npos) << out;
  EXPECT_NE(out.find("Demo^Taro=デモ^太郎"), std::string::npos) << out;
}

}  // namespace
}  // namespace dokuei::dicom
