// The same server over TLS (the session template with beast::ssl_stream), with a throwaway
// self-signed certificate, driven by curl.
#include <gtest/gtest.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dokuei/base/digest.h"
#include "dokuei/base/random.h"
#include "dokuei/http/server.h"

// Routes are built as aggregates here; the fields left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace dokuei::http {
namespace {

class CountingConsumer final : public BodyConsumer {
 public:
  base::Status Consume(std::string_view d) override {
    sha_.Update(d);
    n_ += d.size();
    return base::Status::Ok();
  }
  base::Result<Response> Finish() override {
    return Response::Bytes(200, "text/plain", std::to_string(n_) + " " + sha_.FinishHex());
  }

 private:
  uint64_t n_ = 0;
  base::Sha256 sha_;
};

// Byte pieces in memory, NonBlocking: gathered and written from the I/O thread through TLS.
class MemorySource final : public BodySource {
 public:
  bool NonBlocking(bool) const override { return true; }
  base::Result<bool> Next(Piece& piece, bool) override {
    if (i_ == 300) return false;
    piece.bytes.assign(10000 + i_, static_cast<char>('a' + i_ % 26));
    ++i_;
    return true;
  }
  static std::string Expected() {
    std::string out;
    for (int i = 0; i < 300; ++i) out.append(10000 + i, static_cast<char>('a' + i % 26));
    return out;
  }

 private:
  int i_ = 0;
};

std::string Sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[65536];
  size_t n;
  while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  if (p) ::pclose(p);
  return out;
}

TEST(Tls, ServesRequestsAndStreamedUploadsOverTls) {
  std::string dir = "/tmp/dokuei-tls-test-" + base::RandomHex(6);
  std::filesystem::create_directories(dir);
  Sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
     "-subj /CN=localhost -keyout " + dir + "/key.pem -out " + dir + "/cert.pem 2>/dev/null");
  ASSERT_TRUE(std::filesystem::exists(dir + "/cert.pem"));
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  ctx->set_options(boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                   boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
  ctx->use_certificate_chain_file(dir + "/cert.pem");
  ctx->use_private_key_file(dir + "/key.pem", boost::asio::ssl::context::pem);

  RouteTable routes;
  Route get{"GET", "/hello", [](Request&) -> base::Result<Response> {
              return Response::Bytes(200, "text/plain", "hello over tls");
            }, nullptr};
  get.authenticate = false;
  ASSERT_TRUE(routes.Add(get).ok());
  Route up{"POST", "/up", nullptr, [](Request&) -> base::Result<std::unique_ptr<BodyConsumer>> {
             return std::unique_ptr<BodyConsumer>(new CountingConsumer);
           }};
  up.authenticate = false;
  up.body_limit = 64 << 20;
  ASSERT_TRUE(routes.Add(up).ok());
  Route pieces{"GET", "/pieces", [](Request&) -> base::Result<Response> {
                 Response res;
                 res.headers.Set("Content-Type", "application/octet-stream");
                 res.stream = std::make_unique<MemorySource>();
                 return res;
               }, nullptr};
  pieces.authenticate = false;
  ASSERT_TRUE(routes.Add(pieces).ok());
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.tls_context = ctx;
  Server server(o, routes, nullptr);
  ASSERT_TRUE(server.Start().ok());
  std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(Sh("curl -sk " + base + "/hello"), "hello over tls");
  EXPECT_EQ(Sh("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
               std::to_string(server.port()) + "/hello"),
            "000");  // plain HTTP is not spoken on a TLS port

  std::string payload(5 * 1024 * 1024 + 11, '\0');
  base::RandomBytes(payload.data(), payload.size());
  std::ofstream(dir + "/payload", std::ios::binary) << payload;
  EXPECT_EQ(Sh("curl -sk --data-binary @" + dir + "/payload " + base + "/up"),
            std::to_string(payload.size()) + " " + base::Sha256Hex(payload));
  EXPECT_TRUE(Sh("curl -sk " + base + "/pieces") == MemorySource::Expected());
  // Keep-alive across two requests on one TLS connection.
  EXPECT_EQ(Sh("curl -sk " + base + "/hello " + base + "/hello"), "hello over tlshello over tls");
  server.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dokuei::http
