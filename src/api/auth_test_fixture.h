// Shared fixture for the api tests: a real http::Server in process on 127.0.0.1:0 with the /api
// authentication routes, the real identity services and the real audit log, on SQLite in memory,
// SQLite in a file, and PostgreSQL when DOKUEI_TEST_PG_CONNINFO is set (a schema per test, dropped
// afterwards; scripts/with-postgres.sh sets DOKUEI_TEST_PG_REQUIRED=1, where a missing server
// fails instead of skipping). Time is a FakeClock shared by identity and audit.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dokuei/api/api.h"
#include "dokuei/base/random.h"
#include "dokuei/db/db.h"
#include "dokuei/http/server.h"
#include "dokuei/identity/identity.h"
#include "dokuei/index/index.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::api::auth_testing {

using ::dokuei::testing::Backend;
using ::dokuei::testing::BackendName;
using ::dokuei::testing::PgAdmin;

using Json = nlohmann::json;

// An AuditLog that forwards to the real one until told to fail (every append then fails, as
// when the database refuses the audit table).
class SwitchableAuditLog final : public audit::AuditLog {
 public:
  explicit SwitchableAuditLog(audit::AuditLog& inner) : inner_(inner) {}
  void set_failing(bool f) { failing_ = f; }
  base::Result<audit::Record> Append(audit::Event event) override {
    if (failing_) return base::Unavailable("injected audit failure");
    return inner_.Append(std::move(event));
  }
  base::Result<audit::Record> AppendIn(db::Conn& conn, audit::Event event) override {
    if (failing_) return base::Unavailable("injected audit failure");
    return inner_.AppendIn(conn, std::move(event));
  }
  base::Result<std::vector<audit::Record>> Search(const audit::Query& q) override {
    return inner_.Search(q);
  }
  base::Result<audit::VerifyResult> Verify() override { return inner_.Verify(); }
  base::Result<int64_t> Purge() override { return inner_.Purge(); }

 private:
  audit::AuditLog& inner_;
  std::atomic<bool> failing_{false};
};

inline constexpr char kGoodPassword[] = "Kawasemi-no-mizube-2031";
inline constexpr char kOtherPassword[] = "Tsubame-ga-kaeru-hi-77";
inline constexpr char kStaticToken[] = "static-gateway-token-0123456789";

struct Reply {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-case names
  Json json() const { return Json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  // The value of the session cookie set by this reply ("" when none).
  std::string Cookie() const {
    auto it = headers.find("set-cookie");
    if (it == headers.end()) return {};
    const std::string& v = it->second;
    const std::string prefix = "dokuei_session=";
    if (v.rfind(prefix, 0) != 0) return {};
    return v.substr(prefix.size(), v.find(';') - prefix.size());
  }
};

// A signed-in browser: the cookie and the CSRF token.
struct Browser {
  std::string cookie;
  std::string csrf;
};

class ApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  base::Result<std::shared_ptr<db::Database>> OpenDatabase();

  // One HTTP exchange on a new connection. `headers` are added as given.
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {});
  Reply Post(const std::string& target, const Json& body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return Call("POST", target, body.dump(), headers);
  }
  // Cookie (and, unless csrf is false, X-CSRF-Token) of a browser session.
  static std::vector<std::pair<std::string, std::string>> As(const Browser& b, bool csrf = true) {
    std::vector<std::pair<std::string, std::string>> h{{"Cookie", "dokuei_session=" + b.cookie}};
    if (csrf) h.emplace_back("X-CSRF-Token", b.csrf);
    return h;
  }
  static std::vector<std::pair<std::string, std::string>> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  identity::Tenant MakeTenant(const std::string& code,
                              identity::TenantKind kind = identity::TenantKind::kHospital);
  identity::User MakeUser(const identity::Tenant& t, const std::string& login,
                          std::vector<identity::Role> roles,
                          const std::string& password = kGoodPassword);
  // The current TOTP code of a base32 secret at the fake clock's time.
  std::string Code(const std::string& secret_b32);
  // Enrols through identity directly; returns the secret. Advances the clock one step.
  std::string Enrol(int64_t user_id);
  // Signs in through the API (with the second factor when `secret` is given); fails the test
  // unless it works. Advances the clock one TOTP step after a code is used.
  Browser SignIn(const std::string& login, const std::string& password = kGoodPassword,
                 const std::string& secret = "");

  // Audit records whose action starts with `prefix`, oldest first.
  std::vector<audit::Record> Audit(const std::string& prefix);
  int64_t AuditCount() { return static_cast<int64_t>(Audit("").size()); }

  ::dokuei::testing::FakeClock clock_;
  identity::SecretKey key_ = identity::SecretKey::Generate();
  identity::IdentityOptions options_;
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<identity::Identity> id_;
  std::unique_ptr<audit::AuditLog> real_audit_;
  std::unique_ptr<SwitchableAuditLog> audit_;
  std::unique_ptr<Services> services_;
  http::RouteTable routes_;
  std::unique_ptr<http::Authenticator> auth_;
  std::unique_ptr<http::Server> server_;
  std::filesystem::path dir_;
  std::string base_conninfo_;
  std::string schema_;
};

#define DOKUEI_AUTH_API_BACKENDS(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(                                                                \
      Backends, Suite,                                                                     \
      ::testing::Values(Backend::kSqliteMemory, Backend::kSqliteFile, Backend::kPostgres), \
      BackendName)

}  // namespace dokuei::api::auth_testing
