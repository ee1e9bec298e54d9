// Critical results: notification fan-out (app, webhook with a valid HMAC signature, e-mail to a
// local SMTP sink), retries with backoff, acknowledgement, escalation exactly at the deadline.
#include <openssl/evp.h>

#include "report_test_util.h"
#include "test_sinks.h"

namespace dokuei::report {
namespace {

std::string DecodeBase64(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (c != '\r' && c != '\n') clean += c;
  }
  std::string out(clean.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

class CriticalTest : public ReportTest {
 protected:
  void SetUp() override {
    ReportTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    contacts_.contacts.contacts = {{"放射線科 受付", "uketsuke@sakura.example.jp"},
                                   {"電話のみ", ""}};
    contacts_.contacts.webhooks = {
        {"http://127.0.0.1:" + std::to_string(http_.port()) + "/hooks/dokuei", "s3cret"}};
    SmtpOptions smtp;
    smtp.port = smtp_.port();
    smtp.from = "noreply@dokuei.example";
    smtp.starttls = StartTls::kIfOffered;  // the sink offers none: plain SMTP on loopback
    mail_ = SmtpMailSender(smtp, clock_);
    hooks_ = BeastWebhookSender({});
    options_.contacts = &contacts_;
    options_.mail = mail_.get();
    options_.webhooks = hooks_.get();
    Open();
  }
  testing::HttpSink http_;
  testing::SmtpSink smtp_;
  FakeContacts contacts_;
  std::unique_ptr<MailSender> mail_;
  std::unique_ptr<WebhookSender> hooks_;
};
DOKUEI_REPORT_BACKENDS(CriticalTest);

TEST_P(CriticalTest, NotifiesEveryChannelAndRecordsTheAcknowledgement) {
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  EXPECT_EQ(
      svc_->critical().Record(Reader(kCovering), id, {CriticalCategory::k1, "x"}).status().code(),
      base::Code::kPermissionDenied);
  auto cr = svc_->critical().Record(Reader(), id, {CriticalCategory::k1, "L2 以下の馬尾圧迫"});
  ASSERT_TRUE(cr.ok()) << cr.status().ToString();
  EXPECT_EQ(cr->ack_deadline, clock_.Now() + std::chrono::minutes(60));
  auto ns = svc_->critical().Notifications(Coordinator(), cr->id);
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(ns->size(), 3u);  // app, one e-mail (the other contact has none), one webhook
  EXPECT_EQ((*ns)[0].channel, Channel::kApp);
  EXPECT_EQ((*ns)[0].status, NotificationStatus::kSent);
  EXPECT_NE((*ns)[0].body.find("馬尾圧迫"), std::string::npos);

  auto tick = svc_->critical().Tick();
  ASSERT_TRUE(tick.ok()) << tick.status().ToString();
  EXPECT_EQ(tick->sent, 2);
  const auto hooks = http_.requests();
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].target, "/hooks/dokuei");
  const int64_t secs = base::ToUnixMicros(clock_.Now()) / 1'000'000;
  EXPECT_EQ(hooks[0].timestamp, std::to_string(secs));
  EXPECT_EQ(hooks[0].signature,
            "sha256=" + HmacSha256Hex("s3cret", hooks[0].timestamp + "." + hooks[0].body));
  EXPECT_NE(hooks[0].body.find("\"category\":1"), std::string::npos);
  const auto mails = smtp_.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "RCPT TO:<uketsuke@sakura.example.jp>");
  const std::string& data = mails[0].data;
  const size_t body_at = data.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  const std::string body = DecodeBase64(data.substr(body_at + 4, data.size() - body_at - 9));
  EXPECT_NE(body.find("重要所見"), std::string::npos) << body;
  EXPECT_NE(body.find("critical result"), std::string::npos);
  EXPECT_EQ(body.find("馬尾"), std::string::npos);  // no finding in e-mail
  EXPECT_NE(data.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(data.find("Date: Mon, 21 Sep 2026"), std::string::npos) << data;  // the FakeClock
  EXPECT_EQ(svc_->critical().Tick()->sent, 0);                                // sent once

  // Acknowledged by the hospital: who and when, in the report's record.
  clock_.Advance(std::chrono::minutes(12));
  EXPECT_EQ(svc_->critical().Acknowledge(Staff(other_), cr->id, {}).status().code(),
            base::Code::kNotFound);
  auto ack = svc_->critical().Acknowledge(Staff(hospital_), cr->id, {"", "整形外科に連絡済み"});
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->ack_user_id, Staff(hospital_).user_id);
  EXPECT_EQ(ack->ack_at, clock_.Now());
  EXPECT_EQ(svc_->critical().Acknowledge(Staff(hospital_), cr->id, {}).status().code(),
            base::Code::kFailedPrecondition);
  auto list = svc_->critical().ForReport(Staff(hospital_), id);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].ack_note, "整形外科に連絡済み");
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(svc_->critical().Tick()->escalated, 0);  // acknowledged in time
  const auto actions = Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.notify"), 2);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "report.critical_ack"), 1);
}

