// ORM^O01 samples mapped to reading requests; every refusal names its field; ACKs (AA, AE, AR)
// with MSA and ERR, in the message's character set.
#include "dokuei/intake/orders.h"

#include <gtest/gtest.h>

#include "intake_test_util.h"

namespace dokuei::intake {
namespace {

using workflow::Modality;
using workflow::Priority;
using workflow::Region;

Order Mapped(const std::string& sample) {
  auto m = ParseHl7(Sample(sample));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return {};
  EXPECT_FALSE(CheckOrmHeader(*m).has_value());
  OrderOrError r = OrderFromOrm(*m);
  EXPECT_TRUE(r.order.has_value()) << r.error.message_en;
  return r.order ? *r.order : Order{};
}

Hl7Error Refused(const std::string& sample) {
  auto m = ParseHl7(Sample(sample));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok()) return {};
  OrderOrError r = OrderFromOrm(*m);
  EXPECT_FALSE(r.order.has_value());
  return r.error;
}

TEST(OrmTest, Utf8LumbarMrStat) {
  const Order o = Mapped("orm_o01_utf8_lumbar_mr_stat.hl7");
  EXPECT_EQ(o.control_id, "MSG00001");
  EXPECT_EQ(o.sending_facility, "SAKURA_HP");
  EXPECT_EQ(o.sending_application, "RIS");
  EXPECT_EQ(o.patient_id, "P0012345");
  EXPECT_EQ(o.patient_name, "山田 太郎");
  EXPECT_EQ(o.placer_order_number, "ORD-2026-0001");
  EXPECT_EQ(o.filler_order_number, "ACC-778001");
  EXPECT_EQ(o.accession_number, "ACC-778001");
  EXPECT_EQ(o.request.study_uid, "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001");
  EXPECT_EQ(o.request.source, "hl7");
  const auto& d = o.request.details;
  EXPECT_EQ(d.modality, Modality::kMr);
  EXPECT_EQ(d.region, Region::kLumbar);
  EXPECT_EQ(d.priority, Priority::kStat);
  EXPECT_EQ(d.clinical_question,
            "腰痛と右下肢のしびれ。L4/5 椎間板ヘルニアの有無\n"
            "急性増悪、膀胱直腸障害の有無も確認してください");
}

TEST(OrmTest, Iso2022JpCervicalCtAsapIsSameDay) {
  const Order o = Mapped("orm_o01_iso2022jp_cervical_ct_asap.hl7");
  EXPECT_EQ(o.patient_id, "00456789");
  EXPECT_EQ(o.patient_name, "鈴木 花子");
  EXPECT_EQ(o.sending_facility, "MOMIJI_CL");
  EXPECT_EQ(o.request.details.modality, Modality::kCt);
  EXPECT_EQ(o.request.details.region, Region::kCervical);
  EXPECT_EQ(o.request.details.priority, Priority::kSameDay);
  EXPECT_EQ(o.request.details.clinical_question,
            "交通事故後の頸部痛。頸椎骨折の有無\n左上肢のしびれあり\n"
            "前医の単純写真で C5 に異常陰影の疑い");
  EXPECT_EQ(o.request.study_uid, "1.2.392.200036.9125.2.1.1.20261125.42");
}

TEST(OrmTest, AsciiWholeSpineXrayRoutineUidInObr) {
  const Order o = Mapped("orm_o01_ascii_wholespine_xray_escapes.hl7");
  EXPECT_EQ(o.request.details.modality, Modality::kXray);  // from the OBR-4 text
  EXPECT_EQ(o.request.details.region, Region::kWholeSpine);
  EXPECT_EQ(o.request.details.priority, Priority::kRoutine);
  EXPECT_EQ(o.request.study_uid, "1.2.392.200036.9116.2.5.1.37.99.2");
  EXPECT_EQ(o.accession_number, "ACC-9002");
  EXPECT_EQ(o.request.details.clinical_question,
            "Scoliosis follow-up|Cobb angle^progression?~compare 2025\\06");
}

TEST(OrmTest, RefusalsNameTheField) {
  Hl7Error e = Refused("orm_o01_error_missing_pid3.hl7");
  EXPECT_EQ(e.code, Hl7ErrorCode::kRequiredFieldMissing);
  EXPECT_EQ(e.location.ToString(), "PID-3.1");
  EXPECT_FALSE(e.reject);
  e = Refused("orm_o01_error_status_changed.hl7");
  EXPECT_EQ(e.code, Hl7ErrorCode::kTableValueNotFound);
  EXPECT_EQ(e.location.ToString(), "ORC-1");
  EXPECT_NE(e.message_en.find("'SC' is not supported"), std::string::npos);
  EXPECT_NE(e.message_ja.find("状態通知"), std::string::npos);
  e = Refused("orm_o01_error_bad_priority.hl7");
  EXPECT_EQ(e.location.ToString(), "ORC-7.6");
  EXPECT_NE(e.message_ja.find("優先度"), std::string::npos);
  e = Refused("orm_o01_error_no_study_uid.hl7");
  EXPECT_EQ(e.location.ToString(), "ZDS-1.1");
  EXPECT_EQ(e.code, Hl7ErrorCode::kRequiredFieldMissing);
  EXPECT_NE(e.message_en.find("accession number"), std::string::npos);
}

TEST(OrmTest, OrderIdentifiersGoToTheRequest) {
  const Order o = Mapped("orm_o01_utf8_lumbar_mr_stat.hl7");
  EXPECT_EQ(o.control, OrderControl::kNew);
  EXPECT_EQ(o.request.order.placer_order_number, "ORD-2026-0001");
  EXPECT_EQ(o.request.order.filler_order_number, "ACC-778001");
  EXPECT_EQ(o.request.order.accession_number, "ACC-778001");
  EXPECT_EQ(o.request.order.patient_id, "P0012345");
  EXPECT_TRUE(o.priority_given);
  EXPECT_FALSE(o.request.details.desired_return_at.has_value());
}

TEST(OrmTest, AnOrderWithOnlyItsAccessionNumber) {
  const Order o = Mapped("orm_o01_accession_only_lumbar_ct.hl7");
  EXPECT_EQ(o.request.study_uid, "");
  EXPECT_EQ(o.request.order.accession_number, "ACC-9006");
  EXPECT_EQ(o.request.details.modality, Modality::kCt);
  EXPECT_FALSE(o.priority_given);
}

TEST(OrmTest, CancelAndChange) {
  const Order ca = Mapped("orm_o01_cancel_lumbar_mr.hl7");
  EXPECT_EQ(ca.control, OrderControl::kCancel);
  EXPECT_EQ(ca.placer_order_number, "ORD-2026-0001");
  const Order xo = Mapped("orm_o01_change_lumbar_mr.hl7");
  EXPECT_EQ(xo.control, OrderControl::kChange);
  EXPECT_EQ(xo.placer_order_number, "ORD-2026-0001");
  EXPECT_EQ(xo.request.details.priority, Priority::kSameDay);
  // ORC-7.5 with its zone; a time without a zone is Japan time.
  ASSERT_TRUE(xo.request.details.desired_return_at.has_value());
  EXPECT_EQ(base::FormatIso8601(*xo.request.details.desired_return_at),
            "2026-11-25T08:00:00.000000Z");
  auto m = ParseHl7(
      "MSH|^~\\&|RIS|SAKURA_HP|D|D|1||ORM^O01|X|P|2.5\rPID|1||P1\rORC|XO|O1|||||^^^^202611251700\r"
      "OBR|1|O1||MR^MRI||||||||||||||ACC-1\r");
  ASSERT_TRUE(m.ok());
  OrderOrError r = OrderFromOrm(*m);
  ASSERT_TRUE(r.order.has_value()) << r.error.message_en;
  EXPECT_EQ(base::FormatIso8601(*r.order->request.details.desired_return_at),
            "2026-11-25T08:00:00.000000Z");
  m = ParseHl7(
      "MSH|^~\\&|RIS|SAKURA_HP|D|D|1||ORM^O01|X|P|2.5\rPID|1||P1\rORC|XO|O1|||||^^^^tomorrow\r"
      "OBR|1|O1||MR^MRI||||||||||||||ACC-1\r");
  ASSERT_TRUE(m.ok());
  r = OrderFromOrm(*m);
  ASSERT_FALSE(r.order.has_value());
  EXPECT_EQ(r.error.location.ToString(), "ORC-7.5");
  EXPECT_EQ(r.error.code, Hl7ErrorCode::kDataTypeError);
}

TEST(OrmTest, HeaderChecks) {
  auto check = [](const std::string& msh) {
    auto m = ParseHl7(msh + "\rPID|1||X\r");
    EXPECT_TRUE(m.ok());
    return CheckOrmHeader(*m);
  };
  EXPECT_FALSE(check("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|2.5").has_value());
  auto e = check("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->reject);
  EXPECT_EQ(e->code, Hl7ErrorCode::kUnsupportedMessageType);
  e = check("MSH|^~\\&|A|B|C|D|1||ORM^O02|1|P|2.5");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, Hl7ErrorCode::kUnsupportedEventCode);
  e = check("MSH|^~\\&|A|B|C|D|1||ORM^O01||P|2.5");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->location.ToString(), "MSH-10");
  e = check("MSH|^~\\&|A|B|C|D|1||ORM^O01|1|P|3.0");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, Hl7ErrorCode::kUnsupportedVersionId);
}

