// Hl7Intake on every backend: samples create requests (AA), refusals store nothing (AE/AR with
// the field named), duplicates are refused, unknown senders rejected; the MLLP listener through a
// real socket: round trip, several messages on one connection, garbage, oversize, idle timeout.
#include "dokuei/intake/intake.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <thread>

#include "dokuei/intake/fhir.h"
#include "dokuei/intake/hl7.h"
#include "dokuei/intake/mllp.h"
#include "dokuei/intake/orders.h"
#include "intake_test_util.h"

namespace dokuei::intake {
namespace {

using workflow::Modality;
using workflow::Priority;
using workflow::Region;

std::string MsaCode(const std::string& ack) {
  for (const std::string& s : Segments(ack))
    if (s.rfind("MSA|", 0) == 0) return s.substr(4, 2);
  return {};
}

std::string ErrSegment(const std::string& ack) {
  for (const std::string& s : Segments(ack))
    if (s.rfind("ERR|", 0) == 0) return s;
  return {};
}

TEST_P(IntakeDbTest, Utf8OrderCreatesARequest) {
  const Hl7Outcome out = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"), "10.0.0.7");
  ASSERT_EQ(out.code, "AA") << out.error << "\n" << out.ack;
  EXPECT_EQ(MsaCode(out.ack), "AA");
  EXPECT_NE(out.ack.find("MSA|AA|MSG00001|reading request"), std::string::npos);
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  const workflow::ReadingRequest& r = all[0];
  EXPECT_EQ(r.id, out.request_id);
  EXPECT_EQ(r.tenant_id, sakura_);
  EXPECT_EQ(r.source, "hl7");
  EXPECT_TRUE(r.details_complete);
  EXPECT_EQ(r.study_uid, "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001");
  EXPECT_EQ(r.details.modality, Modality::kMr);
  EXPECT_EQ(r.details.region, Region::kLumbar);
  EXPECT_EQ(r.details.priority, Priority::kStat);
  EXPECT_EQ(r.due_at, clock_.Now() + std::chrono::minutes(60));
  EXPECT_NE(r.details.clinical_question.find("椎間板ヘルニア"), std::string::npos);
  ASSERT_EQ(EventCount(), 1u);
  std::lock_guard lock(mu_);
  EXPECT_EQ(events_[0].action, "request.create");
  EXPECT_EQ(events_[0].actor, "hl7:SAKURA_HP");
  EXPECT_EQ(events_[0].source_address, "10.0.0.7");
}

TEST_P(IntakeDbTest, Iso2022JpOrderCreatesASameDayRequestAndAcksInJis) {
  const Hl7Outcome out = intake_->Handle(Sample("orm_o01_iso2022jp_cervical_ct_asap.hl7"));
  ASSERT_EQ(out.code, "AA") << out.error;
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].tenant_id, momiji_);
  EXPECT_EQ(all[0].details.priority, Priority::kSameDay);
  EXPECT_EQ(all[0].details.region, Region::kCervical);
  EXPECT_EQ(all[0].details.clinical_question.substr(0, 3 * 4), "交通事故");
  // A resend (same placer order number) is answered AA with the same request.
  const Hl7Outcome resent = intake_->Handle(Sample("orm_o01_iso2022jp_cervical_ct_asap.hl7"));
  EXPECT_EQ(resent.code, "AA") << resent.error;
  EXPECT_EQ(resent.request_id, out.request_id);
  // Another order for the study in the same charset: AE 205, with the Japanese message in
  // ISO 2022 JP.
  std::string other = Sample("orm_o01_iso2022jp_cervical_ct_asap.hl7");
  for (size_t at = other.find("MO-0042"); at != std::string::npos; at = other.find("MO-0042"))
    other.replace(at, 7, "MO-0043");
  const Hl7Outcome dup = intake_->Handle(other);
  EXPECT_EQ(dup.code, "AE");
  auto ack = ParseHl7(dup.ack);
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  const Hl7Segment& err = *ack->Find("ERR");
  EXPECT_EQ(ack->Value(err, 3, 1), "205");
  EXPECT_EQ(ack->Value(err, 8),
            "この検査 (1.2.392.200036.9125.2.1.1.20261125.42) の読影依頼はすでに受け付けています");
  EXPECT_EQ(All().size(), 1u);
}

