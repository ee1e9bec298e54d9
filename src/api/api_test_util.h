// Test-only: a real http::Server in process serving the /api routes with real identity and
// audit on SQLite (a temporary file) or PostgreSQL (DOKUEI_TEST_PG_CONNINFO; a schema per test,
// dropped afterwards; required when DOKUEI_TEST_PG_REQUIRED=1, as scripts/with-postgres.sh
// sets). Requests are authenticated by TestAuthenticator, which maps a bearer string to the
// http::Principal of a real user, with grants from identity::GrantsOf(roles, tenant kind), so
// these tests do not depend on the production Authenticator. Also used by tests/authz.
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
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dokuei/api/api.h"
#include "dokuei/audit/audit.h"
#include "dokuei/base/random.h"
#include "dokuei/db/db.h"
#include "dokuei/http/auth.h"
#include "dokuei/http/server.h"
#include "dokuei/identity/identity.h"
#include "dokuei/index/index.h"
#include "dokuei/testing/db_backends.h"
#include "dokuei/testing/fake_clock.h"

namespace dokuei::api::testing {

using ::dokuei::testing::PgAdmin;

using nlohmann::json;

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kPostgres ? "Postgres" : "Sqlite";
}

inline constexpr char kPassword[] = "Kawasemi-no-mizube-2031";

// The Principal a session of this user would carry.
inline http::Principal PrincipalFor(const identity::User& u, const identity::Tenant& t) {
  http::Principal p;
  p.tenant_id = t.id;
  p.subject = u.login;
  p.user_id = u.id;
  p.tenant_kind = std::string(identity::TenantKindName(t.kind));
  for (auto r : u.roles) p.roles.emplace_back(identity::RoleName(r));
  for (const auto& g : identity::GrantsOf(u.roles, t.kind)) {
    p.permissions.emplace_back(g.permission);
    if (g.scope == identity::Scope::kAnyTenant) p.any_tenant_permissions.emplace_back(g.permission);
  }
  p.via = http::Principal::Via::kBearer;
  return p;
}

class TestAuthenticator final : public http::Authenticator {
 public:
  void Add(const std::string& token, http::Principal p) {
    std::lock_guard lock(mu_);
    principals_[token] = std::move(p);
  }
  base::Result<http::Principal> Authenticate(const http::RequestView& request) override {
    std::string_view auth = request.Header("Authorization");
    if (auth.substr(0, 7) != "Bearer ") return base::Unauthenticated("missing bearer token");
    std::lock_guard lock(mu_);
    auto it = principals_.find(std::string(auth.substr(7)));
    if (it == principals_.end()) return base::Unauthenticated("invalid bearer token");
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, http::Principal> principals_;
};

// An AuditLog that can be told to fail its appends (the operation must then fail too).
class SwitchableAuditLog final : public audit::AuditLog {
 public:
  explicit SwitchableAuditLog(audit::AuditLog& inner) : inner_(inner) {}
  std::atomic<bool> fail{false};
  base::Result<audit::Record> Append(audit::Event e) override {
    if (fail) return base::Unavailable("audit log unavailable (test)");
    return inner_.Append(std::move(e));
  }
  base::Result<audit::Record> AppendIn(db::Conn& c, audit::Event e) override {
    if (fail) return base::Unavailable("audit log unavailable (test)");
    return inner_.AppendIn(c, std::move(e));
  }
  base::Result<std::vector<audit::Record>> Search(const audit::Query& q) override {
    return inner_.Search(q);
  }
  base::Result<audit::VerifyResult> Verify() override { return inner_.Verify(); }
  base::Result<int64_t> Purge() override { return inner_.Purge(); }

 private:
  audit::AuditLog& inner_;
};

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  json Json() const { return json::parse(body, nullptr, false); }
};

// One request on a fresh connection.
inline HttpResult Call(uint16_t port, const std::string& method, const std::string& target,
                       const std::string& token = "", const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}) {
  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  beast::error_code connect_ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, connect_ec);
  if (connect_ec) return {};
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.set(k, v);
    has_type = has_type || k == "Content-Type";
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  beast::error_code ec;
  // A server refusing a too-large body answers before reading it and may close while we still
  // write: read the answer anyway.
  bhttp::write(socket, req, ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  bhttp::read(socket, buffer, parser, ec);
  HttpResult out;
  if (ec) return out;
  auto res = parser.release();
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& f : res) out.headers[std::string(f.name_string())] = std::string(f.value());
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

