// HTTPS (http::Server with http::MakeServerTlsContext) against security.md T1: scanned with
// sslscan, probed with openssl s_client for what must be refused, and reached by curl and by a
// Boost.Beast client built with http::MakeClientTlsContext.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "dokuei/http/server.h"
#include "dokuei/http/tls.h"
#include "pki.h"
#include "sslscan.h"
#include "test_util.h"

namespace dokuei::tls_test {
namespace {

class HttpsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    pki_ = new Pki(MakePki(&error));
    ASSERT_FALSE(pki_->dir.empty()) << error;
  }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    ASSERT_FALSE(pki_->dir.empty());
    http::Route hello;
    hello.method = "GET";
    hello.pattern = "/hello";
    hello.handler = [](http::Request&) -> base::Result<http::Response> {
      return http::Response::Bytes(200, "text/plain", "hello over tls");
    };
    hello.authenticate = false;
    ASSERT_TRUE(routes_.Add(hello).ok());
    auto ctx = http::MakeServerTlsContext(pki_->server_cert, pki_->server_key);
    ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.tls_context = *ctx;
    server_ = std::make_unique<http::Server>(o, routes_, nullptr);
    ASSERT_TRUE(server_->Start().ok());
    port_ = std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // openssl s_client with the given options; the client's own security level is lowered so that
  // a refusal is the server's.
  Cmd SClient(const std::string& options) {
    return Shell("openssl s_client -connect 127.0.0.1:" + port_ + " -CAfile " + pki_->ca + " " +
                     options + " 2>&1",
                 30);
  }

  static Pki* pki_;
  http::RouteTable routes_;
  std::unique_ptr<http::Server> server_;
  std::string port_;
};
Pki* HttpsTest::pki_ = nullptr;

TEST_F(HttpsTest, SslscanFindsOnlyTheAllowedProtocolsAndCiphers) {
  ASSERT_TRUE(HaveTool("sslscan")) << "install sslscan (scripts/debian-packages.txt)";
  ScanResult scan = Sslscan("127.0.0.1", server_->port());
  std::cout << "sslscan HTTPS 127.0.0.1:" << port_ << "\n" << Summary(scan) << "\n";
  auto violations =
      PolicyViolations(scan, {"x25519", "secp256r1 (NIST P-256)", "secp384r1 (NIST P-384)"});
  EXPECT_TRUE(violations.empty()) << ::testing::PrintToString(violations) << "\n" << scan.xml;
  // The preferred TLS 1.2 suite with an RSA certificate is BCP 195's.
  for (const auto& c : scan.ciphers) {
    if (c.protocol == "TLSv1.2" && c.preferred) {
      EXPECT_EQ(c.name, "ECDHE-RSA-AES128-GCM-SHA256");
    }
  }
}

