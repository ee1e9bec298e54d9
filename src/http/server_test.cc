#include "dokuei/http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "dokuei/base/digest.h"
#include "dokuei/base/env.h"
#include "dokuei/base/random.h"
#include "dokuei/http/problem.h"
#include "test_client.h"

// Routes are built as aggregates here; the fields left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace dokuei::http {
namespace {

using testing::RawClient;

constexpr char kToken[] = "tok-tenant-1";
constexpr char kAuth[] = "Authorization: Bearer tok-tenant-1\r\n";

std::atomic<int> g_consumers_destroyed{0};
std::atomic<int> g_consumers_finished{0};

// Counts the body and hashes it; refuses a Content-Type other than application/x-ok.
class HashConsumer final : public BodyConsumer {
 public:
  ~HashConsumer() override { ++g_consumers_destroyed; }
  base::Status Consume(std::string_view data) override {
    if (data.empty()) return base::Internal("empty chunk");
    n_ += data.size();
    sha_.Update(data);
    return base::Status::Ok();
  }
  base::Result<Response> Finish() override {
    ++g_consumers_finished;
    return Response::Bytes(200, "text/plain", std::to_string(n_) + " " + sha_.FinishHex());
  }

 private:
  uint64_t n_ = 0;
  base::Sha256 sha_;
};

// HEAD + a byte range of a file (sendfile) + TAIL.
class FileSource final : public BodySource {
 public:
  FileSource(std::unique_ptr<base::RandomAccessFile> file, bool known_length, bool fail_midway)
      : file_(std::move(file)), known_length_(known_length), fail_(fail_midway) {}
  std::optional<uint64_t> ContentLength() const override {
    if (!known_length_) return std::nullopt;
    return 4 + file_->Size() + 4;
  }
  base::Result<bool> Next(Piece& piece, bool allow_file) override {
    switch (step_++) {
      case 0:
        piece.bytes = "HEAD";
        return true;
      case 1:
        if (fail_) return base::DataLoss("blob vanished");
        if (allow_file && file_->NativeHandle() >= 0) {
          piece.fd = file_->NativeHandle();
          piece.offset = 0;
          piece.length = file_->Size();
        } else {
          piece.bytes.resize(file_->Size());
          auto r = file_->Read(0, {reinterpret_cast<uint8_t*>(piece.bytes.data()),
                                   piece.bytes.size()});
          if (!r.ok()) return r.status();
        }
        return true;
      case 2:
        piece.bytes = "TAIL";
        return true;
      default:
        return false;
    }
  }

 private:
  std::unique_ptr<base::RandomAccessFile> file_;
  bool known_length_;
  bool fail_;
  int step_ = 0;
};

// A NonBlocking source (called on the I/O thread): `parts` pieces, each "<i>|" followed by a
// 1000-byte range of the file at offset 997*i (a file piece on plain TCP), then extra byte pieces
// of `big` bytes each; optionally declaring a Content-Length `lie` bytes short.
class InlineSource final : public BodySource {
 public:
  InlineSource(std::unique_ptr<base::RandomAccessFile> file, int parts, int bigs, size_t big,
               bool known_length, uint64_t lie)
      : file_(std::move(file)),
        parts_(parts),
        bigs_(bigs),
        big_(big),
        known_(known_length),
        lie_(lie) {}
  static std::string Expected(const std::string& content, int parts, int bigs, size_t big) {
    std::string out;
    for (int i = 0; i < parts; ++i) {
      out += std::to_string(i) + "|" + content.substr(Offset(content.size(), i), 1000);
    }
    for (int i = 0; i < bigs; ++i) out += std::string(big, static_cast<char>('a' + i % 26));
    return out;
  }
  std::optional<uint64_t> ContentLength() const override {
    if (!known_) return std::nullopt;
    uint64_t n = 0;
    for (int i = 0; i < parts_; ++i) n += std::to_string(i).size() + 1 + 1000;
    return n + uint64_t{big_} * bigs_ - lie_;
  }
  bool NonBlocking(bool allow_file) const override { return allow_file || parts_ == 0; }
  base::Result<bool> Next(Piece& piece, bool allow_file) override {
    if (step_ < 2 * parts_) {
      const int i = step_ / 2;
      if (step_++ % 2 == 0) {
        piece.bytes = std::to_string(i) + "|";
        return true;
      }
      const uint64_t offset = Offset(file_->Size(), i);
      if (allow_file) {
        piece.fd = file_->NativeHandle();
        piece.offset = offset;
        piece.length = 1000;
        return true;
      }
      piece.bytes.resize(1000);
      auto r = file_->Read(offset, {reinterpret_cast<uint8_t*>(piece.bytes.data()), 1000});
      if (!r.ok()) return r.status();
      return true;
    }
    const int b = step_++ - 2 * parts_;
    if (b >= bigs_) return false;
    piece.bytes.assign(big_, static_cast<char>('a' + b % 26));
    return true;
  }

