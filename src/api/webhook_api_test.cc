// A hospital's critical-result webhook over real HTTP on SQLite and PostgreSQL: set, read and
// removed by the reading centre's administrator only; https (plain http only to loopback) and a
// secret of 16+ characters, never returned; audited; only hospitals have one.
#include "dokuei/report/webhooks.h"
#include "report_api_fixture.h"

namespace dokuei::api::testing {
namespace {

class WebhookApiTest : public ReportApiTest {
 protected:
  void SetUp() override {
    ReportApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    audit::AuditLog& log = stack_.log();
    auto hooks = report::OpenHospitalWebhooks(
        stack_.database(), stack_.clock(), stack_.id(),
        [&log](db::Conn& c, const audit::Event& e) { return log.AppendIn(c, e).status(); });
    ASSERT_TRUE(hooks.ok()) << hooks.status().ToString();
    hooks_ = std::move(hooks).value();
    services_->webhooks = hooks_.get();
    NewRecords();
  }
  void TearDown() override {
    ReportApiTest::TearDown();
    hooks_.reset();
  }
  std::unique_ptr<report::HospitalWebhooks> hooks_;
};

TEST_P(WebhookApiTest, TheCentreAdministratorSetsAHospitalsWebhook) {
  const std::string path = "/api/tenants/sakura/webhook";
  auto empty = Do("centre.admin", "GET", path);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_TRUE(empty.Json()["url"].is_null());
  EXPECT_EQ(empty.Json()["secret_set"], false);

  // Bad input names the field, in Japanese by default; nothing is stored.
  auto plain = Do("centre.admin", "PUT", path,
                  {{"url", "http://sakura.example.jp/hook"}, {"secret", "0123456789abcdef"}});
  EXPECT_EQ(plain.status, 400);
  EXPECT_EQ(plain.Json()["field"], "url");
  EXPECT_NE(plain.Json()["detail"].get<std::string>().find("https"), std::string::npos);
  EXPECT_EQ(Do("centre.admin", "PUT", path,
               {{"url", "https://sakura.example.jp/hook"}, {"secret", "short"}})
                .Json()["field"],
            "secret");
  EXPECT_EQ(Do("centre.admin", "PUT", path, {{"secret", "0123456789abcdef"}}).Json()["field"],
            "url");
  EXPECT_EQ(Do("centre.admin", "PUT", path,
               {{"url", "https://x.example/h"}, {"secret", "0123456789abcdef"}, {"x", 1}})
                .Json()["field"],
            "x");
  EXPECT_TRUE(Do("centre.admin", "GET", path).Json()["url"].is_null());

  // Hospital administrators, coordinators and staff may not; the centre itself has none.
  const json body = {{"url", "https://sakura.example.jp/dokuei"},
                     {"secret", "s3cret-s3cret-s3cret"}};
  EXPECT_EQ(Do("sakura.admin", "PUT", path, body).status, 403);
  EXPECT_EQ(Do("coord1", "PUT", path, body).status, 403);
  EXPECT_EQ(Do("sakura.staff", "GET", path).status, 403);
  EXPECT_EQ(Do("centre.admin", "PUT", "/api/tenants/reading-centre/webhook", body).Json()["field"],
            "tenant");
  EXPECT_EQ(Do("centre.admin", "PUT", "/api/tenants/no-such/webhook", body).status, 404);

  auto put = Do("centre.admin", "PUT", path, body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["url"], "https://sakura.example.jp/dokuei");
  EXPECT_EQ(put.Json()["secret_set"], true);
  EXPECT_EQ(put.Json()["updated_by"], "centre.admin");
  EXPECT_EQ(put.body.find("s3cret"), std::string::npos);
  auto got = Do("centre.admin", "GET", path);
  EXPECT_EQ(got.Json()["url"], "https://sakura.example.jp/dokuei");
  EXPECT_EQ(got.body.find("s3cret"), std::string::npos);
  // Sent with the secret it was given (opened from its sealed form).
  auto send = hooks_->For(sakura_.id);
  ASSERT_TRUE(send.ok()) << send.status().ToString();
  ASSERT_EQ(send->size(), 1u);
  EXPECT_EQ((*send)[0].secret, "s3cret-s3cret-s3cret");
  // Loopback http is allowed (a local relay).
  EXPECT_EQ(Do("centre.admin", "PUT", "/api/tenants/kaede/webhook",
               {{"url", "http://127.0.0.1:8080/hook"}, {"secret", "0123456789abcdef"}})
                .status,
            200);

  EXPECT_EQ(Do("centre.admin", "DELETE", path).status, 204);
  EXPECT_TRUE(Do("centre.admin", "GET", path).Json()["url"].is_null());
  EXPECT_EQ(Do("centre.admin", "DELETE", path).status, 204);  // idempotent

  std::vector<std::string> audited;
  for (const auto& r : NewRecords()) {
    if (r.event.action.rfind("tenant.webhook", 0) != 0) continue;
    audited.push_back(r.event.action);
    EXPECT_EQ(r.event.message.find("s3cret"), std::string::npos);
  }
  EXPECT_EQ(audited, (std::vector<std::string>{"tenant.webhook_set", "tenant.webhook_set",
                                               "tenant.webhook_remove"}));
}

DOKUEI_API_BACKENDS(WebhookApiTest);

}  // namespace
}  // namespace dokuei::api::testing
