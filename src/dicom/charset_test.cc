// Character sets: PS3.5 Annex H (Japanese), Annex I (Korean), Chinese and single-byte sets,
// decoding to UTF-8 and encoding from UTF-8 (for C-FIND responses); and their use in parsing.
#include "dokuei/dicom/charset.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dokuei/dicom/parse.h"
#include "test_util.h"

namespace dokuei::dicom {
namespace {

using testutil::Builder;
using testutil::Bytes;

// PS3.5 H.3.1: Specific Character Set "\ISO 2022 IR 87".
const std::string kH31 =
    "Yamada^Tarou="
    "\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B="
    "\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
// PS3.5 H.3.2: "ISO 2022 IR 13\ISO 2022 IR 87".
const std::string kH32 =
    "\xd4\xcf\xc0\xde^\xc0\xdb\xb3="
    "\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J="
    "\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J";
// PS3.5 I.2: "\ISO 2022 IR 149".
const std::string kI2 =
    "Hong^Gildong="
    "\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7="
    "\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf";

TEST(Charset, AnnexHJapaneseDecodes) {
  auto a = DecodeToUtf8(kH31, "\\ISO 2022 IR 87", true);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, "Yamada^Tarou=山田^太郎=やまだ^たろう");
  auto b = DecodeToUtf8(kH32, "ISO 2022 IR 13\\ISO 2022 IR 87", true);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*b, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう");
}

TEST(Charset, AnnexHJapaneseEncodesToTheStandardBytes) {
  auto a = EncodeFromUtf8("Yamada^Tarou=山田^太郎=やまだ^たろう", "\\ISO 2022 IR 87", true);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(*a, kH31);
  auto b =
      EncodeFromUtf8("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", "ISO 2022 IR 13\\ISO 2022 IR 87", true);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*b, kH32);
  // In any text, an ASCII character (here '^') needs G0 back in ASCII; the value ends in ASCII.
  auto text = EncodeFromUtf8("山田^太郎 CT", "\\ISO 2022 IR 87", false);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B CT");
}

TEST(Charset, JisX0212AndKorean) {
  const std::string rare = "丂";  // U+4E02: JIS X 0212 only
  auto enc = EncodeFromUtf8(rare, "\\ISO 2022 IR 87\\ISO 2022 IR 159", false);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_NE(enc->find("\x1b$(D"), std::string::npos);
  EXPECT_EQ(*DecodeToUtf8(*enc, "\\ISO 2022 IR 87\\ISO 2022 IR 159", false), rare);
  EXPECT_EQ(EncodeFromUtf8(rare, "\\ISO 2022 IR 87", false).status().code(),
            base::Code::kUnsupported);

  auto k = DecodeToUtf8(kI2, "\\ISO 2022 IR 149", true);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(*k, "Hong^Gildong=洪^吉洞=홍^길동");
  auto ke = EncodeFromUtf8("Hong^Gildong=洪^吉洞=홍^길동", "\\ISO 2022 IR 149", true);
  ASSERT_TRUE(ke.ok());
  EXPECT_EQ(*ke, kI2);
}

TEST(Charset, ChineseAndSingleByteSets) {
  struct Case {
    const char* scs;
    std::string bytes;
    const char* utf8;
  };
  const Case cases[] = {
      {"ISO_IR 100", "Buc^J\xe9r\xf4me", "Buc^Jérôme"},
      {"ISO 2022 IR 100", "Buc^J\xe9r\xf4me", "Buc^Jérôme"},
      {"ISO_IR 101",
       "Wa\xb3\xea"
       "sa",
       "Wałęsa"},
      {"ISO_IR 126", "\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2", "Διονυσιος"},
      {"ISO_IR 127", "\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1", "قباني^لنزار"},
      {"ISO_IR 138", "\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4", "שרון^דבורה"},
      {"ISO_IR 144", "\xb8\xd2\xd0\xdd\xde\xd2", "Иванов"},
      {"ISO_IR 13", "\xd4\xcf\xc0\xde^\xc0\xdb\xb3", "ﾔﾏﾀﾞ^ﾀﾛｳ"},
      {"ISO_IR 192", "Wang^XiaoDong=王^小東=", "Wang^XiaoDong=王^小東="},
      {"GB18030", "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", "Wang^XiaoDong=王^小东="},
      {"GBK", "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", "Wang^XiaoDong=王^小东="},
      {"\\ISO 2022 IR 58",
       "Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab=", "Zhang^XiaoDong=张^小东="},
      {"", "Doe^John", "Doe^John"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.scs);
    auto d = DecodeToUtf8(c.bytes, c.scs, true);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, c.utf8);
    auto e = EncodeFromUtf8(c.utf8, c.scs, true);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(*e, c.bytes);
  }
  // Thai and Latin-9 round trip.
  for (auto [scs, text] : {std::pair{"ISO_IR 166", "ศรีรัตน์"}, std::pair{"ISO_IR 203", "€uro"}}) {
    auto e = EncodeFromUtf8(text, scs, false);
    ASSERT_TRUE(e.ok()) << scs;
    EXPECT_EQ(*DecodeToUtf8(*e, scs, false), text);
  }
}