 private:
  static uint64_t Offset(uint64_t size, int i) { return (997ull * i) % (size - 1000); }
  std::unique_ptr<base::RandomAccessFile> file_;
  int parts_, bigs_;
  size_t big_;
  bool known_;
  uint64_t lie_;
  int step_ = 0;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/tmp/dokuei-http-test-" + base::RandomHex(6);
    ASSERT_TRUE(base::CreateDirs(base::PosixEnv(), dir_).ok());
    file_path_ = dir_ + "/blob";
    file_content_.resize(3 * 1024 * 1024 + 17);
    base::RandomBytes(file_content_.data(), file_content_.size());
    ASSERT_TRUE(base::WriteFileAtomically(base::PosixEnv(), file_path_, file_content_).ok());

    auto add = [&](Route r) { ASSERT_TRUE(routes_.Add(std::move(r)).ok()); };
    Route pub{"GET", "/public", [](Request&) -> base::Result<Response> {
                return Response::Bytes(200, "text/plain", "pub");
              }, nullptr};
    pub.authenticate = false;
    add(std::move(pub));
    add(Route{"GET", "/items/{id}", [](Request& r) -> base::Result<Response> {
                std::string out = std::string(r.Param("id")) + "|" +
                                  std::to_string(r.principal.tenant_id) + "|" + r.lang;
                for (auto& [k, v] : r.query) out += "|" + k + "=" + v;
                return Response::Bytes(200, "text/plain", out);
              }});
    add(Route{"DELETE", "/items/{id}", [](Request&) -> base::Result<Response> {
                return base::NotFound("nothing");
              }});
    Route admin{"GET", "/admin", [](Request&) -> base::Result<Response> {
                  return Response::Bytes(200, "text/plain", "secret");
                }};
    admin.permission = "admin";
    add(std::move(admin));
    Route small{"POST", "/small", [](Request& r) -> base::Result<Response> {
                  return Response::Bytes(200, "text/plain", std::to_string(r.body.size()));
                }};
    small.body_limit = 1024;
    add(std::move(small));
    Route stream{"POST", "/stream", nullptr,
                 [](Request& r) -> base::Result<std::unique_ptr<BodyConsumer>> {
                   if (r.Header("Content-Type") != "application/x-ok") {
                     return base::Unsupported("wrong type", "Content-Type");
                   }
                   return std::unique_ptr<BodyConsumer>(new HashConsumer);
                 }};
    stream.body_limit = 64ull << 20;
    add(std::move(stream));
    add(Route{"GET", "/file", [this](Request& r) -> base::Result<Response> {
                auto f = base::PosixEnv().OpenForRead(file_path_);
                if (!f.ok()) return f.status();
                Response res;
                res.headers.Set("Content-Type", "application/octet-stream");
                res.stream = std::make_unique<FileSource>(std::move(f).value(),
                                                          !r.Query("chunked").has_value(),
                                                          r.Query("fail").has_value());
                return res;
              }});
    // /inline?parts=N&bigs=M&big=BYTES[&chunked][&lie=K]
    add(Route{"GET", "/inline", [this](Request& r) -> base::Result<Response> {
                auto f = base::PosixEnv().OpenForRead(file_path_);
                if (!f.ok()) return f.status();
                auto num = [&r](const char* name) {
                  auto v = r.Query(name);
                  return v ? std::stoull(std::string(*v)) : 0ull;
                };
                Response res;
                res.headers.Set("Content-Type", "application/octet-stream");
                res.stream = std::make_unique<InlineSource>(
                    std::move(f).value(), static_cast<int>(num("parts")),
                    static_cast<int>(num("bigs")), num("big"), !r.Query("chunked").has_value(),
                    num("lie"));
                return res;
              }});
    add(Route{"GET", "/throws",
              [](Request&) -> base::Result<Response> { throw std::runtime_error("boom"); }});

