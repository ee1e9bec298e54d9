// HL7 v2 parsing: delimiters from MSH-1/2, escapes, character sets (UTF-8 and ISO 2022 JP with
// delimiter bytes inside two-byte characters), and hostile input that must never crash.
#include "dokuei/intake/hl7.h"

#include <gtest/gtest.h>

#include <random>

#include "intake_test_util.h"

namespace dokuei::intake {
namespace {

TEST(Hl7Test, ParsesUtf8Sample) {
  auto m = ParseHl7(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->segments().size(), 7u);
  const Hl7Segment& msh = *m->Find("MSH");
  EXPECT_EQ(m->Value(msh, 1), "|");
  EXPECT_EQ(m->Value(msh, 2), "^~\\&");
  EXPECT_EQ(m->Value(msh, 9, 1), "ORM");
  EXPECT_EQ(m->Value(msh, 9, 2), "O01");
  EXPECT_EQ(m->Value(msh, 10), "MSG00001");
  EXPECT_EQ(m->charset(), "UNICODE UTF-8");
  const Hl7Segment& pid = *m->Find("PID");
  EXPECT_EQ(m->Value(pid, 3, 1), "P0012345");
  EXPECT_EQ(m->Value(pid, 3, 4), "SAKURA_HP");
  EXPECT_EQ(m->Value(pid, 5, 1), "山田");
  EXPECT_EQ(m->Value(pid, 5, 2), "太郎");
  EXPECT_EQ(m->Value(pid, 40), "");  // beyond the last field
  EXPECT_EQ(m->Find("OBR", 2), nullptr);
}

TEST(Hl7Test, ParsesIso2022JpWithDelimiterBytesInsideKanji) {
  const std::string raw = Sample("orm_o01_iso2022jp_cervical_ct_asap.hl7");
  // 救急外来 in JIS X 0208 contains the byte '^' (0x5E): it must not split the component.
  ASSERT_NE(raw.find("\x1b$B5_5^30Mh\x1b(B"), std::string::npos);
  auto m = ParseHl7(raw);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Hl7Segment& pid = *m->Find("PID");
  EXPECT_EQ(m->Repetitions(pid, 5), 2);
  EXPECT_EQ(m->Value(pid, 5, 1, 0), "鈴木");
  EXPECT_EQ(m->Value(pid, 5, 2, 0), "花子");
  EXPECT_EQ(m->Value(pid, 5, 1, 1), "スズキ");
  EXPECT_EQ(m->Value(pid, 5, 2, 1), "ハナコ");
  EXPECT_EQ(m->Value(*m->Find("PV1"), 3, 1), "救急外来");
  EXPECT_EQ(m->Value(*m->Find("NTE", 2), 3), "前医の単純写真で C5 に異常陰影の疑い");
}

TEST(Hl7Test, UnescapesEverySequence) {
  auto m = ParseHl7(Sample("orm_o01_ascii_wholespine_xray_escapes.hl7"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Hl7Segment& obr = *m->Find("OBR");
  EXPECT_EQ(m->Value(obr, 13), "Scoliosis follow-up|Cobb angle^progression?~compare 2025\\06");
  EXPECT_EQ(m->Value(obr, 4, 2), "Whole spine X-ray standing AP&lateral");
  EXPECT_EQ(m->Unescape("a\\.br\\b\\X4142\\c\\H\\d\\"), "a\nbABc\\H\\d\\");
  EXPECT_EQ(m->Unescape("lone \\ escape"), "lone \\ escape");
}

TEST(Hl7Test, DelimitersComeFromMsh) {
  const std::string msg =
      "MSH#$*!@#RIS#SAKURA_HP#DOKUEI#DOKUEI#20261125##ORM$O01#C1#P#2.5\r"
      "PID#1##P1$$$HOSP#A*B$C\r";
  auto m = ParseHl7(msg);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Hl7Segment& pid = *m->Find("PID");
  EXPECT_EQ(m->Value(pid, 3, 4), "HOSP");
  EXPECT_EQ(m->Repetitions(pid, 4), 2);
  EXPECT_EQ(m->Value(pid, 4, 1, 1), "B");
  EXPECT_EQ(m->Value(*m->Find("MSH"), 9, 2), "O01");
  EXPECT_EQ(m->Unescape("x!F!y!E!"), "x#y!");
}

TEST(Hl7Test, LineFeedsAreAcceptedAsSegmentSeparators) {
  auto m = ParseHl7("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.5\r\nPID|1||X\nORC|NW|1\n");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->segments().size(), 3u);
}

TEST(Hl7Test, CharsetNames) {
  EXPECT_EQ(*DicomCharsetOf(""), "");
  EXPECT_EQ(*DicomCharsetOf("ASCII"), "");
  EXPECT_EQ(*DicomCharsetOf("UNICODE UTF-8"), "ISO_IR 192");
  EXPECT_EQ(*DicomCharsetOf("~ISO IR87"), "ISO 2022 IR 6\\ISO 2022 IR 87");
  EXPECT_EQ(*DicomCharsetOf("ISO IR13~ISO IR87"), "ISO 2022 IR 13\\ISO 2022 IR 87");
  EXPECT_EQ(*DicomCharsetOf("ISO 2022-1994"), "ISO 2022 IR 6\\ISO 2022 IR 87");
  EXPECT_EQ(*DicomCharsetOf("JIS X 0202"), "ISO 2022 IR 6\\ISO 2022 IR 87");
  EXPECT_EQ(*DicomCharsetOf("ISO IR14~ISO IR87~ISO IR159"),
            "ISO 2022 IR 13\\ISO 2022 IR 87\\ISO 2022 IR 159");
  EXPECT_EQ(DicomCharsetOf("8859/1").status().code(), base::Code::kUnsupported);
  EXPECT_EQ(DicomCharsetOf("UNICODE UTF-8~ISO IR87").status().code(), base::Code::kUnsupported);
}

TEST(Hl7Test, RefusesWhatIsNotHl7) {
  for (const std::string& bad :
       {std::string(), std::string("hello"), std::string("PID|1||X\r"), std::string("MSH|"),
        std::string("MSH|^~\r"), std::string("MSH|^^\\&|A\r"), std::string("MSHa^~\\&|A\r"),
        std::string("MSH|^~\\&|A\rpid|1\r"), std::string("MSH|^~\\&|A\rPIDX1\r")}) {
    auto m = ParseHl7(bad);
    EXPECT_FALSE(m.ok()) << bad;
  }
  // Found by the fuzzer: a second, bare MSH segment threw out of substr().
  EXPECT_FALSE(ParseHl7("MSH|^~\\&|A|B\rMSH\r").ok());
  EXPECT_FALSE(ParseHl7("MSH|^~\\&|A|B\rMSH|^~\\&|C\r").ok());
  // Non-ASCII bytes without a character set, and bytes invalid in the declared one.
  EXPECT_EQ(
      ParseHl7("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.5\rPID|1||\xe5\xb1\xb1\r").status().field(),
      "MSH-18");
  EXPECT_EQ(ParseHl7("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.5||||||UNICODE UTF-8\rPID|1||\xff\xfe\r")
                .status()
                .field(),
            "MSH-18");
  EXPECT_EQ(ParseHl7("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.5||||||KOI8-R\r").status().code(),
            base::Code::kUnsupported);
}

TEST(Hl7Test, HostileInputNeverCrashes) {
  std::vector<std::string> seeds = {Sample("orm_o01_utf8_lumbar_mr_stat.hl7"),
                                    Sample("orm_o01_iso2022jp_cervical_ct_asap.hl7"),
                                    Sample("orm_o01_ascii_wholespine_xray_escapes.hl7")};
  std::mt19937 rng(42);
  int parsed = 0;
  for (const std::string& seed : seeds) {
    for (size_t cut = 0; cut <= seed.size(); ++cut) {  // every truncation
      auto m = ParseHl7(std::string_view(seed).substr(0, cut));
      if (m.ok()) {
        ++parsed;
        for (const Hl7Segment& s : m->segments())
          for (int f = 0; f < 30; ++f) (void)m->Value(s, f, 3, 1, 2);
      }
    }
    for (int i = 0; i < 2000; ++i) {  // random byte flips
      std::string s = seed;
      for (int k = 0; k < 4; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256);
      auto m = ParseHl7(s);
      if (m.ok())
        for (const Hl7Segment& seg : m->segments())
          for (int f = 0; f < 30; ++f) (void)m->Value(seg, f, 2, 0, 1);
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(Hl7Test, EscapeRoundTrips) {
  const std::string text = "a|b^c~d\\e&f\ng";
  const std::string msg = "MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.5\rNTE|1||" + Hl7Escape(text) + "\r";
  auto m = ParseHl7(msg);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->Value(*m->Find("NTE"), 3), text);
}

TEST(Hl7Test, EncodesJapaneseBackToIso2022Jp) {
  auto enc = EncodeHl7("MSH|^~\\&|A\rERR|||||||読影依頼^受付\r", "~ISO IR87");
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_NE(enc->find("\x1b$B"), std::string::npos);
  // Not a full MSH-18 header here: decode through a header that names the set.
  auto m = ParseHl7("MSH|^~\\&|A|B|C|D|1||ACK|1|P|2.5||||||~ISO IR87\r" +
                    enc->substr(enc->find('\r') + 1));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->Value(*m->Find("ERR"), 7, 1), "読影依頼");
  EXPECT_EQ(m->Value(*m->Find("ERR"), 7, 2), "受付");
}

}  // namespace
}  // namespace dokuei::intake
