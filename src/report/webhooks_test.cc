// Per-hospital critical-result webhooks: https (or loopback http) only, the secret sealed at rest
// and opened for sending, replaced and removed with an audit record each, and served with
// identity's contacts (a hospital without its own endpoint gets the server-wide fallback).
#include "dokuei/report/webhooks.h"

#include "dokuei/identity/identity.h"
#include "report_test_util.h"

namespace dokuei::report {
namespace {

class WebhooksTest : public ReportTest {
 protected:
  void SetUp() override {
    ReportTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    identity::IdentityOptions io;
    io.password_hash = identity::PasswordHashParams::ForTests();
    auto id = identity::OpenIdentity(db_, clock_, identity::SecretKey::Generate(), io);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    id_ = std::move(id).value();
    auto hooks = OpenHospitalWebhooks(db_, clock_, *id_, [this](db::Conn&, const audit::Event& e) {
      actions_.push_back(e.action + " " + std::to_string(e.tenant_id) + " " + e.message);
      return base::Status::Ok();
    });
    ASSERT_TRUE(hooks.ok()) << hooks.status().ToString();
    hooks_ = std::move(hooks).value();
  }
  void TearDown() override {
    hooks_.reset();
    id_.reset();
    ReportTest::TearDown();
  }
  std::unique_ptr<identity::Identity> id_;
  std::unique_ptr<HospitalWebhooks> hooks_;
  std::vector<std::string> actions_;
};
DOKUEI_REPORT_BACKENDS(WebhooksTest);

TEST(WebhookUrlTest, HttpsOrLoopbackOnly) {
  EXPECT_TRUE(ValidateWebhookUrl("https://sakura.example.jp/dokuei/critical").ok());
  EXPECT_TRUE(ValidateWebhookUrl("https://[2001:db8::1]:8443/h").ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://127.0.0.1:9000/hook").ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://[::1]:9000/hook").ok());
  EXPECT_TRUE(ValidateWebhookUrl("http://localhost/hook").ok());
  for (const char* bad : {"http://sakura.example.jp/h", "ftp://x/y", "https://", "sakura",
                          "https://x.example/a b", "https://x.example:0/", "https://x:99999/"}) {
    auto st = ValidateWebhookUrl(bad);
    EXPECT_EQ(st.code(), base::Code::kInvalidArgument) << bad;
    EXPECT_EQ(st.field(), "url") << bad;
  }
}

TEST_P(WebhooksTest, SealedAtRestOpenedForSendingReplacedAndRemoved) {
  const Actor admin = Centre(900, {identity::Role::kAdministrator});
  EXPECT_EQ(hooks_->Put(admin, hospital_, "http://sakura.example.jp/h", "0123456789abcdef")
                .status()
                .field(),
            "url");
  EXPECT_EQ(hooks_->Put(admin, hospital_, "https://sakura.example.jp/h", "short").status().field(),
            "secret");
  auto none = hooks_->Get(hospital_);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(actions_.empty());

  auto put = hooks_->Put(admin, hospital_, "https://sakura.example.jp/h", "s3cret-s3cret-s3cret");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->url, "https://sakura.example.jp/h");
  // At rest the secret is sealed (not in clear); for sending it is opened.
  std::string stored;
  ASSERT_TRUE(db_->Transact(db::TxKind::kRead,
                            [&](db::Conn& c) {
                              return c.Query("SELECT secret_sealed FROM report_webhooks", {},
                                             [&](const db::Row& r) {
                                               stored = std::string(r.Str(0));
                                               return base::Status::Ok();
                                             });
                            })
                  .ok());
  EXPECT_EQ(stored.find("s3cret"), std::string::npos);
  EXPECT_EQ(stored.rfind("v1:", 0), 0u);
  auto send = hooks_->For(hospital_);
  ASSERT_TRUE(send.ok()) << send.status().ToString();
  ASSERT_EQ(send->size(), 1u);
  EXPECT_EQ((*send)[0].secret, "s3cret-s3cret-s3cret");
  EXPECT_TRUE(hooks_->For(other_)->empty());

  // Replaced in place; each change audited with the URL and never the secret.
  ASSERT_TRUE(
      hooks_->Put(admin, hospital_, "https://sakura.example.jp/v2", "another-secret-123").ok());
  EXPECT_EQ((*hooks_->For(hospital_))[0].url, "https://sakura.example.jp/v2");
  ASSERT_TRUE(hooks_->Remove(admin, hospital_).ok());
  EXPECT_EQ(hooks_->Remove(admin, hospital_).code(), base::Code::kNotFound);
  EXPECT_TRUE(hooks_->For(hospital_)->empty());
  const std::string h = std::to_string(hospital_);
  EXPECT_EQ(actions_, (std::vector<std::string>{
                          "tenant.webhook_set " + h + " url https://sakura.example.jp/h",
                          "tenant.webhook_set " + h + " url https://sakura.example.jp/v2",
                          "tenant.webhook_remove " + h + " removed"}));
}

TEST_P(WebhooksTest, TheContactDirectoryServesTheHospitalsOwnElseTheFallback) {
  identity::Contact a;
  a.name = "放射線科 受付";
  a.email = "uketsuke@sakura.example.jp";
  ASSERT_TRUE(id_->contacts().Add(hospital_, a).ok());
  const Actor admin = Centre(900, {identity::Role::kAdministrator});
  ASSERT_TRUE(
      hooks_->Put(admin, hospital_, "https://sakura.example.jp/h", "s3cret-s3cret-s3cret").ok());
  auto dir = HospitalContactDirectory(*id_, *hooks_,
                                      Webhook{"https://relay.example.jp/all", "fallback-secret-1"});
  auto sakura = dir->For(hospital_);
  ASSERT_TRUE(sakura.ok()) << sakura.status().ToString();
  ASSERT_EQ(sakura->contacts.size(), 1u);
  EXPECT_EQ(sakura->contacts[0].email, "uketsuke@sakura.example.jp");
  ASSERT_EQ(sakura->webhooks.size(), 1u);
  EXPECT_EQ(sakura->webhooks[0].url, "https://sakura.example.jp/h");
  auto other = dir->For(other_);
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->webhooks.size(), 1u);
  EXPECT_EQ(other->webhooks[0].url, "https://relay.example.jp/all");
  EXPECT_TRUE(HospitalContactDirectory(*id_, *hooks_)->For(other_)->webhooks.empty());
}

}  // namespace
}  // namespace dokuei::report