TEST_P(IntakeDbTest, OrderAfterTheImagesCompletesTheAutoRequest) {
  auto arrived = wf_->requests().RecordArrival(
      sakura_, "1.2.392.200036.9116.2.5.1.37.2418725938.1764030900.778001", "1.2.3.4.5", "MR");
  ASSERT_TRUE(arrived.ok()) << arrived.status().ToString();
  const Hl7Outcome out = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_EQ(out.code, "AA") << out.error;
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, arrived->id);
  EXPECT_TRUE(all[0].details_complete);
  EXPECT_EQ(all[0].details.priority, Priority::kStat);
}

TEST_P(IntakeDbTest, RefusalsStoreNothing) {
  struct Case {
    std::string message, code, err;
  };
  const std::vector<Case> cases = {
      {Sample("orm_o01_error_missing_pid3.hl7"), "AE", "PID^1^3^1^1|101^"},
      {Sample("orm_o01_error_status_changed.hl7"), "AE", "ORC^1^1^1^|103^"},
      {Sample("orm_o01_cancel_unknown_placer.hl7"), "AE", "ORC^1^2^1^1|204^"},
      {Sample("orm_o01_change_lumbar_mr.hl7"), "AE", "ORC^1^2^1^1|204^"},
      {Sample("orm_o01_error_bad_priority.hl7"), "AE", "ORC^1^7^1^6|103^"},
      {Sample("orm_o01_error_no_study_uid.hl7"), "AE", "ZDS^1^1^1^1|101^"},
      // Unknown sender: AR 204 on MSH-4.
      {"MSH|^~\\&|RIS|NOBODY|DOKUEI|DOKUEI|1||ORM^O01|X1|P|2.5\rPID|1||P1\rORC|NW|O1\r"
       "OBR|1|O1||MR^MRI\rZDS|1.2.3.4\r",
       "AR", "MSH^1^4^1^1|204^"},
      // The right facility but the wrong application for momiji (HIS only).
      {"MSH|^~\\&|RIS|MOMIJI_CL|DOKUEI|DOKUEI|1||ORM^O01|X2|P|2.5\rPID|1||P1\rORC|NW|O1\r"
       "OBR|1|O1||MR^MRI\rZDS|1.2.3.4\r",
       "AR", "MSH^1^4^1^1|204^"},
      {"MSH|^~\\&|RIS|SAKURA_HP|DOKUEI|DOKUEI|1||ADT^A04|X3|P|2.5\rPID|1||P1\r", "AR",
       "MSH^1^9^1^1|200^"},
      {"MSH|^~\\&|RIS|SAKURA_HP|DOKUEI|DOKUEI|1||ORM^O01|X4|P|2.5||||||UNICODE UTF-8\r"
       "PID|1||\xff\xfe\r",
       "AE", "MSH^1^18^1^|102^"},
      {"MSH|^~\\&|RIS|SAKURA_HP|DOKUEI|DOKUEI|1||ORM^O01|X5|P|2.5||||||EBCDIC\rPID|1||P1\r", "AE",
       "MSH^1^18^1^|103^"},
      {"this is not HL7", "AR", "MSH^1^^^|100^"},
      {std::string(), "AR", "MSH^1^^^|100^"},
      // A clinical question the workflow refuses (not valid UTF-8 after unescaping).
      {"MSH|^~\\&|RIS|SAKURA_HP|DOKUEI|DOKUEI|1||ORM^O01|X6|P|2.5\rPID|1||P1\rORC|NW|O1\r"
       "OBR|1|O1||MR^MRI|||||||||\\Xff\\\rZDS|1.2.3.4\r",
       "AE", "|102^"},
  };
  for (const Case& c : cases) {
    const Hl7Outcome out = intake_->Handle(c.message);
    EXPECT_EQ(out.code, c.code) << c.message << "\n" << out.ack;
    EXPECT_EQ(MsaCode(out.ack), c.code);
    EXPECT_NE(ErrSegment(out.ack).find(c.err), std::string::npos) << c.message << "\n"
                                                                  << ErrSegment(out.ack);
  }
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(EventCount(), 0u);
}

