// CSRF check for cookie-authenticated state changes (security.md A8), through a real Server.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dokuei/http/auth.h"
#include "dokuei/http/server.h"
#include "test_client.h"

// Routes are built as aggregates here; the fields left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace dokuei::http {
namespace {

using testing::RawClient;

constexpr char kCsrf[] = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

// "Cookie: s=1" authenticates as a session with kCsrf; "Authorization: Bearer t" as a token.
class FakeAuthenticator final : public Authenticator {
 public:
  base::Result<Principal> Authenticate(const RequestView& request) override {
    if (request.Header("X-Fail") == "unavailable")
      return base::Unavailable("db down: secret detail");
    if (request.Header("X-Fail") == "odd") return base::InvalidArgument("odd");
    Principal p;
    p.tenant_id = 1;
    p.permissions = {"*"};
    if (request.Header("Cookie") == "s=1") {
      p.subject = "alice";
      p.via = Principal::Via::kSession;
      p.csrf_token = kCsrf;
      return p;
    }
    if (request.Header("Authorization") == "Bearer t") {
      p.subject = "token:t";
      p.via = Principal::Via::kBearer;
      return p;
    }
    return base::Unauthenticated("no credentials");
  }
};

class CsrfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* method : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}) {
      ASSERT_TRUE(routes_
                      .Add(Route{method, "/thing",
                                 [this](Request& r) -> base::Result<Response> {
                                   ++calls_;
                                   return Response::Bytes(200, "text/plain", r.principal.subject);
                                 }})
                      .ok());
    }
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    server_ = std::make_unique<Server>(o, routes_, &auth_);
    ASSERT_TRUE(server_->Start().ok());
  }

  RawClient::Result Send(const std::string& method, const std::string& headers) {
    RawClient c(server_->port());
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(
        c.Send(method + " /thing HTTP/1.1\r\nHost: x\r\n" + headers + "Content-Length: 0\r\n\r\n"));
    return c.ReadResponse(method == "HEAD");
  }

  RouteTable routes_;
  FakeAuthenticator auth_;
  std::unique_ptr<Server> server_;
  std::atomic<int> calls_{0};
};

TEST_F(CsrfTest, SessionStateChangesNeedTheToken) {
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    SCOPED_TRACE(method);
    const int before = calls_;
    auto missing = Send(method, "Cookie: s=1\r\n");
    ASSERT_TRUE(missing.ok);
    EXPECT_EQ(missing.res.result_int(), 403);
    EXPECT_EQ(missing.res["Content-Type"], "application/problem+json");
    auto j = nlohmann::json::parse(missing.res.body());
    EXPECT_EQ(j["type"], "https://dokuei.example/problems/permission-denied");
    EXPECT_EQ(j["field"], "X-CSRF-Token");
    EXPECT_NE(j["detail"].get<std::string>().find("CSRF トークン"), std::string::npos);

    std::string wrong = kCsrf;
    wrong.back() = '1';
    auto bad = Send(method, "Cookie: s=1\r\nX-CSRF-Token: " + wrong + "\r\n");
    ASSERT_TRUE(bad.ok);
    EXPECT_EQ(bad.res.result_int(), 403);
    auto shorter = Send(method, "Cookie: s=1\r\nX-CSRF-Token: c0ffee\r\n");
    EXPECT_EQ(shorter.res.result_int(), 403);
    EXPECT_EQ(calls_, before) << "a refused request must not reach the handler";

    auto good = Send(method, std::string("Cookie: s=1\r\nX-CSRF-Token: ") + kCsrf + "\r\n");
    ASSERT_TRUE(good.ok);
    EXPECT_EQ(good.res.result_int(), 200);
    EXPECT_EQ(good.res.body(), "alice");
    EXPECT_EQ(calls_, before + 1);
  }
}

TEST_F(CsrfTest, EnglishProblemWhenPreferred) {
  auto r = Send("POST", "Cookie: s=1\r\nAccept-Language: en\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 403);
  auto j = nlohmann::json::parse(r.res.body());
  EXPECT_NE(j["detail"].get<std::string>().find("CSRF token"), std::string::npos);
  EXPECT_EQ(r.res["Content-Language"], "en");
}

TEST_F(CsrfTest, SafeMethodsAndBearerTokensNeedNoToken) {
  auto get = Send("GET", "Cookie: s=1\r\n");
  EXPECT_EQ(get.res.result_int(), 200);
  auto head = Send("HEAD", "Cookie: s=1\r\n");
  EXPECT_EQ(head.res.result_int(), 200);
  for (const char* method : {"POST", "DELETE"}) {
    auto r = Send(method, "Authorization: Bearer t\r\n");
    EXPECT_EQ(r.res.result_int(), 200) << method;
    EXPECT_EQ(r.res.body(), "token:t");
  }
}

// Not CSRF, but the same hook: an authenticator that cannot decide (its database or the audit
// log is down) fails the request with 503 and no detail; other errors count as bad credentials.
TEST_F(CsrfTest, AuthenticatorFailuresAreNotBadCredentials) {
  auto r = Send("GET", "X-Fail: unavailable\r\n");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.res.result_int(), 503);
  EXPECT_EQ(r.res.body().find("secret detail"), std::string::npos);
  r = Send("GET", "X-Fail: odd\r\n");
  EXPECT_EQ(r.res.result_int(), 401);
  EXPECT_EQ(calls_, 0);
}

TEST(CsrfCheck, RulesWithoutAServer) {
  Principal session;
  session.via = Principal::Via::kSession;
  session.csrf_token = kCsrf;
  Headers none;
  Headers right;
  right.Add("x-csrf-token", kCsrf);
  EXPECT_TRUE(CsrfRequired("POST", session));
  EXPECT_FALSE(CsrfRequired("GET", session));
  EXPECT_FALSE(CsrfRequired("OPTIONS", session));
  EXPECT_EQ(CheckCsrf("POST", none, session, "ja").code(), base::Code::kPermissionDenied);
  EXPECT_TRUE(CheckCsrf("POST", right, session, "ja").ok());
  // A session principal without a token never matches, not even an empty header.
  Principal empty = session;
  empty.csrf_token.clear();
  Headers blank;
  blank.Add("X-CSRF-Token", "");
  EXPECT_FALSE(CheckCsrf("POST", blank, empty, "en").ok());
  Principal bearer;
  bearer.via = Principal::Via::kBearer;
  EXPECT_TRUE(CheckCsrf("DELETE", none, bearer, "ja").ok());
  Principal unknown;  // Via::kNone (e.g. an authenticator that says nothing): not a cookie
  EXPECT_TRUE(CheckCsrf("POST", none, unknown, "ja").ok());
}

}  // namespace
}  // namespace dokuei::http
