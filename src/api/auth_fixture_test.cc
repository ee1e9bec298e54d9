// The ApiTest fixture (auth_test_fixture.h); named *_test.cc so that the module's glob builds it
// into api_test. No tests here.
#include "auth_test_fixture.h"
#include "dokuei/identity/totp.h"

namespace dokuei::api::auth_testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

void ApiTest::SetUp() {
  options_.password_hash = identity::PasswordHashParams::ForTests();
  switch (GetParam()) {
    case Backend::kSqliteMemory:
      break;
    case Backend::kSqliteFile:
      dir_ = std::filesystem::temp_directory_path() / ("dokuei-api-" + base::RandomHex(8));
      std::filesystem::create_directories(dir_);
      break;
    case Backend::kPostgres: {
      const char* conninfo = std::getenv("DOKUEI_TEST_PG_CONNINFO");
      if (conninfo == nullptr || *conninfo == '\0') {
        const char* required = std::getenv("DOKUEI_TEST_PG_REQUIRED");
        if (required && std::string(required) == "1") {
          FAIL() << "DOKUEI_TEST_PG_REQUIRED=1 but DOKUEI_TEST_PG_CONNINFO is not set";
        }
        GTEST_SKIP() << "PostgreSQL not configured: run under scripts/with-postgres.sh";
      }
      base_conninfo_ = conninfo;
      schema_ = "t_" + base::RandomHex(8);
      ASSERT_EQ(PgAdmin(base_conninfo_, "CREATE SCHEMA " + schema_), "");
      break;
    }
  }
  auto db = OpenDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(db).value();
  auto index = index::OpenIndex(db_);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  index_ = std::move(index).value();
  auto id = identity::OpenIdentity(db_, clock_, key_, options_);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  id_ = std::move(id).value();
  auto log = audit::OpenAuditLog(db_, clock_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  real_audit_ = std::move(log).value();
  audit_ = std::make_unique<SwitchableAuditLog>(*real_audit_);

  Options api_options;
  api_options.secure_cookies = true;
  services_.reset(new Services{*id_, *audit_, clock_, api_options});
  ASSERT_TRUE(RegisterAuthRoutes(routes_, *services_).ok());
  http::StaticToken st;
  st.sha256_hex = http::StaticTokenAuthenticator::HashToken(kStaticToken);
  st.subject = "gateway";
  st.permissions = {"*"};
  st.tenant_id = 0;  // set by tests that need one
  auth_ = MakeAuthenticator(*services_, {st});

  http::ServerOptions so;
  so.listen = "127.0.0.1:0";
  so.worker_threads = 2;
  server_ = std::make_unique<http::Server>(so, routes_, auth_.get());
  ASSERT_TRUE(server_->Start().ok());
}

void ApiTest::TearDown() {
  server_.reset();
  auth_.reset();
  services_.reset();
  audit_.reset();
  real_audit_.reset();
  id_.reset();
  index_.reset();
  db_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
  if (!schema_.empty()) (void)PgAdmin(base_conninfo_, "DROP SCHEMA " + schema_ + " CASCADE");
}

base::Result<std::shared_ptr<db::Database>> ApiTest::OpenDatabase() {
  switch (GetParam()) {
    case Backend::kSqliteMemory: {
      DOKUEI_ASSIGN_OR_RETURN(auto d, db::OpenSqlite({":memory:", 1}));
      return std::shared_ptr<db::Database>(std::move(d));
    }
    case Backend::kSqliteFile: {
      DOKUEI_ASSIGN_OR_RETURN(auto d, db::OpenSqlite({(dir_ / "db.sqlite").string(), 2}));
      return std::shared_ptr<db::Database>(std::move(d));
    }
    case Backend::kPostgres: {
      DOKUEI_ASSIGN_OR_RETURN(
          auto d,
          db::OpenPostgres({base_conninfo_ + " options='-csearch_path=" + schema_ + "'", 4}));
      return std::shared_ptr<db::Database>(std::move(d));
    }
  }
  return base::Internal("unknown backend");
}

Reply ApiTest::Call(const std::string& method, const std::string& target, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
  Reply out;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.connect(net::ip::tcp::endpoint(net::ip::address_v4::loopback(), server_->port()), ec);
  EXPECT_FALSE(ec) << ec.message();
  if (ec) return out;
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [n, v] : headers) req.insert(n, v);
  req.body() = body;
  req.prepare_payload();
  stream.expires_after(std::chrono::seconds(30));
  bhttp::write(stream, req, ec);
  EXPECT_FALSE(ec) << ec.message();
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res, ec);
  EXPECT_FALSE(ec) << ec.message();
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(name, std::string(f.value()));
  }
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return out;
}

identity::Tenant ApiTest::MakeTenant(const std::string& code, identity::TenantKind kind) {
  identity::TenantSpec spec;
  spec.code = code;
  spec.name = code + " 病院";
  spec.kind = kind;
  auto t = id_->tenants().Create(spec);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : identity::Tenant{};
}

identity::User ApiTest::MakeUser(const identity::Tenant& t, const std::string& login,
                                 std::vector<identity::Role> roles, const std::string& password) {
  identity::NewUser nu;
  nu.tenant_id = t.id;
  nu.login = login;
  nu.display_name = login + " さん";
  nu.roles = std::move(roles);
  nu.password = password;
  auto u = id_->accounts().Create(nu);
  EXPECT_TRUE(u.ok()) << u.status().ToString();
  return u.ok() ? *u : identity::User{};
}

std::string ApiTest::Code(const std::string& secret_b32) {
  auto raw = identity::Base32Decode(secret_b32);
  EXPECT_TRUE(raw.ok());
  if (!raw.ok()) return {};
  const auto* p = reinterpret_cast<const uint8_t*>(raw->data());
  return identity::HotpCode({p, raw->size()},
                            static_cast<uint64_t>(identity::TotpStep(clock_.Now())));
}

std::string ApiTest::Enrol(int64_t user_id) {
  auto e = id_->two_factor().Begin(user_id);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return {};
  auto codes = id_->two_factor().Confirm(user_id, Code(e->secret_base32));
  EXPECT_TRUE(codes.ok()) << codes.status().ToString();
  clock_.Advance(std::chrono::seconds(30));
  return e->secret_base32;
}

Browser ApiTest::SignIn(const std::string& login, const std::string& password,
                        const std::string& secret) {
  Reply r = Post("/api/auth/login", {{"login", login}, {"password", password}});
  EXPECT_EQ(r.status, 200) << r.body;
  Json j = r.json();
  if (!secret.empty()) {
    EXPECT_EQ(j.value("status", ""), "second_factor_required") << r.body;
    r = Post("/api/auth/second-factor",
             {{"challenge", j.value("challenge", "")}, {"code", Code(secret)}});
    clock_.Advance(std::chrono::seconds(30));
    EXPECT_EQ(r.status, 200) << r.body;
    j = r.json();
  }
  EXPECT_EQ(j.value("status", ""), "ok") << r.body;
  Browser b{r.Cookie(), j.value("csrf_token", "")};
  EXPECT_EQ(b.cookie.size(), 43u) << r.body;
  return b;
}

std::vector<audit::Record> ApiTest::Audit(const std::string& prefix) {
  audit::Query q;
  q.all_tenants = true;
  q.action_prefix = prefix;
  q.oldest_first = true;
  q.limit = 1000;
  auto r = real_audit_->Search(q);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<audit::Record>{};
}

}  // namespace dokuei::api::auth_testing