// The checker itself: a server on OpenSSL's permissive settings must fail it (else the scans
// above could not fail either).
TEST(SslscanPolicy, FlagsAPermissiveServer) {
  ASSERT_TRUE(HaveTool("sslscan")) << "install sslscan (scripts/debian-packages.txt)";
  std::string error;
  Pki pki = MakePki(&error);
  ASSERT_FALSE(pki.dir.empty()) << error;
  int port = dimse_test::FreePort();
  pid_t server = dimse_test::Spawn(
      {"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
       pki.server_cert, "-key", pki.server_key, "-cipher", "ALL:@SECLEVEL=0", "-www"},
      pki.dir + "/s_server.log");
  ScanResult scan;
  for (int i = 0; i < 50 && !scan.ran; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    scan = Sslscan("127.0.0.1", port);
  }
  dimse_test::Kill(server);
  auto violations = PolicyViolations(scan, {"x25519"});
  auto has = [&](const std::string& what) {
    for (const auto& v : violations) {
      if (v.find(what) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("TLSv1.2 cipher AES128-SHA is accepted")) << Summary(scan);
  EXPECT_TRUE(has("DHE-RSA-AES128-GCM-SHA256 is accepted")) << Summary(scan);
  EXPECT_TRUE(has("group TLSv1.3 ffdhe2048")) << Summary(scan);
}

TEST_F(HttpsTest, OldProtocolsAndWeakCiphersAreRefusedByTheServer) {
  Cmd tls11 = SClient("-tls1_1 -cipher DEFAULT@SECLEVEL=0");
  EXPECT_NE(tls11.exit_code, 0) << tls11.output;
  EXPECT_NE(tls11.output.find("alert protocol version"), std::string::npos) << tls11.output;
  Cmd tls10 = SClient("-tls1 -cipher DEFAULT@SECLEVEL=0");
  EXPECT_NE(tls10.exit_code, 0) << tls10.output;
  EXPECT_NE(tls10.output.find("alert protocol version"), std::string::npos) << tls10.output;
  for (const char* weak : {"AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256",
                           "ECDHE-RSA-AES256-SHA", "DHE-RSA-AES128-GCM-SHA256"}) {
    Cmd c = SClient(std::string("-tls1_2 -cipher ") + weak);
    EXPECT_NE(c.exit_code, 0) << weak << "\n" << c.output;
    EXPECT_NE(c.output.find("handshake failure"), std::string::npos) << weak << "\n" << c.output;
  }
  // The positive controls: the same client gets in with what the policy allows.
  Cmd ok12 = SClient("-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 -verify_return_error");
  EXPECT_EQ(ok12.exit_code, 0) << ok12.output;
  EXPECT_NE(ok12.output.find("ECDHE-RSA-AES256-GCM-SHA384"), std::string::npos) << ok12.output;
  Cmd ok13 = SClient("-tls1_3 -verify_return_error");
  EXPECT_EQ(ok13.exit_code, 0) << ok13.output;
  EXPECT_NE(ok13.output.find("TLSv1.3"), std::string::npos) << ok13.output;
  // No session ticket is handed out (nothing to resume, no ticket key to steal).
  EXPECT_EQ(ok13.output.find("TLS session ticket:"), std::string::npos) << ok13.output;
}

TEST_F(HttpsTest, CurlVerifiesTheServerCertificate) {
  Cmd ok = Shell("curl -s --cacert " + pki_->ca + " https://localhost:" + port_ + "/hello", 30);
  EXPECT_EQ(ok.output, "hello over tls");
  Cmd wrong_ca =
      Shell("curl -s --cacert " + pki_->other_ca + " https://localhost:" + port_ + "/hello", 30);
  EXPECT_NE(wrong_ca.exit_code, 0);
  EXPECT_NE(wrong_ca.output, "hello over tls");
}

// GET /hello with a Beast client on a MakeClientTlsContext context.
base::Result<std::string> BeastGet(boost::asio::ssl::context& ctx, uint16_t port) {
  namespace beast = boost::beast;
  namespace asio = boost::asio;
  try {
    asio::io_context ioc;
    asio::ssl::stream<beast::tcp_stream> stream(ioc, ctx);
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    beast::get_lowest_layer(stream).connect(ep);
    stream.handshake(asio::ssl::stream_base::client);
    beast::http::request<beast::http::empty_body> req(beast::http::verb::get, "/hello", 11);
    req.set(beast::http::field::host, "localhost");
    beast::http::write(stream, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buf, res);
    return res.body();
  } catch (const std::exception& e) {
    return base::Unavailable(e.what());
  }
}

TEST_F(HttpsTest, ClientContextVerifiesAgainstItsCa) {
  auto good = http::MakeClientTlsContext(pki_->ca);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  auto body = BeastGet(**good, server_->port());
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "hello over tls");
  auto other = http::MakeClientTlsContext(pki_->other_ca);
  ASSERT_TRUE(other.ok());
  auto refused = BeastGet(**other, server_->port());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("certificate verify failed"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace dokuei::tls_test