TEST_P(CriticalTest, MissedDeadlineEscalatesExactlyOnceAtTheDeadline) {
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  auto cr = svc_->critical().Record(Reader(), id, {CriticalCategory::k2, "化膿性脊椎炎の疑い"});
  ASSERT_TRUE(cr.ok());
  EXPECT_EQ(cr->ack_deadline, clock_.Now() + std::chrono::hours(24));
  clock_.Set(cr->ack_deadline - std::chrono::microseconds(1));
  EXPECT_EQ(svc_->critical().Tick()->escalated, 0);
  EXPECT_TRUE(svc_->critical().Escalations(Coordinator())->empty());
  clock_.Set(cr->ack_deadline);
  EXPECT_EQ(svc_->critical().Tick()->escalated, 1);
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(svc_->critical().Tick()->escalated, 0);
  auto esc = svc_->critical().Escalations(Coordinator());
  ASSERT_TRUE(esc.ok());
  ASSERT_EQ(esc->size(), 1u);
  EXPECT_EQ((*esc)[0].at, cr->ack_deadline);
  EXPECT_EQ((*esc)[0].critical_id, cr->id);
  EXPECT_EQ(svc_->critical().Escalations(Reader()).status().code(), base::Code::kPermissionDenied);
  // The coordinator phones the hospital and records who was told.
  EXPECT_EQ(svc_->critical().Acknowledge(Coordinator(), cr->id, {}).status().field(), "person");
  auto ack = svc_->critical().Acknowledge(Coordinator(), cr->id, {"佐藤医師", "電話で伝達"});
  ASSERT_TRUE(ack.ok()) << ack.status().ToString();
  EXPECT_EQ(ack->ack_person, "佐藤医師");
  ASSERT_TRUE(ack->escalated_at.has_value());
  EXPECT_EQ(*ack->escalated_at, cr->ack_deadline);
}

TEST_P(CriticalTest, FailedWebhookIsRetriedWithBackoff) {
  http_.QueueStatus(500);
  http_.QueueStatus(503);
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  auto cr = svc_->critical().Record(Reader(), id, {CriticalCategory::k3, "腎腫瘤"});
  ASSERT_TRUE(cr.ok());
  auto t1 = svc_->critical().Tick();
  ASSERT_TRUE(t1.ok());
  EXPECT_EQ(t1->sent, 1);  // the e-mail
  EXPECT_EQ(t1->retried, 1);
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_EQ(svc_->critical().Tick()->retried, 0);  // not due before a minute
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(svc_->critical().Tick()->retried, 1);  // second failure: next in 2 minutes
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(svc_->critical().Tick()->sent, 1);
  EXPECT_EQ(http_.requests().size(), 3u);
  auto ns = svc_->critical().Notifications(Coordinator(), cr->id);
  ASSERT_TRUE(ns.ok());
  EXPECT_EQ(ns->back().channel, Channel::kWebhook);
  EXPECT_EQ(ns->back().status, NotificationStatus::kSent);
  EXPECT_EQ(ns->back().attempts, 3);
}

TEST_P(CriticalTest, ConcurrentTicksSendEachNotificationOnce) {
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  ASSERT_TRUE(svc_->critical().Record(Reader(), id, {CriticalCategory::k1, "硬膜外膿瘍"}).ok());
  std::vector<std::thread> threads;
  std::atomic<int> sent{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto t = svc_->critical().Tick();
      EXPECT_TRUE(t.ok()) << t.status().ToString();
      if (t.ok()) sent += t->sent;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sent.load(), 2);
  EXPECT_EQ(http_.requests().size(), 1u);
  EXPECT_EQ(smtp_.messages().size(), 1u);
}

TEST(WebhookTest, PlainHttpOnlyToLoopback) {
  auto hooks = BeastWebhookSender({});
  const auto st = hooks->Post({"http://192.0.2.1/x", "k"}, "{}", base::FromUnixMicros(0));
  EXPECT_EQ(st.code(), base::Code::kInvalidArgument);
  EXPECT_EQ(hooks->Post({"ftp://x", "k"}, "{}", base::FromUnixMicros(0)).code(),
            base::Code::kInvalidArgument);
}

}  // namespace
}  // namespace dokuei::report

namespace dokuei::report {
namespace {

TEST(AckWindowsTest, ParsedFromTheConfiguration) {
  auto w = ParseAckWindows("60m,24h,7d");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)[0], std::chrono::minutes(60));
  EXPECT_EQ((*w)[1], std::chrono::hours(24));
  EXPECT_EQ((*w)[2], std::chrono::hours(24 * 7));
  auto short_ = ParseAckWindows(" 30s, 2m ,1h");
  ASSERT_TRUE(short_.ok());
  EXPECT_EQ((*short_)[0], std::chrono::seconds(30));
  for (const char* bad : {"", "60m,24h", "60m,24h,7d,1d", "60,24h,7d", "0s,1m,1h", "60x,1h,1d",
                          "31d,1h,1h", "-1m,1h,1d", "m,1h,1d"}) {
    auto st = ParseAckWindows(bad, "notify.ack_windows").status();
    EXPECT_EQ(st.code(), base::Code::kInvalidArgument) << bad;
    EXPECT_EQ(st.field(), "notify.ack_windows") << bad;
  }
}

TEST_P(CriticalTest, AgreedShorterWindowsSetTheDeadline) {
  options_.ack_windows = {std::chrono::minutes(30), std::chrono::hours(4), std::chrono::hours(48)};
  Open();
  MakeRequest(1);
  const int64_t id = SignedReport(1);
  auto cr = svc_->critical().Record(Reader(), id, {CriticalCategory::k1, "馬尾圧迫"});
  ASSERT_TRUE(cr.ok()) << cr.status().ToString();
  EXPECT_EQ(cr->ack_deadline, clock_.Now() + std::chrono::minutes(30));
  clock_.Advance(std::chrono::minutes(30));
  EXPECT_EQ(svc_->critical().Tick()->escalated, 1);
}

}  // namespace
}  // namespace dokuei::report
