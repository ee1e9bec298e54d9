// The channels over TLS with a certificate made for the test (self-signed for localhost, used as
// its own trust anchor): an HTTPS webhook, SMTP with STARTTLS required; an untrusted certificate
// or a server without STARTTLS is refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "dokuei/base/random.h"
#include "dokuei/base/tls_policy.h"
#include "dokuei/report/notify.h"
#include "dokuei/testing/fake_clock.h"
#include "test_sinks.h"

namespace dokuei::report {
namespace {

class NotifyTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("dokuei-report-tls-" + base::RandomHex(8));
    std::filesystem::create_directories(dir_);
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        Path("server.key") + " -out " + Path("server.pem") + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    ASSERT_TRUE(base::ApplyTlsPolicy(server_.native_handle(), /*server=*/true).ok());
    server_.use_certificate_chain_file(Path("server.pem"));
    server_.use_private_key_file(Path("server.key"), boost::asio::ssl::context::pem);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& f) const { return (dir_ / f).string(); }

  std::filesystem::path dir_;
  boost::asio::ssl::context server_{boost::asio::ssl::context::tls_server};
  dokuei::testing::FakeClock clock_;
};

TEST_F(NotifyTlsTest, HttpsWebhookVerifiesTheServer) {
  testing::HttpsSink sink(server_);
  const std::string url = "https://localhost:" + std::to_string(sink.port()) + "/h";
  WebhookOptions trusted;
  trusted.ca_file = Path("server.pem");
  auto hooks = BeastWebhookSender(trusted);
  const auto ok = hooks->Post({url, "k"}, R"({"event":"critical_result"})", clock_.Now());
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  ASSERT_EQ(sink.bodies().size(), 1u);
  EXPECT_EQ(sink.bodies()[0], R"({"event":"critical_result"})");
  // The system trust store does not know the test certificate.
  EXPECT_EQ(BeastWebhookSender({})->Post({url, "k"}, "{}", clock_.Now()).code(),
            base::Code::kUnavailable);
  EXPECT_EQ(sink.bodies().size(), 1u);
}

TEST_F(NotifyTlsTest, SmtpStartTls) {
  testing::SmtpSink sink(&server_);
  SmtpOptions o;
  o.host = "localhost";
  o.port = sink.port();
  o.from = "noreply@dokuei.example";
  o.starttls = StartTls::kRequired;
  o.ca_file = Path("server.pem");
  auto mail = SmtpMailSender(o, clock_);
  const auto st = mail->Send({"dr@sakura.example.jp", "重要所見", "本文"});
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_TRUE(sink.messages()[0].over_tls);
  // Required but not offered: refused before anything is sent.
  testing::SmtpSink plain;
  o.port = plain.port();
  EXPECT_EQ(SmtpMailSender(o, clock_)->Send({"dr@sakura.example.jp", "s", "b"}).code(),
            base::Code::kUnavailable);
  EXPECT_TRUE(plain.messages().empty());
  // A password is never sent without TLS.
  o.starttls = StartTls::kNever;
  o.username = "dokuei";
  o.password = "secret";
  EXPECT_EQ(SmtpMailSender(o, clock_)->Send({"dr@sakura.example.jp", "s", "b"}).code(),
            base::Code::kUnavailable);
  EXPECT_EQ(SmtpMailSender(o, clock_)->Send({"bad\r\naddress", "s", "b"}).code(),
            base::Code::kInvalidArgument);
}

// AUTH over STARTTLS: PLAIN when the server offers it, else LOGIN; the message follows.
TEST_F(NotifyTlsTest, SmtpAuthPlainOrLoginOverTls) {
  SmtpOptions o;
  o.host = "localhost";
  o.from = "noreply@dokuei.example";
  o.starttls = StartTls::kRequired;
  o.ca_file = Path("server.pem");
  o.username = "dokuei";
  o.password = "secret";
  testing::SmtpSink plain(&server_, "PLAIN LOGIN");
  o.port = plain.port();
  auto st = SmtpMailSender(o, clock_)->Send({"dr@sakura.example.jp", "重要所見", "本文"});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(plain.auths(), (std::vector<std::string>{"PLAIN AGRva3VlaQBzZWNyZXQ="}));
  EXPECT_EQ(plain.messages().size(), 1u);
  testing::SmtpSink login(&server_, "LOGIN");
  o.port = login.port();
  st = SmtpMailSender(o, clock_)->Send({"dr@sakura.example.jp", "重要所見", "本文"});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(login.auths(), (std::vector<std::string>{"LOGIN ZG9rdWVp c2VjcmV0"}));
  ASSERT_EQ(login.messages().size(), 1u);
  EXPECT_TRUE(login.messages()[0].over_tls);
}

}  // namespace
}  // namespace dokuei::report