TEST_P(IntakeDbTest, AFailingAuditRollsBackAndAsksForAResend) {
  fail_audit_ = true;
  const Hl7Outcome out = intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  EXPECT_EQ(out.code, "AR");
  EXPECT_NE(ErrSegment(out.ack).find("|207^"), std::string::npos);
  EXPECT_TRUE(All().empty());
  fail_audit_ = false;
  EXPECT_EQ(intake_->Handle(Sample("orm_o01_utf8_lumbar_mr_stat.hl7")).code, "AA");
  EXPECT_EQ(All().size(), 1u);
}

TEST_P(IntakeDbTest, MllpRoundTripThroughARealSocket) {
  MllpOptions o;
  o.port = 0;
  o.max_message_bytes = 64 * 1024;
  auto listener = StartMllpListener(o, [this](std::string_view msg, std::string_view peer) {
    return intake_->Handle(msg, peer).ack;
  });
  ASSERT_TRUE(listener.ok()) << listener.status().ToString();
  const uint16_t port = (*listener)->port();
  auto ack = MllpSend("127.0.0.1", port, Sample("orm_o01_utf8_lumbar_mr_stat.hl7"));
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(MsaCode(*ack), "AA") << *ack;
  ack = MllpSend("127.0.0.1", port, Sample("orm_o01_error_missing_pid3.hl7"));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(MsaCode(*ack), "AE");
  EXPECT_EQ(All().size(), 1u);
  std::lock_guard lock(mu_);
  EXPECT_EQ(events_.at(0).source_address, "127.0.0.1");
}

// The FHIR mapping feeding Requests::Create as the API will: stored with source "fhir" and the
// desired return time; a second POST for the study is a duplicate OperationOutcome (409).
TEST_P(IntakeDbTest, FhirServiceRequestCreatesARequest) {
  auto order = FromFhirServiceRequest(Sample("fhir_servicerequest_lumbar_mr_stat.json"), sakura_);
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  workflow::Actor staff;
  staff.tenant_id = sakura_;
  staff.user_id = 42;
  staff.subject = "api-client";
  staff.roles = {identity::Role::kHospitalStaff};
  auto created = wf_->requests().Create(staff, order->request);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].source, "fhir");
  EXPECT_EQ(all[0].details.priority, Priority::kStat);
  EXPECT_EQ(all[0].details.region, Region::kLumbar);
  ASSERT_TRUE(all[0].details.desired_return_at.has_value());
  EXPECT_EQ(*all[0].details.desired_return_at, *order->request.details.desired_return_at);
  auto again = wf_->requests().Create(staff, order->request);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(FhirHttpStatus(again.status()), 409);
  EXPECT_NE(FhirOperationOutcome(again.status()).find("\"duplicate\""), std::string::npos);
  EXPECT_EQ(All().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, IntakeDbTest,
                         ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile,
                                           Backend::kPostgres),
                         BackendName);

// --- MLLP framing on a raw socket, with an echo-like handler --------------------------------

namespace asio = boost::asio;
using asio::ip::tcp;