// The database, index, identity and audit log of one test.
class Stack {
 public:
  ~Stack() {
    identity_.reset();
    audit_.reset();
    index_.reset();
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) (void)PgAdmin(conninfo_, "DROP SCHEMA " + schema_ + " CASCADE");
  }

  // Skips (GTEST_SKIP in the caller) when PostgreSQL is not configured and not required.
  base::Status Open(Backend backend, bool* skip) {
    *skip = false;
    if (backend == Backend::kPostgres) {
      const char* conninfo = std::getenv("DOKUEI_TEST_PG_CONNINFO");
      if (conninfo == nullptr || *conninfo == '\0') {
        const char* required = std::getenv("DOKUEI_TEST_PG_REQUIRED");
        if (required && std::string(required) == "1")
          return base::FailedPrecondition("DOKUEI_TEST_PG_REQUIRED=1 without a conninfo");
        *skip = true;
        return base::Status::Ok();
      }
      conninfo_ = conninfo;
      schema_ = "t_" + base::RandomHex(8);
      if (auto err = PgAdmin(conninfo_, "CREATE SCHEMA " + schema_); !err.empty())
        return base::Unavailable(err);
      DOKUEI_ASSIGN_OR_RETURN(
          auto d, db::OpenPostgres({conninfo_ + " options='-csearch_path=" + schema_ + "'", 6}));
      db_ = std::move(d);
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("dokuei-api-" + base::RandomHex(8));
      std::filesystem::create_directories(dir_);
      DOKUEI_ASSIGN_OR_RETURN(auto d, db::OpenSqlite({(dir_ / "db.sqlite").string(), 4}));
      db_ = std::move(d);
    }
    DOKUEI_ASSIGN_OR_RETURN(index_, index::OpenIndex(db_));
    identity::IdentityOptions options;
    options.password_hash = identity::PasswordHashParams::ForTests();
    DOKUEI_ASSIGN_OR_RETURN(
        identity_, identity::OpenIdentity(db_, clock_, identity::SecretKey::Generate(), options));
    DOKUEI_ASSIGN_OR_RETURN(audit_, audit::OpenAuditLog(db_, clock_));
    audit_switch_ = std::make_unique<SwitchableAuditLog>(*audit_);
    return base::Status::Ok();
  }

  identity::Identity& id() { return *identity_; }
  audit::AuditLog& log() { return *audit_switch_; }
  SwitchableAuditLog& audit_switch() { return *audit_switch_; }
  index::Index& index() { return *index_; }
  std::shared_ptr<db::Database> database() { return db_; }
  ::dokuei::testing::FakeClock& clock() { return clock_; }
  const std::filesystem::path& dir() const { return dir_; }

  identity::Tenant MakeTenant(const std::string& code, identity::TenantKind kind) {
    identity::TenantSpec spec;
    spec.code = code;
    spec.name = code + " 病院";
    spec.kind = kind;
    auto t = identity_->tenants().Create(spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : identity::Tenant{};
  }

  identity::User MakeUser(const identity::Tenant& t, const std::string& login,
                          std::vector<identity::Role> roles) {
    identity::NewUser nu;
    nu.tenant_id = t.id;
    nu.login = login;
    nu.display_name = login + " さん";
    nu.roles = std::move(roles);
    nu.password = kPassword;
    auto u = identity_->accounts().Create(nu);
    EXPECT_TRUE(u.ok()) << login << ": " << u.status().ToString();
    return u.ok() ? *u : identity::User{};
  }

  // Every audit record after `after_seq`, oldest first.
  std::vector<audit::Record> RecordsAfter(int64_t after_seq) {
    audit::Query q;
    q.all_tenants = true;
    q.after_seq = after_seq;
    q.oldest_first = true;
    q.limit = audit::kMaxSearchLimit;
    auto r = audit_->Search(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<audit::Record>{};
  }
  int64_t LastSeq() {
    audit::Query q;
    q.all_tenants = true;
    q.limit = 1;
    auto r = audit_->Search(q);
    return r.ok() && !r->empty() ? r->front().seq : 0;
  }

 private:
  ::dokuei::testing::FakeClock clock_;
  std::shared_ptr<db::Database> db_;
  std::unique_ptr<index::Index> index_;
  std::unique_ptr<identity::Identity> identity_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<SwitchableAuditLog> audit_switch_;
  std::filesystem::path dir_;
  std::string conninfo_, schema_;
};

}  // namespace dokuei::api::testing
