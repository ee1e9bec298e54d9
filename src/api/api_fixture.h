// Test-only: the fixture of the api tests. Every TEST_P(ApiTest, ...) runs on SQLite and on
// PostgreSQL (named ".../Postgres", which the api_test_postgres entry selects). The world: the
// reading centre with an administrator, an auditor, a reader, a checker and a coordinator; two
// hospitals (sakura, kaede) each with staff, an administrator and an auditor. Each user's bearer
// token is "tok-<login>".
#pragma once

#include "api_test_util.h"

namespace dokuei::api::testing {

class ApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    bool skip = false;
    auto st = stack_.Open(GetParam(), &skip);
    ASSERT_TRUE(st.ok()) << st.ToString();
    if (skip) GTEST_SKIP() << "PostgreSQL not configured: run under scripts/with-postgres.sh";
    using identity::Role;
    using identity::TenantKind;
    centre_ = stack_.MakeTenant("reading-centre", TenantKind::kReadingCentre);
    sakura_ = stack_.MakeTenant("sakura", TenantKind::kHospital);
    kaede_ = stack_.MakeTenant("kaede", TenantKind::kHospital);
    User(centre_, "centre.admin", {Role::kAdministrator});
    User(centre_, "centre.auditor", {Role::kAuditor});
    User(centre_, "reader1", {Role::kReader});
    User(centre_, "checker1", {Role::kChecker});
    User(centre_, "coord1", {Role::kCoordinator});
    for (const auto* t : {&sakura_, &kaede_}) {
      User(*t, t->code + ".staff", {Role::kHospitalStaff});
      User(*t, t->code + ".admin", {Role::kAdministrator});
      User(*t, t->code + ".auditor", {Role::kAuditor});
    }
    services_ =
        std::make_unique<Services>(Services{stack_.id(), stack_.log(), stack_.clock(), Options{}});
    ASSERT_TRUE(RegisterAdminRoutes(routes_, *services_).ok());
    ASSERT_TRUE(RegisterAuditRoutes(routes_, *services_).ok());
    StartServer(2);
    seq_ = stack_.LastSeq();
  }

  // (Re)starts the server on routes_ (fixtures stop it, register their routes, start it again).
  void StartServer(int worker_threads) {
    if (server_) server_->Stop();
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.io_threads = 1;
    options.worker_threads = worker_threads;
    server_ = std::make_unique<http::Server>(options, routes_, &auth_);
    ASSERT_TRUE(server_->Start().ok());
  }

  // The audit hook of the workflow and report libraries: append to the stack's log in the
  // caller's transaction.
  std::function<base::Status(db::Conn&, const audit::Event&)> AuditToLog() {
    audit::AuditLog& log = stack_.log();
    return [&log](db::Conn& c, const audit::Event& e) { return log.AppendIn(c, e).status(); };
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
  }

  identity::User User(const identity::Tenant& t, const std::string& login,
                      std::vector<identity::Role> roles) {
    identity::User u = stack_.MakeUser(t, login, std::move(roles));
    users_[login] = u;
    auth_.Add("tok-" + login, PrincipalFor(u, t));
    return u;
  }

  HttpResult Do(const std::string& as, const std::string& method, const std::string& target,
                const json& body = nullptr,
                const std::map<std::string, std::string>& headers = {}) {
    return Call(server_->port(), method, target, as.empty() ? "" : "tok-" + as,
                body.is_null() ? "" : body.dump(), headers);
  }

  // Audit records written since the last call (or SetUp).
  std::vector<audit::Record> NewRecords() {
    auto r = stack_.RecordsAfter(seq_);
    if (!r.empty()) seq_ = r.back().seq;
    return r;
  }

  Stack stack_;
  identity::Tenant centre_, sakura_, kaede_;
  std::map<std::string, identity::User> users_;
  TestAuthenticator auth_;
  std::unique_ptr<Services> services_;
  http::RouteTable routes_;
  std::unique_ptr<http::Server> server_;
  int64_t seq_ = 0;
};

#define DOKUEI_API_BACKENDS(Suite)          \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, \
                           ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName)

}  // namespace dokuei::api::testing