class MllpTest : public ::testing::Test {
 protected:
  void Start(MllpOptions o) {
    o.port = 0;
    auto l = StartMllpListener(
        o,
        [this](std::string_view msg, std::string_view) {
          ++handled_;
          return "ACK:" + std::string(msg);
        },
        [](std::string_view head) { return "TOO BIG:" + std::string(head.substr(0, 3)); });
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    listener_ = std::move(l).value();
  }
  tcp::socket Connect() {
    tcp::socket s(io_);
    s.connect({asio::ip::make_address("127.0.0.1"), listener_->port()});
    return s;
  }
  // Reads one framed reply (or "" when the connection closes first); bytes of the next reply
  // stay in carry_.
  std::string ReadFrame(tcp::socket& s) {
    std::string got = std::move(carry_);
    carry_.clear();
    char buf[4096];
    boost::system::error_code ec;
    while (got.find("\x1c\r") == std::string::npos) {
      const size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) return "";
      got.append(buf, n);
    }
    EXPECT_EQ(got[0], '\x0b');
    const size_t end = got.find("\x1c\r");
    carry_ = got.substr(end + 2);
    return got.substr(1, end - 1);
  }
  static bool ClosedByPeer(tcp::socket& s) {
    char c;
    boost::system::error_code ec;
    s.read_some(asio::buffer(&c, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  asio::io_context io_;
  std::unique_ptr<MllpListener> listener_;
  std::atomic<int> handled_{0};
  std::string carry_;
};

TEST_F(MllpTest, SeveralMessagesOnOneConnectionAndSplitWrites) {
  Start({});
  tcp::socket s = Connect();
  // Two frames in one write, then one frame in three writes.
  asio::write(s, asio::buffer(MllpFrame("one") + MllpFrame("two")));
  EXPECT_EQ(ReadFrame(s), "ACK:one");
  EXPECT_EQ(ReadFrame(s), "ACK:two");
  const std::string f = MllpFrame("three");
  asio::write(s, asio::buffer(f.substr(0, 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  asio::write(s, asio::buffer(f.substr(2, f.size() - 3)));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  asio::write(s, asio::buffer(f.substr(f.size() - 1)));
  EXPECT_EQ(ReadFrame(s), "ACK:three");
  // A 0x1C inside the message that is not followed by CR is data.
  asio::write(s, asio::buffer(MllpFrame(std::string("a\x1c") + "b")));
  EXPECT_EQ(ReadFrame(s), std::string("ACK:a\x1c") + "b");
}

TEST_F(MllpTest, BytesOutsideAFrameCloseTheConnection) {
  Start({});
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
  EXPECT_TRUE(ClosedByPeer(s));
  EXPECT_EQ(handled_, 0);
}

TEST_F(MllpTest, OversizeIsAnsweredAndClosed) {
  MllpOptions o;
  o.max_message_bytes = 1000;
  Start(o);
  tcp::socket s = Connect();
  asio::write(s, asio::buffer("\x0b" + std::string("MSH") + std::string(5000, 'x')));
  EXPECT_EQ(ReadFrame(s), "TOO BIG:MSH");
  EXPECT_TRUE(ClosedByPeer(s));
  EXPECT_EQ(handled_, 0);
  // The listener still serves others.
  tcp::socket t = Connect();
  asio::write(t, asio::buffer(MllpFrame(std::string(1000, 'y'))));
  EXPECT_EQ(ReadFrame(t).size(), 4u + 1000u);
}

TEST_F(MllpTest, IdleConnectionsAreClosed) {
  MllpOptions o;
  o.idle_timeout = std::chrono::milliseconds(100);
  Start(o);
  tcp::socket s = Connect();
  asio::write(s, asio::buffer(std::string("\x0bhalf a mess")));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(ClosedByPeer(s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(handled_, 0);
}

TEST_F(MllpTest, ConnectionLimit) {
  MllpOptions o;
  o.max_connections = 1;
  Start(o);
  tcp::socket a = Connect();
  asio::write(a, asio::buffer(MllpFrame("a")));
  EXPECT_EQ(ReadFrame(a), "ACK:a");
  tcp::socket b = Connect();
  EXPECT_TRUE(ClosedByPeer(b));
}

TEST_F(MllpTest, ClientTimesOutAndReportsRefusal) {
  Start({});
  const uint16_t port = listener_->port();
  listener_->Stop();
  auto r = MllpSend("127.0.0.1", port, "x", std::chrono::milliseconds(500));
  EXPECT_FALSE(r.ok());
  // A server that never answers: kTimeout.
  tcp::acceptor mute(io_, {asio::ip::make_address("127.0.0.1"), 0});
  std::thread t([&] {
    tcp::socket s(io_);
    mute.accept(s);
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
  });
  auto r2 =
      MllpSend("127.0.0.1", mute.local_endpoint().port(), "x", std::chrono::milliseconds(300));
  t.join();
  EXPECT_EQ(r2.status().code(), base::Code::kTimeout);
}

}  // namespace
}  // namespace dokuei::intake