    StaticToken t{StaticTokenAuthenticator::HashToken(kToken), 1, "alice", {"dicomweb.read"}};
    auth_ = std::make_unique<StaticTokenAuthenticator>(std::vector<StaticToken>{t});
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(ServerOptions o = {}) {
    o.listen = "127.0.0.1:0";
    o.header_timeout = std::chrono::milliseconds(1500);
    o.read_timeout = std::chrono::milliseconds(1500);
    o.shutdown_grace = std::chrono::milliseconds(2000);
    server_ = std::make_unique<Server>(o, routes_, auth_.get());
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  RawClient::Result Exchange(const std::string& request) {
    RawClient c(server_->port());
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(request));
    return c.ReadResponse();
  }

  static nlohmann::json Json(const RawClient::Result& r) {
    return nlohmann::json::parse(r.res.body(), nullptr, false);
  }

  std::string dir_, file_path_, file_content_;
  RouteTable routes_;
  std::unique_ptr<StaticTokenAuthenticator> auth_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, PublicRouteNeedsNoToken) {
  Start();
  auto r = Exchange("GET /public HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 200);
  EXPECT_EQ(r.res.body(), "pub");
  EXPECT_EQ(r.res[boost::beast::http::field::server], "Dokuei");
}

TEST_F(ServerTest, MissingOrBadTokenIs401WithoutData) {
  Start();
  auto r = Exchange("GET /items/42 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 401);
  EXPECT_EQ(r.res["WWW-Authenticate"], "Bearer realm=\"dokuei\"");
  EXPECT_EQ(r.res["Content-Type"], "application/problem+json");
  auto j = Json(r);
  EXPECT_EQ(j["type"], "https://dokuei.example/problems/unauthenticated");
  EXPECT_EQ(j["title"], "認証が必要です");
  EXPECT_EQ(r.res.body().find("42"), std::string::npos);

  r = Exchange("GET /items/42 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
               "Accept-Language: en-US,en;q=0.9\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 401);
  EXPECT_EQ(Json(r)["title"], "Authentication required");
}

TEST_F(ServerTest, AuthenticatedRequestSeesParamsPrincipalAndQuery) {
  Start();
  auto r = Exchange(std::string("GET /items/a%20b?PatientName=%E5%B1%B1*&limit=5 HTTP/1.1\r\n"
                                "Host: x\r\n") + kAuth + "\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 200);
  EXPECT_EQ(r.res.body(), "a b|1|ja|PatientName=山*|limit=5");
}

TEST_F(ServerTest, PermissionDeniedIs403) {
  Start();
  auto r = Exchange(std::string("GET /admin HTTP/1.1\r\nHost: x\r\n") + kAuth + "\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 403);
  EXPECT_EQ(r.res.body().find("secret"), std::string::npos);
}

TEST_F(ServerTest, UnknownRouteAndWrongMethod) {
  Start();
  auto r = Exchange("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 404);
  EXPECT_EQ(Json(r)["type"], "https://dokuei.example/problems/not-found");
  r = Exchange("PUT /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 405);
  EXPECT_EQ(r.res["Allow"], "GET, DELETE");
  EXPECT_EQ(r.res["Content-Type"], "application/problem+json");
}

TEST_F(ServerTest, HugeDeclaredLengthIs413BeforeReadingTheBody) {
  Start();
  RawClient c(server_->port());
  // Only the header is sent: if the server waited for the body this would time out.
  ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                     "Content-Type: application/x-ok\r\nContent-Length: 4294967296\r\n\r\n"));
  auto start = std::chrono::steady_clock::now();
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 413);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  EXPECT_EQ(Json(r)["field"], "Content-Length");
  EXPECT_FALSE(r.res.keep_alive());
  // Unauthenticated clients get the same cheap refusal.
  auto u = Exchange("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
  ASSERT_TRUE(u.ok);
  EXPECT_EQ(u.res.result_int(), 413);
  // A length that does not even parse is a bad request.
  auto b = Exchange("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999999999999999"
                    "\r\n\r\n");
  ASSERT_TRUE(b.ok);
  EXPECT_EQ(b.res.result_int(), 400);
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  Start();
  std::string chunk(800, 'x');
  std::string req = std::string("POST /small HTTP/1.1\r\nHost: x\r\n") + kAuth +
                    "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "320\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  auto r = Exchange(req);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 413);
  // Within the limit it is accepted.
  r = Exchange(std::string("POST /small HTTP/1.1\r\nHost: x\r\n") + kAuth +
               "Transfer-Encoding: chunked\r\n\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.body(), "800");
}

TEST_F(ServerTest, MalformedRequestsAre400) {
  Start();
  auto r = Exchange("THIS IS NOT HTTP\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 400);
  EXPECT_EQ(r.res["Content-Type"], "application/problem+json");
  r = Exchange("GET /items/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 400);
  r = Exchange("GET /public?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 400);
  r = Exchange("GET /public HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
               "\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 413);
}

TEST_F(ServerTest, StreamingUploadWithExpectContinue) {
  Start();
  std::string body(10 * 1024 * 1024 + 3, '\0');
  base::RandomBytes(body.data(), body.size());
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                     "Content-Type: application/x-ok\r\nExpect: 100-continue\r\n"
                     "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  std::string interim = c.ReadHead();
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.Send(body));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 200);
  EXPECT_EQ(r.res.body(), std::to_string(body.size()) + " " + base::Sha256Hex(body));
}

TEST_F(ServerTest, StreamingUploadChunkedAndRefusedType) {
  Start();
  std::string req = std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                    "Content-Type: application/x-ok\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  Start();
  auto r = Exchange(req);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.body(), "11 " + base::Sha256Hex("hello world"));
  // Refused by the stream handler before any body byte is read (Expect: 100-continue is not
  // answered with 100).
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                     "Content-Type: text/plain\r\nExpect: 100-continue\r\n"
                     "Content-Length: 1000000\r\n\r\n"));
  auto refused = c.ReadResponse();
  ASSERT_TRUE(refused.ok);
  EXPECT_EQ(refused.res.result_int(), 415);
  EXPECT_EQ(Json(refused)["field"], "Content-Type");
}

TEST_F(ServerTest, StalledUploadIsDroppedAndDiscarded) {
  Start();  // read_timeout 1.5 s
  int destroyed = g_consumers_destroyed, finished = g_consumers_finished;
  RawClient c(server_->port(), 6000);
  ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                     "Content-Type: application/x-ok\r\nContent-Length: 10000000\r\n\r\n" +
                     std::string(3 * 1024 * 1024, 'a')));  // then nothing
  auto start = std::chrono::steady_clock::now();
  std::string rest = c.ReadAll();  // the server closes the connection
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(1000));
  EXPECT_LT(waited, std::chrono::milliseconds(5000));
  // Another client is served meanwhile and afterwards.
  EXPECT_TRUE(Exchange("GET /public HTTP/1.1\r\nHost: x\r\n\r\n").ok);
  for (int i = 0; i < 100 && g_consumers_destroyed == destroyed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(g_consumers_destroyed, destroyed + 1);
  EXPECT_EQ(g_consumers_finished, finished);  // never completed: discarded, not finished
}

TEST_F(ServerTest, ClientAbortMidBodyDiscardsTheConsumer) {
  Start();
  int destroyed = g_consumers_destroyed, finished = g_consumers_finished;
  {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                       "Content-Type: application/x-ok\r\nContent-Length: 10000000\r\n\r\n" +
                       std::string(5 * 1024 * 1024 + 7, 'b')));
  }  // closed
  for (int i = 0; i < 200 && g_consumers_destroyed == destroyed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(g_consumers_destroyed, destroyed + 1);
  EXPECT_EQ(g_consumers_finished, finished);
}

TEST_F(ServerTest, KeepAliveAfterStreamedUploadWithPipelining) {
  Start();
  RawClient c(server_->port());
  std::string body(3 * 1024 * 1024 + 5, 'z');
  // The next request is pipelined right behind the body: the raw body read must stop exactly at
  // the declared length.
  ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                     "Content-Type: application/x-ok\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body +
                     "GET /public HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.body(), std::to_string(body.size()) + " " + base::Sha256Hex(body));
  EXPECT_TRUE(r.res.keep_alive());
  auto next = c.ReadResponse();
  ASSERT_TRUE(next.ok);
  EXPECT_EQ(next.res.body(), "pub");
  // A small body that arrived together with its header.
  ASSERT_TRUE(c.Send(std::string("POST /stream HTTP/1.1\r\nHost: x\r\n") + kAuth +
                     "Content-Type: application/x-ok\r\nContent-Length: 5\r\n\r\nhello"));
  auto small = c.ReadResponse();
  ASSERT_TRUE(small.ok);
  EXPECT_EQ(small.res.body(), "5 " + base::Sha256Hex("hello"));
}

TEST_F(ServerTest, FileBodyWithContentLengthAndChunked) {
  Start();
  for (const char* q : {"", "?chunked=1"}) {
    auto r = Exchange(std::string("GET /file") + q + " HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n");
    ASSERT_TRUE(r.ok) << q;
    EXPECT_EQ(r.res.result_int(), 200);
    EXPECT_EQ(r.res.body().size(), file_content_.size() + 8);
    EXPECT_TRUE(r.res.body() == "HEAD" + file_content_ + "TAIL") << q;
    EXPECT_EQ(r.res.chunked(), *q != 0);
  }
}

TEST_F(ServerTest, NonBlockingSourceOnTheIoThread) {
  Start();
  RawClient c(server_->port());
  // Thousands of small byte pieces between file pieces (sent without a thread hand-off, the
  // stack unwound now and then), with and without a Content-Length, then on the same connection
  // a body far larger than the socket buffers (sent partly at once, the rest asynchronously).
  for (const char* q : {"parts=3000", "parts=3000&chunked", "parts=2&bigs=24&big=524288",
                        "bigs=40&big=100000&chunked"}) {
    SCOPED_TRACE(q);
    auto num = [&](const char* name) {
      std::string s(q);
      size_t at = s.find(std::string(name) + "=");
      return at == std::string::npos ? 0 : std::stoi(s.substr(at + std::strlen(name) + 1));
    };
    ASSERT_TRUE(
        c.Send(std::string("GET /inline?") + q + " HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the buffers fill
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.res.result_int(), 200);
    EXPECT_EQ(r.res.chunked(), std::string(q).find("chunked") != std::string::npos);
    const std::string expected =
        InlineSource::Expected(file_content_, num("parts"), num("bigs"), num("big"));
    EXPECT_EQ(r.res.body().size(), expected.size());
    EXPECT_TRUE(r.res.body() == expected);
  }
  // A body longer than its Content-Length is cut off.
  auto lie =
      Exchange(std::string("GET /inline?parts=10&lie=5 HTTP/1.1\r\nHost: x\r\n") + kAuth + "\r\n");
  EXPECT_FALSE(lie.ok);
}

TEST_F(ServerTest, FailureMidStreamAbortsTheConnection) {
  Start();
  auto r = Exchange(std::string("GET /file?fail=1 HTTP/1.1\r\nHost: x\r\n") + kAuth + "\r\n");
  EXPECT_FALSE(r.ok);  // incomplete body, connection closed
  auto again = Exchange("GET /public HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(again.ok);
  EXPECT_EQ(again.res.result_int(), 200);
}

TEST_F(ServerTest, HandlerExceptionIs500) {
  Start();
  auto r = Exchange(std::string("GET /throws HTTP/1.1\r\nHost: x\r\n") + kAuth + "\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 500);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  Start();
  RawClient c(server_->port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(std::string("GET /items/") + std::to_string(i) +
                       " HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.res.body(), std::to_string(i) + "|1|ja");
  }
  // Pipelined.
  ASSERT_TRUE(c.Send("GET /public HTTP/1.1\r\nHost: x\r\n\r\nGET /public HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n"));
  EXPECT_TRUE(c.ReadResponse().ok);
  auto last = c.ReadResponse();
  ASSERT_TRUE(last.ok);
  EXPECT_FALSE(last.res.keep_alive());
}

TEST_F(ServerTest, CorsOnlyWhenConfigured) {
  Start();
  auto r = Exchange("GET /public HTTP/1.1\r\nHost: x\r\nOrigin: https://viewer.example\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.count("Access-Control-Allow-Origin"), 0u);
  server_.reset();
  ServerOptions o;
  o.cors_allowed_origins = {"https://viewer.example"};
  Start(o);
  r = Exchange("GET /public HTTP/1.1\r\nHost: x\r\nOrigin: https://viewer.example\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res["Access-Control-Allow-Origin"], "https://viewer.example");
  r = Exchange("GET /public HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.count("Access-Control-Allow-Origin"), 0u);
  r = Exchange("OPTIONS /items/1 HTTP/1.1\r\nHost: x\r\nOrigin: https://viewer.example\r\n"
               "Access-Control-Request-Method: GET\r\n"
               "Access-Control-Request-Headers: authorization\r\n\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 204);
  EXPECT_EQ(r.res["Access-Control-Allow-Methods"], "GET, DELETE");
  EXPECT_EQ(r.res["Access-Control-Allow-Headers"], "authorization");
  EXPECT_EQ(r.res["Access-Control-Allow-Origin"], "https://viewer.example");
}

TEST_F(ServerTest, SlowClientDoesNotBlockOthersAndTimesOut) {
  Start();
  RawClient slow(server_->port());
  ASSERT_TRUE(slow.Send("GET /public HTTP/1.1\r\nHo"));  // never finishes its header
  for (int i = 0; i < 5; ++i) {
    auto r = Exchange("GET /public HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(r.ok);
  }
  // The server drops the stalled connection after header_timeout.
  auto start = std::chrono::steady_clock::now();
  std::string rest = slow.ReadAll();
  EXPECT_TRUE(rest.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(4000));
}

TEST_F(ServerTest, StopIsPromptWithIdleConnections) {
  Start();
  RawClient idle(server_->port());
  ASSERT_TRUE(idle.Send("GET /public HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.ReadResponse().ok);  // now idle in keep-alive
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
}

// A real client: curl, through a subprocess.
std::string RunCmd(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST_F(ServerTest, CurlClient) {
  Start();
  std::string base = "http://127.0.0.1:" + std::to_string(server_->port());
  EXPECT_EQ(RunCmd("curl -s -H 'Authorization: Bearer " + std::string(kToken) + "' '" + base +
                "/items/x?a=1'"),
            "x|1|ja|a=1");
  EXPECT_EQ(RunCmd("curl -s -o /dev/null -w '%{http_code}' " + base + "/items/x"), "401");
  // Upload > 1 MiB: curl uses Expect: 100-continue.
  std::string up = RunCmd("curl -s -H 'Authorization: Bearer " + std::string(kToken) +
                       "' -H 'Content-Type: application/x-ok' --data-binary @" + file_path_ +
                       " " + base + "/stream");
  EXPECT_EQ(up, std::to_string(file_content_.size()) + " " + base::Sha256Hex(file_content_));
  std::string got = RunCmd("curl -s -H 'Authorization: Bearer " + std::string(kToken) + "' " + base +
                        "/file");
  EXPECT_TRUE(got == "HEAD" + file_content_ + "TAIL");
}

}  // namespace
}  // namespace dokuei::http