TEST(OrmTest, AckAcceptAndErrors) {
  const base::Timestamp now = base::FromUnixMicros(int64_t{1'795'000'000} * 1'000'000);
  auto m = ParseHl7(Sample("orm_o01_error_missing_pid3.hl7"));
  ASSERT_TRUE(m.ok());
  const auto& msh = m->Find("MSH")->fields;
  std::vector<std::string> seg = Segments(BuildAck(msh, std::nullopt, "created 7", now, "A1"));
  ASSERT_EQ(seg.size(), 2u);
  EXPECT_EQ(seg[0].rfind("MSH|^~\\&|DOKUEI|DOKUEI|RIS|SAKURA_HP|", 0), 0u) << seg[0];
  EXPECT_NE(seg[0].find("||ACK^O01^ACK|A1|P|2.5"), std::string::npos) << seg[0];
  EXPECT_NE(seg[0].find("+0900"), std::string::npos);
  EXPECT_EQ(seg[1], "MSA|AA|MSG00003|created 7");

  const Hl7Error e = OrderFromOrm(*m).error;
  seg = Segments(BuildAck(msh, e, {}, now, "A2"));
  ASSERT_EQ(seg.size(), 3u);
  EXPECT_EQ(seg[1], "MSA|AE|MSG00003|PID-3 patient identifier is required");
  EXPECT_EQ(seg[2],
            "ERR||PID^1^3^1^1|101^Required field missing^HL70357|E|||"
            "PID-3 patient identifier is required|PID-3 patient identifier is required");

  Hl7Error reject = e;
  reject.reject = true;
  seg = Segments(BuildAck(msh, reject, {}, now, "A3"));
  EXPECT_EQ(seg[1].rfind("MSA|AR|MSG00003|", 0), 0u);
}

TEST(OrmTest, AckInTheMessagesJapaneseCharset) {
  const base::Timestamp now = base::FromUnixMicros(int64_t{1'795'000'000} * 1'000'000);
  auto m = ParseHl7(Sample("orm_o01_iso2022jp_cervical_ct_asap.hl7"));
  ASSERT_TRUE(m.ok());
  Hl7Error e{false,
             Hl7ErrorCode::kDuplicateKeyIdentifier,
             {"ZDS", 1, 1, 1},
             "duplicate",
             "この検査の読影依頼はすでに受け付けています"};
  const std::string ack = BuildAck(m->Find("MSH")->fields, e, {}, now, "A4");
  EXPECT_NE(ack.find("\x1b$B"), std::string::npos);  // ISO 2022 JP, not UTF-8
  auto parsed = ParseHl7(ack);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->charset(), "~ISO IR87");
  const Hl7Segment& err = *parsed->Find("ERR");
  EXPECT_EQ(parsed->Value(err, 7), "duplicate");
  EXPECT_EQ(parsed->Value(err, 8), "この検査の読影依頼はすでに受け付けています");
  EXPECT_EQ(parsed->Value(err, 3, 1), "205");
  EXPECT_EQ(parsed->Value(*parsed->Find("MSA"), 2), "MOMIJI-20261125-0042");
}

TEST(OrmTest, AckWithoutCharsetIsAscii) {
  const base::Timestamp now = base::FromUnixMicros(int64_t{1'795'000'000} * 1'000'000);
  auto m = ParseHl7(Sample("orm_o01_error_missing_pid3.hl7"));
  ASSERT_TRUE(m.ok());
  Hl7Error e{true,
             Hl7ErrorCode::kUnknownKeyIdentifier,
             {"MSH", 1, 4, 1},
             "facility '東京' unknown",
             "送信施設 '東京' は未登録"};
  const std::string ack = BuildAck(m->Find("MSH")->fields, e, {}, now, "A5");
  for (unsigned char c : ack) EXPECT_LT(c, 0x80);
  EXPECT_NE(ack.find("facility '" + std::string(6, '?') + "' unknown"), std::string::npos) << ack;
}

TEST(OrmTest, ProcedureTexts) {
  EXPECT_EQ(ModalityFromText("MRI 腰椎"), Modality::kMr);
  EXPECT_EQ(ModalityFromText("ＭＲＩ"), Modality::kMr);
  EXPECT_EQ(ModalityFromText("CT Cervical spine"), Modality::kCt);
  EXPECT_EQ(ModalityFromText("頸椎 X線 2方向"), Modality::kXray);
  EXPECT_EQ(ModalityFromText("Lumbar spine X-ray"), Modality::kXray);
  EXPECT_EQ(ModalityFromText("Doctor's note"), Modality::kOther);  // "CT" inside a word: no
  EXPECT_EQ(RegionFromText("頚椎MRI"), Region::kCervical);
  EXPECT_EQ(RegionFromText("Thoracic spine"), Region::kThoracic);
  EXPECT_EQ(RegionFromText("C-spine"), Region::kCervical);
  EXPECT_EQ(RegionFromText("122496007"), Region::kLumbar);
  EXPECT_EQ(RegionFromText("全脊椎 MRI"), Region::kWholeSpine);
  EXPECT_EQ(RegionFromText("頸椎・腰椎"), Region::kWholeSpine);
  EXPECT_EQ(RegionFromText("Knee"), Region::kUnspecified);
}

}  // namespace
}  // namespace dokuei::intake