TEST(Charset, Errors) {
  EXPECT_EQ(EncodeFromUtf8("山田", "ISO_IR 100", true).status().code(), base::Code::kUnsupported);
  EXPECT_EQ(EncodeFromUtf8("é", "", true).status().code(), base::Code::kUnsupported);
  EXPECT_EQ(EncodeFromUtf8("x", "ISO_IR 999", true).status().code(), base::Code::kUnsupported);
  EXPECT_EQ(EncodeFromUtf8("\xff", "ISO_IR 192", true).status().code(),
            base::Code::kInvalidArgument);
  EXPECT_EQ(DecodeToUtf8("x", "KLINGON", true).status().code(), base::Code::kUnsupported);
  // A lone byte where JIS X 0208 needs a pair, an unknown escape, invalid UTF-8.
  EXPECT_EQ(DecodeToUtf8("\x1b$B;", "\\ISO 2022 IR 87", true).status().code(),
            base::Code::kInvalidArgument);
  EXPECT_EQ(DecodeToUtf8("\x1b(Zx", "\\ISO 2022 IR 87", true).status().code(),
            base::Code::kInvalidArgument);
  EXPECT_EQ(DecodeToUtf8("\xc3\x28", "ISO_IR 192", true).status().code(),
            base::Code::kInvalidArgument);
  EXPECT_EQ(DecodeToUtf8("\xe9", "", true).status().code(), base::Code::kInvalidArgument);
}

TEST(Charset, ParsedInstanceIsUtf8) {
  Builder b;
  b.Str(0x0008, 0x0005, "CS", "\\ISO 2022 IR 87")
      .Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0008, 0x1030, "LO", "\x1b$B;3ED\x1b(B CT\\abc")
      .Str(0x0010, 0x0010, "PN", kH31)
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1");
  // A nested item with its own character set (Latin-1).
  Builder item;
  item.Str(0x0008, 0x0005, "CS", "ISO_IR 100").Str(0x0040, 0x1001, "SH", "J\xe9r\xf4me");
  b.Header(0x0040, 0x0275, "SQ", static_cast<uint32_t>(item.str().size() + 8))
      .Item(static_cast<uint32_t>(item.str().size()))
      .Raw(item.str());
  auto r = ParseDataset(Bytes(b.str()), "1.2.840.10008.1.2.1", Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->specific_character_set, "\\ISO 2022 IR 87");
  const Attribute* pn = Find(r->index_attributes, tags::kPatientName);
  ASSERT_NE(pn, nullptr);
  EXPECT_EQ(pn->values, std::vector<std::string>{"Yamada^Tarou=山田^太郎=やまだ^たろう"});
  const Attribute* desc = Find(r->index_attributes, tags::kStudyDescription);
  ASSERT_NE(desc, nullptr);
  EXPECT_EQ(desc->values, (std::vector<std::string>{"山田 CT", "abc"}));
  const Attribute* ras = Find(r->index_attributes, tags::kRequestAttributesSequence);
  ASSERT_NE(ras, nullptr);
  ASSERT_EQ(ras->items.size(), 1u);
  ASSERT_EQ(ras->items[0].size(), 1u);
  EXPECT_EQ(ras->items[0][0].values, std::vector<std::string>{"Jérôme"});

  auto j = nlohmann::json::parse(r->metadata_json);
  EXPECT_EQ(j["00080005"]["Value"][0], "ISO_IR 192");
  EXPECT_EQ(j["00100010"]["Value"][0]["Alphabetic"], "Yamada^Tarou");
  EXPECT_EQ(j["00100010"]["Value"][0]["Ideographic"], "山田^太郎");
  EXPECT_EQ(j["00100010"]["Value"][0]["Phonetic"], "やまだ^たろう");
  EXPECT_EQ(j["00081030"]["Value"], nlohmann::json({"山田 CT", "abc"}));
  EXPECT_EQ(j["00400275"]["Value"][0]["00401001"]["Value"][0], "Jérôme");
  EXPECT_EQ(j["00400275"]["Value"][0]["00080005"]["Value"][0], "ISO_IR 192");
}

TEST(Charset, UndecodableBytesBecomeWarningsNotFailures) {
  Builder b;
  b.Str(0x0008, 0x0005, "CS", "ISO_IR 192")
      .Str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
      .Str(0x0008, 0x0018, "UI", "1.2.3.4.5")
      .Str(0x0010, 0x0010, "PN", "Bad\xff^Name")
      .Str(0x0020, 0x000D, "UI", "1.2.3.4")
      .Str(0x0020, 0x000E, "UI", "1.2.3.4.1");
  auto r = ParseDataset(Bytes(b.str()), "1.2.840.10008.1.2.1", Limits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->warnings.empty());
  auto j = nlohmann::json::parse(r->metadata_json);  // still valid JSON (U+FFFD)
  EXPECT_EQ(j["00100010"]["Value"][0]["Alphabetic"], "Bad\xef\xbf\xbd^Name");
}

}  // namespace
}  // namespace dokuei::dicom
